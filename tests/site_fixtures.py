"""Article pages in the markup of the site files that have no saved page in the shared corpus.

Each case is one article (one page, or several when the site splits it) written in the site's
own template: its class names and nesting, byline, visible date, dateline, picture caption,
ad blocks, "Baca Juga" boxes, video placeholders and sign-off, with invented Indonesian text.
Each case also says what extraction must find in it. The generator is deterministic;

    python -m tests.site_fixtures DIRECTORY

writes the pages to ``DIRECTORY/<site>/`` to look at; ``tests/test_site_files.py`` writes them
to a temporary folder and serves them over loopback.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Expected:
    """What extraction and the pipelines must make of a case.

    ``first``/``last``: the body's first paragraph starts with, its last one ends with these.
    ``absent``: text that must not be anywhere in the body (boilerplate, captions, widgets).
    """

    title: str
    published: str
    updated: str | None
    authors: tuple[str, ...]
    first: str
    last: str
    absent: tuple[str, ...]
    dateline: str | None = None
    caption: str | None = None
    tags: tuple[str, ...] = ()
    paragraphs: int | None = None
    editors: tuple[str, ...] = ()


@dataclass(frozen=True)
class FixturePage:
    """One page: its file under the site's fixture directory and its address on the site."""

    file: str
    url: str
    html: str


@dataclass(frozen=True)
class SiteCase:
    """An article of a site: its pages in reading order, the layout they use, the truth."""

    site: str
    name: str
    layout: str
    pages: tuple[FixturePage, ...]
    expected: Expected
    notes: str = field(default="", compare=False)

    @property
    def id(self) -> str:
        return f"{self.site}-{self.name}"


def jsonld(data: dict[str, Any]) -> str:
    return (
        '<script type="application/ld+json">'
        + json.dumps(data, ensure_ascii=False, indent=1)
        + "</script>"
    )


def news_article(
    url: str,
    headline: str,
    published: str,
    modified: str | None,
    authors: list[str],
    image: str,
    publisher: str,
    description: str = "",
    keywords: list[str] | str | None = None,
    body: str | None = None,
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "mainEntityOfPage": {"@type": "WebPage", "@id": url},
        "headline": headline,
        "description": description,
        "image": {"@type": "ImageObject", "url": image, "width": 1200, "height": 675},
        "datePublished": published,
        "author": [{"@type": "Person", "name": name} for name in authors],
        "publisher": {"@type": "Organization", "name": publisher},
    }
    if modified:
        data["dateModified"] = modified
    if keywords is not None:
        data["keywords"] = keywords
    if body is not None:
        data["articleBody"] = body
    return data


def document(title: str, head: str, body: str, lang: str = "id") -> str:
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{title}</title>\n{head.strip()}\n</head>\n<body>\n{body.strip()}\n</body>\n</html>\n"
    )


def og(url: str, title: str, description: str, image: str, site_name: str) -> str:
    return f"""
<link rel="canonical" href="{url}">
<meta name="description" content="{description}">
<meta property="og:type" content="article">
<meta property="og:url" content="{url}">
<meta property="og:title" content="{title}">
<meta property="og:description" content="{description}">
<meta property="og:image" content="{image}">
<meta property="og:site_name" content="{site_name}">
"""


# --- CNN Indonesia -----------------------------------------------------------------------

CNN_URL = (
    "https://www.cnnindonesia.com/ekonomi/20240312143015-92-1073520/"
    "harga-cabai-rawit-turun-jelang-ramadan-pedagang-pasar-lega"
)
CNN_TITLE = "Harga Cabai Rawit Turun Jelang Ramadan, Pedagang Pasar Lega"


def _cnn_header(url: str) -> str:
    return f"""
<header class="bg-white"><nav class="flex gap-4">
  <a href="https://www.cnnindonesia.com/nasional">Nasional</a>
  <a href="https://www.cnnindonesia.com/ekonomi">Ekonomi</a>
  <a href="https://www.cnnindonesia.com/olahraga">Olahraga</a>
</nav></header>
<div class="skybanner"><div id="div-gpt-ad-skybanner"></div></div>
<div class="container mx-auto flex gap-6">
<div class="grow-0 w-leftcontent min-w-0">
<div class="text-cnn_red text-sm mb-4">
  <a href="https://www.cnnindonesia.com/">Home</a> /
  <a class="gtm_breadcrumb_kanal" href="https://www.cnnindonesia.com/ekonomi">Ekonomi</a>
</div>
<h1 class="mb-2 text-[28px] leading-9 text-cnn_black">{CNN_TITLE}</h1>
<div class="text-cnn_black_light3 text-sm mb-2.5"><span class="text-cnn_red">Dewi Anggraini</span> |
  CNN Indonesia</div>
<div class="text-cnn_grey text-sm mb-4">Selasa, 12 Mar 2024 14:30 WIB
  <span class="ml-2"><a href="#share">Bagikan</a></span></div>
<div class="detail-image my-5"><figure>
  <img src="https://akcdn.detik.net.id/visual/2024/03/12/pedagang-cabai_169.jpeg?w=720"
    alt="Pedagang cabai" class="w-full">
  <figcaption class="text-xs text-cnn_grey mt-1">Pedagang cabai di Pasar Induk Kramat Jati, Jakarta.
    (CNN Indonesia/Adi Prakoso)</figcaption>
</figure></div>
"""


_CNN_FOOTER = """
<div class="mb-8"><div class="flex gap-2 text-base">
  <a dtr-evt="halaman" href="{base}">1</a>
  <a dtr-evt="halaman" href="{base}/2">2</a>
</div></div>
<aside class="mb-6"><div class="title-box">TOPIK TERKAIT</div>
  <div class="flex flex-wrap gap-3">
    <a href="https://www.cnnindonesia.com/tag/harga-cabai">harga cabai</a>
    <a href="https://www.cnnindonesia.com/tag/ramadan">ramadan</a>
  </div></aside>
</div>
<div class="w-[300px]"><div class="nhl-list"><article class="flex-grow">
  <a
    href="https://www.cnnindonesia.com/nasional/20240312120000-20-1073400/banjir-rob-genangi-pesisir-utara">
  <h2>Banjir Rob Genangi Pesisir Utara</h2></a></article></div></div>
</div>
<footer><p>Copyright &copy; 2024 CNN Indonesia, a Trans Media company</p></footer>
"""


def _cnn_head(url: str) -> str:
    description = "Harga cabai rawit merah di pasar tradisional Jakarta turun menjelang Ramadan."
    image = "https://akcdn.detik.net.id/visual/2024/03/12/pedagang-cabai_169.jpeg?w=650"
    return (
        og(url, CNN_TITLE, description, image, "CNN Indonesia")
        + '<meta name="publishdate" content="2024/03/12 14:30:15">\n'
        + '<meta name="author" content="">\n'
        + jsonld(
            {
                "@context": "https://schema.org",
                "@type": "WebPage",
                "headline": CNN_TITLE,
                "datePublished": "2024-03-12T14:30:15+07:00",
            }
        )
        + jsonld(
            news_article(
                url,
                CNN_TITLE,
                "2024-03-12T14:30:15+07:00",
                "2024-03-12T16:05:10+07:00",
                [""],
                image,
                "CNN Indonesia",
                description,
            )
        )
    )


