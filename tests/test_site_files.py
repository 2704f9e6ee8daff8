"""Site files without a corpus page: their selectors against pages in each site's markup.

The pages come from ``tests/site_fixtures.py``, written to a temporary folder for the run.
They are served on loopback and fetched over HTTP the way the spider fetches articles (the
site's all-pages parameter added, later pages followed with its multi-page rule), then
extracted and run through the item steps (``ITEM_STEPS``). A selector that stops matching its
site's markup changes a title, a date, a byline or the text, and fails here.
"""

from __future__ import annotations

import re
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from urllib.parse import urlsplit

import pytest
from itemadapter import ItemAdapter
from parsel import Selector
from scrapy.http import HtmlResponse
from w3lib.url import add_or_replace_parameter, url_query_cleaner

from crawler.demosite.server import LoopbackServer, static_server
from crawler.discovery import next_page_link
from crawler.extraction import check_selectors, choose_layout, extract_article, merge_pages
from crawler.extraction.article import selector_fields
from crawler.extraction.selectors import select, select_texts
from crawler.items import Article
from crawler.settings import ITEM_STEPS
from crawler.sites import SEEDS_DIR, SiteConfig, load_site
from pipelines.authors import normalise_authors
from pipelines.clean import clean_body
from pipelines.dates import parse_date, to_iso
from pipelines.steps import StepStats, load_steps, run_steps
from tests.site_fixtures import SiteCase, site_cases, write_fixtures

SITES = (
    "cnnindonesia",
    "sindonews",
    "kumparan",
    "idntimes",
    "bisnis",
    "kontan",
    "katadata",
    "jpnn",
    "inews",
    "jawapos",
)
CASES = site_cases()
FETCHED_AT = datetime(2024, 3, 13, 8, 0, tzinfo=UTC)

