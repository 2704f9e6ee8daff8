"""Who runs a crawl: the operator's contact, sent in the User-Agent and kept in the warcinfo.

``KABARSIP_CONTACT`` (the setting, else the environment variable of that name) is read when a
crawl starts. A crawl of anything but loopback refuses to start without it, as Heritrix refuses
to start without an operator contact: site owners must be able to reach whoever crawls them.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import Any

from scrapy.settings import SETTINGS_PRIORITIES, BaseSettings

from crawler.middlewares.addresses import parse_address
from crawler.outcome import CrawlFailure, ExitCode
from crawler.sites import SiteConfig

CONTACT_SETTING = "KABARSIP_CONTACT"
AGENT = "Kabarsip/0.1 (news archiver"
# Printable ASCII only and no parentheses: the contact goes into a header and a comment in it.
_URL = re.compile(r"^https?://[!#-'*-~]+$")
_EMAIL = re.compile(r"^[!#-'*-?A-~]+@[!#-'*-?A-~]+\.[!#-'*-?A-~]+$")


def operator_contact(settings: BaseSettings, environ: Mapping[str, str] = os.environ) -> str:
    """The operator's contact ("" when unset); ValueError when it is neither URL nor e-mail."""
    contact = str(settings.get(CONTACT_SETTING) or "").strip()
    contact = contact or environ.get(CONTACT_SETTING, "").strip()
    if contact and not (_URL.match(contact) or _EMAIL.match(contact)):
        raise ValueError(
            f"{CONTACT_SETTING} must be an http(s) URL or an e-mail address, got {contact!r}"
        )
    return contact


def user_agent(contact: str) -> str:
    return f"{AGENT}; +{contact})" if contact else f"{AGENT})"


def is_loopback_host(host: str) -> bool:
    host = host.lower().rstrip(".")
    if host == "localhost" or host.endswith(".localhost"):
        return True
    address = parse_address(host)
    return address is not None and address.is_loopback


def check_operator(site: SiteConfig, settings: BaseSettings) -> None:
    """Refuse to crawl a site beyond loopback without a contact, or with a malformed one."""
    try:
        contact = operator_contact(settings)
    except ValueError as exc:
        raise CrawlFailure(ExitCode.USAGE, str(exc)) from exc
    if contact or settings.get("REPLAY_FROM"):
        return
    remote = [d for d in site.domains if not is_loopback_host(d)]
    if remote:
        raise CrawlFailure(
            ExitCode.USAGE,
            f"{site.path} crawls {', '.join(remote)}: say who you are first, with "
            f"{CONTACT_SETTING}=https://your.site/contact (or an e-mail address) in the "
            f"environment or -s {CONTACT_SETTING}=...; it goes into the User-Agent and the WARC "
            "files so site owners can reach you",
        )


class OperatorIdentity:
    """Addon: builds ``USER_AGENT`` and ``WARC_OPERATOR`` from the contact when a crawl starts.

    A ``USER_AGENT`` or ``WARC_OPERATOR`` given above the project's settings (``-s``, a spider's
    own settings) is left as it is.
    """

    def update_settings(self, settings: BaseSettings) -> None:
        try:
            contact = operator_contact(settings)
        except ValueError:
            return  # reported by the crawl command's start-up check; never sent as is
        priority = SETTINGS_PRIORITIES["spider"]
        project = SETTINGS_PRIORITIES["project"]
        if _priority(settings, "USER_AGENT") <= project:
            settings.set("USER_AGENT", user_agent(contact), priority=priority)
        operator_unset = not settings.get("WARC_OPERATOR")
        if contact and operator_unset and _priority(settings, "WARC_OPERATOR") <= project:
            settings.set("WARC_OPERATOR", contact, priority=priority)


def _priority(settings: BaseSettings, name: str) -> Any:
    return settings.getpriority(name) or 0
