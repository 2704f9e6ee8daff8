"""``make bench``: Kabarsip's crawl against plain Scrapy on the demo site, and its targets.

    .venv/bin/python benchmarks/bench_crawl.py [--articles N] [--large-articles M] [--quick]
        [--server auto|nginx|demo] [--json OUT] [--keep DIR]

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
- ``scrapy reextract`` over the first crawl's archive (articles/s).

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
    command = [PYTHON, "-m", "scrapy", "crawl", "news", "-a", f"site={site}", "-a"]
    command += [f"origin={origin}"]
    for setting in (
        *CRAWL_SETTINGS,
        f"WARC_DIR={out / 'warc'}",
        f"ITEMS_PATH={out / 'items' / '%(site_name)s-%(time)s.jsonl'}",
        f"STATS_FILE={stats_file}",
        f"LOG_FILE={out / 'crawl.log'}",
        f"STATE_PATH={out / 'state.sqlite'}",
    ):
        command += ["-s", setting]
    run = measure(name, command, out / "process.log")
    stats = json.loads(stats_file.read_text(encoding="utf-8"))
    run.pages = int(stats.get("downloader/response_count", 0))
    errors = int(stats.get("log_count/ERROR", 0))
    if errors:
        print(f"  {name}: {errors} errors logged, see {out / 'crawl.log'}", flush=True)
    # Articles read and checked: new, updated and unchanged versions alike.
    run.articles = int(stats.get("items/valid", 0))
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
    run.articles = run.pages = int(json.loads(result.read_text())["pages"])
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
    # One page in memory at a time: the peak RSS is the extraction's, not the pages'.
    for target, route in manifest["routes"].items():
        if "/read/" in target and route["content_type"].startswith("text/html"):
            body = (site / route["file"]).read_bytes().replace(b"{{ORIGIN}}", b"")
            extract_article(HtmlResponse(origin + target, body=body, encoding="utf-8"), config)
            pages += 1
    result.write_text(json.dumps({"pages": pages}), encoding="utf-8")


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
    extraction = runs["extraction"].pages / runs["extraction"].cpu
    rows.append(Target("extraction alone", "pages/s/core", f"{extraction:.0f}", ">= 500",
                       extraction >= 500))  # fmt: skip
    rate = runs["reextract"].per_second
    rows.append(Target("scrapy reextract", "articles/s", f"{rate:.0f}", ">= 500", rate >= 500))
    return rows


def print_table(runs: dict[str, Run], rows: list[Target], server: str) -> None:
    print(f"\nServer: {server}. Variants, one after the other:")
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
        runs = bench(work, articles, large, kind)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    rows = targets(runs)
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


def bench(work: Path, articles: int, large: int, kind: str) -> dict[str, Run]:
    log = work / "bench.log"
    edition1, edition2, big = work / "site-1", work / "site-2", work / "site-large"
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
        print(f"  {run.name}: {run.wall:.1f} s, {run.articles} articles", flush=True)

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
