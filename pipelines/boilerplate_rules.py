"""Phrase patterns of what Indonesian news pages put in and around the story that is not the story.

Data only, grouped by kind, shared by body cleaning (``pipelines.clean``, every page) and the
generic body reader (``crawler.extraction.body``, pages no site file describes). A site file adds
its own patterns as ``boilerplate``; a new general kind belongs here, with a test of its own.
"""

from __future__ import annotations

import re

_I = re.IGNORECASE


def _compiled(*patterns: str) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(pattern, _I) for pattern in patterns)


# Whole-paragraph patterns by kind: a paragraph matching one of them is not article text.
BOILERPLATE_KINDS: dict[str, tuple[re.Pattern[str], ...]] = {
    "read-also": _compiled(
        r"^(?:baca|simak|lihat)(?:\s+juga)?\s*(?:[:\-]|$).*",
        r"^(?:baca|simak|lihat)\s+juga\b.*",
        r"^read\s+(?:also|more)\b.*",
        r"^(?:berita|artikel)\s+terkait\b.{0,200}$",
    ),
    # "Baca Selanjutnya: <the next page's headline>", "Halaman berikutnya".
    "next-page": _compiled(
        r"^(?:baca|lanjut(?:kan)?(?:\s+membaca)?)\s+(?:selanjutnya|berikutnya)\b.{0,200}$",
        r"^halaman\s+(?:selanjutnya|berikutnya|sebelumnya)\W*$",
        r"^lanjutkan\s+membaca\W*$",
        r"^\d+\s+dari\s+\d+\s+halaman$",
    ),
    # "Cek Video di Bawah Ini", "Simak video berikut", "Saksikan Video Pilihan Berikut Ini:".
    "video-prompt": _compiled(
        r"^(?:cek|simak|saksikan|tonton|lihat|klik)\s+(?:juga\s+)?(?:\w+\s+){0,2}video\b.{0,80}$",
        r"^video\s*:?\s*$",
    ),
    # A campaign hashtag signed by the outlet: "#JernihBerpikir with Kompas".
    "campaign": _compiled(r"^#\w+(?:\s+#\w+)*\s+(?:with|bersama|x)\s+\S+(?:\s+\S+){0,2}\W*$"),
    # "Simak berita menarik lainnya", "Baca berita dan artikel lainnya di ...".
    "more-stories": _compiled(
        r"^(?:simak|baca|cek|lihat)(?:\s+\S+){1,4}\s+lainnya\W*$",
        r"^(?:simak|baca|cek|lihat|dapatkan)\b.{0,60}"
        r"\b(?:berita|artikel|informasi|kabar|video|foto|update)\b.{0,60}\blainnya\b.{0,60}$",
        r"^(?:cek|ikuti|baca)\b.{0,100}\bgoogle\s+news\b.{0,100}$",
        r"^ikuti\s+perkembangan\s+berita\s+ini\b.{0,60}$",
        r"^jangan\s+sampai\s+ketinggalan\s+berita\s+terkini\b.*",
        r"^untuk\s+mengetahui\s+kebenaran\s+informasi\b.*\bwhats\s*app\b.*",
    ),
    # Widgets whose whole text is a label: ad slots, loaders, scroll prompts.
    "widget": _compiled(
        r"^advertisement$",
        r"^(?:iklan|advertorial|sponsored|konten\s+sponsor)$",
        r"^scroll\s+(?:down\s+)?to\s+(?:continue|resume)(?:\s+with\s+content)?\W*$",
        r"^scroll\s+(?:down\s+|ke\s+bawah\s+)?untuk\s+(?:melanjutkan|lanjut)\b.{0,30}$",
        r"^(?:loading|memuat)\s*(?:\.{2,}|\u2026)?$",
        r"^(?:perbesar|zoom|zoom\s+in|lihat\s+foto|klik\s+untuk\s+memperbesar)$",
    ),
    # The rules of the comment box: "Disclaimer: Komentar adalah tanggapan pribadi ...".
    "comment-policy": _compiled(
        r"^(?:disclaimer\s*:\s*)?komentar\b.{0,80}\b(?:tanggapan|tanggung\s+jawab|pribadi)\b.*",
        r"^redaksi\s+berhak\b.{0,300}$",
        r"^(?:tulis|berikan|kirim)\s+komentar\b.{0,80}$",
    ),
    # "Home > Berita > Nasional", "Beranda / News".
    "breadcrumb": _compiled(
        r"^(?:home|beranda|index|indeks)\s*(?:>|\u00bb|\u203a|/|\|)\s*\S.{0,120}$",
    ),
    # Page numbers: "01 - 02 - 03", "1 2 3 4 Next".
    "pagination": _compiled(
        r"^(?:\d{1,3}\s*(?:[-|\u00b7\u2022/]\s*)?){2,}(?:next|selanjutnya|berikutnya|\W)*$",
    ),
    "copyright": _compiled(r"^(?:copyright|hak\s+cipta)\s*(?:©|\(c\))?.{0,100}$", r"^©.{0,100}$"),
    # The attribution line of an embedded tweet: "— Name (@handle) February 16, 2016".
    "embed": _compiled(r"^[\u2014\u2013-]\s*.{1,80}\(@\w+\)\s+\w+\s+\d{1,2},\s+\d{4}$"),
}
BOILERPLATE: tuple[re.Pattern[str], ...] = tuple(
    pattern for patterns in BOILERPLATE_KINDS.values() for pattern in patterns
)

