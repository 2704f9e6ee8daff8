"""Markup of the demo site: article, section and home pages, sitemaps, feed and robots.txt.

Pages carry the weight of a real news page (inline CSS and scripts, ads, widgets, navigation),
so a crawler and an archiver meet the same noise they would meet on a real site. Absolute URLs
start with ``ORIGIN_TOKEN``. An article page depends only on its own ``Story``, so a story that
does not change renders to the same bytes in every edition.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Iterable, Sequence
from datetime import datetime
from email.utils import format_datetime
from functools import cache
from html import escape
from typing import Any

from crawler.demosite.manifest import ORIGIN_TOKEN
from crawler.demosite.stories import (
    BASE,
    ORGANISATION,
    SECTIONS,
    STAFF,
    Link,
    Section,
    Story,
    id_date,
    iso,
    slugify,
)

ORIGIN = ORIGIN_TOKEN
PROMO = (
    "Untuk mengetahui kebenaran informasi yang beredar, silakan WhatsApp ke nomor "
    f"Cek Fakta {ORGANISATION} 0811-9787-670."
)
COMPONENTS = (
    "navbar",
    "navbar-menu",
    "navbar-trending",
    "read-page",
    "read-page--header",
    "read-page--header--author",
    "read-page--photo",
    "article-content-body",
    "article-content-body__item",
    "article-content-body__pagination",
    "baca-juga",
    "tags--snippet",
    "advertisement",
    "popular",
    "recommendation",
    "articles--iridescent-list",
    "simple-pagination",
    "footer",
    "footer__menu",
    "share-buttons",
    "comment-box",
    "newsletter",
    "breadcrumb",
    "sidebar",
    "video-box",
    "headline",
)
PARTS = ("", "__item", "__title", "__link", "--active")
AD_LOADER = """
window.googletag=window.googletag||{cmd:[]};
(function(w,d){var q=w.demoAds=w.demoAds||{slots:[],lazy:true,refresh:30};
function load(s){var e=d.createElement('script');e.async=true;e.src=s;
var f=d.getElementsByTagName('script')[0];f.parentNode.insertBefore(e,f);}
q.define=function(id,size,target){q.slots.push({id:id,size:size,target:target||{}});};
q.render=function(){for(var i=0;i<q.slots.length;i++){var s=q.slots[i];
var el=d.getElementById(s.id);if(!el){continue;}
el.setAttribute('data-rendered','pending');el.style.minHeight=s.size[1]+'px';}};
q.onVisible=function(el,fn){if(!('IntersectionObserver' in w)){fn();return;}
var o=new IntersectionObserver(function(es){es.forEach(function(e){
if(e.isIntersecting){o.disconnect();fn();}});},{rootMargin:'200px'});o.observe(el);};
d.addEventListener('DOMContentLoaded',function(){q.render();
var imgs=d.querySelectorAll('img[data-src]');for(var i=0;i<imgs.length;i++){
(function(img){q.onVisible(img,function(){img.src=img.getAttribute('data-src');});})(imgs[i]);}});
w.addEventListener('scroll',function(){var y=w.scrollY||0;
var b=d.querySelector('.advertisement--bottomframe');if(b){b.classList.toggle('is-sticky',y>600);}
},{passive:true});
if(!w.demoAdsDisabled){load('/static/ads/loader.js');}
})(window,document);
"""
ANALYTICS = """
(function(w,d,s,l,i){w[l]=w[l]||[];w[l].push({'gtm.start':0,event:'gtm.js'});
var f=d.getElementsByTagName(s)[0],j=d.createElement(s),dl=l!='dataLayer'?'&l='+l:'';
j.async=true;j.src='/static/analytics.js?id='+i+dl;f.parentNode.insertBefore(j,f);
})(window,document,'script','dataLayer','DEMO-0001');
"""
TRENDING = (
    "Vaksinasi",
    "Liga 1",
    "Harga Pangan",
    "Rupiah",
    "5G",
    "Timnas",
    "Konser",
    "Banjir",
    "IHSG",
    "Film",
)
SUBSECTIONS = (
    "Politik",
    "Hukum",
    "Peristiwa",
    "Metropolitan",
    "Daerah",
    "Internasional",
    "Ekonomi",
    "Saham",
    "Properti",
    "Energi",
    "Gadget",
    "Internet",
    "Sains",
    "Otomotif",
    "Liga Inggris",
    "Liga Spanyol",
    "MotoGP",
    "Bulu Tangkis",
    "Musik",
    "Film",
    "Selebriti",
    "Gaya Hidup",
    "Kesehatan",
    "Kuliner",
    "Travel",
    "Cek Fakta",
    "Regional",
    "Citizen6",
    "Video",
    "Foto",
)
PIXEL = "data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7"


def esc(text: str) -> str:
    return escape(text, quote=True)


@cache
def stylesheet() -> str:
    """The site's inline CSS: generated, fixed, about 20 KB like a real critical-CSS block."""
    rules = []
    for component in COMPONENTS:
        for part in PARTS:
            digest = hashlib.sha256(f"{component}{part}".encode()).digest()
            rules.append(
                f".{component}{part}{{display:{('block', 'flex', 'grid')[digest[0] % 3]};"
                f"margin:{digest[1] % 24}px {digest[2] % 16}px;padding:{digest[3] % 20}px;"
                f"color:#{digest[4:7].hex()};background:#{digest[7:10].hex()};"
                f"font-size:{12 + digest[10] % 10}px;line-height:{1 + digest[11] % 8 / 10};"
                f"border-radius:{digest[12] % 8}px}}"
            )
    media = "@media (max-width:767px){" + "".join(rules[::5]) + "}"
    return "\n".join(rules) + "\n" + media