def cnn_indonesia() -> SiteCase:
    page_one = f"""
{_cnn_header(CNN_URL)}
<div class="flex gap-4">
<div class="detail-text text-cnn_black text-sm grow min-w-0">
<p><strong>Jakarta, CNN Indonesia</strong> -- Harga cabai rawit merah di sejumlah pasar tradisional
  Jakarta turun hingga Rp20 ribu per kilogram dalam sepekan terakhir menjelang Ramadan.</p>
<p>Di Pasar Induk Kramat Jati, cabai rawit merah dijual Rp45 ribu per kilogram pada Selasa (12/3)
  pagi, dari sebelumnya Rp65 ribu pada awal bulan.</p>
<div class="paradetail">
  <p class="para_caption">ADVERTISEMENT</p>
  <div id="div-gpt-ad-parallax"></div>
  <p class="para_caption">SCROLL TO CONTINUE WITH CONTENT</p>
</div>
<p>"Pasokan dari Jawa Tengah dan Nusa Tenggara Barat sudah kembali normal setelah panen raya," kata
  Suryani, pedagang cabai di pasar tersebut.</p>
<table class="linksisip"><tbody><tr><td>
  <div class="linksisip-title">Lihat Juga :</div>
  <a href="https://www.cnnindonesia.com/ekonomi/20240311101010-92-1073001/operasi-pasar-beras">
    Pemerintah Siapkan Operasi Pasar Beras Jelang Lebaran</a>
</td></tr></tbody></table>
<p>[Gambas:Video CNN]</p>
<p>Kementerian Perdagangan mencatat harga rata-rata nasional cabai rawit merah turun 14 persen
  dibanding bulan lalu.</p>
<div class="inline-block mt-4"><a dtr-evt="halaman" href="{CNN_URL}/2" class="text-cnn_red">Halaman
  berikutnya</a></div>
</div>
</div>
{_CNN_FOOTER.format(base=CNN_URL)}
"""
    page_two = f"""
{_cnn_header(CNN_URL)}
<div class="flex gap-4">
<div class="detail-text text-cnn_black text-sm grow min-w-0">
<p>Meski demikian, harga bawang merah masih bertahan tinggi di kisaran Rp40 ribu per kilogram akibat
  curah hujan di sentra produksi Brebes.</p>
<div class="paradetail"><p class="para_caption">ADVERTISEMENT</p>
  <p class="para_caption">SCROLL TO CONTINUE WITH CONTENT</p></div>
<p>Direktur Jenderal Perdagangan Dalam Negeri meminta pemerintah daerah memantau harga harian agar
  lonjakan tidak terjadi saat permintaan naik selama Ramadan. <strong>(dea/agt)</strong></p>
</div>
</div>
{_CNN_FOOTER.format(base=CNN_URL)}
"""
    head = _cnn_head(CNN_URL)
    return SiteCase(
        site="cnnindonesia",
        name="ekonomi-2024",
        layout="tailwind-2022",
        pages=(
            FixturePage("ekonomi-cabai.html", CNN_URL, document(CNN_TITLE, head, page_one)),
            FixturePage(
                "ekonomi-cabai-2.html", CNN_URL + "/2", document(CNN_TITLE, head, page_two)
            ),
        ),
        expected=Expected(
            title=CNN_TITLE,
            published="2024-03-12T14:30:00+07:00",
            updated="2024-03-12T16:05:10+07:00",
            authors=("Dewi Anggraini",),
            dateline="Jakarta, CNN Indonesia",
            first="Harga cabai rawit merah di sejumlah pasar tradisional Jakarta turun",
            last="agar lonjakan tidak terjadi saat permintaan naik selama Ramadan.",
            absent=(
                "ADVERTISEMENT",
                "SCROLL TO CONTINUE",
                "Lihat Juga",
                "Operasi Pasar Beras",
                "Gambas",
                "Halaman berikutnya",
                "(dea/agt)",
                "Kramat Jati, Jakarta. (CNN",
                "Banjir Rob",
            ),
            caption=(
                "Pedagang cabai di Pasar Induk Kramat Jati, Jakarta. (CNN Indonesia/Adi Prakoso)"
            ),
            tags=("harga cabai", "ramadan"),
            paragraphs=6,
        ),
        notes="two pages (/2), Tailwind template, ad and 'Lihat Juga' blocks inside the text",
    )


CNN_OLD_URL = (
    "https://www.cnnindonesia.com/nasional/20190708101522-20-410300/"
    "jembatan-gantung-desa-sukamaju-rampung-dibangun-swadaya"
)
CNN_OLD_TITLE = "Jembatan Gantung Desa Sukamaju Rampung Dibangun Swadaya"


def cnn_indonesia_2019() -> SiteCase:
    image = "https://akcdn.detik.net.id/community/media/visual/2019/07/08/jembatan_169.jpg"
    head = (
        og(
            CNN_OLD_URL,
            CNN_OLD_TITLE,
            "Warga Desa Sukamaju menyelesaikan jembatan gantung sepanjang 60 meter.",
            image,
            "CNN Indonesia",
        )
        + '<meta name="content_author" content="Andi Saputra">\n'
    )
    body = f"""
<div class="container"><div class="l_content">
<div class="content_detail">
  <div class="breadcrumb"><a href="https://www.cnnindonesia.com/">Home</a> &gt; <a
    href="https://www.cnnindonesia.com/nasional">Nasional</a></div>
  <h1 class="title">{CNN_OLD_TITLE}</h1>
  <div class="date">CNN Indonesia | Senin, 08/07/2019 10:15 WIB</div>
  <div class="share_top">Bagikan : <a href="#">Facebook</a> <a href="#">Twitter</a></div>
</div>
<div class="media_artikel">
  <img src="{image}" alt="Jembatan gantung">
  <div class="pic_artikel_caption">Jembatan gantung di Desa Sukamaju. (Dok. Warga)</div>
</div>
<div id="detikdetailtext" class="detail_text">
<p><strong>Jakarta, CNN Indonesia</strong> -- Warga Desa Sukamaju akhirnya menyelesaikan jembatan
  gantung sepanjang 60 meter yang dibangun secara swadaya selama empat bulan.</p>
<p>Jembatan itu menghubungkan dua dusun yang selama ini terpisah sungai dan hanya bisa dilalui
  dengan rakit saat musim hujan.</p>
<table class="linksisip"><tr><td><div class="linksisip-title">Baca juga:</div>
  <a href="https://www.cnnindonesia.com/nasional/20190707090000-20-410100/sungai-meluap">Sungai
    Meluap, Dua Desa Terisolasi</a></td></tr></table>
<p>"Anak-anak sekarang bisa berangkat sekolah tanpa menunggu air surut," kata kepala desa Sukamaju,
  Darmaji.</p>
<p>Pemerintah kabupaten berjanji membantu pengecatan dan pemasangan lampu penerangan pada tahun
  anggaran berikutnya. (osc/ugo)</p>
</div>
</div></div>
<footer>Copyright &copy; 2019 CNN Indonesia</footer>
"""
    return SiteCase(
        site="cnnindonesia",
        name="nasional-2019",
        layout="detail_text-2016",
        pages=(
            FixturePage("nasional-2019.html", CNN_OLD_URL, document(CNN_OLD_TITLE, head, body)),
        ),
        expected=Expected(
            title=CNN_OLD_TITLE,
            published="2019-07-08T10:15:00+07:00",
            updated=None,
            authors=("Andi Saputra",),
            dateline="Jakarta, CNN Indonesia",
            first="Warga Desa Sukamaju akhirnya menyelesaikan jembatan gantung",
            last="pada tahun anggaran berikutnya.",
            absent=("Baca juga", "Sungai Meluap", "(osc/ugo)", "Dok. Warga", "Bagikan"),
            caption="Jembatan gantung di Desa Sukamaju. (Dok. Warga)",
            paragraphs=4,
        ),
        notes="detik-era template, numeric date in the byline",
    )


# --- SINDOnews ---------------------------------------------------------------------------

SINDO_URL = (
    "https://nasional.sindonews.com/read/1342718/12/"
    "pemerintah-siapkan-skema-bantuan-pupuk-untuk-petani-kecil-1710233415"
)
SINDO_TITLE = "Pemerintah Siapkan Skema Bantuan Pupuk untuk Petani Kecil"


