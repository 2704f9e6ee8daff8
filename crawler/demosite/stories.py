"""The demo site's news: seeded Indonesian-language stories and how they change per edition.

Every story draws from its own ``random.Random`` keyed by seed and id, so adding or changing
one story never shifts the text of another; no wall clock is read.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone

from crawler.demosite.manifest import Status

WIB = timezone(timedelta(hours=7), "WIB")
BASE = datetime(2022, 2, 1, 6, 0, tzinfo=WIB)
FIRST_EDITION_AT = datetime(2022, 2, 15, 12, 0, tzinfo=WIB)
EDITION_INTERVAL = timedelta(days=1)
FIRST_ID = 4900101
ORGANISATION = "Demo.com"
MONTHS = ("Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des")
DAYS = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")


@dataclass(frozen=True)
class Section:
    slug: str
    name: str


@dataclass(frozen=True)
class Topic:
    phrase: str
    tag: str


@dataclass(frozen=True)
class Beat:
    """What a section writes about: who acts and on what."""

    subjects: tuple[str, ...]
    topics: tuple[Topic, ...]
    roles: tuple[str, ...]


SECTIONS = (
    Section("news", "News"),
    Section("bisnis", "Bisnis"),
    Section("tekno", "Tekno"),
    Section("bola", "Bola"),
    Section("showbiz", "Showbiz"),
)

BEATS = {
    "news": Beat(
        ("Pemerintah Provinsi", "Dinas Kesehatan", "BPBD", "Kementerian Sosial", "Polda"),
        (
            Topic("vaksinasi booster", "Vaksinasi"),
            Topic("banjir rob", "Banjir"),
            Topic("pembatasan kegiatan masyarakat", "PPKM"),
            Topic("harga minyak goreng", "Minyak Goreng"),
            Topic("pembelajaran tatap muka", "Sekolah"),
            Topic("arus mudik", "Mudik"),
        ),
        ("Kepala Dinas", "Juru Bicara", "Kepala Bidang", "Sekretaris Daerah"),
    ),
    "bisnis": Beat(
        ("Bank Indonesia", "Otoritas Jasa Keuangan", "Kementerian Perdagangan", "Bursa Efek"),
        (
            Topic("nilai tukar rupiah", "Rupiah"),
            Topic("kredit UMKM", "UMKM"),
            Topic("harga cabai rawit", "Harga Pangan"),
            Topic("penyaluran BBM bersubsidi", "BBM"),
            Topic("ekspor batu bara", "Ekspor"),
            Topic("Indeks Harga Saham Gabungan", "IHSG"),
        ),
        ("Direktur Eksekutif", "Kepala Departemen", "Ekonom", "Direktur Utama"),
    ),
    "tekno": Beat(
        ("Kementerian Kominfo", "operator seluler", "perusahaan rintisan", "BSSN"),
        (
            Topic("jaringan 5G", "5G"),
            Topic("ponsel lipat terbaru", "Gadget"),
            Topic("perlindungan data pribadi", "Data Pribadi"),
            Topic("aplikasi dompet digital", "Fintech"),
            Topic("satelit internet", "Internet"),
            Topic("serangan phishing", "Keamanan Siber"),
        ),
        ("Direktur Jenderal", "Chief Technology Officer", "Pengamat Teknologi", "Manajer Produk"),
    ),
    "bola": Beat(
        ("Timnas Indonesia U-23", "Persib Bandung", "PSSI", "Bali United", "PSM Makassar"),
        (
            Topic("lanjutan Liga 1", "Liga 1"),
            Topic("FIFA Matchday", "Timnas"),
            Topic("bursa transfer paruh musim", "Transfer"),
            Topic("Kualifikasi Piala Asia", "Piala Asia"),
            Topic("laga uji coba", "Uji Coba"),
            Topic("renovasi stadion", "Stadion"),
        ),
        ("pelatih kepala", "kapten tim", "manajer tim", "asisten pelatih"),
    ),
    "showbiz": Beat(
        ("penyanyi Nadia Kirana", "aktor Bima Sakti", "grup musik Senja Kala", "rumah produksi"),
        (
            Topic("konser perdana", "Konser"),
            Topic("film layar lebar", "Film"),
            Topic("serial web terbaru", "Serial"),
            Topic("album kedua", "Musik"),
            Topic("festival musik", "Festival"),
            Topic("acara pernikahan", "Pernikahan"),
        ),
        ("manajer", "sutradara", "produser", "penata musik"),
    ),
}

CITIES = (
    "Jakarta",
    "Jakarta",
    "Jakarta",
    "Surabaya",
    "Bandung",
    "Medan",
    "Makassar",
    "Semarang",
    "Yogyakarta",
    "Denpasar",
    "Palembang",
    "Balikpapan",
)
FIRST_NAMES = ("Agus", "Bayu", "Citra", "Dimas", "Eka", "Fajar", "Gita", "Hendra", "Indah")
LAST_NAMES = ("Pratama", "Saputra", "Wijaya", "Hidayat", "Nugroho", "Kusuma", "Permata")
STAFF = tuple(f"{FIRST_NAMES[i]} {LAST_NAMES[(i * 3) % len(LAST_NAMES)]}" for i in range(9))
SOURCES = ("Rudi Hartono", "Siti Aminah", "Yoga Prasetyo", "Maria Ulfa", "Teguh Santoso")

TITLES = (
    "{subject} Minta Warga Cermati {topic} di {place}",
    "Ini Kata {role} soal {topic} Pekan Depan",
    "{num} Fakta {topic} yang Perlu Diketahui",
    "{subject} Pastikan {topic} Berjalan Lancar di {place}",
    'Soal {topic}, {role}: "Kami Terus Pantau"',
    "{topic} di {place} Naik {num} Persen",
    "{subject} Siapkan Rp {num} Miliar untuk {topic}",
    "Jelang Akhir Pekan, {subject} & Warga {place} Bahas {topic}",
)
LEADS = (
    "{subject} meninjau langsung perkembangan {topic} di {place} pada {day} ({dshort}).",
    "{subject} mengumumkan langkah baru terkait {topic} di {place}, {day} ({dshort}).",
    "{subject} menggelar rapat koordinasi membahas {topic} di {place} pada {day} ({dshort}).",
)
SENTENCES = (
    "Langkah tersebut diambil setelah laporan masyarakat terus bertambah dalam sepekan terakhir.",
    "Evaluasi sebelumnya menunjukkan hasil yang belum sesuai dengan target awal.",
    "Data terbaru mencatat {num} laporan sepanjang Februari 2022, naik {pct} persen dibandingkan "
    "periode yang sama tahun lalu.",
    "Sebelumnya, {subject} juga telah membuka posko pengaduan untuk memudahkan warga.",
    "Sejumlah warga {place} menyambut baik rencana tersebut, meski sebagian masih menunggu "
    "kepastian jadwal.",
    "Menurut catatan Demo.com, persoalan {topic} sudah dibahas sejak akhir tahun lalu.",
    "Koordinasi lintas instansi akan dilakukan setiap pekan hingga situasi dinyatakan stabil.",
    "Anggaran yang disiapkan mencapai Rp {num} miliar dan akan dicairkan secara bertahap.",
    "Ia menambahkan, masyarakat dapat memantau informasi resmi melalui kanal yang tersedia.",
    "Pengamat menilai kebijakan itu perlu diikuti pengawasan yang ketat di lapangan.",
    "Rencana itu juga akan dibahas bersama pemerintah daerah dalam waktu dekat.",
    "Pihaknya memastikan seluruh proses berjalan sesuai aturan yang berlaku.",
    "Sebanyak {pct} titik pemantauan disiapkan di wilayah {place} dan sekitarnya.",
    "Warga diminta melapor jika menemukan kendala di lapangan.",
    "Kebijakan serupa pernah diterapkan pada tahun lalu dengan hasil yang cukup baik.",
    "Target penyelesaian ditetapkan paling lambat akhir bulan depan.",
    "Sejumlah pihak meminta agar informasi disampaikan secara lebih terbuka.",
    "Hingga kini, belum ada keterangan resmi mengenai jadwal tahap berikutnya.",
    "Dalam sepekan terakhir, perhatian publik terhadap {topic} terus meningkat.",
    "Ia juga mengimbau masyarakat untuk tidak mudah percaya pada kabar yang belum jelas sumbernya.",
)
QUOTES = (
    "Kami akan terus memantau perkembangan di lapangan dan melaporkannya secara berkala",
    "Semua pihak harus bekerja sama agar target ini tercapai tepat waktu",
    "Kami minta masyarakat tidak panik dan tetap mengikuti arahan petugas",
    "Hasilnya akan kami sampaikan secara terbuka setelah evaluasi selesai",
)
UPDATES = (
    "Hingga {day} ({dshort}) siang, {subject} menyatakan situasi {topic} di {place} mulai "
    "terkendali.",
    "Pembaruan: {subject} menambah {num} petugas untuk mempercepat penanganan {topic}.",
    "Perkembangan terbaru, {role} {source} memastikan jadwal {topic} tidak berubah.",
)
EXTRA = " Keterangan itu disampaikan kembali dalam jumpa pers pada {day} ({dshort})."


@dataclass(frozen=True)
class Link:
    """Another article as a widget or "Baca Juga" entry shows it."""

    path: str
    title: str
    thumb: str
    published: datetime


@dataclass(frozen=True)
class Picture:
    """An image; ``after`` is the paragraph index it follows, -1 for the lead image."""

    path: str
    caption: str
    after: int


@dataclass(frozen=True)
class Story:
    """One article in one edition: everything its pages are rendered from."""

    id: int
    section: Section
    slug: str
    title: str
    description: str
    published: datetime
    updated: datetime
    page_changed: datetime
    authors: tuple[str, ...]
    city: str
    paragraphs: tuple[str, ...]
    page_starts: tuple[int, ...]
    pictures: tuple[Picture, ...]
    tags: tuple[str, ...]
    related: tuple[Link, ...]
    popular: tuple[Link, ...]
    widget_rev: int
    status: Status

    @property
    def path(self) -> str:
        return f"/{self.section.slug}/read/{self.id}/{self.slug}"

    @property
    def dateline(self) -> str:
        return f"{ORGANISATION}, {self.city}"

    @property
    def pages(self) -> int:
        return len(self.page_starts)

    def page_paragraphs(self, page: int) -> range:
        """Indexes of the paragraphs shown on ``page`` (1-based)."""
        ends = (*self.page_starts[1:], len(self.paragraphs))
        return range(self.page_starts[page - 1], ends[page - 1])

    def link(self) -> Link:
        return Link(self.path, self.title, thumb_path(self), self.published)


def id_date(moment: datetime) -> str:
    """``03 Feb 2022, 08:03 WIB``: how the site prints a time."""
    return f"{moment.day:02d} {MONTHS[moment.month - 1]} {moment.year}, {moment:%H:%M} WIB"


def iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def thumb_path(story: Story) -> str:
    return f"/images/{story.published:%Y/%m/%d}/{story.id}_thumb.png"


def edition_time(edition: int) -> datetime:
    """When edition ``edition`` is crawled: the latest time any of its pages may show."""
    return FIRST_EDITION_AT + (edition - 1) * EDITION_INTERVAL


def site_history(count: int, edition: int, seed: int, churn: float | None = None) -> list[Story]:
    """The stories of ``edition``, produced by applying each edition's changes in turn.

    ``churn`` is the share of articles whose page changes in each later edition, split 2:2:1
    between updated text, widget-only changes and new articles (``None``: 0.25).
    """
    if count < 10:
        raise ValueError(f"articles must be at least 10, got {count}")
    if edition < 1:
        raise ValueError(f"edition must be 1 or more, got {edition}")
    stories = _first_edition(count, seed)
    for number in range(2, edition + 1):
        stories = _next_edition(stories, seed, number, churn)
    return stories


def _first_edition(count: int, seed: int) -> list[Story]:
    rng = random.Random(f"{seed}:edition:1")
    multipage = set(rng.sample(range(count), max(1, round(count * 0.1))))
    span = (FIRST_EDITION_AT - timedelta(hours=1) - BASE) / count
    stories: list[Story] = []
    for index in range(count):
        jitter = timedelta(minutes=rng.randrange(int(span.total_seconds() * 0.8) // 60 + 1))
        published = _to_minute(BASE + index * span + jitter)
        pages = rng.randint(2, 4) if index in multipage else 1
        stories.append(_write_story(FIRST_ID + index, published, pages, stories, seed))
    return stories


def _write_story(
    story_id: int, published: datetime, pages: int, older: list[Story], seed: int
) -> Story:
    rng = random.Random(f"{seed}:story:{story_id}")
    section = SECTIONS[story_id % len(SECTIONS)]
    beat = BEATS[section.slug]
    topic = rng.choice(beat.topics)
    words = _words(rng, beat, topic, published)
    title = rng.choice(TITLES).format(**{k: _capitalise_words(v) for k, v in words.items()})
    title = f"{title} ({story_id % 1000})" if _title_taken(title, older) else title
    city = words["place"]
    lead = _capitalise(rng.choice(LEADS).format(**words))
    paragraphs = [f"{ORGANISATION}, {city} - {lead} {_sentence(rng, words)}"]
    total = pages * rng.randint(4, 6) if pages > 1 else rng.randint(6, 11)
    while len(paragraphs) < total:
        index = len(paragraphs)
        text = _quote(rng, beat, words) if index % 3 == 1 else _prose(rng, words)
        if text not in paragraphs:
            paragraphs.append(text)
    starts = tuple(round(page * total / pages) for page in range(pages))
    images = [Picture(_image_path(published, story_id, 1), _caption(rng, words), -1)]
    for number in range(2, 2 + rng.randint(0, pages)):
        after = rng.randrange(2, total - 1)
        images.append(
            Picture(_image_path(published, story_id, number), _caption(rng, words), after)
        )
    images.sort(key=lambda p: p.after)
    roll = rng.random()
    if roll < 0.15:
        authors: tuple[str, ...] = (ORGANISATION,)
    elif roll < 0.23:
        authors = tuple(rng.sample(STAFF, 2))
    else:
        authors = (rng.choice(STAFF),)
    updated = published + timedelta(minutes=rng.choice((0, 0, 5, 12, 30, 48, 75, 120, 200)))
    tags = [topic.tag, section.name, *rng.sample([t.tag for t in beat.topics], 2)]
    return Story(
        id=story_id,
        section=section,
        slug=slugify(title),
        title=title,
        description=lead,
        published=published,
        updated=updated,
        page_changed=updated,
        authors=authors,
        city=city,
        paragraphs=tuple(paragraphs),
        page_starts=starts,
        pictures=tuple(images),
        tags=tuple(dict.fromkeys(tags)),
        related=tuple(s.link() for s in rng.sample(older, min(3, len(older)))),
        popular=_popular(rng, older),
        widget_rev=0,
        status="new",
    )


def _next_edition(
    previous: list[Story], seed: int, edition: int, churn: float | None = None
) -> list[Story]:
    """Edition ``edition`` after ``previous``: ~10% updated, ~10% widget-only, ~5% new, 1 gone.

    With ``churn`` the three shares are ``churn`` split 2:2:1 instead.
    """
    rng = random.Random(f"{seed}:edition:{edition}")
    since, now = edition_time(edition - 1), edition_time(edition)
    live = [replace(s, status="unchanged") for s in previous if s.status != "removed"]
    count = len(live)
    share = max(1, round(count * (0.1 if churn is None else churn * 0.4)))
    picked = rng.sample(range(count), 1 + 2 * share)
    removed, updated, widget = picked[0], set(picked[1::2]), set(picked[2::2])
    staying = [s for index, s in enumerate(live) if index != removed]
    stories: list[Story] = []
    for index, story in enumerate(live):
        if index == removed:
            story = replace(story, status="removed")
        elif index in updated:
            story = _update(story, rng, since)
        elif index in widget:
            changed = _to_minute(since + timedelta(minutes=rng.randrange(30, 1400)))
            story = replace(
                story,
                widget_rev=story.widget_rev + 1,
                popular=_popular(rng, [s for s in staying if s.id != story.id]),
                page_changed=max(changed, story.page_changed),
                status="widget",
            )
        stories.append(story)
    next_id = max(s.id for s in previous) + 1
    fresh = max(1, round(count * (0.05 if churn is None else churn * 0.2)))
    step = (now - since - timedelta(minutes=30)) / fresh
    for number in range(fresh):
        published = _to_minute(since + number * step + timedelta(minutes=rng.randrange(1, 40)))
        older = [s for s in stories if s.status != "removed"]
        stories.append(_write_story(next_id + number, published, 1, older, seed))
    return stories


def _update(story: Story, rng: random.Random, since: datetime) -> Story:
    updated = _to_minute(since + timedelta(minutes=rng.randrange(30, 1400)))
    beat = BEATS[story.section.slug]
    words = _words(rng, beat, rng.choice(beat.topics), updated)
    paragraphs = [*story.paragraphs, rng.choice(UPDATES).format(**words)]
    if rng.random() < 0.5:
        paragraphs[1] += EXTRA.format(**words)
    return replace(
        story,
        paragraphs=tuple(paragraphs),
        updated=updated,
        page_changed=updated,
        status="updated",
    )


def _popular(rng: random.Random, pool: list[Story]) -> tuple[Link, ...]:
    return tuple(s.link() for s in rng.sample(pool, min(10, len(pool))))


def _words(rng: random.Random, beat: Beat, topic: Topic, moment: datetime) -> dict[str, str]:
    return {
        "subject": rng.choice(beat.subjects),
        "topic": topic.phrase,
        "role": rng.choice(beat.roles),
        "source": rng.choice(SOURCES),
        "place": rng.choice(CITIES),
        "num": str(rng.randint(3, 95)),
        "pct": str(rng.randint(2, 40)),
        "day": DAYS[moment.weekday()],
        "dshort": f"{moment.day}/{moment.month}/{moment.year}",
    }


def _sentence(rng: random.Random, words: dict[str, str]) -> str:
    return rng.choice(SENTENCES).format(**words)


def _prose(rng: random.Random, words: dict[str, str]) -> str:
    return " ".join(s.format(**words) for s in rng.sample(SENTENCES, rng.randint(2, 3)))


def _quote(rng: random.Random, beat: Beat, words: dict[str, str]) -> str:
    said = rng.choice(("kata", "ujar", "tutur"))
    role, source = rng.choice(beat.roles), rng.choice(SOURCES)
    quote = f"\u201c{rng.choice(QUOTES)},\u201d {said} {role} {source} di {words['place']}."
    return f"{quote} {_sentence(rng, words)}"


def _caption(rng: random.Random, words: dict[str, str]) -> str:
    photographer = rng.choice(STAFF)
    return (
        f"Suasana {words['topic']} di {words['place']}, {words['day']} ({words['dshort']}). "
        f"({ORGANISATION}/{photographer})"
    )


def _image_path(published: datetime, story_id: int, number: int) -> str:
    return f"/images/{published:%Y/%m/%d}/{story_id}_{number}.png"


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


def _capitalise_words(text: str) -> str:
    return " ".join(_capitalise(word) for word in text.split(" "))


def _title_taken(title: str, stories: list[Story]) -> bool:
    return any(s.title == title for s in stories)


def _to_minute(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)