# Real-shaped article addresses each site file must accept.
ARTICLES = {
    "cnnindonesia": [
        "https://www.cnnindonesia.com/nasional/20240115123456-20-1049999/presiden-resmikan-bendungan",
        "https://www.cnnindonesia.com/gaya-hidup/20231109133544-255-1021991/lagi-kasus-tbc-indonesia",
        "https://www.cnnindonesia.com/ekonomi/20200624185815-78-517083/pnm-minta-suntikan-rp15-t",
    ],
    "sindonews": [
        "https://nasional.sindonews.com/read/605429/15/entaskan-stunting-kerja-tim-1637424700",
        "https://metro.sindonews.com/read/1146316/171/penyidik-mulai-dalami-video-1476179831",
        "https://ekbis.sindonews.com/read/1731775/178/ihsg-sesi-siang-terjun-bebas-1784873276",
        "https://sains.sindonews.com/read/294972/767/astrofisikawan-harvard-1610121691?showpage=all",
    ],
    "kumparan": [
        "https://kumparan.com/kumparannews/rano-karno-di-peringatan-30-tahun-kudatuli-27oRU1T1EYV",
        "https://kumparan.com/yudhi-mada/teknik-penggunaan-kata-kunci-berbasis-lokasi-24ZGFhYmO7y",
        "https://kumparan.com/kumparanbisnis/harga-emas-antam-hari-ini-1tEvCMNwBTZ/full",
    ],
    "idntimes": [
        "https://www.idntimes.com/news/indonesia/febrie-penuhi-panggilan-kejagung-00-vdzm7-nxxvry",
        "https://www.idntimes.com/sport/soccer/spanyol-juara-usai-kalahkan-argentina-00-f411s-1ns3l3",
        "https://www.idntimes.com/travel/tips/zaffy-febryan/tips-wisata-hemat-c1c2",
    ],
    "bisnis": [
        "https://ekonomi.bisnis.com/read/20160406/12/535326/garap-pasar-sumatra-batiqa-hotel",
        "https://market.bisnis.com/read/20260329/192/1962766/menilik-postur-keuangan-hartadinata",
        "https://teknologi.bisnis.com/read/20240510/84/1764221/google-wallet-mulai-beroperasi",
    ],
    "kontan": [
        "https://investasi.kontan.co.id/news/batik-kian-diakui-sebagai-aset-mewah-yang-berharga",
        "https://industri.kontan.co.id/news/raih-pendanaan-us-5-juta-idcloudhost-siap-sasar-pasar-asia",
        "https://peluangusaha.kontan.co.id/news/potensi-nyata-usaha-bingkai-lampu-3d?page=all",
    ],
    "katadata": [
        "https://katadata.co.id/finansial/bursa/65a4f2ab12345/ihsg-ditutup-menguat-tipis",
        "https://katadata.co.id/agustiyanti/finansial/5e9a51976cd6e/bank-sentral-tahan-suku-bunga",
    ],
    "jpnn": [
        "https://www.jpnn.com/news/sangat-berbahaya-pencurian-avtur-harus-ditindak-tegas",
        "https://m.jpnn.com/news/jadi-ketum-piki-maruarar-sirait-yakini-menag-nasaruddin-adil",
        "https://jabar.jpnn.com/jabar-terkini/2580/pemprov-jabar-siapkan-mudik-gratis",
    ],
    "inews": [
        "https://www.inews.id/news/nasional/breaking-news-dpr-batal-sahkan-ruu-pilkada-hari-ini",
        "https://www.inews.id/finance/bisnis/tingkatkan-pendapatan-twitter-kembali-izinkan-iklan",
        "https://jateng.inews.id/berita/bikin-heboh-penanggalan-kalender-tahun-2021",
        "https://tasikmalaya.inews.id/read/502735/polsek-cibeureum-sosialisasikan-larangan",
    ],
    "jawapos": [
        "https://www.jawapos.com/nasional/015916922/manajemen-apartemen-bale-hinggil-bongkar-dugaan",
        "https://www.jawapos.com/sepak-bola-dunia/2607240073/konser-pitbull-paksa-fk-kauno-pindah",
        "https://www.jawapos.com/nasional/hukum-kriminal/08/03/2022/polisi-ungkap-penipuan-arisan/",
    ],
}