def sindonews() -> SiteCase:
    image = "https://pict.sindonews.net/dyn/850/pena/news/2024/03/12/12/1342718/pupuk-bersubsidi-abc.jpg"
    breadcrumb = {
        "@context": "https://schema.org",
        "@type": "BreadcrumbList",
        "itemListElement": [
            {
                "@type": "ListItem",
                "position": 1,
                "name": "home",
                "item": "https://www.sindonews.com/",
            },
            {
                "@type": "ListItem",
                "position": 2,
                "name": "nasional",
                "item": "https://nasional.sindonews.com/",
            },
        ],
    }
    head = (
        og(
            SINDO_URL,
            SINDO_TITLE + " - SINDOnews",
            "Pemerintah menyiapkan skema bantuan pupuk bersubsidi baru untuk petani kecil.",
            image,
            "SINDOnews.com",
        )
        + '<meta name="keywords" content="pupuk bersubsidi,petani,kementerian pertanian">\n'
        + jsonld(breadcrumb)
    )
    body = f"""
<header class="header"><div class="logo"><a
  href="https://www.sindonews.com/">SINDOnews</a></div></header>
<section class="detail"><div class="width-100">
<div class="left-section">
<article>
  <div class="detail-breadcrumb"><a href="https://nasional.sindonews.com/">Nasional</a></div>
  <h1 class="detail-title">{SINDO_TITLE}</h1>
  <div class="detail-nama-redaksi"><a rel="author"
    href="https://index.sindonews.com/blog/5/raka-dwi-putra">Raka Dwi Putra</a></div>
  <div class="detail-date-artikel">Selasa, 12 Maret 2024 - 15:50 WIB</div>
  <div class="detail-img">
    <img class="lazyload" data-src="{image}" src="data:image/gif;base64,R0lGODlhAQABAAAAACw="
      alt="Pupuk bersubsidi">
    <div class="detail-img-caption">Pemerintah menyiapkan skema baru penyaluran pupuk bersubsidi.
      Foto/Dok. SINDOnews</div>
  </div>
  <div class="detail-desc" id="detail-desc">
<strong>JAKARTA</strong> - Pemerintah menyiapkan skema bantuan pupuk bersubsidi baru untuk petani
  dengan lahan di bawah dua hektare mulai musim tanam April.<br><br>
Menteri Pertanian mengatakan skema itu akan memakai data kartu tani yang sudah diperbarui di 12
  provinsi.<br><br>
Baca Juga: <a class="int-link"
  href="https://ekbis.sindonews.com/read/1342600/34/harga-gabah-kering-panen-naik-1710220000">Harga
  Gabah Kering Panen Naik di Tingkat Petani</a><br><br>
"Kami ingin pupuk sampai ke petani tepat waktu, tepat jumlah, dan tepat harga," ujarnya di Jakarta,
  Selasa (12/3/2024).<br><br>
<div class="v-youtube"><iframe src="https://www.youtube.com/embed/abc123"
  title="video"></iframe></div>
Kementerian mencatat alokasi pupuk bersubsidi tahun ini mencapai 4,7 juta ton, naik dari tahun
  sebelumnya.<br><br>
<div class="editor">(abd)</div>
  </div>
  <div class="detail-tag"><a href="https://www.sindonews.com/topic/1000/pupuk-bersubsidi">pupuk
    bersubsidi</a> <a href="https://www.sindonews.com/topic/1001/petani">petani</a></div>
</article>
</div>
<div class="right-section"><div class="terpopuler"><a
  href="https://metro.sindonews.com/read/1342000/171/kemacetan-1710000000">Kemacetan Parah di Tol
  Dalam Kota</a></div></div>
</div></section>
<footer>Copyright &copy; 2024 SINDOnews.com, All Rights Reserved</footer>
"""
    return SiteCase(
        site="sindonews",
        name="nasional-2024",
        layout="default",
        pages=(FixturePage("nasional-pupuk.html", SINDO_URL, document(SINDO_TITLE, head, body)),),
        expected=Expected(
            title=SINDO_TITLE,
            published="2024-03-12T15:50:00+07:00",
            updated=None,
            authors=("Raka Dwi Putra",),
            dateline="JAKARTA",
            first="Pemerintah menyiapkan skema bantuan pupuk bersubsidi baru",
            last="naik dari tahun sebelumnya.",
            absent=("Baca Juga", "Harga Gabah", "(abd)", "Foto/Dok", "Kemacetan"),
            caption=(
                "Pemerintah menyiapkan skema baru penyaluran pupuk bersubsidi. Foto/Dok. SINDOnews"
            ),
            tags=("pupuk bersubsidi", "petani"),
            paragraphs=4,
        ),
        notes="?showpage=all view: one element of <br><br> runs, no NewsArticle JSON-LD",
    )


# --- kumparan ----------------------------------------------------------------------------

KUMPARAN_URL = (
    "https://kumparan.com/kumparannews/"
    "bmkg-peringatkan-potensi-hujan-lebat-di-jabodetabek-sepekan-ke-depan-22Mx4JkQpTz"
)
KUMPARAN_TITLE = "BMKG Peringatkan Potensi Hujan Lebat di Jabodetabek Sepekan ke Depan"


def kumparan() -> SiteCase:
    image = "https://blue.kumparan.com/image/upload/fl_progressive/v1710230000/hujan_jakarta.jpg"
    head = og(
        KUMPARAN_URL,
        KUMPARAN_TITLE,
        "BMKG memperingatkan potensi hujan lebat di Jabodetabek.",
        image,
        "kumparan",
    ) + jsonld(
        news_article(
            KUMPARAN_URL,
            KUMPARAN_TITLE,
            "2024-03-12T09:20:00Z",
            "2024-03-12T10:02:41Z",
            ["Fadhil Pramudya"],
            image,
            "kumparan",
            "BMKG memperingatkan potensi hujan lebat di Jabodetabek.",
        )
    )
    body = f"""
<div id="__next"><div class="Viewweb__StyledView-sc-b0snvl-0">
<nav data-qa-id="navbar"><a href="https://kumparan.com/channel/news">News</a></nav>
<div data-qa-id="story-detail">
  <h1 data-qa-id="story-title" class="Textweb__StyledText-sc-1ed9ao-0">{KUMPARAN_TITLE}</h1>
  <div data-qa-id="author-name"><span>kumparanNEWS</span></div>
  <span data-qa-id="publish-date">12 Maret 2024 16:20 WIB</span>
  <figure data-qa-id="image-figure">
    <img src="{image}" alt="Hujan di Jakarta">
    <figcaption><span data-qa-id="image-caption">Ilustrasi hujan deras di kawasan Sudirman, Jakarta.
      Foto: Aditia Noviansyah/kumparan</span></figcaption>
  </figure>
  <div data-qa-id="story-content">
    <p data-qa-id="story-paragraph"><span>Badan Meteorologi, Klimatologi, dan Geofisika (BMKG)
      memperingatkan potensi hujan lebat disertai angin kencang di wilayah Jabodetabek selama
      sepekan ke depan.</span></p>
    <p data-qa-id="story-paragraph"><span>Prakirawan BMKG menyebut pertumbuhan awan hujan dipicu
      suhu muka laut yang hangat di perairan utara Jawa.</span></p>
    <aside data-qa-id="ads-inline"><span>ADVERTISEMENT</span><div
      id="div-gpt-ad-inline-1"></div></aside>
    <p data-qa-id="story-paragraph"><span>Warga diminta membersihkan saluran air dan menghindari
      berteduh di bawah pohon besar saat hujan turun.</span></p>
    <p data-qa-id="story-paragraph"><span>Simak juga video berikut ini:</span></p>
    <div data-qa-id="video-embed"><iframe src="https://www.youtube.com/embed/xyz789"></iframe></div>
    <p data-qa-id="story-paragraph"><span>BMKG akan memperbarui peringatan dini setiap enam jam
      melalui aplikasi dan kanal media sosialnya.</span></p>
  </div>
  <div data-qa-id="topic-list">
    <a data-qa-id="tag-topic" href="https://kumparan.com/topic/cuaca-ekstrem"><span
      data-qa-id="label-tag-topic">Cuaca Ekstrem</span></a>
    <a data-qa-id="tag-topic" href="https://kumparan.com/topic/bmkg"><span
      data-qa-id="label-tag-topic">BMKG</span></a>
  </div>
</div>
<section data-qa-id="related-stories"><a
  href="https://kumparan.com/kumparannews/banjir-kemang-1zAbCdEfGhI">Banjir Setinggi Lutut Rendam
  Kemang</a></section>
</div></div>
"""
    return SiteCase(
        site="kumparan",
        name="news-2024",
        layout="default",
        pages=(FixturePage("news-hujan.html", KUMPARAN_URL, document(KUMPARAN_TITLE, head, body)),),
        expected=Expected(
            title=KUMPARAN_TITLE,
            published="2024-03-12T16:20:00+07:00",
            updated="2024-03-12T17:02:41+07:00",
            authors=("Fadhil Pramudya",),
            first="Badan Meteorologi, Klimatologi, dan Geofisika (BMKG) memperingatkan",
            last="melalui aplikasi dan kanal media sosialnya.",
            absent=(
                "ADVERTISEMENT",
                "Simak juga video",
                "Foto: Aditia",
                "Banjir Setinggi",
                "kumparanNEWS",
            ),
            caption=(
                "Ilustrasi hujan deras di kawasan Sudirman, Jakarta. "
                "Foto: Aditia Noviansyah/kumparan"
            ),
            tags=("Cuaca Ekstrem", "BMKG"),
            paragraphs=4,
        ),
        notes="data-qa-id hooks; writer and UTC dates from JSON-LD, desk account on the page",
    )


