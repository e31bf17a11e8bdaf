"""Share images and quote cards: Arabic shaped and right to left, sized for the networks.

The drawing functions are pure; only the command and the seed report need a database.
"""

import io

import pytest
from django.core.checks.registry import registry
from django.core.management import call_command
from PIL import Image, ImageChops, ImageDraw, ImageFont

from articles.media import images, sharecards
from articles.media.sharecards import Run

SEED_TITLE = "إلى أين يتوجه عناصر داعش بعد فرارهم من السجون شرق سوريا؟"
SEED_TITLE_EN = "Where do ISIS members go after escaping from prisons in eastern Syria?"
SIZE = images.PRESETS["social"].size
FONT = sharecards.FONT_DIR / "NotoSansArabic-Bold.ttf"


def ink_box(image: Image.Image):
    """Return the bounding box of everything drawn on a white canvas."""
    return ImageChops.invert(image.convert("L")).getbbox()


def drawn_line(text: str, *, size=48, rtl=True, width=900) -> Image.Image:
    canvas = Image.new("RGB", (width, 120), "white")
    sharecards.draw_line(
        ImageDraw.Draw(canvas),
        text,
        start=width - 20 if rtl else 20,
        baseline=80,
        size=size,
        weight="bold",
        fill="black",
        rtl=rtl,
    )
    return canvas


# --- fonts and the start-up check -------------------------------------------------------


def test_pillow_here_shapes_arabic_with_raqm():
    assert sharecards.shaping_available()
    assert images.check_image_support() == []


def test_startup_check_is_registered():
    assert images.check_image_support in registry.get_checks()


def test_without_raqm_the_check_fails_and_nothing_is_drawn(monkeypatch):
    monkeypatch.setattr(sharecards.features, "check", lambda feature: feature != "raqm")

    errors = images.check_image_support()

    assert [error.id for error in errors] == ["articles.E101"]
    assert errors[0].is_serious()
    with pytest.raises(sharecards.ShapingUnavailable):
        sharecards.article_card(headline=SEED_TITLE, size=SIZE)


def test_fonts_ship_in_the_repository_with_their_licence():
    assert sharecards.missing_fonts() == []
    for name in sharecards.FONT_FILES.values():
        assert (sharecards.FONT_DIR / name).stat().st_size < 1024 * 1024
    licence = (sharecards.FONT_DIR / "OFL.txt").read_text()
    assert "SIL OPEN FONT LICENSE" in licence and "Version 1.1" in licence
    assert "Copyright 2015-2020 Google LLC" in licence


# --- shaping and direction --------------------------------------------------------------


def test_arabic_is_measured_and_drawn_shaped_not_with_basic_layout():
    words = " ".join(SEED_TITLE.split()[:3])
    shaped = ImageFont.truetype(str(FONT), 48, layout_engine=ImageFont.Layout.RAQM)
    basic = ImageFont.truetype(str(FONT), 48, layout_engine=ImageFont.Layout.BASIC)
    shaped_box = shaped.getbbox(words, direction="rtl", language="ar")
    basic_box = basic.getbbox(words)

    drawn = ink_box(drawn_line(words))

    assert sharecards.text_width(words, size=48, weight="bold") == shaped.getlength(
        words, direction="rtl", language="ar"
    )
    # Joined letters take less room than the isolated forms basic layout draws.
    assert basic_box[2] - basic_box[0] - (shaped_box[2] - shaped_box[0]) > 40
    assert abs((drawn[2] - drawn[0]) - (shaped_box[2] - shaped_box[0])) <= 2


def test_arabic_line_reads_from_right_to_left():
    first, second = "داعش", "سوريا"
    line = drawn_line(f"{first} {second}")
    alone = drawn_line(first)

    # The first word, drawn alone from the same right edge, is exactly the line's right end.
    left, top, right, bottom = ink_box(alone)
    assert ink_box(line)[2] == right
    assert (
        ImageChops.difference(
            line.crop((left, top, right, bottom)), alone.crop((left, top, right, bottom))
        ).getbbox()
        is None
    )
    assert ink_box(line)[0] < left - 40


@pytest.mark.parametrize(
    ("text", "rtl", "expected"),
    [
        (
            "لمنصة SY24",
            True,
            [Run("SY24", "latin", False), Run("لمنصة ", "arabic", True)],
        ),
        (
            "قال (ISIS) إن",
            True,
            [
                Run("إن", "arabic", True),
                Run(") ", "latin", True),
                Run("ISIS", "latin", False),
                Run("(", "latin", True),
                Run("قال ", "arabic", True),
            ],
        ),
        (
            "Colonel أحمد حمادة said",
            False,
            [
                Run("Colonel ", "latin", False),
                Run("أحمد حمادة", "arabic", True),
                Run(" said", "latin", False),
            ],
        ),
        ("عام 2024", True, [Run("عام 2024", "arabic", True)]),
    ],
)
def test_mixed_text_is_split_into_runs_in_visual_order(text, rtl, expected):
    assert sharecards.visual_runs(text, rtl=rtl) == expected


