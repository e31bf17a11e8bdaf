"""Arabic text as a newsroom writes it: slugs, search folding, dates and digits.

Pure functions: no models, no settings, no database.
"""

import re
import unicodedata
from datetime import datetime

from django.utils.text import slugify

# Harakat, tanween, shadda, sukun, superscript alef and Quranic marks.
DIACRITICS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed]")
TATWEEL = "\u0640"
_FOLD = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه"})

ARABIC_INDIC_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")

# The explicit embeddings and overrides (U+202A–U+202E) and isolates (U+2066–U+2069):
# in what staff write they can reorder what a reader sees, so that a link reads
# "فاتورة\u202efdp.exe" and goes somewhere else. Arabic text never needs them: the
# marks it does need (RLM U+200F, LRM U+200E, ALM U+061C) change no order but their own
# and stay.
BIDI_CONTROLS = dict.fromkeys([*range(0x202A, 0x202F), *range(0x2066, 0x206A)])
# The same characters percent-encoded in a URL (UTF-8: E2 80 AA–AE, E2 81 A6–A9).
_ENCODED_BIDI_CONTROLS = re.compile(r"%E2%80%A[A-E]|%E2%81%A[6-9]", re.I)

MONTHS_LEVANTINE = (
    "كانون الثاني",
    "شباط",
    "آذار",
    "نيسان",
    "أيار",
    "حزيران",
    "تموز",
    "آب",
    "أيلول",
    "تشرين الأول",
    "تشرين الثاني",
    "كانون الأول",
)
MONTHS_EGYPTIAN = (
    "يناير",
    "فبراير",
    "مارس",
    "أبريل",
    "مايو",
    "يونيو",
    "يوليو",
    "أغسطس",
    "سبتمبر",
    "أكتوبر",
    "نوفمبر",
    "ديسمبر",
)
MONTH_STYLES = ("levantine", "egyptian", "both")
DIGIT_STYLES = ("western", "arabic")
MONTHS_ENGLISH = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def strip_marks(text: str) -> str:
    """Return ``text`` without diacritics and tatweel, letters untouched."""
    return DIACRITICS.sub("", text).replace(TATWEEL, "")


def normalize_for_search(text: str) -> str:
    """Fold the spellings a reader may type: hamza forms of alef, ى/ي, ة/ه, marks, case.

    "الرقه" and "الرَّقة" both become "الرقه", so either finds the other.
    """
    text = unicodedata.normalize("NFKC", text or "")
    return strip_marks(text).translate(_FOLD).casefold()


def without_bidi_controls(text: str) -> str:
    """Return ``text`` without the controls that reorder what follows them."""
    return text.translate(BIDI_CONTROLS) if text else text


def url_without_bidi_controls(url: str) -> str:
    """Return ``url`` without reordering controls, written as they are or percent-encoded."""
    return _ENCODED_BIDI_CONTROLS.sub("", without_bidi_controls(url)) if url else url


def make_slug(title: str, *, max_length: int = 100) -> str:
    """Return a URL slug for a title in any language, Arabic letters kept.

    Marks and tatweel are dropped, so the same headline with or without harakat gives the
    same slug; a long title is cut at a word boundary, never mid-word.
    """
    slug = slugify(strip_marks(title or ""), allow_unicode=True)
    if len(slug) <= max_length:
        return slug
    cut = slug[: max_length + 1]
    return cut[: cut.rfind("-")] if "-" in cut else slug[:max_length]


def localize_digits(text: str, digits: str = "western") -> str:
    """Return ``text`` with Western digits turned into Arabic-Indic ones if asked."""
    if digits == "arabic":
        return text.translate(ARABIC_INDIC_DIGITS)
    return text


def month_name(month: int, style: str = "both") -> str:
    """Return the Arabic name of ``month`` (1-12) in the given style."""
    if style == "levantine":
        return MONTHS_LEVANTINE[month - 1]
    if style == "egyptian":
        return MONTHS_EGYPTIAN[month - 1]
    return f"{MONTHS_LEVANTINE[month - 1]}/{MONTHS_EGYPTIAN[month - 1]}"


def format_date(
    value: datetime, *, language: str, month_style: str = "both", digits: str = "western"
) -> str:
    """Return a date as the newsroom writes it: "12 أيار/مايو 2025" or "12 May 2025"."""
    if language == "ar":
        text = f"{value.day} {month_name(value.month, month_style)} {value.year}"
        return localize_digits(text, digits)
    return f"{value.day} {MONTHS_ENGLISH[value.month - 1]} {value.year}"


def format_time(value: datetime, *, language: str, digits: str = "western") -> str:
    """Return the time of day on the 24-hour clock, as Syrian newsrooms print it."""
    text = f"{value.hour:02d}:{value.minute:02d}"
    return localize_digits(text, digits) if language == "ar" else text
