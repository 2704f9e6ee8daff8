"""``make bench``: Kabarsip's crawl against plain Scrapy on the demo site, and its targets.

    .venv/bin/python benchmarks/bench_crawl.py [--articles N] [--large-articles M] [--quick]
        [--server auto|nginx|demo] [--only all|workers] [--json OUT] [--keep DIR]

Generates the demo site (N articles, default 5,000; article pages padded to 60-120 kB, served
gzip with ETag and Last-Modified) and its edition 2 with ~10 % of the articles changed, serves
them on 127.0.0.1 with nginx when installed (else the project's demo server, and says so),
then runs every variant as a child process, one after the other, each with a fresh WARC
folder and state (re-crawls start from a copy of the first crawl's state):

- server ceiling: ``curl --parallel`` fetching every served URL (when curl is installed), and
  plain Scrapy doing the same, parsing nothing (requests/s): the server's and Scrapy's own;
- plain Scrapy: section discovery, title and body read with CSS (the reference);
- Kabarsip full crawl with section discovery, and with sitemap discovery;
- unchanged re-crawl and 10 %-updated re-crawl (edition 2) from the first crawl's state;
- a full crawl of M articles (default 10,000): peak RSS against size;
- extraction alone over the saved article pages, in one process (pages/s per core);
- ``scrapy reextract`` over the first crawl's archive (articles/s);
- workers on Redis: one, then two ``scrapy crawl`` workers sharing the sections crawl through
  a redis-server the bench starts on 127.0.0.1, and ``wget --warc-file`` recursive over the
  same site (``--only workers`` runs just these, on a site of N articles).

For each: wall time, CPU time (user + sys of the child and its extraction workers, from
``os.wait4``), articles/s, the CPU of the crawl process alone (its stat
``process/cpu_seconds/crawl``, workers apart), peak RSS (the child's ``ru_maxrss``) and WARC
bytes; then the targets with met / not met. See docs/PERFORMANCE.md for how to read them.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from email.utils import parsedate_to_datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PLAIN_SPIDER = Path(__file__).resolve().parent / "plain_scrapy.py"
PYTHON = sys.executable
LOOPBACK = "127.0.0.1"
PAGE_KB = ("60", "120")
UPDATED_SHARE = 0.1
MIB = 1024 * 1024
# Settings of every Kabarsip crawl (those of ``make demo``, crawler.demo.crawl_command):
# loopback allowed, no throttling, the plain Scrapy run's concurrency.
CRAWL_SETTINGS = (
    "SCOPE_ALLOW_NETWORKS=127.0.0.1/32",
    "AUTOTHROTTLE_ENABLED=False",
    "CONCURRENT_REQUESTS=16",
    "CONCURRENT_REQUESTS_PER_DOMAIN=16",
    "REVISIT_ALL_DUE=True",
    "SECTION_MAX_PAGES=100000",
    # Pages only, as the plain Scrapy spider fetches: the article pictures would add requests
    # it does not make (their cost: README, "Article pictures").
    "ARCHIVE_ASSETS=none",
)
PLAIN_SETTINGS = (
    "CONCURRENT_REQUESTS=16",
    "CONCURRENT_REQUESTS_PER_DOMAIN=16",
    "ROBOTSTXT_OBEY=False",
    "TELNETCONSOLE_ENABLED=False",
    "LOG_LEVEL=INFO",
)


@dataclass
class Run:
    """One measured child process."""

    name: str
    wall: float
    cpu: float
    rss_mib: float
    articles: int = 0
    pages: int = 0
    warc_bytes: int = 0
    # CPU seconds of the measured work alone, where the child reports it (no start-up).
    work_cpu: float = 0.0
    # CPU seconds of the crawl process alone, its extraction workers apart (None: no workers).
    crawl_cpu: float | None = None

    @property
    def per_second(self) -> float:
        return self.articles / self.wall if self.wall else 0.0

    def ms_per_article(self, seconds: float) -> float:
        return 1000 * seconds / self.articles if self.articles else 0.0


@dataclass
class Target:
    row: str
    measure: str
    value: str
    target: str
    met: bool | None


# --- processes --------------------------------------------------------------------------------


def measure(name: str, command: list[str], log: Path, cwd: Path = ROOT) -> Run:
    """Run ``command`` to its end; its wall time and its own rusage (``os.wait4``)."""
    started = time.monotonic()
    with log.open("ab") as out:
        process = subprocess.Popen(command, cwd=cwd, stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
    wall = time.monotonic() - started
    if process.returncode != 0:
        raise SystemExit(f"{name} failed (exit {process.returncode}): see {log}")
    return Run(name, wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


def generate(site: Path, articles: int, edition: int, log: Path) -> None:
    command = [PYTHON, "-m", "crawler.demosite", "generate", str(site), "--articles"]
    command += [str(articles), "--edition", str(edition), "--page-kb", *PAGE_KB]
    command += ["--churn", str(UPDATED_SHARE)]
    measure(f"generate edition {edition}", command, log)


class Server:
    """nginx serving a rendered copy of a generated site, or the project's demo server."""

    def __init__(self, kind: str, work: Path, port: int) -> None:
        self.kind, self.work, self.port = kind, work, port
        self.process: subprocess.Popen[bytes] | None = None
        self.origin = f"http://{LOOPBACK}:{port}"

    def start(self, site: Path, log: Path) -> None:
        if self.kind == "nginx":
            www = self.work / f"www-{site.name}"
            command = [PYTHON, __file__, "--render", str(site), str(www), self.origin]
            measure(f"render {site.name} for nginx", command, log)
            conf = self.work / "nginx.conf"
            conf.write_text(nginx_conf(www, self.work, self.port), encoding="utf-8")
            args = ["nginx", "-p", str(self.work), "-c", str(conf), "-g", "daemon off;"]
        else:
            args = [PYTHON, "-m", "crawler.demosite", "serve", str(site), "--port", str(self.port)]
        with log.open("ab") as out:
            self.process = subprocess.Popen(args, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with socket.create_connection((LOOPBACK, self.port), timeout=1):
                    return
            except OSError:
                if self.process.poll() is not None:
                    raise SystemExit(f"the {self.kind} server did not start: see {log}") from None
                time.sleep(0.1)
        raise SystemExit(f"the {self.kind} server did not listen on port {self.port} in 60 s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=30)
        self.process = None


def nginx_conf(www: Path, work: Path, port: int) -> str:
    """One worker, precompressed gzip, conditional GETs by ETag and Last-Modified."""
    user = "user root;\n" if os.geteuid() == 0 else ""
    return f"""{user}worker_processes 1;
pid {work}/nginx.pid;
error_log {work}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {work}/tmp; proxy_temp_path {work}/tmp;
    fastcgi_temp_path {work}/tmp; uwsgi_temp_path {work}/tmp; scgi_temp_path {work}/tmp;
    sendfile on; tcp_nopush on; keepalive_requests 100000;
    gzip_static on; gzip_vary on;
    server {{
        listen {LOOPBACK}:{port};
        root {www};
        default_type "text/html; charset=utf-8";
        location ~ \\.xml\\.gz$ {{ default_type application/x-gzip;
            try_files $uri/@p$arg_page =404; }}
        location ~ \\.xml$ {{ default_type "application/xml; charset=utf-8";
            try_files $uri/@p$arg_page =404; }}
        location ~ \\.txt$ {{ default_type "text/plain; charset=utf-8";
            try_files $uri/@p$arg_page =404; }}
        location ~ \\.png$ {{ default_type image/png; try_files $uri/@p =404; }}
        location / {{ try_files $uri/@p$arg_page =404; }}
    }}
}}
"""


def render(site: Path, www: Path, origin: str) -> None:
    """Each route of ``site`` as ``www/<path>/@p[<page>]`` (+ ``.gz``), origin filled in."""
    manifest = json.loads((site / "manifest.json").read_text(encoding="utf-8"))
    token, real = manifest["origin_token"].encode(), origin.encode()
    shutil.rmtree(www, ignore_errors=True)
    for target, route in manifest["routes"].items():
        path, _, query = target.partition("?page=")
        file = www / path.strip("/") / f"@p{query}"
        raw = (site / route["file"]).read_bytes()
        if route["file"].endswith(".gz"):
            raw = gzip.compress(gzip.decompress(raw).replace(token, real), mtime=0)
        elif not route["content_type"].startswith("image/"):
            raw = raw.replace(token, real)
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_bytes(raw)
        stamp = parsedate_to_datetime(route["last_modified"]).timestamp()
        if route["compressible"]:
            packed = file.with_name(file.name + ".gz")
            packed.write_bytes(gzip.compress(raw, compresslevel=6, mtime=0))
            os.utime(packed, (stamp, stamp))
        os.utime(file, (stamp, stamp))


# --- variants ---------------------------------------------------------------------------------


def site_file(work: Path, mode: str) -> Path:
    """The demo site file with only one discovery: section pages or sitemaps."""
    text = (ROOT / "seeds" / "demo.toml").read_text(encoding="utf-8")
    dropped = ("sitemaps", "feeds") if mode == "sections" else ("sections", "feeds")
    for key in (*dropped, "start_urls"):
        text = re.sub(rf"^{key} = \[.*?\]", f"{key} = []", text, flags=re.M | re.S)
    path = work / f"demo-{mode}.toml"
    path.write_text(text, encoding="utf-8")
    return path


def crawl_command(site: Path, origin: str, out: Path, warc_dir: Path) -> list[str]:
    """``scrapy crawl news`` of ``site`` writing items, stats and log into ``out``."""
    command = [PYTHON, "-m", "scrapy", "crawl", "news", "-a", f"site={site}", "-a"]
    command += [f"origin={origin}"]
    for setting in (
        *CRAWL_SETTINGS,
        f"WARC_DIR={warc_dir}",
        f"ITEMS_PATH={out / 'items' / '%(site_name)s-%(time)s.jsonl'}",
        f"STATS_FILE={out / 'stats.json'}",
        f"LOG_FILE={out / 'crawl.log'}",
    ):
        command += ["-s", setting]
    return command


def kabarsip_crawl(
    name: str, out: Path, site: Path, origin: str, state_from: Path | None = None
) -> Run:
    shutil.rmtree(out, ignore_errors=True)
    (out / "warc").mkdir(parents=True)
    if state_from is not None:
        # The state and the archive it refers to (revisits point at its records): linked
        # in, so only the files this run writes count as its WARC bytes.
        for part in state_from.parent.glob(state_from.name + "*"):
            if not part.name.endswith(".lock"):
                shutil.copy2(part, out / part.name)
        for warc in (state_from.parent / "warc").iterdir():
            os.link(warc, out / "warc" / warc.name)
    before = {p.name for p in (out / "warc").iterdir()}
    stats_file = out / "stats.json"
    command = crawl_command(site, origin, out, out / "warc")
    command += ["-s", f"STATE_PATH={out / 'state.sqlite'}"]
    run = measure(name, command, out / "process.log")
    stats = json.loads(stats_file.read_text(encoding="utf-8"))
    run.pages = int(stats.get("downloader/response_count", 0))
    errors = int(stats.get("log_count/ERROR", 0))
    if errors:
        print(f"  {name}: {errors} errors logged, see {out / 'crawl.log'}", flush=True)
    # Articles read and checked (new, updated and unchanged versions alike), and those a
    # re-crawl found unchanged without extracting them.
    run.articles = int(stats.get("items/valid", 0)) + int(
        stats.get("articles/unchanged/skipped_extraction", 0)
    )
    if "process/cpu_seconds/crawl" in stats:
        run.crawl_cpu = float(stats["process/cpu_seconds/crawl"])
    run.warc_bytes = sum(
        p.stat().st_size for p in (out / "warc").glob("*.warc.gz") if p.name not in before
    )
    return run


def plain_crawl(name: str, out: Path, origin: str, mode: str, targets: Path | None) -> Run:
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    command = [PYTHON, "-m", "scrapy", "runspider", str(PLAIN_SPIDER), "-a", f"origin={origin}"]
    command += ["-a", f"mode={mode}", "-o", str(out / "items.jsonl")]
    if targets is not None:
        command += ["-a", f"targets={targets}"]
    for setting in PLAIN_SETTINGS:
        command += ["-s", setting]
    # From a folder without scrapy.cfg: Scrapy's defaults, not Kabarsip's settings.
    run = measure(name, command, out / "process.log", cwd=out)
    items = out / "items.jsonl"
    run.articles = sum(1 for _ in items.open(encoding="utf-8")) if items.is_file() else 0
    log = (out / "process.log").read_text(encoding="utf-8", errors="replace")
    found = re.search(r"'downloader/response_count': (\d+)", log)
    run.pages = int(found.group(1)) if found else 0
    if mode == "fetch":
        run.articles = run.pages
    return run


def curl_ceiling(work: Path, origin: str, targets: Path) -> Run:
    """Every target fetched by ``curl --parallel`` (16 at a time, gzip, keep-alive)."""
    config = work / "curl.conf"
    lines = targets.read_text(encoding="utf-8").splitlines()
    config.write_text(
        "".join(f'url = "{origin}{line}"\noutput = "/dev/null"\n' for line in lines),
        encoding="utf-8",
    )
    command = ["curl", "--parallel", "--parallel-max", "16", "--compressed", "-s", "-K"]
    run = measure("server ceiling (curl)", [*command, str(config)], work / "curl.log")
    run.articles = run.pages = len(lines)
    return run


def extraction_alone(work: Path, site: Path) -> Run:
    out = work / "extraction"
    out.mkdir(parents=True, exist_ok=True)
    result = out / "result.json"
    command = [PYTHON, __file__, "--extract", str(site), str(result)]
    run = measure("extraction alone", command, out / "process.log")
    figures = json.loads(result.read_text())
    run.articles = run.pages = int(figures["pages"])
    run.work_cpu = float(figures["cpu"])
    return run


def extract_pages(site: Path, result: Path) -> None:
    """Child: ``extract_article`` over every article page file of ``site``, one process."""
    from scrapy.http import HtmlResponse

    from crawler.extraction import extract_article
    from crawler.sites import load_site

    config = load_site("demo")
    manifest = json.loads((site / "manifest.json").read_text(encoding="utf-8"))
    origin = "http://127.0.0.1:8000"
    pages = 0
    # The loop's own CPU: starting Python and importing Scrapy (~0.7 s) is no extraction.
    started = time.process_time()
    # One page in memory at a time: the peak RSS is the extraction's, not the pages'.
    for target, route in manifest["routes"].items():
        if "/read/" in target and route["content_type"].startswith("text/html"):
            body = (site / route["file"]).read_bytes().replace(b"{{ORIGIN}}", b"")
            extract_article(HtmlResponse(origin + target, body=body, encoding="utf-8"), config)
            pages += 1
    cpu = time.process_time() - started
    result.write_text(json.dumps({"pages": pages, "cpu": cpu}), encoding="utf-8")


def reextract(work: Path, warc: Path) -> Run:
    out = work / "reextract"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    items = out / "items.jsonl"
    command = [PYTHON, "-m", "scrapy", "reextract", str(warc), "-o", str(items), "--site", "demo"]
    command += ["--no-progress", "-s", f"LOG_FILE={out / 'reextract.log'}"]
    run = measure("scrapy reextract", command, out / "process.log")
    run.articles = sum(1 for _ in items.open(encoding="utf-8")) if items.is_file() else 0
    return run


# --- workers on Redis, and wget ---------------------------------------------------------------


class RedisServer:
    """A throwaway redis-server on 127.0.0.1 (no persistence) for the worker rows."""

    def __init__(self, work: Path) -> None:
        self.work, self.port = work, free_port()
        self.url = f"redis://{LOOPBACK}:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> RedisServer:
        binary = shutil.which("redis-server")
        if binary is None:
            raise SystemExit("the worker rows need redis-server (apt-get install redis-server)")
        self.work.mkdir(parents=True, exist_ok=True)
        command = [binary, "--port", str(self.port), "--bind", LOOPBACK, "--save", ""]
        command += ["--appendonly", "no", "--dir", str(self.work)]
        self.process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with socket.create_connection((LOOPBACK, self.port), timeout=1):
                    return self
            except OSError:
                time.sleep(0.05)
        self.__exit__()
        raise SystemExit(f"redis-server did not listen on port {self.port} in 30 s")

    def __exit__(self, *_: object) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=30)
            self.process = None


def measure_all(name: str, commands: list[list[str]], logs: list[Path], env: dict[str, str]) -> Run:
    """Run ``commands`` at once: wall time to the last one's end, CPU time of them all."""
    started = time.monotonic()
    processes = []
    for command, log in zip(commands, logs, strict=True):
        with log.open("ab") as out:
            processes.append(
                subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
            )
    cpu, rss = 0.0, 0.0
    for process, log in zip(processes, logs, strict=True):
        _, status, usage = os.wait4(process.pid, 0)
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(f"{name} failed (exit {os.waitstatus_to_exitcode(status)}): see {log}")
        cpu += usage.ru_utime + usage.ru_stime
        rss = max(rss, usage.ru_maxrss / 1024)
    return Run(name, time.monotonic() - started, cpu, rss)


def worker_crawl(name: str, out: Path, site: Path, origin: str, redis: str, workers: int) -> Run:
    """``workers`` Kabarsip workers sharing one crawl of ``site`` on Redis, one WARC folder."""
    shutil.rmtree(out, ignore_errors=True)
    (out / "warc").mkdir(parents=True)
    # A namespace per variant: each starts from an empty state and an empty queue.
    env = {**os.environ, "KABARSIP_REDIS_URL": redis, "KABARSIP_REDIS_NAMESPACE": out.name}
    folders = [out / f"worker{n}" for n in range(workers)]
    for folder in folders:
        folder.mkdir()
    commands = [crawl_command(site, origin, folder, out / "warc") for folder in folders]
    run = measure_all(name, commands, [folder / "process.log" for folder in folders], env)
    for folder in folders:
        stats = json.loads((folder / "stats.json").read_text(encoding="utf-8"))
        run.articles += int(stats.get("items/valid", 0))
        run.pages += int(stats.get("downloader/response_count", 0))
    run.warc_bytes = sum(p.stat().st_size for p in (out / "warc").glob("*.warc.gz"))
    return run


def wget_crawl(work: Path, origin: str, article: re.Pattern[str]) -> Run:
    """``wget --warc-file``, recursive from the home page, no parent, this host only."""
    from warcio.archiveiterator import ArchiveIterator

    out = work / "wget"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    command = ["wget", "--recursive", "--level=inf", "--no-parent", "--no-verbose"]
    command += ["--compression=auto", f"--warc-file={out / 'crawl'}", "--no-warc-keep-log"]
    command += ["--directory-prefix", str(out / "files"), f"{origin}/"]
    started = time.monotonic()
    with (out / "wget.log").open("ab") as log:
        process = subprocess.Popen(command, cwd=out, stdout=log, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(process.pid, 0)
    # 8: some link answered with an error (the demo site links a few gone pages).
    if os.waitstatus_to_exitcode(status) not in (0, 8):
        raise SystemExit(f"wget failed (exit {os.waitstatus_to_exitcode(status)})")
    run = Run("wget --warc-file", time.monotonic() - started, usage.ru_utime + usage.ru_stime,
              usage.ru_maxrss / 1024)  # fmt: skip
    warc = out / "crawl.warc.gz"
    with warc.open("rb") as stream:
        for record in ArchiveIterator(stream):
            if record.rec_type != "response":
                continue
            run.pages += 1
            status_line = record.http_headers.get_statuscode() if record.http_headers else ""
            url = record.rec_headers.get_header("WARC-Target-URI") or ""
            run.articles += status_line == "200" and article.match(url) is not None
    run.warc_bytes = warc.stat().st_size
    return run


def worker_runs(work: Path, site: Path, origin: str) -> dict[str, Run]:
    """One worker, two workers (Redis), then wget over the site served at ``origin``."""
    runs: dict[str, Run] = {}
    sections = site_file(work, "sections")
    with RedisServer(work / "redis") as redis:
        for workers in (1, 2):
            label = "1 worker" if workers == 1 else f"{workers} workers"
            runs[f"workers{workers}"] = worker_crawl(
                f"Redis, {label}", work / f"workers{workers}", sections, origin, redis.url, workers
            )
            _report(runs[f"workers{workers}"])
    if shutil.which("wget"):
        pattern = re.search(r"^article_pattern = '(.*)'$", sections.read_text(), re.M)
        assert pattern is not None, "the demo site file has no article_pattern"
        runs["wget"] = wget_crawl(work, origin, re.compile(pattern.group(1)))
        _report(runs["wget"])
    return runs


def worker_targets(runs: dict[str, Run]) -> list[Target]:
    if "workers2" not in runs:
        return []
    one, two = runs["workers1"], runs["workers2"]
    scale = two.per_second / one.per_second if one.per_second else 0.0
    rows = [Target("2 workers / 1 worker, Redis", "articles/s ratio", f"{scale:.2f}x",
                   ">= 1.6x", scale >= 1.6)]  # fmt: skip
    if "wget" in runs:
        wget = runs["wget"].per_second
        ahead = two.per_second / wget if wget else 0.0
        rows.append(Target("2 workers vs wget --warc-file", "articles/s ratio", f"{ahead:.2f}x",
                           "> 1x (faster)", ahead > 1))  # fmt: skip
    return rows


def _report(run: Run) -> None:
    print(f"  {run.name}: {run.wall:.1f} s, {run.articles} articles", flush=True)


# --- the table --------------------------------------------------------------------------------


def targets(runs: dict[str, Run]) -> list[Target]:
    plain, sections = runs["plain"], runs["sections"]
    sitemaps, unchanged, updated = runs["sitemaps"], runs["unchanged"], runs["updated"]
    large = runs["large"]

    def ratio(run: Run) -> float:
        return run.per_second / plain.per_second if plain.per_second else 0.0

    rows = [
        Target("full crawl, section discovery", "x plain Scrapy articles/s",
               f"{ratio(sections):.2f}x", ">= 0.95x", ratio(sections) >= 0.95),
        Target("full crawl, sitemap discovery", "x plain Scrapy articles/s",
               f"{ratio(sitemaps):.2f}x", ">= 0.95x", ratio(sitemaps) >= 0.95),
    ]  # fmt: skip
    cpu = unchanged.cpu / sections.cpu
    rows.append(Target("unchanged re-crawl, time", "CPU of first crawl", f"{cpu:.2f}",
                       "<= 0.35", cpu <= 0.35))  # fmt: skip
    share = unchanged.warc_bytes / sections.warc_bytes
    rows.append(Target("unchanged re-crawl, WARC bytes", "% of first", f"{share:.1%}",
                       "<= 2%", share <= 0.02))  # fmt: skip
    bytes_share, time_ratio = updated.warc_bytes / sections.warc_bytes, updated.cpu / sections.cpu
    rows.append(Target("10% updated, bytes / time", "% / CPU ratio",
                       f"{bytes_share:.1%} / {time_ratio:.2f}", "<= 11% / <= 0.45",
                       bytes_share <= 0.11 and time_ratio <= 0.45))  # fmt: skip
    flat = large.rss_mib <= sections.rss_mib * 1.25
    rows.append(Target(f"peak RSS {sections.articles} and {large.articles} articles", "MiB",
                       f"{sections.rss_mib:.0f} / {large.rss_mib:.0f}", "<= 300, flat",
                       max(sections.rss_mib, large.rss_mib) <= 300 and flat))  # fmt: skip
    alone = runs["extraction"]
    extraction = alone.pages / (alone.work_cpu or alone.cpu)
    whole = f" ({alone.pages / alone.cpu:.0f} with start-up)" if alone.work_cpu else ""
    rows.append(Target("extraction alone", "pages/s/core", f"{extraction:.0f}{whole}", ">= 500",
                       extraction >= 500))  # fmt: skip
    rate = runs["reextract"].per_second
    rows.append(Target("scrapy reextract", "articles/s", f"{rate:.0f}", ">= 500", rate >= 500))
    return rows


def print_table(runs: dict[str, Run], rows: list[Target], server: str) -> None:
    load = " ".join(f"{figure:.2f}" for figure in os.getloadavg())
    print(f"\nServer: {server}. Load average: {load}. Variants, one after the other:")
    print(
        "| variant | wall s | CPU s | articles | pages | articles/s | CPU ms/article "
        "| crawl process CPU ms/article | peak RSS MiB | WARC bytes |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for run in runs.values():
        per_article = run.ms_per_article(run.cpu)
        own = run.ms_per_article(run.cpu if run.crawl_cpu is None else run.crawl_cpu)
        print(
            f"| {run.name} | {run.wall:.1f} | {run.cpu:.1f} | {run.articles} | {run.pages} | "
            f"{run.per_second:.0f} | {per_article:.1f} | {own:.1f} | {run.rss_mib:.0f} | "
            f"{run.warc_bytes:,} |"
        )
    print("\nTargets (ratios against plain Scrapy and the first crawl of this run):")
    print("| row | measure | value | target | met |")
    print("|---|---|---:|---|---|")
    for row in rows:
        met = "met" if row.met else "not met"
        print(f"| {row.row} | {row.measure} | {row.value} | {row.target} | {met} |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, help="articles of the site (default 5000)")
    parser.add_argument(
        "--large-articles", type=int, help="articles of the RSS comparison crawl (default 10000)"
    )
    parser.add_argument("--quick", action="store_true", help="a smoke run: 300 articles")
    parser.add_argument("--server", choices=("auto", "nginx", "demo"), default="auto")
    parser.add_argument(
        "--only",
        choices=("all", "workers"),
        default="all",
        help="workers: only the rows of Redis workers and wget (default: all)",
    )
    parser.add_argument("--json", type=Path, metavar="OUT", help="write the figures as JSON")
    parser.add_argument("--keep", type=Path, metavar="DIR", help="work in DIR and keep it")
    parser.add_argument("--render", nargs=3, help=argparse.SUPPRESS)
    parser.add_argument("--extract", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    # Stopped with SIGTERM: leave through the finally blocks, which stop the server.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(143))
    if args.render:
        render(Path(args.render[0]), Path(args.render[1]), args.render[2])
        return 0
    if args.extract:
        extract_pages(Path(args.extract[0]), Path(args.extract[1]))
        return 0
    articles = args.articles or (300 if args.quick else 5000)
    large = args.large_articles or (articles * 2 if args.quick else 10000)
    kind = args.server
    if kind == "auto":
        kind = "nginx" if shutil.which("nginx") else "demo"
    server_note = (
        "nginx (one worker, precompressed gzip)"
        if kind == "nginx"
        else "the project's demo server (Python's threading HTTP server"
        + ("; nginx is not installed)" if args.server == "auto" else ")")
    )
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        work = args.keep.resolve()
    else:
        work = Path(tempfile.mkdtemp(prefix="kabarsip-bench-"))
    try:
        runs = bench(work, articles, large, kind, args.only)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    rows = (targets(runs) if args.only == "all" else []) + worker_targets(runs)
    print_table(runs, rows, server_note)
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "articles": articles,
                    "server": kind,
                    "load_average": os.getloadavg(),
                    "runs": {key: asdict(run) for key, run in runs.items()},
                    "targets": [asdict(row) for row in rows],
                },
                indent=1,
            )
            + "\n",
            encoding="utf-8",
        )
    return 0


def bench(work: Path, articles: int, large: int, kind: str, only: str) -> dict[str, Run]:
    log = work / "bench.log"
    edition1, edition2, big = work / "site-1", work / "site-2", work / "site-large"
    if only == "workers":
        print(f"Generating {articles} articles in {work}", flush=True)
        generate(edition1, articles, 1, log)
        server = Server(kind, work, free_port())
        try:
            server.start(edition1, log)
            return worker_runs(work, edition1, server.origin)
        finally:
            server.stop()
    print(f"Generating {articles} articles (editions 1 and 2) and {large} in {work}", flush=True)
    generate(edition1, articles, 1, log)
    generate(edition2, articles, 2, log)
    port = free_port()
    server = Server(kind, work, port)
    runs: dict[str, Run] = {}
    targets_file = work / "targets.txt"
    manifest = json.loads((edition1 / "manifest.json").read_text(encoding="utf-8"))
    targets_file.write_text("\n".join(manifest["routes"]) + "\n", encoding="utf-8")
    del manifest

    def step(key: str, run: Run) -> None:
        runs[key] = run
        _report(run)

    try:
        server.start(edition1, log)
        if shutil.which("curl"):
            step("curl", curl_ceiling(work, server.origin, targets_file))
        step("ceiling", plain_crawl("server ceiling (fetch only)", work / "ceiling",
                                    server.origin, "fetch", targets_file))  # fmt: skip
        step("plain", plain_crawl("plain Scrapy, sections", work / "plain", server.origin,
                                  "sections", None))  # fmt: skip
        sections = site_file(work, "sections")
        step("sections", kabarsip_crawl("full crawl, sections", work / "sections", sections,
                                        server.origin))  # fmt: skip
        state = work / "sections" / "state.sqlite"
        step("sitemaps", kabarsip_crawl("full crawl, sitemaps", work / "sitemaps",
                                        site_file(work, "sitemaps"), server.origin))  # fmt: skip
        step("unchanged", kabarsip_crawl("unchanged re-crawl", work / "unchanged", sections,
                                         server.origin, state))  # fmt: skip
        if shutil.which("redis-server"):
            runs.update(worker_runs(work, edition1, server.origin))
        else:
            print("  Redis workers: skipped, redis-server is not installed", flush=True)
        server.stop()
        server.start(edition2, log)
        step("updated", kabarsip_crawl("10% updated re-crawl", work / "updated", sections,
                                       server.origin, state))  # fmt: skip
        server.stop()
        generate(big, large, 1, log)
        server.start(big, log)
        step("large", kabarsip_crawl(f"full crawl, sections, {large}", work / "large",
                                     sections, server.origin))  # fmt: skip
    finally:
        server.stop()
    step("extraction", extraction_alone(work, edition1))
    step("reextract", reextract(work, work / "sections" / "warc"))
    return runs


if __name__ == "__main__":
    sys.exit(main())
