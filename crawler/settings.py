"""Kabarsip settings: every default in one place, each documented once.

The project's settings module (``scrapy.cfg``) and the defaults the Kabarsip add-on
(:class:`crawler.addon.KabarsipAddon`) puts into any crawl that enables it.  Override any of
them with ``-s NAME=VALUE`` on the command line or in a Scrapyd job.
"""

from __future__ import annotations

import os

BOT_NAME = "kabarsip"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"
COMMANDS_MODULE = "crawler.commands"

# --- Politeness (real crawls) -------------------------------------------------------------
# How to reach whoever runs the crawl: a URL or an e-mail address. Empty: the environment
# variable KABARSIP_CONTACT. Required for any site beyond loopback (the crawl refuses to start
# without it); read when the crawl starts (crawler.identity).
KABARSIP_CONTACT = ""
# Sent as is only without a contact; otherwise built at crawl time as
# "Kabarsip/0.1 (news archiver; +CONTACT)", unless given with -s. WARC_OPERATOR defaults to it.
USER_AGENT = "Kabarsip/0.1 (news archiver)"
ROBOTSTXT_OBEY = True
# robots.txt answering 5xx or 429 (after its retries) disallows its host for the run (RFC 9309);
# 4xx allows all; an HTML or binary body counts as no rules (crawler.middlewares.robots).
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 4
# Items of one response processed at once. A page gives at most one article item, and Scrapy
# starts this many worker tasks for every response, items or not: at its default of 100 they
# were a fifth of the CPU of a re-crawl whose pages are unchanged.
CONCURRENT_ITEMS = 4
DOWNLOAD_TIMEOUT = 60
# Larger pages are aborted and counted, not archived half-way (per kind of page:
# DOWNLOAD_MAXSIZE_BY_KIND below).
DOWNLOAD_MAXSIZE = 32 * 1024 * 1024
DOWNLOAD_WARNSIZE = 8 * 1024 * 1024
RETRY_TIMES = 2
# A 429/503 with Retry-After (seconds or HTTP date) holds back its host that long, then retries;
# a longer wait than this many seconds gives the request up, logged and counted.
RETRY_AFTER_MAX = 120
# Redirects followed per request; longer chains, loops and redirects to the URL itself are
# dropped, logged and counted (crawler.middlewares.redirect).
REDIRECT_MAX_TIMES = 10

# --- Scope -------------------------------------------------------------------------------
# Every request (discovery, redirects, later pages) stays on the site file's domains, and
# connects only to public addresses: private, loopback, link-local, CGNAT, multicast and
# reserved ones are refused after DNS resolution (so a name that resolves to one is refused
# too), unless inside one of these networks, e.g. ["127.0.0.1/32"] (the demo's).
SCOPE_ALLOW_NETWORKS: list[str] = []
TWISTED_DNS_RESOLVER = "crawler.middlewares.resolver.ScopedResolver"

# --- Discovery ---------------------------------------------------------------------------
# Section pages followed per section (pagination depth). Paging also stops at a page that
# adds no article link not seen before in the run (past the end of the listing), so this is
# only a bound on deep archives; when hit it is warned of and counted (discovery/capped/...).
SECTION_MAX_PAGES = 500
# Paging a section also stops at a page after the first whose every article link was fetched
# by an earlier run (the state has its capture): a re-crawl reads the first pages of each
# listing, not the whole archive again. False: page on as in a first crawl.
SECTION_STOP_AT_KNOWN = True
# A site crawled by its URL (-a site=https://host/, no site file): home page section links
# followed, and sitemaps read (robots.txt's, /sitemap.xml and those of sitemap indexes).
SITE_URL_MAX_SECTIONS = 12
SITE_URL_MAX_SITEMAPS = 20
# Largest body accepted per kind of page, in bytes once decompressed (set as each request's
# download_maxsize; DOWNLOAD_MAXSIZE covers anything else, such as Scrapy's own robots.txt
# fetch). Larger ones are cancelled and counted, not archived; a gzipped sitemap or feed
# inflating past its limit is refused unread. Sitemaps may hold 50 MB (52,428,800 bytes)
# uncompressed by their protocol; RFC 9309 asks that at least 500 KiB of a robots.txt be read.
DOWNLOAD_MAXSIZE_BY_KIND = {
    "sitemap": 50 * 1024 * 1024,
    "feed": 50 * 1024 * 1024,
    "robots": 1024 * 1024,
    "section": 32 * 1024 * 1024,
    "article": 32 * 1024 * 1024,
}
# Sizes above which a page of each kind is logged as large (DOWNLOAD_WARNSIZE for the rest).
DOWNLOAD_WARNSIZE_BY_KIND = {
    "sitemap": 50 * 1024 * 1024,
    "feed": 16 * 1024 * 1024,
    "robots": 500 * 1024,
    "section": 8 * 1024 * 1024,
    "article": 8 * 1024 * 1024,
}