@cache
def site_header() -> str:
    sections = "".join(
        f'<li class="navbar-menu__item"><a class="navbar-menu__link" '
        f'href="{ORIGIN}/{s.slug}/">{esc(s.name)}</a></li>'
        for s in SECTIONS
    )
    subsections = "".join(
        f'<li class="navbar-menu__item navbar-menu__item--sub"><a class="navbar-menu__link" '
        f'href="{ORIGIN}/tag/{slugify(name)}">{esc(name)}</a></li>'
        for name in SUBSECTIONS
    )
    trending = "".join(
        f'<a class="navbar-trending__link" href="{ORIGIN}/tag/{slugify(tag)}">#{esc(tag)}</a>'
        for tag in TRENDING
    )
    return (
        '<header class="navbar" id="navbar">\n'
        f'<a class="navbar__logo" href="{ORIGIN}/"><img src="{ORIGIN}/images/logo.png" '
        f'alt="{ORGANISATION}" width="160" height="40"></a>\n'
        '<form class="navbar__search" action="/search" method="get"><input type="search" '
        'name="q" placeholder="Cari berita..." aria-label="Cari"></form>\n'
        f'<nav class="navbar-menu" aria-label="Kanal"><ul class="navbar-menu__list">{sections}'
        f"{subsections}</ul></nav>\n"
        f'<div class="navbar-trending"><span class="navbar-trending__title">Trending</span>'
        f"{trending}</div>\n</header>\n"
    )


@cache
def site_footer() -> str:
    columns = []
    for heading, names in (
        ("Kanal", [s.name for s in SECTIONS]),
        ("Topik", list(SUBSECTIONS[:15])),
        ("Lainnya", list(SUBSECTIONS[15:])),
        ("Redaksi", list(STAFF)),
    ):
        links = "".join(
            f'<li class="footer__menu__item"><a class="footer__menu__link" '
            f'href="{ORIGIN}/tag/{slugify(name)}">{esc(name)}</a></li>'
            for name in names
        )
        columns.append(
            f'<div class="footer__menu"><h3 class="footer__menu__title">{heading}</h3>'
            f"<ul>{links}</ul></div>"
        )
    return (
        '<footer class="footer">\n'
        + "\n".join(columns)
        + '\n<p class="footer__copyright">&copy; 2022 '
        + ORGANISATION
        + ". Seluruh hak cipta dilindungi. Dilarang mengutip tanpa izin.</p>\n"
        '<p class="footer__address">Gedung Demo, Jl. Contoh No. 1, Jakarta 10110</p>\n'
        "</footer>\n"
    )


