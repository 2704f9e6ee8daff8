"""Kabarsip on Scrapyd: the egg ``scrapyd-deploy`` builds runs crawls, and their exit codes show."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from twisted.internet import error
from warcio.archiveiterator import ArchiveIterator

from crawler.demosite.server import DemoServer
from crawler.outcome import ExitCode
from crawler.sites import site_files
from tests.scrapyd_server import deploy, project_copy, scrapyd_deploy, scrapyd_server

# Run with only the egg on the path: the editable install's finder is taken away first.
EGG_PROBE = textwrap.dedent(
    """
    import json, sys
    sys.meta_path[:] = [f for f in sys.meta_path if "Editable" not in getattr(f, "__name__", "")]
    sys.path.insert(0, sys.argv[1])
    from crawler import sites
    from crawler.demosite.generator import generate_site
    from crawler.processing import seed_sites
    site = sites.load_site("demo")
    from pathlib import Path
    manifest = generate_site(Path(sys.argv[2]), 10, edition=1)
    print(json.dumps({
        "module": sites.__file__,
        "site": site.name,
        "site_file": str(site.path),
        "seeds": sorted(s.name for s in seed_sites()),
        "articles": len(manifest.articles),
    }))
    """
)


def test_the_exit_code_is_how_the_process_ended() -> None:
    # Scrapyd's launcher module installs Twisted's default reactor: not at collection time.
    from crawler.scrapydjobs import exit_code_of

    assert exit_code_of(error.ProcessDone(0)) == 0
    assert exit_code_of(error.ProcessTerminated(exitCode=ExitCode.STATE)) == 6
    assert exit_code_of(error.ProcessTerminated(signal=9)) == -9
    assert exit_code_of(error.ConnectionLost()) is None


@pytest.mark.slow
def test_the_egg_reads_its_site_files_from_inside_the_zip(tmp_path: Path) -> None:
    egg = tmp_path / "kabarsip.egg"
    built = scrapyd_deploy("--build-egg", str(egg))
    assert built.returncode == 0, built.stderr
    probe = subprocess.run(
        [sys.executable, "-c", EGG_PROBE, str(egg), str(tmp_path / "site")],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert probe.returncode == 0, probe.stderr
    found = json.loads(probe.stdout)
    assert found["module"].startswith(str(egg))
    assert found["site"] == "demo"
    assert found["site_file"] == f"{egg}/crawler/seeds/demo.toml"
    assert len(found["seeds"]) == len(site_files()) > 1
    assert found["articles"] == 10


@pytest.mark.slow
def test_a_crawl_scheduled_on_scrapyd_archives_and_shows_its_exit_code(
    tmp_path: Path, small_server: DemoServer
) -> None:
    # A site file only the egg holds: the crawl finds it inside the deployed egg or not at all.
    source = project_copy(tmp_path / "source")
    demo = (source / "seeds" / "demo.toml").read_text(encoding="utf-8")
    assert 'name = "demo"' in demo
    (source / "seeds" / "eggonly.toml").write_text(
        demo.replace('name = "demo"', 'name = "eggonly"'), encoding="utf-8"
    )
    with scrapyd_server(tmp_path / "scrapyd") as server:
        deployed = deploy(server, tmp_path / "config", source)
        assert deployed.returncode == 0, deployed.stderr
        assert '"status": "ok"' in deployed.stdout, deployed.stdout
        assert server.get("listspiders.json", project="kabarsip")["spiders"] == [
            "archive",
            "news",
        ]

        out = tmp_path / "run"
        settings = {
            "SCOPE_ALLOW_NETWORKS": "127.0.0.1/32",
            "AUTOTHROTTLE_ENABLED": "False",
            "WARC_DIR": str(out / "warc"),
            "ITEMS_PATH": str(out / "items" / "%(site_name)s-%(time)s.jsonl"),
            "STATE_PATH": str(out / "state.sqlite"),
            "STATS_FILE": str(out / "stats.json"),
        }
        site_args = {"site": "eggonly", "origin": small_server.origin}
        job = server.schedule("news", site_args, settings)
        done = server.wait_finished(job)
        assert (done["exit_code"], done["outcome"]) == (0, "finished"), server.job_log(done)
        assert "Crawl ended with exit code 0" in server.job_log(done).splitlines()[-1]

        warcs = sorted((out / "warc").glob("*.warc.gz"))
        assert warcs and not list((out / "warc").glob("*.open"))
        responses = set()
        for warc in warcs:
            with warc.open("rb") as stream:
                responses |= {
                    record.rec_headers.get_header("WARC-Target-URI")
                    for record in ArchiveIterator(stream)
                    if record.rec_type == "response"
                }
        [items_file] = (out / "items").glob("eggonly-*.jsonl")
        items = [json.loads(line) for line in items_file.read_text(encoding="utf-8").splitlines()]
        assert len(items) == len(small_server.manifest.articles)
        assert {item["url"] for item in items} <= responses

        # The revisit run: the same call on the same state; nothing changed, nothing is new.
        again = server.wait_finished(
            server.schedule("news", site_args, {**settings, "REVISIT_ALL_DUE": "True"})
        )
        assert again["exit_code"] == 0, server.job_log(again)
        stats = json.loads((out / "stats.json").read_text(encoding="utf-8"))
        assert stats["versions/unchanged"] == len(items)
        assert stats.get("versions/new", 0) == stats.get("warc/records/response", 0) == 0

        # A state file that is no state file: the run fails with code 6, and the list says so.
        bad = tmp_path / "bad"
        bad.mkdir()
        (bad / "state.sqlite").write_bytes(b"not a state file\n" * 64)
        failed = server.schedule(
            "news",
            {"site": "demo", "origin": small_server.origin},
            {
                "SCOPE_ALLOW_NETWORKS": "127.0.0.1/32",
                "WARC_DIR": str(bad / "warc"),
                "ITEMS_PATH": str(bad / "items.jsonl"),
                "STATE_PATH": str(bad / "state.sqlite"),
            },
        )
        ended = server.wait_finished(failed)
        assert (ended["exit_code"], ended["outcome"]) == (ExitCode.STATE, "failed")
        last = server.job_log(ended).splitlines()[-1]
        assert f"Crawl ended with exit code {int(ExitCode.STATE)}: " in last
        assert str(bad / "state.sqlite") in last