# --- WARC capture --------------------------------------------------------------------------
# Closest to the network (950): records the raw response before decompression and redirects.
# Conditional GET (900) sits just above it, so the archive sees the validators it sends and
# the spider sees the archived page a 304 confirms.
DOWNLOADER_MIDDLEWARES = {
    # Scope and politeness: Scrapy's own, replaced at their places.
    "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": None,
    "crawler.middlewares.scope.ScopeMiddleware": 50,
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawler.middlewares.robots.RobotsRulesMiddleware": 100,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.middlewares.retry.RetryAfterMiddleware": 550,
    "scrapy.downloadermiddlewares.redirect.RedirectMiddleware": None,
    "crawler.middlewares.redirect.RedirectGuardMiddleware": 600,
    "archive.conditional.ConditionalGetMiddleware": 900,
    "archive.capture.WarcCaptureMiddleware": 950,
}
# Scrapy's HTTP/1.1 handler keeping each response's status line and header lines as received,
# which the response records hold byte for byte (another handler: rebuilt from Scrapy's
# Headers, counted as warc/headers/rebuilt). docs/warc-layout.md says what is exact.
DOWNLOAD_HANDLERS = {
    "http": "archive.rawhead.RawHeadDownloadHandler",
    "https": "archive.rawhead.RawHeadDownloadHandler",
}
WARC_ENABLED = True
WARC_DIR = "data/warc"
WARC_PREFIX = "KABARSIP"
# Rotate to a new file before it would pass this many bytes.
WARC_MAX_SIZE = 1_000_000_000
# Per-record gzip level; 6 costs far less CPU than 9 for almost the same size.
WARC_GZIP_LEVEL = 6
WARC_OPERATOR = ""
# fsync after each record: survives power loss, costs throughput.
WARC_FSYNC = False
# Records with a body of at least this many bytes are compressed and written by a writer
# thread, so the event loop does not wait on gzip (-1: every record on the event loop). Gzip
# and the digests let go of the GIL: a 20 kB page (gzipped on the wire) costs the loop about
# 1 ms compressed there and goes on beside it in the thread.
WARC_THREAD_MIN_BYTES = 4096
# Unchanged payloads and 304s become revisit records of the last full capture.
WARC_DEDUP = True
# "compact": the revisit record alone; "full": also the request record and, for a 304, a
# metadata record with its headers (demo site: 1.7 kB instead of 0.5 kB per unchanged page).
WARC_DEDUP_DETAIL = "compact"
# Upload each finished WARC file to this S3-compatible folder, s3://bucket/prefix/ (empty: keep
# files local only); the AWS_* settings (AWS_ENDPOINT_URL for a server other than AWS, keys,
# AWS_REGION_NAME) say where and as whom, as for s3:// FEEDS. Needs `pip install 'kabarsip[s3]'`.
WARC_UPLOAD_URI = ""
# Remove the local file once its copy's size and MD5 (ETag) are verified. Revisits refer only
# to captures in local files: later runs store the pages of a removed file in full again.
WARC_UPLOAD_DELETE = False
# Tries per file, waiting WARC_UPLOAD_RETRY_WAIT seconds, then twice that, ... in between; a
# file still not uploaded stays in WARC_DIR and the run exits 4.
WARC_UPLOAD_ATTEMPTS = 3
WARC_UPLOAD_RETRY_WAIT = 2.0