# Section, tag, index, media and continuation pages each site file must refuse.
NOT_ARTICLES = {
    "cnnindonesia": [
        "https://www.cnnindonesia.com/",
        "https://www.cnnindonesia.com/nasional",
        "https://www.cnnindonesia.com/indeks?page=2",
        "https://www.cnnindonesia.com/tag/covid_19",
        "https://www.cnnindonesia.com/nasional/rss",
        "https://www.cnnindonesia.com/tv/20240115123456-400-1049998/live-report-sidang",
        "https://www.cnnindonesia.com/ekonomi/20240312143015-92-1073520/harga-cabai-rawit-turun/2",
    ],
    "sindonews": [
        "https://www.sindonews.com/indeks/0/20",
        "https://nasional.sindonews.com/",
        "https://www.sindonews.com/topic/7282/pilgub-dki",
        "https://ekbis.sindonews.com/read/1731775/178/ihsg-sesi-siang-terjun-bebas-1784873276/5",
        "https://hi-lite.sindonews.com/read/123/1/cerita-panjang-1700000000",
    ],
    "kumparan": [
        "https://kumparan.com/channel/news",
        "https://kumparan.com/topic/banjir",
        "https://kumparan.com/kumparannews",
        "https://kumparan.com/sitemap_channel_news.xml",
    ],
    "idntimes": [
        "https://www.idntimes.com/news",
        "https://www.idntimes.com/news/indonesia",
        "https://www.idntimes.com/tag/demam-berdarah",
        "https://www.idntimes.com/author/lia-hutasoit",
    ],
    "bisnis": [
        "https://www.bisnis.com/index?categoryId=43&page=3",
        "https://market.bisnis.com/bursa-saham",
        "https://www.bisnis.com/topic/1/kopi",
        "https://premium.bisnis.com/read/20240312/9/1748531/laporan-khusus",
    ],
    "kontan": [
        "https://nasional.kontan.co.id/",
        "https://www.kontan.co.id/tag/inflasi",
        "https://www.kontan.co.id/search/indeks?kanal=investasi",
        "https://rss.kontan.co.id/news/nasional",
    ],
    "katadata": [
        "https://katadata.co.id/indeks",
        "https://katadata.co.id/ekonomi-hijau",
        "https://katadata.co.id/tag/plts",
        "https://katadata.co.id/search/news/ihsg/-/-/-/-/-/-/10",
    ],
    "jpnn": [
        "https://www.jpnn.com/",
        "https://www.jpnn.com/tag/pppk",
        "https://www.jpnn.com/news",
        "https://jabar.jpnn.com/jabar-terkini",
    ],
    "inews": [
        "https://www.inews.id/news/nasional",
        "https://www.inews.id/multimedia/video/video-jakarta-lengang-di-awal-2021",
        "https://www.inews.id/tag/pemilu-2024",
        "https://www.inews.id/news/nasional/kpu-umumkan-jadwal-rekapitulasi/2",
        "https://www.inews.id/regional/lampung/deretan-gunung-tertinggi-di-lampung/all",
    ],
    "jawapos": [
        "https://www.jawapos.com/indeks",
        "https://www.jawapos.com/nasional",
        "https://www.jawapos.com/piala-dunia-2026",
        "https://www.jawapos.com/tag/mudik-lebaran",
        "https://www.jawapos.com/search?q=presiden",
    ],
}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LoopbackServer]:
    """The generated fixture pages on 127.0.0.1, as static files."""
    directory = tmp_path_factory.mktemp("site-fixtures")
    write_fixtures(directory)
    with static_server(directory, {".html": "text/html; charset=utf-8"}) as running:
        yield running


def fetch(server: LoopbackServer, case: SiteCase, url: str) -> HtmlResponse:
    """The page of ``case`` published at ``url``, fetched over HTTP, posing as ``url``."""
    site = load_site(case.site)
    plain = url
    if site.multipage and site.multipage.all_pages_param:
        param = site.multipage.all_pages_param.partition("=")[0]
        plain = url_query_cleaner(url, [param], remove=True)
    files = {page.url: page.file for page in case.pages}
    assert plain in files, f"{case.id}: the crawl would fetch {url}, which is not a fixture page"
    with urllib.request.urlopen(f"{server.origin}/{case.site}/{files[plain]}", timeout=10) as r:
        body = r.read()
    return HtmlResponse(url=url, body=body, encoding="utf-8")


def crawl(server: LoopbackServer, case: SiteCase) -> tuple[Article, list[HtmlResponse]]:
    """The article as a crawl makes it: every page fetched, merged, run through the steps."""
    site = load_site(case.site)
    rule = site.multipage
    url: str | None = case.pages[0].url
    if rule and rule.all_pages_param:
        name, _, value = rule.all_pages_param.partition("=")
        url = add_or_replace_parameter(case.pages[0].url, name, value)
    responses: list[HtmlResponse] = []
    seen: set[str] = set()
    while url and url not in seen:
        response = fetch(server, case, url)
        responses.append(response)
        seen.add(url)
        url = next_page_link(response, url, rule.next) if rule and rule.next else None
        assert rule is None or len(seen) <= rule.max_pages
    pages = [extract_article(response, site) for response in responses]
    article = merge_pages(pages[0], pages[1:]) if len(pages) > 1 else pages[0]
    article.fetched_at = FETCHED_AT.isoformat()
    drop = run_steps(load_steps(ITEM_STEPS), ItemAdapter(article), site, StepStats())
    assert drop is None, f"{case.id}: {drop}"
    return article, responses


