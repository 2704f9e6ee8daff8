"""Command line of the demo site.

``python -m crawler.demosite generate OUT --articles N --edition E [--seed S]`` writes a site;
``python -m crawler.demosite serve DIR --port P`` serves it (or any directory without a
``manifest.json`` as plain files) on 127.0.0.1, prints the origin on stdout and runs until
SIGINT/SIGTERM. To serve another edition at the same origin, stop it and serve the other
directory with ``--port`` set to the port printed first.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from types import FrameType

from crawler.demosite.generator import generate_site
from crawler.demosite.manifest import MANIFEST_NAME
from crawler.demosite.server import LOOPBACK, DemoServer, LoopbackServer, static_server


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "generate":
        try:
            manifest = generate_site(
                args.out,
                args.articles,
                args.edition,
                args.seed,
                churn=args.churn,
                page_kb=tuple(args.page_kb) if args.page_kb else None,
            )
        except (ValueError, FileExistsError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        counts: dict[str, int] = {}
        for article in manifest.articles:
            counts[article.status] = counts.get(article.status, 0) + 1
        summary = ", ".join(f"{count} {status}" for status, count in sorted(counts.items()))
        print(f"edition {manifest.edition} in {args.out}: {summary}")
        return 0
    return _serve(args.directory, args.port)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m crawler.demosite",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True)
    generate = commands.add_parser("generate", help="write one edition of the demo site")
    generate.add_argument("out", type=Path, help="output directory (empty or a previous site)")
    generate.add_argument("--articles", type=int, default=240, help="articles in edition 1")
    generate.add_argument(
        "--edition",
        type=int,
        default=1,
        help="edition number (1, 2, ...; from 3 on the article pages are redesigned)",
    )
    generate.add_argument("--seed", type=int, default=7, help="random seed of the text")
    generate.add_argument(
        "--churn",
        type=float,
        help="share of articles changed per later edition (default 0.25: 10%% updated, "
        "10%% widget-only, 5%% new)",
    )
    generate.add_argument(
        "--page-kb",
        type=int,
        nargs=2,
        metavar=("MIN", "MAX"),
        help="pad article pages to a size between MIN and MAX kB (default: no padding)",
    )
    serve = commands.add_parser("serve", help="serve a generated site or a directory")
    serve.add_argument("directory", type=Path)
    serve.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0: any free)")
    return parser


def _serve(directory: Path, port: int) -> int:
    server: AbstractContextManager[LoopbackServer]
    if (directory / MANIFEST_NAME).is_file():
        server = DemoServer(directory, LOOPBACK, port)
    elif directory.is_dir():
        server = static_server(directory, port=port)
    else:
        print(f"error: {directory} is not a directory", file=sys.stderr)
        return 2
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    with server as running:
        print(running.origin, flush=True)
        while not stop.wait(0.5):
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
