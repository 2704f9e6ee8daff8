"""What the browser tests need: the system Chromium and ReplayWeb.page's files.

Both are looked up, never downloaded here. Without one a test skips, except under
``CI=true``, where ``.ci/run`` installs them (Debian's chromium; the npm package
``replaywebpage``, through ``make replaywebpage``).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from crawler.demo import PROJECT_DIR

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
#: Names the folder holding ReplayWeb.page's ``ui.js`` and ``sw.js``.
REPLAYWEBPAGE_ENV = "KABARSIP_REPLAYWEBPAGE"
#: Where ``make replaywebpage`` puts them.
REPLAYWEBPAGE_DIR = PROJECT_DIR / ".cache" / "replaywebpage"


def require_chromium() -> str:
    """The system Chromium (``KABARSIP_CHROMIUM`` names another); skips, or fails in CI."""
    given = os.environ.get("KABARSIP_CHROMIUM")
    found = given or next(filter(None, map(shutil.which, CHROMIUM_NAMES)), None)
    if found:
        return found
    if os.environ.get("CI") == "true":
        pytest.fail("no Chromium on PATH: .ci/run installs Debian's chromium package")
    pytest.skip("no Chromium on PATH (apt-get install chromium); CI installs it")


def require_replaywebpage() -> Path:
    """The folder with ReplayWeb.page's ``ui.js`` and ``sw.js``; skips, or fails in CI."""
    folder = Path(os.environ.get(REPLAYWEBPAGE_ENV) or REPLAYWEBPAGE_DIR)
    if all((folder / name).is_file() for name in ("ui.js", "sw.js")):
        return folder
    message = (
        f"ReplayWeb.page not found in {folder} (ui.js, sw.js): run `make replaywebpage` "
        f"or set {REPLAYWEBPAGE_ENV}"
    )
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)
