"""The Kabarsip add-on: every default and every component of a crawl, in one place.

``update_settings`` puts the defaults documented in :mod:`crawler.settings` (components
included) at add-on priority, below a project's settings, a spider's and ``-s``: a component
reads its settings without a default of its own, whatever else configured the crawl
(``scrapy.cfg``, ``SCRAPY_SETTINGS_MODULE`` or a test's ``get_crawler``).  It then lets replay
(:class:`archive.replay.ReplayAddon`) and the operator's identity
(:class:`crawler.identity.OperatorIdentity`) adjust them; ``KABARSIP_REDIS_URL`` switches the
scheduler and the duplicate filter to Redis (:mod:`crawler.redisqueue`).
"""

from __future__ import annotations

from scrapy.settings import BaseSettings

from archive.replay import ReplayAddon
from crawler import settings as defaults
from crawler.identity import OperatorIdentity

PRIORITY = "addon"
REMOTE_CONTROL = "scrapy.extensions.remote_control.RemoteControl"


class KabarsipAddon:
    """Enables Kabarsip in a Scrapy crawl (``ADDONS = {"crawler.addon.KabarsipAddon": 0}``)."""

    def update_settings(self, settings: BaseSettings) -> None:
        settings.setmodule(defaults, priority=PRIORITY)
        ReplayAddon().update_settings(settings)
        OperatorIdentity().update_settings(settings)
        _shared_on_redis(settings)
        _remote_control_when_asked(settings)


def _remote_control_when_asked(settings: BaseSettings) -> None:
    """Scrapy's remote-control extension kept only when ``REMOTE_CONTROL_ENABLED`` asks for it.

    Off, it still imports aiohttp's web server before it stands down, a tenth of a second of
    each start; a ``None`` in ``EXTENSIONS`` would import it too (Scrapy loads every key).
    """
    if settings.getbool("REMOTE_CONTROL_ENABLED") or REMOTE_CONTROL in settings.getdict(
        "EXTENSIONS"
    ):
        return
    base = settings.getdict("EXTENSIONS_BASE")
    if base.pop(REMOTE_CONTROL, None) is not None:
        settings.set("EXTENSIONS_BASE", base, priority=PRIORITY)


def _shared_on_redis(settings: BaseSettings) -> None:
    """With ``KABARSIP_REDIS_URL``, the workers share scheduler and dupefilter on Redis."""
    url = settings.get("KABARSIP_REDIS_URL")
    if not url:
        return
    settings.set("SCHEDULER", "crawler.redisqueue.SharedScheduler", priority=PRIORITY)
    settings.set("DUPEFILTER_CLASS", "scrapy_redis.dupefilter.RFPDupeFilter", priority=PRIORITY)
    # Leases pop from the sorted set of this queue (archive.redisworkers).
    settings.set("SCHEDULER_QUEUE_CLASS", "scrapy_redis.queue.PriorityQueue", priority=PRIORITY)
    # Outermost: it sees the callback's output as the engine gets it.
    middlewares = settings.getdict("SPIDER_MIDDLEWARES")
    middlewares["crawler.redisqueue.LeaseMiddleware"] = 1
    settings.set(
        "SPIDER_MIDDLEWARES", middlewares, priority=settings.getpriority("SPIDER_MIDDLEWARES") or 0
    )
    settings.set("REDIS_URL", url, priority=PRIORITY)
    # Cleared by the last worker of a finished run instead (crawler.redisqueue).
    settings.set("SCHEDULER_PERSIST", True, priority=PRIORITY)
    # An unreachable server fails a command in seconds instead of waiting for ever.
    settings.set(
        "REDIS_PARAMS",
        {"socket_connect_timeout": 5, "socket_timeout": 30, "retry_on_timeout": True},
        priority=PRIORITY,
    )