def page(title: str, head: str, body: str, body_class: str, extra_scripts: str = "") -> str:
    """A full HTML document around ``body`` with the shared head, header and footer."""
    return (
        "<!DOCTYPE html>\n"
        '<html lang="id">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{esc(title)}</title>\n{head}"
        f'<link rel="icon" href="{ORIGIN}/favicon.ico">\n'
        f"<style>\n{stylesheet()}\n</style>\n"
        f"<script>{ANALYTICS}</script>\n"
        f"<script>{AD_LOADER}</script>\n{extra_scripts}"
        f'</head>\n<body class="{body_class}">\n{site_header()}{body}{site_footer()}'
        "</body>\n</html>\n"
    )


def advertisement(slot: str, rng: random.Random, story_id: int) -> str:
    creative = rng.randrange(10**9, 10**10)
    box = f"div-gpt-ad-{story_id}-{slot}"
    return (
        f'<div class="advertisement advertisement--{slot}" data-ad-slot="{slot}" '
        f'data-creative="{creative}"><div class="advertisement__label">ADVERTISEMENT</div>'
        f'<div id="{box}" class="advertisement__container"></div>'
        f"<script>demoAds.define('{box}',[300,250],{{pos:'{slot}',cr:'{creative}'}});"
        f"googletag.cmd.push(function(){{googletag.display('{box}');}});</script></div>\n"
    )


def link_list(css: str, heading: str, links: Iterable[Link]) -> str:
    items = "".join(
        f'<li class="{css}__item"><a class="{css}__image" href="{ORIGIN}{link.path}">'
        f'<img src="{PIXEL}" data-src="{ORIGIN}{link.thumb}" alt="{esc(link.title)}" width="120" '
        f'height="68"></a><a class="{css}__link" href="{ORIGIN}{link.path}">{esc(link.title)}</a>'
        f'<span class="{css}__time">{id_date(link.published)}</span></li>'
        for link in links
    )
    return (
        f'<section class="{css}"><h2 class="{css}__title">{heading}</h2>'
        f'<ol class="{css}__list">{items}</ol></section>\n'
    )


def json_ld(data: dict[str, Any]) -> str:
    text = json.dumps(data, ensure_ascii=False, indent=1).replace("</", "<\\/")
    return f'<script type="application/ld+json">\n{text}\n</script>\n'


def news_article_ld(story: Story) -> dict[str, Any]:
    url = f"{ORIGIN}{story.path}"
    authors = [
        {"@type": "Organization", "name": name, "url": f"{ORIGIN}/"}
        if name == ORGANISATION
        else {"@type": "Person", "name": name, "url": f"{ORIGIN}/author/{slugify(name)}"}
        for name in story.authors
    ]
    lead = story.pictures[0]
    return {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "mainEntityOfPage": {"@type": "WebPage", "@id": url},
        "url": url,
        "headline": story.title,
        "description": story.description,
        "image": {
            "@type": "ImageObject",
            "url": f"{ORIGIN}{lead.path}",
            "width": 640,
            "height": 360,
        },
        "datePublished": iso(story.published),
        "dateModified": iso(story.updated),
        "author": authors,
        "publisher": {
            "@type": "Organization",
            "name": ORGANISATION,
            "logo": {"@type": "ImageObject", "url": f"{ORIGIN}/images/logo.png"},
        },
        "articleSection": story.section.name,
        "keywords": list(story.tags),
        "inLanguage": "id",
    }