# Widget headings ("Rekomendasi", "POPULER", ...): they and the short link titles after them
# are dropped when they close the body; elsewhere only the heading goes.
WIDGET_HEADINGS = re.compile(
    r"^(?:rekomendasi|berita\s+rekomendasi|populer|terpopuler|berita\s+terkini|berita\s+terbaru"
    r"|berita\s+lainnya|lanjutkan\s+membaca|artikel\s+terkait|terkait|tag|tags|topik"
    r"|jangan\s+lewatkan|kumpulan\s+berita\s+terkait|komentari\s+artikel\s+ini"
    r"|recommended(?:\s+by)?|pilihan\s+editor|pilihan\s+redaksi|trending|terhangat|headline"
    r"|baca\s+artikel\s+menarik\s+lainnya|komentar|berita\s+pilihan)\W*$",
    _I,
)

# Kicker labels over another story's teaser ("Headline", "Pilihan Editor"): at the top of the
# container they and the one teaser line after them are not the story's.
KICKERS = re.compile(
    r"^(?:headline|pilihan\s+editor|pilihan\s+redaksi|editor'?s\s+pick|trending|terpopuler"
    r"|populer|berita\s+utama|sorotan|terkini|breaking\s+news|topik\s+pilihan)\W*$",
    _I,
)

# Datelines: "Liputan6.com, Jakarta - ", "JAKARTA, KOMPAS.com - ", "TEMPO.CO, Jakarta - ",
# "Bandarlampung, Lampung (ANTARA News) - ", "Jakarta, KompasOtomotif - ", "Jakarta - ".
# A hyphen needs a space before it: "Jakarta - ", not the compound "Covid-19" or "Pro-Rakyat".
DASH = r"(?:\s*(?:--|\u2013|\u2014)|\s+-)\s*"
_PLACE = r"[A-Z][\w'.]*(?:\s+[A-Z][\w'.]*){0,3}"
_OUTLET = r"[A-Za-z][\w.-]*\.(?i:com|co\.id|co|id|net|org)"
_OPENS = r"(?=[A-Z0-9\"'\u201c\u2018])"
# Datelines that name the outlet: strong evidence that a paragraph is the story's lead.
OUTLET_DATELINES = (
    re.compile(rf"^(?P<dateline>{_OUTLET}(?:,\s*{_PLACE})?){DASH}(?=\S)"),
    re.compile(rf"^(?P<dateline>{_PLACE},\s*{_OUTLET}){DASH}(?=\S)"),
    re.compile(rf"^(?P<dateline>{_PLACE}(?:,\s*{_PLACE})?\s*\([A-Z][\w .]{{1,30}}\)){DASH}(?=\S)"),
)
# A lead-in the page sets in bold, without a dash: "Liputan6.com, Jakarta".
BOLD_DATELINE = re.compile(rf"^{_OUTLET}(?:,\s*{_PLACE})?$|^{_PLACE},\s*{_OUTLET}$")
DATELINES = (
    *OUTLET_DATELINES,
    re.compile(rf"^(?P<dateline>{_PLACE},\s*{_PLACE}){DASH}{_OPENS}"),
    re.compile(rf"^(?P<dateline>{_PLACE}){DASH}{_OPENS}"),
)

# A short line that is a date stamp ("Kamis, 05 November 2015 | 11:13 WIB", "27 Apr 2017,
# 22:12 WIB", "Jumat , 17 February 2017"), not a sentence of the story.
_MONTHS = (
    r"jan(?:uari|uary)?|feb(?:ruari|ruary)?|peb(?:ruari)?|mar(?:et|ch)?|apr(?:il)?|mei|may"
    r"|jun[ei]?|jul[iy]?|ag(?:u)?s(?:tus)?|aug(?:ust)?|sep(?:t(?:ember)?)?|okt(?:ober)?"
    r"|oct(?:ober)?|nov(?:ember)?|des(?:ember)?|dec(?:ember)?"
)
DATE_STAMP = re.compile(
    rf"\b\d{{1,2}}(?:\s+(?:{_MONTHS})\.?\s+|[/.-]\d{{1,2}}[/.-])\d{{2,4}}\b"
    r"|\b\d{1,2}[.:]\d{2}\s*(?:WIB|WITA|WIT)\b",
    _I,
)

# A picture caption left in the text: it ends with the picture's credit, "(Liputan6.com/Triyasni)",
# "(AP Photo/Vincent Yu)", "(Sumber: Instagram/name)", "(Foto: Antara)", ". Dok. Humas",
# "/©KapanLagi.com®/Name"; reporters' initials ("(mca/hns)") are no picture credit.
CAPTION_CREDIT = re.compile(
    r"\S.*(?:\((?:(?:sumber|foto|photo|dok|doc)\s*[:.]\s*[^()]{1,60}|(?![A-Za-z]{1,5}\d{0,2}(?:\s*/\s*[A-Za-z]{1,5}\d{0,2})+\))[^()/]{2,50}/[^()]{1,50})\)"
    r"|\.\s+(?:dok|doc|ist|istimewa)\.?(?:\s+\S+){0,3}"
    r"|\u00a9\s*[\w.-]+\u00ae?(?:/[^/]{1,40})?)$",
    _I,
)

# Weekday names, which date lists repeat beside their stamps.
WEEKDAYS = re.compile(
    r"\b(?:senin|selasa|rabu|kamis|jumat|jum'at|sabtu|minggu|ahad|monday|tuesday|wednesday"
    r"|thursday|friday|saturday|sunday)\b",
    _I,
)
