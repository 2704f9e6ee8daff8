"""Reading the shared corpus's own index: which article URL each saved page came from."""

from __future__ import annotations

from pathlib import Path


def source_urls(corpus: Path) -> dict[str, str]:
    """Article URL of each corpus page, from the table in SOURCES.md."""
    urls = {}
    for line in (corpus / "SOURCES.md").read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.split("|")]
        if len(cells) > 6 and cells[1].endswith(".html") and cells[6].startswith("http"):
            urls[cells[1]] = cells[6]
    return urls