# --- Crawl state and revisits ----------------------------------------------------------------
# What earlier runs fetched and which article versions they found; one crawl at a time.
STATE_ENABLED = True
STATE_PATH = "data/state.sqlite"
STATE_FSYNC = False
# A crawl commits its state writes together, at least every this many seconds (and before
# each sync of the item file, so no item is written before the state that counts it): a
# commit costs far more than a write. A kill loses at most these seconds of state, which the
# next run redoes. 0: every write is committed at once.
STATE_COMMIT_SECONDS = 1.0
# Seconds SQLite's quick_check may take on the state file at start; a damaged file stops the
# crawl (exit 6), one too large to check in time is used unchecked with a warning.
STATE_CHECK_SECONDS = 10.0
# Shared state on a Redis server (redis://[:password@]host:port/db) instead of STATE_PATH, so
# that several worker processes share one crawl of a site (README, "Scale out on Redis"); it
# also switches the scheduler and the duplicate filter to Redis.  Empty: the environment
# variable of the same name fills it; a setting given (-s, project) wins over it.
KABARSIP_REDIS_URL = os.environ.get("KABARSIP_REDIS_URL", "")
# Keys live under kabarsip:NAMESPACE: ; crawls with separate states use separate namespaces.
KABARSIP_REDIS_NAMESPACE = os.environ.get("KABARSIP_REDIS_NAMESPACE", "default")
# Seconds a Redis worker's heartbeat lives (it beats 3 times in them): a worker silent that
# long is taken for dead and the requests it had popped go back to the queue for the others.
KABARSIP_REDIS_HEARTBEAT_SECONDS = 30.0
# Ask known URLs with If-None-Match / If-Modified-Since.
CONDITIONAL_GET_ENABLED = True
# Fetch every known article now, whatever its revisit schedule (site file key ``revisit``).
REVISIT_ALL_DUE = False
# Extract article pages whose payload the state already knows (a revisit or a 304 of the
# capture the article's version came from). Off: such pages only move the article's state on.
RECRAWL_EXTRACT_UNCHANGED = False

# The spider's output passes the schedule filter (known articles not due are dropped), then
# the discovery gate (discovery pages once each; articles held until discovery is done, then
# released 500 at a time). Known articles answering 404/410 are marked gone before Scrapy's
# HttpErrorMiddleware (50) sees them. Items get the WARC location of their (first) page, and
# their pictures are archived before they go on (ARCHIVE_ASSETS).
SPIDER_MIDDLEWARES = {
    "archive.gone.GoneArticleMiddleware": 45,
    "crawler.spidermiddlewares.assets.PageAssetsMiddleware": 590,
    "archive.warcitems.WarcLocationMiddleware": 600,
    "crawler.spidermiddlewares.gate.DiscoveryGateMiddleware": 610,
    "crawler.spidermiddlewares.schedule.NotDueMiddleware": 620,
}

# --- Article pictures and page files ----------------------------------------------------------
# What is archived with each article page (crawler.spidermiddlewares.assets): "images" (the
# article's lead image, body figures and og:image), "all" (also the stylesheets, scripts and
# icons the page loads, for a replay that looks like the page), or "none". Each file is fetched
# once per run, under the same scope (the site file's domains and asset_domains), robots.txt
# and politeness rules as the pages; an unchanged file becomes a revisit or a 304.
ARCHIVE_ASSETS = "images"
# Files larger than this many bytes are not fetched (counted as assets/failed/...).
ASSET_MAX_SIZE = 5 * 1024 * 1024

