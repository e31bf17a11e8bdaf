"""Arabic as the newsroom writes it: search folding, slugs, dates and times."""

from datetime import datetime

import pytest

from articles.arabic import format_date, format_time, make_slug, month_name, normalize_for_search

# --- normalize_for_search ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "folded"),
    [
        ("أحمد", "احمد"),
        ("إسلام", "اسلام"),
        ("آذار", "اذار"),
        ("ٱلله", "الله"),
    ],
)
def test_hamza_and_wasla_forms_of_alef_fold_to_bare_alef(typed, folded):
    assert normalize_for_search(typed) == folded


def test_alef_maqsura_folds_to_yeh():
    assert normalize_for_search("مستشفى") == "مستشفي"
    assert normalize_for_search("مستشفى") == normalize_for_search("مستشفي")


def test_teh_marbuta_and_heh_fold_together():
    assert normalize_for_search("الرقة") == "الرقه"
    assert normalize_for_search("الرقة") == normalize_for_search("الرقه")


def test_harakat_and_shadda_are_removed():
    assert normalize_for_search("الرَّقَّة") == normalize_for_search("الرقه")
    assert normalize_for_search("مُحَمَّدٌ") == "محمد"


def test_tanween_sukun_and_superscript_alef_are_removed():
    assert normalize_for_search("كِتَابًا") == "كتابا"
    assert normalize_for_search("مَسْجِد") == "مسجد"
    assert normalize_for_search("هٰذا") == "هذا"


def test_tatweel_is_removed():
    assert normalize_for_search("عـــربي") == "عربي"


def test_headline_spelled_differently_matches():
    typed = "مستشفى الرقة في إدلب"
    stored = "مُسْتَشْفَى الرَّقَّــة فِي ادلب"
    assert normalize_for_search(typed) == normalize_for_search(stored)


def test_presentation_forms_fold_like_ordinary_letters():
    # Lam-alef ligatures from old PDFs and keyboards are compatibility characters.
    assert normalize_for_search("\ufefb") == "لا"
    assert normalize_for_search("\ufef7") == "لا"


def test_english_is_casefolded():
    assert normalize_for_search("BBC News") == "bbc news"
    assert normalize_for_search("STRASSE") == normalize_for_search("Straße")


def test_letters_that_need_no_folding_are_untouched():
    assert normalize_for_search("سوريا ودمشق") == "سوريا ودمشق"


def test_empty_text_normalizes_to_empty():
    assert normalize_for_search("") == ""


# --- make_slug ---------------------------------------------------------------------------


def test_slug_keeps_arabic_letters_and_joins_words_with_hyphens():
    assert make_slug("الرقة مدينة على الفرات") == "الرقة-مدينة-على-الفرات"


def test_slug_drops_arabic_punctuation():
    assert make_slug("هل تنتهي الحرب؟") == "هل-تنتهي-الحرب"
    assert make_slug("دمشق، حلب: أخبار؛ اليوم") == "دمشق-حلب-أخبار-اليوم"


def test_slug_is_the_same_with_or_without_harakat():
    assert make_slug("عَرَبِيٌّ جَمِيلٌ") == make_slug("عربي جميل") == "عربي-جميل"


def test_slug_drops_tatweel():
    assert make_slug("أخبـــار عاجلــة") == "أخبار-عاجلة"


def test_english_title_gives_ascii_slug():
    slug = make_slug("Hello, World! Syria's News Today")
    assert slug == "hello-world-syrias-news-today"
    assert slug.isascii()


def test_empty_title_gives_empty_slug():
    assert make_slug("") == ""


def test_short_title_is_not_shortened():
    assert make_slug("عاجل من دمشق", max_length=100) == "عاجل-من-دمشق"


LONG_TITLES = [
    "الرقة: مدينة على الفرات، والحرب فيها مستمرة منذ سنوات طويلة ولا نهاية قريبة لها",
    "Syrian newsrooms rebuild after years of war and displacement across the region",
]