@pytest.fixture(scope="module")
def crawled(server: LoopbackServer) -> dict[str, tuple[Article, list[HtmlResponse]]]:
    return {case.id: crawl(server, case) for case in CASES}


def minute(value: str | None) -> str | None:
    """``2024-03-12T14:30:15+07:00`` -> ``2024-03-12T14:30+07:00``."""
    return re.sub(r"(T\d\d:\d\d):\d\d", r"\1", value) if value else None


def by_id(case_id: str) -> SiteCase:
    return next(case for case in CASES if case.id == case_id)


CASE_IDS = [case.id for case in CASES]


# --- the site files ----------------------------------------------------------------------


@pytest.mark.parametrize("name", SITES)
def test_site_file_loads_and_its_selectors_compile(name: str) -> None:
    site = load_site(name)
    assert site.path == SEEDS_DIR / f"{name}.toml"
    assert site.name == name
    assert site.timezone == "Asia/Jakarta"
    assert site.layouts, "a site without a corpus page still needs its own selectors"
    check_selectors(site)


@pytest.mark.parametrize("name", SITES)
def test_discovery_and_paging_selectors_compile(name: str) -> None:
    site = load_site(name)
    probe = Selector(text="<html><body><a href='/x'>x</a></body></html>")
    for selector in (site.section_next, site.section_links, site.multipage and site.multipage.next):
        if selector:
            select(probe, selector)


@pytest.mark.parametrize("name", SITES)
def test_every_seed_url_is_on_the_site(name: str) -> None:
    site = load_site(name)
    seeds = [*site.start_urls, *site.sitemaps, *site.feeds, *site.sections]
    assert seeds
    for url in seeds:
        assert urlsplit(url).scheme == "https"
        assert site.allows(urlsplit(url).hostname or ""), url
        assert not site.is_article(url), f"{url} is a discovery page, not an article"


@pytest.mark.parametrize("name", SITES)
def test_article_pattern_accepts_real_article_addresses(name: str) -> None:
    site = load_site(name)
    for url in ARTICLES[name]:
        assert site.is_article(url), url
    for case in CASES:
        if case.site == name:
            assert site.is_article(case.pages[0].url), case.pages[0].url


@pytest.mark.parametrize("name", SITES)
def test_article_pattern_refuses_sections_tags_and_later_pages(name: str) -> None:
    site = load_site(name)
    for url in NOT_ARTICLES[name]:
        assert not site.is_article(url), url


def test_every_site_has_a_fixture_case() -> None:
    assert {case.site for case in CASES} == set(SITES)


@pytest.mark.parametrize("case_id", CASE_IDS)
def test_page_picks_its_layout(case_id: str, server: LoopbackServer) -> None:
    case = by_id(case_id)
    site = load_site(case.site)
    for page in case.pages:
        layout = choose_layout(fetch(server, case, page.url).selector, site)
        assert layout is not None and layout.name == case.layout, page.file


@pytest.mark.parametrize("case_id", CASE_IDS)
def test_every_selector_of_the_layout_finds_its_part(case_id: str, server: LoopbackServer) -> None:
    """Each selector on its own, so JSON-LD or meta cannot hide a selector that broke."""
    case = by_id(case_id)
    expected = case.expected
    site = load_site(case.site)
    page = case.pages[0]
    root = fetch(server, case, page.url).selector
    layout = choose_layout(root, site)
    assert layout is not None
    for key, selector in layout.selectors.items():
        found = select(root, selector) if key == "images" else select_texts(root, selector)
        assert found, f"{case.site}: {layout.name}.{key} finds nothing"
    own = selector_fields(root, site, layout, page.url)
    chosen = layout.selectors
    if "title" in chosen:
        assert own.title == expected.title
    if "published" in chosen:
        shown = parse_date(own.published or "", site.timezone)
        assert shown is not None and minute(to_iso(shown.value)) == minute(expected.published)
    if "authors" in chosen:
        assert tuple(normalise_authors(own.authors, site.organisations)) == expected.authors
    if "editors" in chosen:
        assert tuple(own.editors) == expected.editors
    if "paragraphs" in chosen or "body" in chosen:
        body = clean_body(own.paragraphs, site.boilerplate, own.captions, own.dateline)
        assert body.paragraphs[0].startswith(expected.first), body.paragraphs[0]
        if len(case.pages) == 1:
            assert body.paragraphs[-1].endswith(expected.last), body.paragraphs[-1]
        assert body.dateline == expected.dateline
    if "captions" in chosen or "images" in chosen:
        assert own.images and own.images[0].caption == expected.caption
    if "tags" in chosen:
        assert tuple(own.tags) == expected.tags