# --- Items -------------------------------------------------------------------------------
# The steps every item goes through, in this order (None switches one off): pure functions
# (pipelines.steps) run by one pipeline in a crawl, and by `scrapy extract` and `evaluate` on
# one page. Versions and the durable output need the crawl state and stay pipelines after them.
ITEM_STEPS: dict[str, int | None] = {
    "pipelines.clean.clean_step": 300,
    "pipelines.dates.dates_step": 400,
    "pipelines.authors.authors_step": 500,
    "pipelines.validate.validate_step": 900,
}
# Worker processes that read article pages and run the item steps beside the crawl process,
# which goes on fetching, archiving and keeping the state (crawler.extractpool). "auto": one
# per core beyond the first, at most 4 (1 on 2 cores); 0: all of it in the crawl process.
EXTRACT_WORKERS: int | str = "auto"
# On a re-crawl (the crawl state holds articles of the site), the workers start only with the
# page (or item) that is the Nth to need them, the ones before read in the crawl process: a
# worker's start costs about as much CPU as reading 80 pages. 0: started when the spider opens.
EXTRACT_WORKERS_AFTER = 150
# A page a worker has not answered for in this many seconds is skipped, logged and counted
# (extraction/pool/timeouts), and the workers are replaced.
EXTRACT_WORKER_TIMEOUT = 60.0
# Jobs in flight per worker: more pages wait in their callbacks (memory stays bounded).
EXTRACT_WORKER_QUEUE = 4
# While the spider runs, the objects the crawl process held when it opened (modules, classes,
# components) are left out of the garbage collector's passes, and its youngest generation is
# collected every 7,000 allocations instead of 700 (crawler.collector).
GC_TUNING_ENABLED = True
# Coverage counts every article the steps kept, before versions drops the unchanged ones.
ITEM_PIPELINES = {
    "pipelines.steppipeline.StepsPipeline": 300,
    # After the steps (cleaned paragraphs), before coverage and versions (the fingerprint is
    # that of the body it leaves).
    "pipelines.learned.LearnedBoilerplatePipeline": 700,
    "pipelines.coverage.CoveragePipeline": 940,
    # What each version came from (learned blocks, later pages), so unchanged pages can skip.
    "archive.unchanged.ExtractionBasisPipeline": 945,
    "pipelines.versions.VersionsPipeline": 950,
    "pipelines.output.ItemOutputPipeline": 1000,
}
# Learned boilerplate (pipelines.learned): a paragraph, shown date or byline counted on at
# least MIN_PAGES distinct articles of a site, and on at least MIN_SHARE of the site's articles
# since it was first seen, leaves the bodies (dates and credits: only with evidence against
# them). 20 pages: a real paragraph shared by a handful of related stories stays; a promo line
# on every page goes after a few dozen. Share 0.2: a background paragraph that a running story
# repeats over some dozens of a busy site's articles stays. Needs the crawl state.
LEARNED_BOILERPLATE_ENABLED = True
LEARNED_BOILERPLATE_MIN_PAGES = 20
LEARNED_BOILERPLATE_MIN_SHARE = 0.2
# Items of a site between two reads of its learned blocks from the state.
LEARNED_BOILERPLATE_REFRESH_ITEMS = 10
# Kabarsip's own item output, one JSON Lines file per run (%(site_name)s, %(name)s, %(time)s
# filled in). An article version counts as emitted once its item is fsynced there; a crash
# leaves it pending in the state and the next run writes it. Empty: no such file (FEEDS
# only, and versions count as emitted when decided, durable or not).
ITEMS_PATH = "data/items/%(site_name)s-%(time)s.jsonl"
# Group commit: fsync the item file after this many items, and at least this often (seconds)
# while items wait; a crash costs only the next run's rewriting of the items not yet synced.
ITEMS_SYNC_ITEMS = 100
ITEMS_SYNC_SECONDS = 1.0
# Extra outputs (`-o items.parquet`, ...): Scrapy feeds, buffered, not part of the commit.
FEEDS: dict[str, dict[str, object]] = {}
FEED_EXPORT_ENCODING = "utf-8"
# A value put into a feed path (``%(site_name)s``) is one file name: the path stays in its folder.
FEED_URI_PARAMS = "crawler.paths.feed_uri_params"
FEED_EXPORTERS = {"parquet": "crawler.parquet.ParquetItemExporter"}
# `-o parquet-dataset:data/parquet:parquet`: a Parquet dataset partitioned by site and day.
FEED_STORAGES = {"parquet-dataset": "crawler.parquet.ParquetDatasetStorage"}
# Items per Parquet row group: the rows a Parquet feed holds in memory at most.
PARQUET_ROW_GROUP_SIZE = 1000

