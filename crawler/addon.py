"""The Kabarsip add-on: every default and every component of a crawl, in one place.

``update_settings`` puts the defaults documented in :mod:`crawler.settings` (components
included) at add-on priority, below a project's settings, a spider's and ``-s``: a component
reads its settings without a default of its own, whatever else configured the crawl
(``scrapy.cfg``, ``SCRAPY_SETTINGS_MODULE`` or a test's ``get_crawler``).  It then lets replay
(:class:`archive.replay.ReplayAddon`) and the operator's identity
(:class:`crawler.identity.OperatorIdentity`) adjust them.
"""

from __future__ import annotations

from scrapy.settings import BaseSettings

from archive.replay import ReplayAddon
from crawler import settings as defaults
from crawler.identity import OperatorIdentity

PRIORITY = "addon"


class KabarsipAddon:
    """Enables Kabarsip in a Scrapy crawl (``ADDONS = {"crawler.addon.KabarsipAddon": 0}``)."""

    def update_settings(self, settings: BaseSettings) -> None:
        settings.setmodule(defaults, priority=PRIORITY)
        ReplayAddon().update_settings(settings)
        OperatorIdentity().update_settings(settings)