@pytest.mark.parametrize("case_id", CASE_IDS)
def test_title_dates_and_authors(case_id: str, crawled: dict[str, tuple[Article, list]]) -> None:
    expected = by_id(case_id).expected
    article, _ = crawled[case_id]
    assert article.title == expected.title
    # To the minute: seconds may come from metadata that agrees with the shown time.
    assert minute(article.published) == minute(expected.published)
    assert minute(article.updated) == minute(expected.updated)
    for value in (article.published, article.updated):
        assert value is None or value.endswith("+07:00")
    assert tuple(article.authors) == expected.authors
    editors = tuple(credit.name for credit in article.credits if credit.role == "editor")
    assert editors == expected.editors


@pytest.mark.parametrize("case_id", CASE_IDS)
def test_body_starts_and_ends_with_the_story(
    case_id: str, crawled: dict[str, tuple[Article, list]]
) -> None:
    expected = by_id(case_id).expected
    article, _ = crawled[case_id]
    assert article.paragraphs[0].startswith(expected.first), article.paragraphs[0]
    assert article.paragraphs[-1].endswith(expected.last), article.paragraphs[-1]
    assert article.dateline == expected.dateline
    if expected.paragraphs is not None:
        assert len(article.paragraphs) == expected.paragraphs, article.paragraphs


@pytest.mark.parametrize("case_id", CASE_IDS)
def test_body_has_no_boilerplate(case_id: str, crawled: dict[str, tuple[Article, list]]) -> None:
    expected = by_id(case_id).expected
    article, _ = crawled[case_id]
    body = article.body or ""
    for text in expected.absent:
        assert text not in body, f"{text!r} left in the body of {case_id}"
    assert not re.search(r"\(\s*[a-z]{2,5}(?:\s*/\s*[a-z]{2,5})*\s*\)\s*$", body)
    if article.dateline:
        assert not body.startswith(article.dateline)


@pytest.mark.parametrize("case_id", CASE_IDS)
def test_picture_caption_and_tags(case_id: str, crawled: dict[str, tuple[Article, list]]) -> None:
    expected = by_id(case_id).expected
    article, _ = crawled[case_id]
    if expected.caption:
        assert article.images and article.images[0].caption == expected.caption
        assert expected.caption not in (article.body or "")
    assert tuple(article.tags) == expected.tags


@pytest.mark.parametrize("case_id", CASE_IDS)
def test_canonical_url_is_the_article_page(
    case_id: str, crawled: dict[str, tuple[Article, list]]
) -> None:
    case = by_id(case_id)
    article, responses = crawled[case_id]
    assert article.canonical_url == case.pages[0].url
    assert article.pages == len(case.pages)
    assert [response.url.split("?")[0] for response in responses] == [
        page.url.split("?")[0] for page in case.pages
    ]


@pytest.mark.parametrize("case_id", CASE_IDS)
def test_later_pages_are_not_articles_of_their_own(case_id: str) -> None:
    case = by_id(case_id)
    site: SiteConfig = load_site(case.site)
    for page in case.pages[1:]:
        assert not site.is_article(page.url), page.url