# --- Reporting -----------------------------------------------------------------------------
# Scrapy calls the spider_closed handlers in this order.
EXTENSIONS = {
    # Fewer garbage collector passes while the spider runs.
    "crawler.collector.CollectorTuning": 50,
    # Worker processes for extraction and the item steps; stopped before the stats are written.
    "crawler.extractpool.ExtractionPool": 100,
    # The crawl's WARC writer, which the capture middleware and the versions stage share.
    "archive.warcfiles.WarcFiles": 110,
    # Article pages whose payload the state already knows are not extracted again.
    "archive.unchanged.UnchangedArticles": 120,
    # WARC_UPLOAD_URI: after the writer (it finishes the last file first), before the outcome.
    "archive.warcuploads.WarcUploads": 390,
    # Decides the exit code when the spider closes, before the stats file and summary are written.
    "crawler.outcome.RunOutcome": 400,
    # Runs SPIDERMON_SPIDER_CLOSE_MONITORS: a failed coverage monitor fails a run that passed.
    # Spidermon's own extension, imported when the spider closes (crawler.closemonitors).
    "crawler.closemonitors.CloseMonitors": 450,
    # Records the run in the state, after the monitors read the earlier runs.
    "crawler.runrecord.RunRecorder": 460,
    "crawler.statsfile.StatsFile": 500,
    "crawler.runsummary.RunSummary": 510,
    "crawler.jobdir.FinishedJobCleanup": 900,
    # Opened when the spider opens (or first asked for); closed last, once everything that
    # reads or writes it on spider_closed is done.
    "archive.crawlstate.CrawlStateExtension": 950,
}
# A finished run fails (exit 3) when more than this share of its download attempts (retries
# and robots.txt included) ended in a network error, a 5xx or a 429; one that fetched nothing
# (no answer below 400 but robots.txt) always fails.
CRAWL_MAX_ERROR_RATIO = 0.5
# One INFO line when a crawl ends: article versions, schedule skips, WARC records and bytes.
RUN_SUMMARY_ENABLED = True
# With JOBDIR, a run that finished leaves no queue or seen-requests file behind, so the next
# scheduled run starts afresh; a stopped run keeps them and resumes.
JOBDIR_CLEAR_WHEN_FINISHED = True
# Path of a JSON file that receives the final crawl stats (empty: none written).
STATS_FILE = ""

# --- Coverage monitors ---------------------------------------------------------------------
# Per run and site the crawl counts items and those with a published time, an updated time,
# authors, a body of COVERAGE_MIN_BODY_WORDS words or more, and no boilerplate left in the body
# (stats coverage/..., kept in the state's run records). When the spider closes, a site with at
# least COVERAGE_MIN_ITEMS items has each field's share compared with the median of its last
# COVERAGE_HISTORY recorded runs that had as many: a share lower by more than COVERAGE_MAX_DROP
# (0.25 = 25 points) fails the run, exit 7, as does one below its COVERAGE_MIN_SHARES floor
# (e.g. {"published": 0.9}; none by default).
COVERAGE_MIN_BODY_WORDS = 50
COVERAGE_MIN_ITEMS = 20
COVERAGE_HISTORY = 5
COVERAGE_MAX_DROP = 0.25
COVERAGE_MIN_SHARES: dict[str, float] = {}
# Spidermon actions run when a coverage monitor fails, after the run is marked failed, e.g.
# "spidermon.contrib.actions.reports.files.CreateFileReport" (SPIDERMON_REPORT_TEMPLATE,
# SPIDERMON_REPORT_FILENAME), "spidermon.contrib.actions.email.smtp.SendSmtpEmail"
# (SPIDERMON_EMAIL_*, SPIDERMON_SMTP_*) or
# "spidermon.contrib.actions.slack.notifiers.SendSlackMessageSpiderFinished"
# (SPIDERMON_SLACK_SENDER_TOKEN, SPIDERMON_SLACK_SENDER_NAME, SPIDERMON_SLACK_RECIPIENTS).
COVERAGE_ACTIONS: list[str] = []
SPIDERMON_ENABLED = True
SPIDERMON_SPIDER_CLOSE_MONITORS = ["crawler.monitors.CoverageMonitorSuite"]

# --- Replay --------------------------------------------------------------------------------
# REPLAY_FROM (WARC/WACZ files, CDXJ indexes or folders) answers every request from the
# archive instead of the network; REPLAY_AT picks the capture time (default: the latest).
# The add-on that applies these defaults, then replay's and the operator's identity.
ADDONS = {"crawler.addon.KabarsipAddon": 0}
REPLAY_FROM = ""
REPLAY_AT = ""
# Keep the replay index in this SQLite file and reuse it (default: a temporary file).
REPLAY_INDEX = ""
# Worker processes `scrapy reextract` extracts in: "auto" (one per CPU) or a number; 0 requests
# each capture through the replay download handler in the crawl's own process instead.
REEXTRACT_WORKERS = "auto"

# --- Runtime -------------------------------------------------------------------------------
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
LOG_LEVEL = "INFO"
TELNETCONSOLE_ENABLED = False
# Scrapy's remote-control endpoint runs code sent to it: off unless asked for, like telnet.
REMOTE_CONTROL_ENABLED = False