# --- IDN Times ---------------------------------------------------------------------------

IDN_URL = (
    "https://www.idntimes.com/news/indonesia/"
    "kemenkes-imbau-warga-waspadai-demam-berdarah-di-musim-hujan-00-k7wqz-2mf9sd"
)
IDN_TITLE = "Kemenkes Imbau Warga Waspadai Demam Berdarah di Musim Hujan"


def idntimes() -> SiteCase:
    image = "https://cdn.idntimes.com/content-images/post/20240312/nyamuk-aedes-1a2b3c.jpg"
    run_together = (
        "Jakarta, IDN Times - Kementerian Kesehatan (Kemenkes) mengimbau masyarakat mewaspadai"
        " lonjakan kasus demam berdarah dengue selama musim hujan.Kasus biasanya naik dua"
        " pekan setelah curah hujan tinggi."
    )
    head = og(
        IDN_URL,
        IDN_TITLE,
        "Kemenkes mengimbau masyarakat mewaspadai demam berdarah.",
        image,
        "IDN Times",
    ) + jsonld(
        news_article(
            IDN_URL,
            IDN_TITLE,
            "2024-03-12T13:05:00+07:00",
            "2024-03-12T13:40:00+07:00",
            ["Lia Hutasoit"],
            image,
            "IDN Times",
            "",
            keywords=["demam berdarah", "Kemenkes", "musim hujan"],
            body=run_together,
        )
    )
    body = f"""
<header><a href="https://www.idntimes.com/">IDN Times</a></header>
<main><article>
  <h1 class="title-text">{IDN_TITLE}</h1>
  <div class="author-byline"><a href="https://www.idntimes.com/author/lia-hutasoit">Lia Hutasoit</a>
    &middot; <time>12 Mar 2024, 13:05 WIB</time></div>
  <div id="article-description">
    <figure><img src="{image}" alt="Nyamuk Aedes aegypti"><figcaption>Ilustrasi nyamuk Aedes
      aegypti. (unsplash.com/Contoh)</figcaption></figure>
    <p class="article-text"><strong>Jakarta, IDN Times</strong> - Kementerian Kesehatan (Kemenkes)
      mengimbau masyarakat mewaspadai lonjakan kasus demam berdarah dengue selama musim hujan.</p>
    <p class="article-text">Kasus biasanya naik dua pekan setelah curah hujan tinggi karena genangan
      menjadi tempat nyamuk bertelur.</p>
    <div class="wrapper-ads"><p class="article-text">Iklan - Gulir untuk Melanjutkan</p><div
      id="div-gpt-ad-1"></div></div>
    <p class="article-text"><strong>Baca Juga: </strong><a
      href="https://www.idntimes.com/health/medical/vaksin-dengue-00-abcde-123456">Vaksin Dengue
      Masuk Program Imunisasi Daerah</a></p>
    <h2>1. Kenali gejala awal demam berdarah</h2>
    <p class="article-text">Demam tinggi mendadak, nyeri di belakang mata, dan bintik merah pada
      kulit perlu segera diperiksakan ke fasilitas kesehatan.</p>
    <h2>2. Lakukan 3M Plus di rumah</h2>
    <p class="article-text">Menguras, menutup, dan mendaur ulang wadah air tetap menjadi cara paling
      murah untuk memutus siklus hidup nyamuk.</p>
  </div>
  <div class="tags"><a href="https://www.idntimes.com/tag/demam-berdarah">demam berdarah</a></div>
</article></main>
<aside><a href="https://www.idntimes.com/news/indonesia/banjir-00-qwert-yuiopa">Banjir Kembali
  Rendam Jakarta Utara</a></aside>
"""
    return SiteCase(
        site="idntimes",
        name="news-2024",
        layout="default",
        pages=(FixturePage("news-dbd.html", IDN_URL, document(IDN_TITLE, head, body)),),
        expected=Expected(
            title=IDN_TITLE,
            published="2024-03-12T13:05:00+07:00",
            updated="2024-03-12T13:40:00+07:00",
            authors=("Lia Hutasoit",),
            dateline="Jakarta, IDN Times",
            first="Kementerian Kesehatan (Kemenkes) mengimbau masyarakat",
            last="untuk memutus siklus hidup nyamuk.",
            absent=("Iklan", "Baca Juga", "Vaksin Dengue", "unsplash", "Banjir Kembali"),
            caption="Ilustrasi nyamuk Aedes aegypti. (unsplash.com/Contoh)",
            tags=("demam berdarah", "Kemenkes", "musim hujan"),
            paragraphs=6,
        ),
        notes="body from p.article-text and list headings; everything else from JSON-LD",
    )


# --- Bisnis.com --------------------------------------------------------------------------

BISNIS_URL = (
    "https://ekonomi.bisnis.com/read/20240312/9/1748531/"
    "ekspor-kopi-robusta-lampung-naik-12-persen-pada-februari"
)
BISNIS_TITLE = "Ekspor Kopi Robusta Lampung Naik 12 Persen pada Februari"


