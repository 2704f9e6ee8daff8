"""``RawFields``: what one source of a page (selectors, JSON-LD, meta) says about the article."""

from __future__ import annotations

from dataclasses import dataclass, field, fields

from crawler.items import Image


@dataclass
class RawFields:
    """Raw strings from one source; empty means "this source does not say"."""

    title: str | None = None
    description: str | None = None
    authors: list[str] = field(default_factory=list)
    editors: list[str] = field(default_factory=list)
    published: str | None = None
    updated: str | None = None
    section: str | None = None
    tags: list[str] = field(default_factory=list)
    paragraphs: list[str] = field(default_factory=list)
    images: list[Image] = field(default_factory=list)
    dateline: str | None = None
    canonical: str | None = None
    captions: list[str] = field(default_factory=list)


_NAMES = tuple(spec.name for spec in fields(RawFields))


def first_said(*sources: RawFields) -> RawFields:
    """Per field, the value of the first source that has one (sources in precedence order)."""
    return first_said_from(*(("", source) for source in sources))[0]


def first_said_from(*sources: tuple[str, RawFields]) -> tuple[RawFields, dict[str, str]]:
    """``first_said`` of labelled sources, and per field said the label of the source."""
    merged = RawFields()
    labels: dict[str, str] = {}
    for name in _NAMES:
        for label, source in sources:
            value = getattr(source, name)
            if value:
                setattr(merged, name, value)
                labels[name] = label
                break
    return merged, labels