@pytest.mark.parametrize("title", LONG_TITLES)
def test_long_slug_is_never_cut_mid_word(title):
    full = make_slug(title, max_length=10_000)
    words = full.split("-")
    # Every limit from the length of the first word up to the whole slug.
    for max_length in range(len(words[0]), len(full) + 1):
        short = make_slug(title, max_length=max_length)
        assert len(short) <= max_length
        kept = short.split("-")
        assert kept == words[: len(kept)], (max_length, short)
        # As many whole words as fit: adding the next one would overflow.
        if len(kept) < len(words):
            assert len(short) + 1 + len(words[len(kept)]) > max_length, (max_length, short)


def test_default_slug_length_is_at_most_100():
    title = " ".join(["الحرب في سوريا"] * 20)
    slug = make_slug(title)
    assert 0 < len(slug) <= 100
    assert not slug.endswith("-")


def test_a_single_word_longer_than_the_limit_is_cut_to_the_limit():
    # There is no word boundary to use, so the only way to fit is to cut.
    assert make_slug("ا" * 30, max_length=10) == "ا" * 10


# --- dates and times ---------------------------------------------------------------------

MAY_12 = datetime(2025, 5, 12, 7, 5)


def test_arabic_date_names_both_month_styles_by_default():
    assert format_date(MAY_12, language="ar") == "12 أيار/مايو 2025"
    assert format_date(MAY_12, language="ar", month_style="both") == "12 أيار/مايو 2025"


def test_arabic_date_in_levantine_style():
    assert format_date(MAY_12, language="ar", month_style="levantine") == "12 أيار 2025"


def test_arabic_date_in_egyptian_style():
    assert format_date(MAY_12, language="ar", month_style="egyptian") == "12 مايو 2025"


def test_arabic_date_with_arabic_indic_digits():
    assert format_date(MAY_12, language="ar", digits="arabic") == "١٢ أيار/مايو ٢٠٢٥"


def test_english_date():
    assert format_date(MAY_12, language="en") == "12 May 2025"
    assert format_date(datetime(2024, 12, 31), language="en") == "31 December 2024"


def test_english_date_keeps_western_digits_and_english_months():
    assert format_date(MAY_12, language="en", month_style="levantine", digits="arabic") == (
        "12 May 2025"
    )


@pytest.mark.parametrize(
    ("hour", "minute", "expected"),
    [(7, 5, "07:05"), (0, 0, "00:00"), (13, 30, "13:30"), (23, 59, "23:59")],
)
def test_time_is_24_hour_with_zero_padding(hour, minute, expected):
    value = datetime(2025, 5, 12, hour, minute)
    assert format_time(value, language="ar") == expected
    assert format_time(value, language="en") == expected


def test_arabic_time_with_arabic_indic_digits():
    assert format_time(MAY_12, language="ar", digits="arabic") == "٠٧:٠٥"
    assert format_time(datetime(2025, 5, 12, 21, 40), language="ar", digits="arabic") == ("٢١:٤٠")


def test_english_time_keeps_western_digits():
    assert format_time(MAY_12, language="en", digits="arabic") == "07:05"


LEVANTINE = [
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
]
EGYPTIAN = [
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
]


def test_january_and_december_names():
    assert month_name(1, "levantine") == "كانون الثاني"
    assert month_name(1, "egyptian") == "يناير"
    assert month_name(12, "levantine") == "كانون الأول"
    assert month_name(12, "egyptian") == "ديسمبر"


@pytest.mark.parametrize("month", range(1, 13))
def test_every_month_has_its_levantine_and_egyptian_name(month):
    assert month_name(month, "levantine") == LEVANTINE[month - 1]
    assert month_name(month, "egyptian") == EGYPTIAN[month - 1]
    assert month_name(month, "both") == f"{LEVANTINE[month - 1]}/{EGYPTIAN[month - 1]}"
    assert month_name(month) == month_name(month, "both")


@pytest.mark.parametrize("month", range(1, 13))
def test_every_month_appears_in_the_formatted_date(month):
    value = datetime(2025, month, 1)
    assert format_date(value, language="ar", month_style="levantine") == (
        f"1 {LEVANTINE[month - 1]} 2025"
    )
    assert format_date(value, language="ar", month_style="egyptian") == (
        f"1 {EGYPTIAN[month - 1]} 2025"
    )