def bisnis() -> SiteCase:
    image = "https://images.bisnis.com/posts/2024/03/12/1748531/kopi-robusta.jpg"
    head = (
        og(
            BISNIS_URL,
            BISNIS_TITLE,
            "Nilai ekspor kopi robusta Lampung naik 12 persen secara bulanan.",
            image,
            "Bisnis.com",
        )
        + '<meta name="publishdate" content="2024-03-12 13:45:00">\n'
        + jsonld(
            news_article(
                BISNIS_URL,
                BISNIS_TITLE,
                "2024-03-12T13:45:00+07:00",
                "2024-03-12T14:10:00+07:00",
                ["Rizky Ananda"],
                image,
                "Bisnis.com",
            )
        )
    )
    body = f"""
<header class="header"><a href="https://www.bisnis.com/">Bisnis.com</a></header>
<main class="main"><div class="detailsWrap">
  <div class="breadcrumb"><span class="breadcrumbItem"><a class="breadcrumbLink"
    href="https://www.bisnis.com/">Home</a></span>
    <span class="breadcrumbItem"><a class="breadcrumbLink"
      href="https://ekonomi.bisnis.com/">Ekonomi</a></span></div>
  <div class="detailsTitle"><h1 class="detailsTitleCaption">{BISNIS_TITLE}</h1></div>
  <div class="detailsLead">Nilai ekspor kopi robusta Lampung naik 12 persen secara bulanan.</div>
  <div class="detailsAttribute">
    <div class="detailsAuthor">
      <div class="detailsAuthorItem">Penulis : <a
        href="https://www.bisnis.com/author/rizky-ananda">Rizky Ananda</a></div>
      <div class="detailsAuthorItem">Editor : <a
        href="https://www.bisnis.com/author/hendra-wibawa">Hendra Wibawa</a></div>
    </div>
    <div class="detailsAttributeDates">Selasa, 12 Maret 2024 | 13:45</div>
  </div>
  <div class="detailsCover">
    <div class="detailsCoverImg artImg"><img src="{image}" alt="Biji kopi robusta"></div>
    <div class="detailsCoverCaption">Petani menjemur biji kopi robusta di Tanggamus, Lampung. -
      Bisnis/Dedi Gunawan</div>
  </div>
  <article class="detailsContent force-17 mt40">
    <p><strong>Bisnis.com, BANDAR LAMPUNG</strong> &mdash; Nilai ekspor kopi robusta asal Lampung
      pada Februari 2024 naik 12 persen dibanding bulan sebelumnya seiring membaiknya harga di pasar
      internasional.</p>
    <p>Badan Pusat Statistik provinsi mencatat volume ekspor mencapai 38.400 ton dengan tujuan utama
      Mesir, Italia, dan Jepang.</p>
    <div class="baca-juga-box"><p class="baca-juga-title">Baca Juga :</p><ul class="baca-juga-list">
      <li><a href="https://ekonomi.bisnis.com/read/20240310/9/1747900/harga-kopi">Harga Kopi Dunia
        Sentuh Level Tertinggi</a></li></ul></div>
    <p>"Permintaan dari Eropa mulai pulih setelah stok di gudang importir menipis," kata Kepala
      Dinas Perkebunan Lampung.</p>
    <div class="ads-inner"><div id="div-gpt-ad-inner"></div></div>
    <p>Pemerintah daerah menargetkan produktivitas kebun rakyat naik menjadi 1,2 ton per hektare
      melalui peremajaan tanaman.</p>
    <p>Simak berita dan artikel lainnya di Google News dan WA Channel</p>
  </article>
  <ul class="detailsTagList"><li><a class="detailsTagLink"
    href="https://www.bisnis.com/topic/1/kopi">Kopi</a></li>
    <li><a class="detailsTagLink" href="https://www.bisnis.com/topic/2/ekspor">Ekspor</a></li></ul>
</div></main>
<footer>Copyright &copy; 2024 Bisnis Indonesia</footer>
"""
    return SiteCase(
        site="bisnis",
        name="ekonomi-2024",
        layout="default",
        pages=(FixturePage("ekonomi-kopi.html", BISNIS_URL, document(BISNIS_TITLE, head, body)),),
        expected=Expected(
            title=BISNIS_TITLE,
            published="2024-03-12T13:45:00+07:00",
            updated="2024-03-12T14:10:00+07:00",
            authors=("Rizky Ananda",),
            dateline="Bisnis.com, BANDAR LAMPUNG",
            first="Nilai ekspor kopi robusta asal Lampung pada Februari 2024 naik",
            last="melalui peremajaan tanaman.",
            absent=(
                "Baca Juga",
                "Harga Kopi Dunia",
                "Google News",
                "Hendra Wibawa",
                "Dedi Gunawan",
            ),
            caption=(
                "Petani menjemur biji kopi robusta di Tanggamus, Lampung. - Bisnis/Dedi Gunawan"
            ),
            tags=("Kopi", "Ekspor"),
            paragraphs=4,
            editors=("Hendra Wibawa",),
        ),
        notes="?page=all view; 'Penulis :' and 'Editor :' byline items",
    )


# --- KONTAN ------------------------------------------------------------------------------

KONTAN_URL = (
    "https://nasional.kontan.co.id/news/"
    "bps-catat-inflasi-februari-2024-capai-275-persen-secara-tahunan"
)
KONTAN_TITLE = "BPS Catat Inflasi Februari 2024 Capai 2,75 Persen Secara Tahunan"


def kontan() -> SiteCase:
    image = "https://foto.kontan.co.id/abc123=/smart/2024/03/12/inflasi-pasar.jpg"
    head = (
        og(
            KONTAN_URL,
            KONTAN_TITLE,
            "BPS mencatat inflasi tahunan Februari 2024 sebesar 2,75 persen.",
            image,
            "kontan.co.id",
        )
        + '<meta property="article:published_time" content="2024-03-12T11:05:00+07:00">\n'
    )
    body = f"""
<div class="container">
<div class="breadcumb fs18"><a href="https://www.kontan.co.id/">Home</a> / <a
  href="https://nasional.kontan.co.id/">Nasional</a></div>
<div class="bag-kiri">
  <h1 class="detail-desk">{KONTAN_TITLE}</h1>
  <div class="fs14 ff-opensans font-gray">Selasa, 12 Maret 2024 / 11:05 WIB</div>
  <div class="img-detail-desk">
    <img src="{image}" alt="Pasar tradisional">
    <div class="fs12 ff-opensans font-gray mar-t-5">ILUSTRASI. Pedagang sayur di Pasar Senen,
      Jakarta. KONTAN/Carolus Agus Waluyo</div>
  </div>
  <div class="tmpt-desk-kon" itemprop="articleBody">
    <p>Reporter: <b>Siti Rahmawati</b> | Editor: <b>Yudho Winarto</b></p>
    <p><b>KONTAN.CO.ID - JAKARTA.</b> Badan Pusat Statistik (BPS) mencatat inflasi tahunan pada
      Februari 2024 sebesar 2,75 persen, sedikit lebih tinggi dari bulan sebelumnya.</p>
    <p>Kelompok makanan, minuman, dan tembakau menjadi penyumbang terbesar dengan andil 1,1 poin
      persentase.</p>
    <p><strong>Baca Juga: </strong><a class="track-bacajuga-inside"
      href="https://nasional.kontan.co.id/news/harga-beras-medium">Harga Beras Medium Masih Di Atas
      HET</a></p>
    <p>Secara bulanan, indeks harga konsumen naik 0,37 persen, terutama karena kenaikan harga beras
      dan cabai merah.</p>
    <p>BPS memperkirakan tekanan harga pangan mereda pada April seiring panen raya di sejumlah
      sentra produksi.</p>
    <!-- pagination end -->
    <p><strong>Selanjutnya: </strong><a
      href="https://nasional.kontan.co.id/news/neraca-dagang">Neraca Dagang Surplus 46 Bulan
      Berturut-turut</a></p>
  </div>
  <div class="tag-detail"><a href="https://www.kontan.co.id/tag/inflasi">Inflasi</a></div>
</div>
</div>
"""
    return SiteCase(
        site="kontan",
        name="nasional-2024",
        layout="default",
        pages=(
            FixturePage("nasional-inflasi.html", KONTAN_URL, document(KONTAN_TITLE, head, body)),
        ),
        expected=Expected(
            title=KONTAN_TITLE,
            published="2024-03-12T11:05:00+07:00",
            updated=None,
            authors=("Siti Rahmawati",),
            dateline="KONTAN.CO.ID - JAKARTA.",
            first="Badan Pusat Statistik (BPS) mencatat inflasi tahunan",
            last="seiring panen raya di sejumlah sentra produksi.",
            absent=(
                "Reporter",
                "Yudho",
                "Baca Juga",
                "Harga Beras Medium",
                "Selanjutnya",
                "Neraca Dagang",
            ),
            caption="ILUSTRASI. Pedagang sayur di Pasar Senen, Jakarta. KONTAN/Carolus Agus Waluyo",
            paragraphs=4,
            editors=("Yudho Winarto",),
        ),
        notes="?page=all view; reporter line and bold dateline open the text; date with '/'",
    )


# --- Katadata ----------------------------------------------------------------------------

KATADATA_URL = (
    "https://katadata.co.id/ekonomi-hijau/energi-baru/65f0a1b2c3d4e/"
    "pembangkit-listrik-tenaga-surya-atap-tumbuh-pesat-di-jawa-timur"
)
KATADATA_TITLE = "Pembangkit Listrik Tenaga Surya Atap Tumbuh Pesat di Jawa Timur"