def breadcrumb_ld(story: Story) -> dict[str, Any]:
    return {
        "@context": "https://schema.org",
        "@type": "BreadcrumbList",
        "itemListElement": [
            {"@type": "ListItem", "position": 1, "name": "Home", "item": f"{ORIGIN}/"},
            {
                "@type": "ListItem",
                "position": 2,
                "name": story.section.name,
                "item": f"{ORIGIN}/{story.section.slug}/",
            },
        ],
    }


#: From this edition on, article pages have a new design: new class names, the byline as plain
#: text, no ``<time>`` element, no NewsArticle JSON-LD and no article times in the meta. The demo
#: site file's selectors then find nothing and generic extraction is all that is left.
REDESIGN_EDITION = 3


def article_page(story: Story, number: int, redesigned: bool = False) -> str:
    """Page ``number`` (1-based) of an article, in the new design when ``redesigned``."""
    url = f"{ORIGIN}{story.path}"
    ads = random.Random(f"ads:{story.id}:{story.widget_rev}")
    meta = [
        f'<meta name="description" content="{esc(story.description)}">',
        f'<link rel="canonical" href="{url}">',
        '<meta property="og:type" content="article">',
        f'<meta property="og:site_name" content="{ORGANISATION}">',
        f'<meta property="og:title" content="{esc(story.title)}">',
        f'<meta property="og:url" content="{url}">',
        f'<meta property="og:description" content="{esc(story.description)}">',
        f'<meta property="og:image" content="{ORIGIN}{story.pictures[0].path}">',
        f'<meta property="article:published_time" content="{iso(story.published)}">',
        f'<meta property="article:modified_time" content="{iso(story.updated)}">',
        f'<meta property="article:section" content="{esc(story.section.name)}">',
        *(f'<meta property="article:tag" content="{esc(tag)}">' for tag in story.tags),
    ]
    if redesigned:
        meta = [m for m in meta if "_time" not in m]
    if number > 1:
        meta.append(f'<link rel="prev" href="{_page_url(story, number - 1)}">')
    if number < story.pages:
        meta.append(f'<link rel="next" href="{_page_url(story, number + 1)}">')
    article_ld = "" if redesigned else json_ld(news_article_ld(story))
    head = "\n".join(meta) + "\n" + article_ld + json_ld(breadcrumb_ld(story))
    config = {
        "articleId": story.id,
        "section": story.section.slug,
        "page": number,
        "pages": story.pages,
        "authors": [] if redesigned else list(story.authors),
        "tags": list(story.tags),
        "adTargeting": {"kanal": story.section.slug, "tipe": "read", "id": str(story.id)},
    }
    scripts = f"<script>window.demoData={json.dumps(config, ensure_ascii=False)};</script>\n"
    body = (
        advertisement("billboard", ads, story.id)
        + '<main class="read-page">\n'
        + advertisement("skin-left", ads, story.id)
        + '<article class="read-page--article" itemscope itemtype="https://schema.org/NewsArticle">\n'
        + (_redesigned_header(story) if redesigned else _article_header(story))
        + (_figure(story.pictures[0].path, story.pictures[0].caption) if number == 1 else "")
        + _article_body(story, number, ads, redesigned)
        + _pagination(story, number)
        + _tags(story)
        + _share_buttons(url)
        + "</article>\n"
        + advertisement("showcase-1", ads, story.id)
        + link_list("popular", "POPULER", story.popular)
        + advertisement("showcase-2", ads, story.id)
        + link_list("recommendation", "Rekomendasi", story.popular[::-1][:8])
        + advertisement("skin-right", ads, story.id)
        + "</main>\n"
        + advertisement("bottomframe", ads, story.id)
    )
    return page(f"{story.title} - {story.section.name} {ORGANISATION}", head, body, "read", scripts)


def _page_url(story: Story, number: int) -> str:
    return f"{ORIGIN}{story.path}" if number == 1 else f"{ORIGIN}{story.path}?page={number}"


