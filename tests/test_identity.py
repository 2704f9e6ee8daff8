"""Operator identity: the contact is read when a crawl starts and sent with every request."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from crawler.demo import PROJECT_DIR, crawl_command
from crawler.outcome import ExitCode
from tests.scripted_server import ScriptedServer, page

ARTICLE = r"^https?://[^/]+/news/read/\d+/[a-z-]+$"


def one_page_site(directory: Path, origin: str, domain: str = "127.0.0.1") -> Path:
    path = directory / "kontak.toml"
    path.write_text(
        f'name = "kontak"\ndomains = ["{domain}"]\nstart_urls = ["{origin}/section/"]\n'
        f"article_pattern = '{ARTICLE}'\n",
        encoding="utf-8",
    )
    return path


def crawl(
    out: Path, site: Path, origin: str, contact_env: str | None, *settings: str
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "KABARSIP_CONTACT"}
    if contact_env is not None:
        env["KABARSIP_CONTACT"] = contact_env
    command = crawl_command(str(site), origin, out, out / "stats.json")
    for setting in settings:
        command += ["-s", setting]
    out.mkdir(parents=True, exist_ok=True)
    return subprocess.run(
        command, cwd=PROJECT_DIR, env=env, capture_output=True, text=True, timeout=300
    )


def warcinfo(warc_dir: Path) -> str:
    for path in sorted(warc_dir.glob("*.warc.gz")):
        with path.open("rb") as stream:
            for record in ArchiveIterator(stream):
                if record.rec_type == "warcinfo":
                    return record.content_stream().read().decode()
    return ""


def agents(server: ScriptedServer) -> set[str]:
    return {hit.headers.get("User-Agent", "") for hit in server.hits}


@pytest.mark.slow
def test_the_contact_from_the_environment_is_sent_and_archived(tmp_path: Path) -> None:
    with ScriptedServer({"/section/": page("<html><body>kosong</body></html>")}) as server:
        site = one_page_site(tmp_path, server.origin())
        result = crawl(tmp_path / "out", site, server.origin(), "arsip@example.org")

    assert result.returncode == 0, result.stderr
    assert agents(server) == {"Kabarsip/0.1 (news archiver; +arsip@example.org)"}
    assert "/section/" in server.paths()
    info = warcinfo(tmp_path / "out" / "warc")
    assert "operator: arsip@example.org" in info
    assert "+arsip@example.org" in info


@pytest.mark.slow
def test_the_contact_setting_wins_over_the_environment(tmp_path: Path) -> None:
    with ScriptedServer({"/section/": page("<html><body>kosong</body></html>")}) as server:
        site = one_page_site(tmp_path, server.origin())
        result = crawl(
            tmp_path / "out",
            site,
            server.origin(),
            "arsip@example.org",
            "KABARSIP_CONTACT=https://example.org/kontak",
        )

    assert result.returncode == 0, result.stderr
    assert agents(server) == {"Kabarsip/0.1 (news archiver; +https://example.org/kontak)"}


@pytest.mark.slow
def test_a_user_agent_given_on_the_command_line_is_kept(tmp_path: Path) -> None:
    with ScriptedServer({"/section/": page("<html><body>kosong</body></html>")}) as server:
        site = one_page_site(tmp_path, server.origin())
        result = crawl(
            tmp_path / "out", site, server.origin(), "arsip@example.org", "USER_AGENT=Uji/1.0"
        )

    assert result.returncode == 0, result.stderr
    assert agents(server) == {"Uji/1.0"}
    assert "operator: arsip@example.org" in warcinfo(tmp_path / "out" / "warc")


@pytest.mark.slow
def test_a_remote_site_without_a_contact_stops_before_fetching(tmp_path: Path) -> None:
    site = one_page_site(tmp_path, "https://www.koran-contoh.co.id", "koran-contoh.co.id")
    started = time.monotonic()
    result = crawl(tmp_path / "out", site, "https://www.koran-contoh.co.id", None)

    assert result.returncode == ExitCode.USAGE
    assert time.monotonic() - started < 60
    lines = [line for line in result.stderr.splitlines() if line.startswith("kabarsip:")]
    assert len(lines) == 1
    assert "koran-contoh.co.id" in lines[0]
    assert "KABARSIP_CONTACT=" in lines[0]
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out" / "warc").exists()
    assert not (tmp_path / "out" / "stats.json").exists()


@pytest.mark.slow
def test_a_malformed_contact_is_refused_at_start(tmp_path: Path) -> None:
    site = one_page_site(tmp_path, "http://127.0.0.1:9")
    result = crawl(tmp_path / "out", site, "http://127.0.0.1:9", "bukan kontak")

    assert result.returncode == ExitCode.USAGE
    assert "KABARSIP_CONTACT must be an http(s) URL or an e-mail address" in result.stderr