def katadata() -> SiteCase:
    image = "https://cdn1.katadata.co.id/media/images/thumb/2024/03/12/plts-atap.jpg"
    head = og(
        KATADATA_URL,
        KATADATA_TITLE,
        "Kapasitas PLTS atap di Jawa Timur naik dua kali lipat dalam setahun.",
        image,
        "katadata.co.id",
    ) + jsonld(
        news_article(
            KATADATA_URL,
            KATADATA_TITLE,
            "2024-03-12T10:27:00+07:00",
            "2024-03-12T12:15:00+07:00",
            ["Agustiyanti", "Rena Laila Wuri"],
            image,
            "Katadata",
        )
    )
    body = f"""
<header><a href="https://katadata.co.id/">Katadata</a></header>
<main class="detail">
  <div class="section-breadcrumb"><a href="https://katadata.co.id/ekonomi-hijau">Ekonomi Hijau</a>
    <a href="https://katadata.co.id/ekonomi-hijau/energi-baru">Energi Baru</a></div>
  <h1 class="detail-title mb-4">{KATADATA_TITLE}</h1>
  <div class="detail-author">
    <div class="detail-author-name">Oleh <a
      href="https://katadata.co.id/author/agustiyanti">Agustiyanti</a>, <a
      href="https://katadata.co.id/author/rena-laila-wuri">Rena Laila Wuri</a></div>
    <div class="detail-date text-gray">12 Maret 2024, 10.27 WIB</div>
  </div>
  <div class="detail-image"><figure><img src="{image}" alt="PLTS atap"><figcaption>Panel surya
    terpasang di atap pabrik di Pasuruan, Jawa Timur. (Katadata/Fauza
    Syahputra)</figcaption></figure></div>
  <div class="detail-main">
    <div class="ai-summary"><div class="ai-summary-title">Ringkasan</div><ul><li>Kapasitas PLTS atap
      naik dua kali lipat.</li></ul></div>
    <div class="detail-body">
      <p>Kapasitas pembangkit listrik tenaga surya (PLTS) atap di Jawa Timur naik dua kali lipat
        dalam setahun terakhir menjadi 180 megawatt peak.</p>
      <p>Pertumbuhan terbesar datang dari kawasan industri di Pasuruan, Gresik, dan Sidoarjo yang
        mengejar target pengurangan emisi.</p>
      <div class="widget-baca-juga"><span>Baca Juga</span><ul><li><a
        href="https://katadata.co.id/ekonomi-hijau/energi-baru/65e0000000000/tarif-listrik">Tarif
        Listrik Industri Tidak Naik hingga Juni</a></li></ul></div>
      <p>Dinas Energi dan Sumber Daya Mineral provinsi menyebut izin pemasangan kini dapat selesai
        dalam 14 hari kerja.</p>
      <p>Pemerintah provinsi menargetkan kapasitas PLTS atap mencapai 500 megawatt peak pada
        2026.</p>
    </div>
  </div>
  <div class="detail-tag"><a href="https://katadata.co.id/tag/plts">PLTS</a> <a
    href="https://katadata.co.id/tag/energi-terbarukan">Energi Terbarukan</a></div>
</main>
"""
    return SiteCase(
        site="katadata",
        name="ekonomi-hijau-2024",
        layout="default",
        pages=(
            FixturePage(
                "ekonomi-hijau-plts.html", KATADATA_URL, document(KATADATA_TITLE, head, body)
            ),
        ),
        expected=Expected(
            title=KATADATA_TITLE,
            published="2024-03-12T10:27:00+07:00",
            updated="2024-03-12T12:15:00+07:00",
            authors=("Agustiyanti", "Rena Laila Wuri"),
            first="Kapasitas pembangkit listrik tenaga surya (PLTS) atap di Jawa Timur",
            last="mencapai 500 megawatt peak pada 2026.",
            absent=("Ringkasan", "Baca Juga", "Tarif Listrik", "Fauza"),
            caption=(
                "Panel surya terpasang di atap pabrik "
                "di Pasuruan, Jawa Timur. (Katadata/Fauza Syahputra)"
            ),
            tags=("PLTS", "Energi Terbarukan"),
            paragraphs=4,
        ),
        notes="'Oleh A, B' byline; summary box and 'Baca Juga' widget around the text",
    )


# --- JPNN.com ----------------------------------------------------------------------------

JPNN_URL = "https://www.jpnn.com/news/kemenpan-rb-buka-seleksi-pppk-tahap-kedua-ini-jadwalnya"
JPNN_TITLE = "KemenPAN-RB Buka Seleksi PPPK Tahap Kedua, Ini Jadwalnya"


def _jpnn_page(current: int, paragraphs: str) -> str:
    def item(number: int) -> str:
        href = JPNN_URL if number == 1 else f"{JPNN_URL}?page={number}"
        active = ' class="active"' if number == current else ""
        return f'<li{active}><a href="{href}">{number}</a></li>'

    image = "https://image.jpnn.com/resize/570x380-80/arsip/normal/2024/03/12/pppk.jpg"
    return f"""
<header class="header"><a href="https://www.jpnn.com/">JPNN.com</a></header>
<div class="content"><div class="left-side">
  <div class="breadcrumb"><a href="https://www.jpnn.com/">Home</a> &raquo; <a
    href="https://www.jpnn.com/news">News</a></div>
  <h1 class="judul">{JPNN_TITLE}</h1>
  <div class="post-info"><span class="date">Selasa, 12 Maret 2024 &ndash; 09:15 WIB</span></div>
  <div class="post-image"><figure><img src="{image}" alt="Peserta seleksi PPPK"><figcaption>Peserta
    mengikuti seleksi PPPK. Foto: Ricardo/JPNN.com</figcaption></figure></div>
  <div class="top-medsos"><a href="#">Facebook</a> <a href="#">WhatsApp</a></div>
  <div itemprop="articleBody" class="page-content">
{paragraphs}
    <ul class="pagination">{item(1)}{item(2)}</ul>
  </div>
  <div class="creator">Redaktur &amp; Reporter : <a
    href="https://www.jpnn.com/author/fathan-sinaga">Fathan Sinaga</a></div>
  <div class="tags"><a href="https://www.jpnn.com/tag/pppk">PPPK</a> <a
    href="https://www.jpnn.com/tag/kemenpan-rb">KemenPAN-RB</a></div>
</div></div>
<footer>&copy; 2024 JPNN.com</footer>
"""


def jpnn() -> SiteCase:
    image = "https://image.jpnn.com/resize/570x380-80/arsip/normal/2024/03/12/pppk.jpg"
    head = (
        og(JPNN_URL, JPNN_TITLE, "KemenPAN-RB membuka seleksi PPPK tahap kedua.", image, "JPNN.com")
        + '<meta name="jpnncom_news_author" content="Fathan Sinaga">\n'
        + '<meta name="author" content="JPNN.com">\n'
    )
    page_one = _jpnn_page(
        1,
        """    <p><strong>jpnn.com, JAKARTA</strong> - Kementerian Pendayagunaan Aparatur Negara dan
          Reformasi Birokrasi (KemenPAN-RB) membuka seleksi pegawai pemerintah dengan perjanjian
          kerja (PPPK) tahap kedua bulan depan.</p>
    <p>Pendaftaran dibuka mulai 1 April hingga 20 April 2024 melalui portal resmi seleksi aparatur
      sipil negara.</p>
    <div class="baca-juga"><strong>BACA JUGA:</strong> <a
      href="https://www.jpnn.com/news/honorer-r2">Honorer R2 dan R3 Diminta Siapkan Dokumen Sejak
      Sekarang</a></div>
    <p>"Formasi tahap kedua diprioritaskan bagi tenaga honorer yang belum lulus pada tahap pertama,"
      ujar pejabat KemenPAN-RB di Jakarta, Selasa (12/3).</p>
    <p>Jangan Lewatkan Video Terbaru:</p>
    <div class="video_detail"><iframe
      src="https://www.youtube.com/embed/jpnn123"></iframe></div>""",
    )
    page_two = _jpnn_page(
        2,
        """    <p>Peserta yang dinyatakan lulus seleksi administrasi akan mengikuti tes kompetensi
          berbasis komputer pada pekan kedua Mei.</p>
    <p>KemenPAN-RB meminta instansi daerah segera mengusulkan kebutuhan formasi agar pengumuman
      hasil akhir tidak mundur, kata dia. (flo/jpnn)</p>""",
    )
    return SiteCase(
        site="jpnn",
        name="news-2024",
        layout="default",
        pages=(
            FixturePage("news-pppk.html", JPNN_URL, document(JPNN_TITLE, head, page_one)),
            FixturePage(
                "news-pppk-page-2.html", JPNN_URL + "?page=2", document(JPNN_TITLE, head, page_two)
            ),
        ),
        expected=Expected(
            title=JPNN_TITLE,
            published="2024-03-12T09:15:00+07:00",
            updated=None,
            authors=("Fathan Sinaga",),
            dateline="jpnn.com, JAKARTA",
            first="Kementerian Pendayagunaan Aparatur Negara dan Reformasi Birokrasi",
            last="agar pengumuman hasil akhir tidak mundur, kata dia.",
            absent=(
                "BACA JUGA",
                "Honorer R2",
                "Jangan Lewatkan",
                "(flo/jpnn)",
                "Ricardo",
                "Redaktur",
            ),
            caption="Peserta mengikuti seleksi PPPK. Foto: Ricardo/JPNN.com",
            tags=("PPPK", "KemenPAN-RB"),
            paragraphs=5,
        ),
        notes="two pages (?page=2) with a Bootstrap pager inside the text",
    )