def _article_header(story: Story) -> str:
    byline = " dan ".join(
        f'<a class="read-page--header--author__name" href="{ORIGIN}/author/{slugify(name)}">'
        f"{esc(name)}</a>"
        for name in story.authors
    )
    return (
        '<header class="read-page--header">\n'
        f'<nav class="breadcrumb"><a href="{ORIGIN}/">Home</a> &rsaquo; '
        f'<a class="breadcrumb__section" href="{ORIGIN}/{story.section.slug}/">'
        f"{esc(story.section.name)}</a></nav>\n"
        f'<h1 class="read-page--header--title entry-title">{esc(story.title)}</h1>\n'
        '<div class="read-page--header--author">\n'
        f'<span class="read-page--header--author__byline">oleh {byline}</span>\n'
        f'<time class="read-page--header--author__published" datetime="{iso(story.published)}">'
        f"Diterbitkan {id_date(story.published)}</time>\n"
        f'<time class="read-page--header--author__updated" datetime="{iso(story.updated)}">'
        f"diperbarui {id_date(story.updated)}</time>\n"
        "</div>\n</header>\n"
    )


def _redesigned_header(story: Story) -> str:
    writers = ", ".join(f"<b>{esc(name)}</b>" for name in story.authors)
    return (
        '<header class="story-head">\n'
        f'<nav class="story-head__crumbs"><a href="{ORIGIN}/">Home</a> / '
        f'<a href="{ORIGIN}/{story.section.slug}/">{esc(story.section.name)}</a></nav>\n'
        f'<h1 class="story-head__headline">{esc(story.title)}</h1>\n'
        f'<div class="story-head__info"><span class="story-head__who">{writers}</span>'
        "</div>\n</header>\n"
    )


def _figure(path: str, caption: str) -> str:
    return (
        '<figure class="read-page--photo"><img class="read-page--photo__image" '
        f'src="{ORIGIN}{path}" alt="{esc(caption)}" width="640" height="360" loading="lazy">'
        f'<figcaption class="read-page--photo__caption">{esc(caption)}</figcaption></figure>\n'
    )


def _article_body(story: Story, number: int, ads: random.Random, redesigned: bool) -> str:
    opening = (
        '<section class="story-body">\n<div class="story-body__text">'
        if redesigned
        else '<div class="article-content-body">\n<div class="article-content-body__item-content">'
    )
    parts = [f"{opening}\n"]
    indexes = story.page_paragraphs(number)
    for position, index in enumerate(indexes):
        text = story.paragraphs[index]
        if index == 0:
            dateline, _, rest = text.partition(" - ")
            parts.append(f"<p><strong>{esc(dateline)}</strong> - {esc(rest)}</p>\n")
        else:
            parts.append(f"<p>{esc(text)}</p>\n")
        if number == 1 and position == 0:
            parts.append(_baca_juga(story.related))
        if number == 1 and position == min(1, len(indexes) - 1):
            parts.append(f"<p>{esc(PROMO)}</p>\n")
        if position == 3:
            parts.append(advertisement("inarticle", ads, story.id))
        for picture in story.pictures[1:]:
            if picture.after == index:
                parts.append(_figure(picture.path, picture.caption))
    parts.append("</div>\n</section>\n" if redesigned else "</div>\n</div>\n")
    return "".join(parts)


def _baca_juga(links: Sequence[Link]) -> str:
    if not links:
        return ""
    items = "".join(
        f'<li class="baca-juga__item"><a class="baca-juga__link" href="{ORIGIN}{link.path}">'
        f"{esc(link.title)}</a></li>"
        for link in links
    )
    return (
        '<div class="baca-juga"><p class="baca-juga__header">Baca Juga</p>'
        f'<ul class="baca-juga__list">{items}</ul></div>\n'
    )


