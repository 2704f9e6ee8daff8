"""Scrapyd runs the deployed egg's code and shows each crawl's exit code in its job list.

Scrapyd 1.6 lists a finished job's id, spider, times and log URL, never how its process
ended: a crawl that failed (codes 2 to 7, :mod:`crawler.outcome`) looks like one that
finished.  And it appends the egg to ``sys.path``, after the site-packages where the server's
Python holds Kabarsip (installed there for its dependencies and for this module), so the
installed copy, not the deployed one, would run.  Configured in ``scrapyd.conf``::

    [scrapyd]
    launcher = crawler.scrapydjobs.KabarsipLauncher

    [services]
    listjobs.json = crawler.scrapydjobs.ListJobsWithExitCodes

``listjobs.json`` then gives every finished job ``exit_code`` (``-N`` when killed by signal
``N``, ``null`` when unknown) and ``outcome`` (``finished`` or ``failed``).  Scrapyd's default
job storage keeps the codes in memory; ``SqliteJobStorage`` keeps jobs without them, and the
last line of each job's log (``Crawl ended with exit code N``) says it in any case.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Any, cast

from scrapyd.interfaces import IEggStorage, IEnvironment
from scrapyd.launcher import Launcher, ScrapyProcessProtocol, get_crawl_args
from scrapyd.webservice import ListJobs
from twisted.internet import error

if TYPE_CHECKING:
    from twisted.python.failure import Failure
    from twisted.web.server import Request


class ExitCodeProcessProtocol(ScrapyProcessProtocol):
    """Scrapyd's crawl process, keeping how it ended as ``exit_code``."""

    exit_code: int | None = None

    def processEnded(self, status: Failure) -> None:
        self.exit_code = exit_code_of(status.value)
        super().processEnded(status)


def exit_code_of(ended: object) -> int | None:
    """A process's exit code from Twisted's reason: ``-N`` for signal ``N``, None if unknown."""
    if isinstance(ended, error.ProcessDone):
        return 0
    if isinstance(ended, error.ProcessTerminated):
        if ended.exitCode is not None:
            return int(ended.exitCode)
        if ended.signal is not None:
            return -int(ended.signal)
    return None


class KabarsipLauncher(Launcher):
    """Scrapyd's launcher: each crawl's egg first on its path, its exit code kept."""

    def _spawn_process(self, message: dict[str, Any], slot: int) -> None:
        # Scrapyd 1.6's own steps (scrapyd.launcher.Launcher._spawn_process), with the egg put
        # first and the protocol swapped: the launcher has no hook for either.
        project = message["_project"]
        environment = self.app.getComponent(IEnvironment)
        message.setdefault("settings", {})
        message["settings"].update(environment.get_settings(message))
        env = environment.get_environment(message, slot)
        egg = self._egg_path(project, message.get("_version"))
        if egg:
            env["PYTHONPATH"] = os.pathsep.join(filter(None, (egg, env.get("PYTHONPATH"))))
        args = [sys.executable, "-m", self.runner, "crawl", *get_crawl_args(message)]
        # Scrapyd's reactor, installed by then: importing this module installs none.
        from twisted.internet import reactor

        process = ExitCodeProcessProtocol(project, message["_spider"], message["_job"], env, args)
        process.deferred.addBoth(self._process_finished, slot)
        cast(Any, reactor).spawnProcess(process, sys.executable, args=args, env=env)
        self.processes[slot] = process

    def _egg_path(self, project: str, version: str | None) -> str | None:
        """The file of the egg the runner will take, when the egg storage keeps files."""
        _, egg = self.app.getComponent(IEggStorage).get(project, version)
        if egg is None:
            return None
        egg.close()
        name = getattr(egg, "name", None)
        return name if isinstance(name, str) else None


class ListJobsWithExitCodes(ListJobs):
    """``listjobs.json`` with ``exit_code`` and ``outcome`` on each finished job."""

    def render_GET(self, txrequest: Request) -> dict[str, Any]:
        listing: dict[str, Any] = super().render_GET(txrequest)
        codes = {job.job: getattr(job, "exit_code", None) for job in self.root.launcher.finished}
        for job in listing.get("finished", []):
            code = codes.get(job["id"])
            job["exit_code"] = code
            job["outcome"] = None if code is None else "finished" if code == 0 else "failed"
        return listing