# --- iNews.id ----------------------------------------------------------------------------

INEWS_URL = (
    "https://www.inews.id/news/nasional/kpu-umumkan-jadwal-rekapitulasi-suara-tingkat-provinsi"
)
INEWS_TITLE = "KPU Umumkan Jadwal Rekapitulasi Suara Tingkat Provinsi"


def _inews_page(current: int, paragraphs: str) -> str:
    def item(number: int) -> str:
        href = INEWS_URL if number == 1 else f"{INEWS_URL}/{number}"
        active = ' class="active"' if number == current else ""
        return f'<li{active}><a href="{href}">{number}</a></li>'

    image = "https://img.inews.co.id/media/822/files/inews_new/2024/03/12/kpu.jpg"
    return f"""
<header><a href="https://www.inews.id/">iNews.id</a></header>
<div class="container"><div class="detail">
  <div class="breadcrumb"><a href="https://www.inews.id/news">News</a> <a
    href="https://www.inews.id/news/nasional">Nasional</a></div>
  <h1 class="title-news">{INEWS_TITLE}</h1>
  <div class="author-date"><span class="author">Aditya Pratama</span> &middot; <span
    class="date">Selasa, 12 Maret 2024 - 14:20:00 WIB</span></div>
  <div class="detail-img"><figure><img class="detail-img" src="{image}"
    alt="Gedung KPU"><figcaption>Gedung KPU di Jakarta. (Foto:
    iNews/Contoh)</figcaption></figure></div>
  <div class="detail-desc">
{paragraphs}
    <div class="pagination"><ul>{item(1)}{item(2)}</ul>
      <a class="view-all" href="{INEWS_URL}/all">Tampilkan Semua</a></div>
  </div>
  <div class="tag-list"><a href="https://www.inews.id/tag/pemilu-2024">Pemilu 2024</a></div>
</div></div>
<footer>Copyright &copy; 2024 iNews.id</footer>
"""


def inews() -> SiteCase:
    image = "https://img.inews.co.id/media/822/files/inews_new/2024/03/12/kpu.jpg"
    head = og(
        INEWS_URL, INEWS_TITLE, "KPU mengumumkan jadwal rekapitulasi suara.", image, "iNews.id"
    ) + jsonld(
        news_article(
            INEWS_URL,
            INEWS_TITLE,
            "2024-03-12T14:20:00+07:00",
            "2024-03-12T15:01:00+07:00",
            ["Aditya Pratama"],
            image,
            "iNews.id",
        )
    )
    page_one = _inews_page(
        1,
        """    <p>JAKARTA, iNews.id - Komisi Pemilihan Umum (KPU) mengumumkan jadwal rekapitulasi
          suara tingkat provinsi yang dimulai pekan depan di 38 provinsi.</p>
    <p>Rekapitulasi dilakukan terbuka dan dapat disaksikan perwakilan partai politik, pengawas,
      serta pemantau terdaftar.</p>
    <p><strong>Baca Juga:</strong> <a
      href="https://www.inews.id/news/nasional/bawaslu-awasi">Bawaslu Awasi Ketat Penghitungan di
      Kecamatan</a></p>""",
    )
    page_two = _inews_page(
        2,
        """    <p>KPU meminta seluruh saksi membawa surat mandat asli agar proses rekapitulasi tidak
          tertunda.</p>
    <p>Hasil rekapitulasi tingkat provinsi akan dikirim ke KPU pusat paling lambat lima hari setelah
      rapat pleno selesai.</p>
    <p>Editor: Rizal Bomantama</p>""",
    )
    return SiteCase(
        site="inews",
        name="nasional-2024",
        layout="default",
        pages=(
            FixturePage("nasional-kpu.html", INEWS_URL, document(INEWS_TITLE, head, page_one)),
            FixturePage(
                "nasional-kpu-2.html", INEWS_URL + "/2", document(INEWS_TITLE, head, page_two)
            ),
        ),
        expected=Expected(
            title=INEWS_TITLE,
            published="2024-03-12T14:20:00+07:00",
            updated="2024-03-12T15:01:00+07:00",
            authors=("Aditya Pratama",),
            dateline="JAKARTA, iNews.id",
            first="Komisi Pemilihan Umum (KPU) mengumumkan jadwal rekapitulasi suara",
            last="paling lambat lima hari setelah rapat pleno selesai.",
            absent=("Baca Juga", "Bawaslu Awasi", "Editor", "Tampilkan Semua", "Gedung KPU"),
            caption="Gedung KPU di Jakarta. (Foto: iNews/Contoh)",
            paragraphs=4,
            editors=("Rizal Bomantama",),
        ),
        notes="two pages (/2); /all exists but cannot be expressed as a query parameter",
    )


# --- Jawa Pos ----------------------------------------------------------------------------

JAWAPOS_URL = (
    "https://www.jawapos.com/nasional/0144209137/"
    "pemprov-jatim-percepat-perbaikan-jalan-rusak-jelang-mudik-lebaran"
)
JAWAPOS_TITLE = "Pemprov Jatim Percepat Perbaikan Jalan Rusak Jelang Mudik Lebaran"


