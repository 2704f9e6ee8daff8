"""Tracking query parameters: how a reader arrived, not which page they read."""

from __future__ import annotations

import re
from urllib.parse import unquote_plus, urlsplit, urlunsplit

# Parameters that say how a reader arrived, not which page they read.
TRACKING_PARAMETER = re.compile(
    r"^(utm_\w+|fbclid|gclid|dclid|gbraid|wbraid|msclkid|yclid|mc_cid|mc_eid|_ga|_gl|igshid"
    r"|ref_src|ref_url|cmpid|amp_js_v|usqp)$",
    re.IGNORECASE,
)


def strip_tracking(url: str) -> str:
    """``url`` without tracking query parameters and without its fragment."""
    parts = urlsplit(url)
    # Pairs are filtered as written so the kept ones keep their own encoding.
    kept = [
        pair
        for pair in parts.query.split("&")
        if pair and not TRACKING_PARAMETER.match(unquote_plus(pair.split("=", 1)[0]))
    ]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "&".join(kept), ""))