def _pagination(story: Story, number: int) -> str:
    if story.pages == 1:
        return ""
    links = "".join(
        f'<a class="paging__link{" paging__link--active" if n == number else ""}" '
        f'href="{_page_url(story, n)}">{n}</a>'
        for n in range(1, story.pages + 1)
    )
    prev = (
        f'<a class="prev-page" href="{_page_url(story, number - 1)}">Halaman sebelumnya</a>'
        if number > 1
        else ""
    )
    following = (
        f'<a class="next-page" href="{_page_url(story, number + 1)}">Halaman selanjutnya</a>'
        if number < story.pages
        else ""
    )
    return (
        '<div class="article-content-body__pagination"><span class="paging__label">Halaman '
        f"{number} dari {story.pages}</span>{prev}{links}{following}</div>\n"
    )


def _tags(story: Story) -> str:
    items = "".join(
        f'<li class="tags--snippet__item"><a class="tags--snippet__link" '
        f'href="{ORIGIN}/tag/{slugify(tag)}">{esc(tag)}</a></li>'
        for tag in story.tags
    )
    return f'<div class="tags--snippet"><ul class="tags--snippet__list">{items}</ul></div>\n'


def _share_buttons(url: str) -> str:
    buttons = "".join(
        f'<a class="share-buttons__link share-buttons__link--{name}" '
        f'href="https://share.invalid/{name}?u={url}" rel="nofollow noopener">{name}</a>'
        for name in ("facebook", "twitter", "whatsapp", "telegram", "line", "copy")
    )
    return f'<div class="share-buttons">{buttons}</div>\n'


def listing_page(
    title: str, path: str, stories: Sequence[Story], number: int, pages: int, heading: str
) -> str:
    """A section (or the home) page listing ``stories``, page ``number`` of ``pages``."""

    def url(n: int) -> str:
        return f"{ORIGIN}{path}" if n == 1 else f"{ORIGIN}{path}?page={n}"

    items = "".join(
        f'<article class="articles--iridescent-list__item">'
        f'<a class="articles--iridescent-list__image" href="{ORIGIN}{s.path}"><img src="{PIXEL}" '
        f'data-src="{ORIGIN}{s.link().thumb}" alt="{esc(s.title)}" width="120" height="68"></a>'
        f'<h4 class="articles--iridescent-list__title"><a class="articles--iridescent-list__link" '
        f'href="{ORIGIN}{s.path}">{esc(s.title)}</a></h4>'
        f'<span class="articles--iridescent-list__section">{esc(s.section.name)}</span>'
        f'<time class="articles--iridescent-list__time" datetime="{iso(s.published)}">'
        f"{id_date(s.published)}</time>"
        f'<p class="articles--iridescent-list__summary">{esc(s.description)}</p></article>\n'
        for s in stories
    )
    head = [f'<link rel="canonical" href="{url(number)}">']
    pager = []
    if number > 1:
        head.append(f'<link rel="prev" href="{url(number - 1)}">')
        pager.append(f'<a class="prev" rel="prev" href="{url(number - 1)}">Sebelumnya</a>')
    for n in range(1, pages + 1):
        active = " simple-pagination__page--active" if n == number else ""
        pager.append(f'<a class="simple-pagination__page{active}" href="{url(n)}">{n}</a>')
    if number < pages:
        head.append(f'<link rel="next" href="{url(number + 1)}">')
        pager.append(f'<a class="next" rel="next" href="{url(number + 1)}">Selanjutnya</a>')
    ads = random.Random(f"listing:{path}")
    body = (
        advertisement("billboard", ads, 0)
        + f'<main class="index-page"><h1 class="index-page__title">{esc(heading)}</h1>\n'
        + f'<div class="articles--iridescent-list">\n{items}</div>\n'
        + f'<nav class="simple-pagination">{"".join(pager)}</nav>\n</main>\n'
    )
    return page(title, "\n".join(head) + "\n", body, "index")


def sitemap_index(entries: Sequence[tuple[str, datetime]]) -> str:
    items = "".join(
        f"<sitemap><loc>{ORIGIN}{path}</loc><lastmod>{iso(modified)}</lastmod></sitemap>\n"
        for path, modified in entries
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        f"{items}</sitemapindex>\n"
    )