def jawapos() -> SiteCase:
    image = "https://static.jawapos.com/photos/2024/03/12/jalan-rusak.jpg"
    content = (
        '<figure><img src="' + image + '"><figcaption>Perbaikan jalan di Lamongan.</figcaption>'
        "</figure><p>Pemerintah Provinsi Jawa Timur mempercepat perbaikan jalan...</p>"
        '<p class="page"></p>'
    )
    next_data = {
        "props": {
            "pageProps": {
                "article": {
                    "article_id": "0144209137",
                    "title": JAWAPOS_TITLE,
                    "slug": "pemprov-jatim-percepat-perbaikan-jalan-rusak-jelang-mudik-lebaran",
                    "published_at": "2024-03-12 14:30:08",
                    "authors": [{"id": "77", "name": "Bayu Putra"}],
                    "category": {"name": "Nasional", "slug": "nasional"},
                    "tags": [{"name": "Mudik Lebaran"}],
                    "content": content,
                },
                "currentPage": 1,
                "totalPages": 2,
            }
        },
        "page": "/[category]/[id]/[slug]",
    }
    head = (
        og(
            JAWAPOS_URL,
            JAWAPOS_TITLE,
            "Pemprov Jatim mempercepat perbaikan jalan.",
            image,
            "Jawa Pos",
        )
        + jsonld(
            {
                "@context": "https://schema.org",
                "@type": "WebSite",
                "url": "https://www.jawapos.com/",
            }
        )
        + jsonld(
            {"@context": "https://schema.org", "@type": "NewsMediaOrganization", "name": "Jawa Pos"}
        )
    )
    next_json = json.dumps(next_data, ensure_ascii=False, separators=(",", ":"))
    body = f"""
<div id="__next"><header><a href="https://www.jawapos.com/">Jawa Pos</a></header>
<main><article class="article">
  <div class="breadcrumb"><a href="https://www.jawapos.com/">Home</a> <a
    href="https://www.jawapos.com/nasional">Nasional</a></div>
  <h1 class="article-title">{JAWAPOS_TITLE}</h1>
  <div class="article-meta"><span class="article-author">Bayu Putra</span> <span
    class="article-date">12 Maret 2024, 14:30 WIB</span></div>
  <figure class="article-cover"><img src="{image}" alt="Jalan rusak"><figcaption>Perbaikan jalan di
    Lamongan, Jawa Timur. (Dok. Jawa Pos)</figcaption></figure>
  <div class="content">
    <p><strong>JawaPos.com</strong> &ndash; Pemerintah Provinsi Jawa Timur mempercepat perbaikan 120
      kilometer jalan rusak menjelang arus mudik Lebaran.</p>
    <p>Perbaikan diprioritaskan pada jalur selatan yang menghubungkan Malang, Blitar, dan
      Tulungagung.</p>
    <p><strong class="readmore">Baca Juga: <a
      href="https://www.jawapos.com/nasional/0144200000/tol-gratis">Tol Fungsional Dibuka Gratis
      Saat Mudik</a></strong></p>
    <p class="page"></p>
    <p>Dinas Pekerjaan Umum Bina Marga menyiagakan 30 tim tambal sulam yang bekerja bergantian siang
      dan malam.</p>
    <p>Gubernur meminta seluruh pekerjaan selesai paling lambat H-10 Lebaran agar pemudik dapat
      melintas dengan aman.</p>
  </div>
  <div class="article-tags"><a href="https://www.jawapos.com/tag/mudik-lebaran">Mudik
    Lebaran</a></div>
</article></main></div>
<script id="__NEXT_DATA__"
  type="application/json">{next_json}</script>
"""
    return SiteCase(
        site="jawapos",
        name="nasional-2024",
        layout="next-2023",
        pages=(
            FixturePage("nasional-jalan.html", JAWAPOS_URL, document(JAWAPOS_TITLE, head, body)),
        ),
        expected=Expected(
            title=JAWAPOS_TITLE,
            published="2024-03-12T14:30:08+07:00",
            updated=None,
            authors=("Bayu Putra",),
            dateline="JawaPos.com",
            first="Pemerintah Provinsi Jawa Timur mempercepat perbaikan 120 kilometer",
            last="agar pemudik dapat melintas dengan aman.",
            absent=("Baca Juga", "Tol Fungsional", "Dok. Jawa Pos"),
            caption="Perbaikan jalan di Lamongan, Jawa Timur. (Dok. Jawa Pos)",
            tags=("Mudik Lebaran",),
            paragraphs=4,
        ),
        notes="Next.js page: date and writer read from __NEXT_DATA__, no NewsArticle JSON-LD",
    )


JAWAPOS_OLD_URL = (
    "https://www.jawapos.com/nasional/hukum-kriminal/08/03/2022/"
    "polisi-ungkap-jaringan-penipuan-arisan-online-di-surabaya/"
)
JAWAPOS_OLD_TITLE = "Polisi Ungkap Jaringan Penipuan Arisan Online di Surabaya"


def jawapos_2022() -> SiteCase:
    image = "https://photo.jawapos.com/2022/03/08/arisan-online.jpg"
    head = (
        og(
            JAWAPOS_OLD_URL,
            JAWAPOS_OLD_TITLE,
            "Polisi mengungkap jaringan penipuan arisan online.",
            image,
            "JawaPos.com",
        )
        + '<meta property="article:published_time" content="2022-03-08T14:30:00+07:00">\n'
    )
    body = f"""
<header class="header"><a href="https://www.jawapos.com/">JawaPos.com</a></header>
<div class="container"><div class="col-main">
  <div class="breadcrumb__wrap"><a href="https://www.jawapos.com/">Home</a> <a
    href="https://www.jawapos.com/nasional">Nasional</a> <a
    href="https://www.jawapos.com/nasional/hukum-kriminal">Hukum &amp; Kriminal</a></div>
  <h1 class="read__title">{JAWAPOS_OLD_TITLE}</h1>
  <div class="read__info">
    <div class="read__info__author"><a href="https://www.jawapos.com/author/dimas-ryandi">Dimas
      Ryandi</a></div>
    <div class="read__info__date">- Selasa, 08 Maret 2022 | 14:30 WIB</div>
  </div>
  <div class="photo"><img src="{image}" alt="Barang bukti"><div class="photo__caption">Barang bukti
    kasus arisan online di Mapolrestabes Surabaya. (Dok. JawaPos.com)</div></div>
  <article class="read__content clearfix">
    <p><strong>JawaPos.com</strong> &ndash; Polrestabes Surabaya mengungkap jaringan penipuan arisan
      online yang merugikan ratusan anggota dengan total kerugian Rp3 miliar.</p>
    <p>Tiga tersangka ditangkap di rumah kontrakan di kawasan Rungkut beserta puluhan buku
      rekening.</p>
    <p><strong class="read__others">Baca Juga: <a
      href="https://www.jawapos.com/nasional/hukum-kriminal/07/03/2022/pinjol-ilegal/">Satgas Tutup
      Ratusan Pinjol Ilegal</a></strong></p>
    <p>Para korban dijanjikan keuntungan 30 persen dalam sebulan jika merekrut anggota baru.</p>
    <p>Polisi masih menelusuri aliran dana ke sejumlah rekening lain di luar Jawa Timur.</p>
  </article>
  <div class="tag__wrap"><a href="https://www.jawapos.com/tag/arisan-online">Arisan Online</a></div>
</div></div>
"""
    return SiteCase(
        site="jawapos",
        name="hukum-2022",
        layout="read-2019",
        pages=(
            FixturePage(
                "hukum-2022.html", JAWAPOS_OLD_URL, document(JAWAPOS_OLD_TITLE, head, body)
            ),
        ),
        expected=Expected(
            title=JAWAPOS_OLD_TITLE,
            published="2022-03-08T14:30:00+07:00",
            updated=None,
            authors=("Dimas Ryandi",),
            dateline="JawaPos.com",
            first="Polrestabes Surabaya mengungkap jaringan penipuan arisan online",
            last="di luar Jawa Timur.",
            absent=("Baca Juga", "Pinjol Ilegal", "Barang bukti kasus"),
            caption=(
                "Barang bukti kasus arisan online di Mapolrestabes Surabaya. (Dok. JawaPos.com)"
            ),
            tags=("Arisan Online",),
            paragraphs=4,
        ),
        notes="read__ template (jawapos.com until 2023, Radar editions)",
    )


CASE_BUILDERS = (
    cnn_indonesia,
    cnn_indonesia_2019,
    sindonews,
    kumparan,
    idntimes,
    bisnis,
    kontan,
    katadata,
    jpnn,
    inews,
    jawapos,
    jawapos_2022,
)


def site_cases() -> list[SiteCase]:
    """Every case, in a fixed order."""
    return [build() for build in CASE_BUILDERS]


def rendered_files() -> dict[Path, str]:
    """Relative path (``<site>/<file>``) to page text, for every page of every case."""
    files: dict[Path, str] = {}
    for case in site_cases():
        for page in case.pages:
            path = Path(case.site) / page.file
            if path in files:
                raise ValueError(f"two fixture pages write {path}")
            files[path] = page.html
    return files


def write_fixtures(directory: Path) -> list[Path]:
    """Write every page under ``directory``; returns the paths written."""
    written = []
    for relative, text in rendered_files().items():
        path = directory / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m tests.site_fixtures DIRECTORY", file=sys.stderr)
        return 2
    directory = Path(args[0])
    for path in write_fixtures(directory):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