@pytest.mark.parametrize(
    "text",
    [SEED_TITLE, "قال مصدر لمنصة SY24 إن (ISIS) خسر 40% من عناصره… والرقة؟", SEED_TITLE_EN],
)
def test_every_character_is_drawn_with_a_font_that_has_it(text):
    for run in sharecards.visual_runs(text, rtl=sharecards.is_rtl(text)):
        assert all(sharecards.has_glyph(run.script, char) for char in run.text), run


# --- fitting headlines ------------------------------------------------------------------


def test_short_headline_is_drawn_at_the_largest_size_on_few_lines():
    block = sharecards.fit_text(
        SEED_TITLE, width=1072, height=370, weight="bold", max_size=66, min_size=30
    )

    assert block.size == 66
    assert block.rtl
    assert len(block.lines) == 2


def test_long_headline_wraps_and_shrinks_and_keeps_every_word():
    headline = " ".join([SEED_TITLE] * 4)

    block = sharecards.fit_text(
        headline, width=1072, height=370, weight="bold", max_size=66, min_size=30
    )

    assert 30 <= block.size < 66
    assert block.height <= 370
    assert " ".join(block.lines).split() == headline.split()
    for line in block.lines:
        assert sharecards.text_width(line, size=block.size, weight="bold") <= 1072


def test_text_too_long_for_the_box_ends_with_an_ellipsis_after_a_whole_word():
    words = " ".join([SEED_TITLE] * 30).split()

    block = sharecards.fit_text(
        " ".join(words), width=1072, height=370, weight="bold", max_size=66, min_size=30
    )

    kept = " ".join(block.lines).split()
    assert block.size == 30
    assert kept[-1].endswith(sharecards.ELLIPSIS)
    kept[-1] = kept[-1].removesuffix(sharecards.ELLIPSIS)
    assert kept == words[: len(kept)]
    assert block.height <= 370


# --- the cards --------------------------------------------------------------------------


def near(colour, expected, tolerance=12):
    return all(abs(a - b) <= tolerance for a, b in zip(colour, expected, strict=True))


@pytest.mark.parametrize(("headline", "mark_x"), [(SEED_TITLE, 1100), (SEED_TITLE_EN, 100)])
def test_article_card_is_1200_by_630_with_the_mark_on_the_reading_side(headline, mark_x):
    card = sharecards.article_card(headline=headline, size=SIZE)

    assert card.size == (1200, 630)
    assert near(card.getpixel((mark_x, 60)), sharecards.ACCENT)
    assert near(card.getpixel((1200 - mark_x, 60)), sharecards.INK)


def test_quote_card_is_1200_by_630_with_the_words_and_who_said_them():
    quote = "لا نستطيع أن نسمي ما يحدث في سجون قسد هو عمليات هروب"
    with_role = sharecards.quote_card(quote=quote, name="نورس العرفي", role="الصحفي", size=SIZE)
    without_role = sharecards.quote_card(quote=quote, name="نورس العرفي", role="", size=SIZE)

    assert with_role.size == (1200, 630)
    difference = ImageChops.difference(with_role, without_role).getbbox()
    # The role is the only change, drawn on the right (the start of an Arabic line).
    assert difference is not None and difference[0] > 600 and difference[1] > 460


# --- the command ------------------------------------------------------------------------


@pytest.mark.django_db
def test_command_writes_the_seed_reports_share_images_and_quote_cards(
    seed_report, tmp_path, capsys, settings
):
    settings.MEDIA_ROOT = tmp_path / "media"
    out = tmp_path / "cards"

    call_command("render_share_images", out=out)

    printed = capsys.readouterr().out
    quotes = list(seed_report.quotes.order_by("pk"))
    expected = [f"article-{seed_report.pk}-{code}.jpg" for code in ("ar", "en")] + [
        f"quote-{quote.pk}-{code}.jpg" for quote in quotes for code in ("ar", "en")
    ]
    assert sorted(path.name for path in out.iterdir()) == sorted(expected)
    for name in expected:
        assert str(out / name) in printed
        with Image.open(out / name) as image:
            assert (image.format, image.size) == ("JPEG", (1200, 630))
    # What the command shows is byte for byte what readers' apps get as og:image.
    stored = images.article_share_image(seed_report, language="ar")
    with images.default_storage.open(stored.name) as handle:
        assert handle.read() == (out / f"article-{seed_report.pk}-ar.jpg").read_bytes()


def test_share_image_is_a_small_jpeg_with_no_metadata():
    data = sharecards.to_jpeg(sharecards.article_card(headline=SEED_TITLE, size=SIZE))

    image = Image.open(io.BytesIO(data))
    assert image.format == "JPEG"
    assert not image.getexif()
    assert len(data) < 300 * 1024