def news_sitemap(stories: Sequence[Story]) -> str:
    items = "".join(
        f"<url><loc>{ORIGIN}{s.path}</loc><lastmod>{iso(s.updated)}</lastmod>"
        "<news:news><news:publication><news:name>"
        f"{ORGANISATION}</news:name><news:language>id</news:language></news:publication>"
        f"<news:publication_date>{iso(s.published)}</news:publication_date>"
        f"<news:title>{escape(s.title, quote=False)}</news:title></news:news>"
        f"<image:image><image:loc>{ORIGIN}{s.pictures[0].path}</image:loc></image:image></url>\n"
        for s in stories
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9" '
        'xmlns:image="http://www.google.com/schemas/sitemap-image/1.1">\n'
        f"{items}</urlset>\n"
    )


def rss_feed(stories: Sequence[Story]) -> str:
    built = max((s.updated for s in stories), default=BASE)
    items = "".join(
        f"<item><title>{escape(s.title, quote=False)}</title><link>{ORIGIN}{s.path}</link>"
        f'<guid isPermaLink="true">{ORIGIN}{s.path}</guid>'
        f"<pubDate>{format_datetime(s.published)}</pubDate>"
        f"<category>{esc(s.section.name)}</category>"
        f"<dc:creator>{escape(', '.join(s.authors), quote=False)}</dc:creator>"
        f"<description>{escape(s.description, quote=False)}</description></item>\n"
        for s in stories
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:atom="http://www.w3.org/2005/Atom">\n<channel>\n'
        f"<title>{ORGANISATION} - Berita Terkini</title>\n<link>{ORIGIN}/</link>\n"
        f'<atom:link href="{ORIGIN}/rss.xml" rel="self" type="application/rss+xml"/>\n'
        "<description>Berita terkini hari ini dari Demo.com</description>\n"
        f"<language>id</language>\n<lastBuildDate>{format_datetime(built)}</lastBuildDate>\n"
        f"{items}</channel>\n</rss>\n"
    )


def robots_txt() -> str:
    return f"User-agent: *\nAllow: /\n\nSitemap: {ORIGIN}/sitemap.xml\n"


def section_title(section: Section) -> str:
    return f"Berita {section.name} Terkini Hari Ini - {ORGANISATION}"


PAD_WORDS = (
    "berita",
    "terkini",
    "warga",
    "kota",
    "pemerintah",
    "harga",
    "pasar",
    "laga",
    "tim",
    "konser",
    "film",
    "data",
    "aplikasi",
    "jaringan",
    "kredit",
    "ekspor",
    "banjir",
    "sekolah",
    "mudik",
    "vaksin",
    "rupiah",
    "saham",
    "festival",
    "album",
    "serial",
)


def pad_page(html: str, key: str, page_kb: tuple[int, int]) -> str:
    """``html`` with an inline JSON state blob before ``</body>``: a size between ``page_kb``.

    Real article pages carry such blobs (recommendation feeds, ad and tracking config); the
    blob is seeded by ``key``, compresses about as well as the rest of the page and holds no
    article text.
    """
    rng = random.Random(f"pad:{key}")
    low, high = page_kb
    target = rng.randint(low * 1000, high * 1000 - 2000) - len(html.encode("utf-8"))
    items: list[dict[str, Any]] = []
    size = 0
    while size < target:
        item = {
            "id": rng.randrange(10**8),
            "hash": f"{rng.getrandbits(96):024x}",
            "title": " ".join(rng.choices(PAD_WORDS, k=rng.randint(5, 11))),
            "score": round(rng.random(), 4),
        }
        items.append(item)
        size += len(json.dumps(item)) + 2
    if not items:
        return html
    blob = (
        f'<script type="application/json" id="page-state">{json.dumps({"feed": items})}</script>\n'
    )
    head, _, tail = html.rpartition("</body>")
    return f"{head}{blob}</body>{tail}" if head else html + blob
