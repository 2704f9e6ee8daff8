"""A version decision keeps the article's headline, on one line, for the WACZ page list."""

from __future__ import annotations

from datetime import UTC, datetime

from archive.decisions import Decision, parse_fields


def decision(title: str | None) -> Decision:
    return Decision(
        kind="new",
        url="https://contoh.id/news/read/1/judul",
        canonical_url="https://contoh.id/news/read/1/judul",
        site="contoh",
        version=1,
        fingerprint="f" * 64,
        captured_at=datetime(2024, 3, 5, 1, 2, 3, tzinfo=UTC),
        warc_file="KABARSIP-1.warc.gz",
        warc_offset=10,
        warc_record_id="<urn:uuid:1>",
        title=title,
    )


def test_the_title_survives_the_record_on_one_line() -> None:
    written = decision("  Banjir Rob\n di  Pesisir Utara Jakarta ").fields()
    block = "".join(f"{name}: {value}\r\n" for name, value in written).encode("utf-8")
    read = Decision.from_fields(
        "https://contoh.id/news/read/1/judul",
        datetime(2024, 3, 5, 1, 2, 3, tzinfo=UTC),
        parse_fields(block),
    )
    assert read.title == "Banjir Rob di Pesisir Utara Jakarta"


def test_no_title_writes_no_field() -> None:
    assert "title" not in dict(decision(None).fields())
    assert "title" not in dict(decision("   ").fields())
