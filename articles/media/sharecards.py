"""Draw share images and quote cards: Arabic shaped and right to left, Latin beside it.

Pillow lays text out with raqm (FriBiDi for direction, HarfBuzz for shaping). Without
raqm it silently falls back to a basic layout that draws Arabic letters unjoined and in
reverse order, so nothing here draws unless raqm is there (``ShapingUnavailable``).

No single shipped font covers what a headline may hold: Noto Sans Arabic has no Latin
letters, nor "(", "?", "%" or "…". Each stretch of text is therefore drawn with the first
font that has its glyphs, and the stretches are put in the order the Unicode
bidirectional algorithm gives them (a simplified UAX #9: one paragraph, no explicit
embeddings), so "لمنصة SY24" or "قال (ISIS)" come out as a browser would show them.

Pure functions over Pillow images: no models, no storage (see ``articles.media.images``).
"""

import functools
import io
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont, ImageOps, features

from articles.memos import memoized

FONT_DIR = Path(__file__).resolve().parents[2] / "static" / "fonts"
FONT_FILES = {
    ("arabic", "regular"): "NotoSansArabic-Regular.ttf",
    ("arabic", "bold"): "NotoSansArabic-Bold.ttf",
    ("latin", "regular"): "NotoSans-Regular.ttf",
    ("latin", "bold"): "NotoSans-Bold.ttf",
}
SCRIPTS = ("arabic", "latin")
SCRIPT_LANGUAGE = {"arabic": "ar", "latin": "en"}

MARK = "SY24"
ACCENT = (164, 22, 26)
INK = (27, 27, 31)
MUTED = (85, 85, 95)
PAPER = (255, 255, 255)
QUOTE_PAPER = (247, 242, 242)
ELLIPSIS = "…"

# The geometry below is drawn for 1200×630 and scaled to the size asked for.
DESIGN_WIDTH = 1200

# A noncharacter: every font draws its "missing glyph" box for it.
_NO_GLYPH = "\uffff"


class ShapingUnavailable(RuntimeError):
    """Pillow cannot shape Arabic: drawing would give unjoined, reversed letters."""


def shaping_available() -> bool:
    """Say whether Pillow has raqm, the layout engine that shapes Arabic."""
    return bool(features.check("raqm"))


def require_shaping() -> None:
    """Refuse to draw anything when Arabic would come out broken."""
    if not shaping_available():
        raise ShapingUnavailable(
            "Pillow cannot shape Arabic text: its raqm layout engine is unavailable "
            "(on Debian: apt-get install libfribidi0)."
        )


def missing_fonts() -> list[str]:
    """Return the shipped font files that cannot be found."""
    return [name for name in FONT_FILES.values() if not (FONT_DIR / name).is_file()]


@memoized(stale_when="never: the fonts ship with the code", max_size=128)
def font(script: str, weight: str, size: int) -> ImageFont.FreeTypeFont:
    """Return a shipped font laid out with raqm, never with Pillow's basic layout."""
    return ImageFont.truetype(
        str(FONT_DIR / FONT_FILES[script, weight]), size, layout_engine=ImageFont.Layout.RAQM
    )


def _glyph_signature(face: ImageFont.FreeTypeFont, char: str) -> tuple:
    mask = face.getmask(char)
    return face.getlength(char), mask.size, bytes(mask)


@memoized(stale_when="never: the fonts ship with the code", max_size=4096)
def has_glyph(script: str, char: str) -> bool:
    """Say whether the font for ``script`` draws ``char`` (rather than its missing box)."""
    if unicodedata.category(char) in {"Zs", "Cc", "Cf"}:
        # Spaces and invisible controls (ZWJ, ZWNJ, marks of direction) draw no ink.
        return True
    probe = font(script, "regular", 32)
    return _glyph_signature(probe, char) != _glyph_signature(probe, _NO_GLYPH)


# --- direction --------------------------------------------------------------------------


def _bidi_class(char: str) -> str:
    kind = unicodedata.bidirectional(char)
    if kind == "L":
        return "L"
    if kind in {"R", "AL", "AN"}:
        return "R"
    if kind in {"EN", "NSM"}:
        return kind
    return "N"


def is_rtl(text: str) -> bool:
    """Say whether ``text`` reads right to left, judged by its first letter (as dir=auto)."""
    for char in text:
        kind = _bidi_class(char)
        if kind in {"L", "R"}:
            return kind == "R"
    return False


def resolve_directions(text: str, *, rtl: bool) -> list[str]:
    """Return "L" or "R" for each character of one line, as the bidi algorithm resolves it."""
    base = "R" if rtl else "L"
    classes = [_bidi_class(char) for char in text]
    # A combining mark goes the way of the letter it sits on (rule W1).
    for index, kind in enumerate(classes):
        if kind == "NSM":
            classes[index] = classes[index - 1] if index else "N"
    # A number goes the way of the last letter before it, or of the paragraph (W2, W7).
    last = base
    for index, kind in enumerate(classes):
        if kind in {"L", "R"}:
            last = kind
        elif kind == "EN":
            classes[index] = last
    # Spaces and punctuation between two letters of one direction take that direction;
    # between two directions, the paragraph's (N1, N2).
    index = 0
    while index < len(classes):
        if classes[index] != "N":
            index += 1
            continue
        end = index
        while end < len(classes) and classes[end] == "N":
            end += 1
        before = classes[index - 1] if index else base
        after = classes[end] if end < len(classes) else base
        classes[index:end] = [before if before == after else base] * (end - index)
        index = end
    return classes


def _scripts(text: str, *, preferred: str, directions: list[str]) -> list[str]:
    """Choose, for each character, the font that has its glyph.

    Letters take the first font that has them. Everything else (spaces, digits,
    punctuation, marks) stays in the font of its neighbours where that font has it,
    first those going its way, so a line switches fonts as seldom as it can.
    """
    order = [preferred, *(script for script in SCRIPTS if script != preferred)]
    chosen: list[str | None] = [None] * len(text)
    for index, char in enumerate(text):
        if unicodedata.bidirectional(char) in {"L", "R", "AL"}:
            chosen[index] = next((s for s in order if has_glyph(s, char)), preferred)
    for index, char in enumerate(text):
        if chosen[index] is not None:
            continue
        previous = chosen[index - 1] if index else None
        if previous and unicodedata.bidirectional(char) == "NSM":
            chosen[index] = previous
            continue
        after = next((i for i in range(index + 1, len(text)) if chosen[i]), None)
        following = chosen[after] if after is not None else None
        same_way = [
            script
            for script, position in ((previous, index - 1), (following, after))
            if script and directions[position] == directions[index]
        ]
        candidates = [*same_way, *(s for s in (previous, following) if s), *order]
        chosen[index] = next((s for s in candidates if has_glyph(s, char)), preferred)
    return chosen


@dataclass(frozen=True)
class Run:
    """A stretch of one line drawn with one font in one direction."""

    text: str
    script: str
    rtl: bool

    @property
    def direction(self) -> str:
        return "rtl" if self.rtl else "ltr"

    @property
    def language(self) -> str:
        return SCRIPT_LANGUAGE[self.script]


def visual_runs(text: str, *, rtl: bool) -> list[Run]:
    """Split one line into runs and return them in visual order, left to right."""
    if not text:
        return []
    directions = resolve_directions(text, rtl=rtl)
    scripts = _scripts(text, preferred="arabic" if rtl else "latin", directions=directions)
    logical: list[list] = []
    for char, direction, script in zip(text, directions, scripts, strict=True):
        if logical and logical[-1][1] == direction and logical[-1][2] == script:
            logical[-1][0].append(char)
        else:
            logical.append([[char], direction, script])
    base_level = 1 if rtl else 0
    base = "R" if rtl else "L"
    levels = [base_level if direction == base else base_level + 1 for _c, direction, _s in logical]
    # Rule L2: from the highest level down to the lowest odd one, reverse every stretch of
    # runs at that level or above.
    order = list(range(len(logical)))
    for level in range(max(levels), 0, -1):
        index = 0
        while index < len(order):
            if levels[order[index]] < level:
                index += 1
                continue
            end = index
            while end < len(order) and levels[order[end]] >= level:
                end += 1
            order[index:end] = reversed(order[index:end])
            index = end
    return [Run("".join(logical[k][0]), logical[k][2], logical[k][1] == "R") for k in order]


def run_width(run: Run, *, size: int, weight: str) -> float:
    """Return the shaped advance of one run, as raqm lays it out."""
    face = font(run.script, weight, size)
    return face.getlength(run.text, direction=run.direction, language=run.language)


def text_width(text: str, *, size: int, weight: str, rtl: bool | None = None) -> float:
    """Return the width one line takes when drawn: the sum of its shaped runs."""
    rtl = is_rtl(text) if rtl is None else rtl
    return sum(run_width(run, size=size, weight=weight) for run in visual_runs(text, rtl=rtl))


def draw_line(
    draw: ImageDraw.ImageDraw,
    text: str,
    *,
    start: float,
    baseline: float,
    size: int,
    weight: str,
    fill,
    rtl: bool,
) -> float:
    """Draw one line from ``start`` (its right edge when ``rtl``); return its width."""
    runs = visual_runs(text, rtl=rtl)
    widths = [run_width(run, size=size, weight=weight) for run in runs]
    x = start - sum(widths) if rtl else start
    for run, width in zip(runs, widths, strict=True):
        draw.text(
            (x, baseline),
            run.text,
            font=font(run.script, weight, size),
            fill=fill,
            anchor="ls",
            direction=run.direction,
            language=run.language,
        )
        x += width
    return sum(widths)


# --- fitting text in a box --------------------------------------------------------------


@dataclass(frozen=True)
class TextBlock:
    """Lines of text at the size that fits them in a box."""

    lines: tuple[str, ...]
    size: int
    weight: str
    rtl: bool
    line_height: int

    @property
    def height(self) -> int:
        return len(self.lines) * self.line_height


def _has_arabic(text: str) -> bool:
    return any(_bidi_class(char) == "R" for char in text)


def line_height(text: str, size: int) -> int:
    """Return the leading for ``text``: Arabic needs room for its ascenders and dots."""
    return round(size * (1.55 if _has_arabic(text) else 1.25))


def _wrap(words: list[str], *, width: float, size: int, weight: str, rtl: bool):
    """Break words into lines no wider than ``width``; None when one word is wider."""
    lines: list[str] = []
    current = ""
    for word in words:
        candidate = f"{current} {word}" if current else word
        if text_width(candidate, size=size, weight=weight, rtl=rtl) <= width:
            current = candidate
            continue
        if not current or text_width(word, size=size, weight=weight, rtl=rtl) > width:
            return None
        lines.append(current)
        current = word
    if current:
        lines.append(current)
    return lines


def fit_text(
    text: str,
    *,
    width: float,
    height: float,
    weight: str,
    max_size: int,
    min_size: int,
    rtl: bool | None = None,
) -> TextBlock:
    """Wrap ``text`` by words at the largest size that fits the box.

    Words are never cut. Text too long for the box even at ``min_size`` keeps the words
    that fit and ends with an ellipsis.
    """
    rtl = is_rtl(text) if rtl is None else rtl
    words = text.split()
    leading = functools.partial(line_height, text)
    for size in range(max_size, min_size - 1, -2):
        lines = _wrap(words, width=width, size=size, weight=weight, rtl=rtl)
        if lines is not None and len(lines) * leading(size) <= height:
            return TextBlock(tuple(lines), size, weight, rtl, leading(size))
    return _shortened(words, width=width, height=height, weight=weight, size=min_size, rtl=rtl)


def _shortened(words, *, width, height, weight, size, rtl) -> TextBlock:
    text = " ".join(words)
    widest = max((text_width(word, size=size, weight=weight, rtl=rtl) for word in words), default=0)
    if widest > width:
        # One word (an address, a long name) wider than the box: smaller, never cut.
        size = max(8, int(size * width / widest))
    leading = line_height(text, size)
    lines = _wrap(words, width=width, size=size, weight=weight, rtl=rtl) or []
    room = max(1, int(height // leading))
    if len(lines) > room:
        kept = lines[:room]
        last = kept[-1].split()
        while True:
            candidate = " ".join(last) + ELLIPSIS
            fits = text_width(candidate, size=size, weight=weight, rtl=rtl) <= width
            if fits or len(last) == 1:
                break
            last.pop()
        kept[-1] = candidate
        lines = kept
    return TextBlock(tuple(lines), size, weight, rtl, leading)


def draw_block(
    draw: ImageDraw.ImageDraw,
    block: TextBlock,
    *,
    box: tuple[float, float, float, float],
    fill,
    align_rtl: bool,
    valign: str = "top",
) -> None:
    """Draw a fitted block in ``box`` (left, top, right, bottom), each line from its start.

    ``align_rtl`` is the card's reading direction: lines start from the right edge.
    """
    left, top, right, bottom = box
    if valign == "bottom":
        top = bottom - block.height
    elif valign == "middle":
        top += (bottom - top - block.height) / 2
    for number, line in enumerate(block.lines):
        # The baseline sits a little below the middle of the line box, where the letters'
        # bodies are centred for both scripts.
        baseline = top + number * block.line_height + block.line_height / 2 + block.size * 0.33
        draw_line(
            draw,
            line,
            start=right if align_rtl else left,
            baseline=baseline,
            size=block.size,
            weight=block.weight,
            fill=fill,
            rtl=block.rtl,
        )


# --- the cards --------------------------------------------------------------------------


def _scale(size: tuple[int, int]):
    factor = size[0] / DESIGN_WIDTH
    return lambda value: round(value * factor)


def draw_mark(canvas: Image.Image, *, x: float, y: float, height: int, from_right: bool) -> None:
    """Draw the outlet's mark, white on its red, with its corner at (x, y)."""
    draw = ImageDraw.Draw(canvas)
    face = font("latin", "bold", round(height * 0.56))
    width = face.getlength(MARK) + height * 0.7
    left = x - width if from_right else x
    draw.rounded_rectangle(
        (left, y, left + width, y + height), radius=round(height * 0.16), fill=ACCENT
    )
    draw.text((left + width / 2, y + height / 2), MARK, font=face, fill=PAPER, anchor="mm")


def _shade(canvas: Image.Image, *, start: int) -> None:
    """Darken the picture towards the bottom, so white text reads over any photograph."""
    width, height = canvas.size
    ramp = Image.linear_gradient("L").resize((width, height - start))
    ramp = ramp.point(lambda value: round(value * 0.86))
    canvas.paste(Image.new("RGB", ramp.size, (0, 0, 0)), (0, start), ramp)
    veil = Image.new("L", canvas.size, 40)
    canvas.paste(Image.new("RGB", canvas.size, (0, 0, 0)), (0, 0), veil)


def article_card(
    *, headline: str, size: tuple[int, int], image: Image.Image | None = None
) -> Image.Image:
    """Draw an article's share image: its picture cropped to fit, headline, outlet mark."""
    require_shaping()
    width, height = size
    s = _scale(size)
    rtl = is_rtl(headline)
    canvas = Image.new("RGB", size, INK)
    if image is not None:
        picture = ImageOps.fit(
            image.convert("RGB"), size, Image.Resampling.LANCZOS, centering=(0.5, 0.4)
        )
        canvas.paste(picture)
        _shade(canvas, start=round(height * 0.2))
    draw = ImageDraw.Draw(canvas)
    margin = s(64)
    draw.rectangle((0, height - s(12), width, height), fill=ACCENT)
    draw_mark(canvas, x=width - margin if rtl else margin, y=s(48), height=s(64), from_right=rtl)
    top = s(150) if image is None else s(200)
    bottom = height - s(12) - s(48)
    block = fit_text(
        headline,
        width=width - 2 * margin,
        height=bottom - top,
        weight="bold",
        max_size=s(66),
        min_size=s(30),
        rtl=rtl,
    )
    draw_block(
        draw,
        block,
        box=(margin, top, width - margin, bottom),
        fill=PAPER,
        align_rtl=rtl,
        valign="bottom" if image is not None else "middle",
    )
    return canvas


def _circle(photo: Image.Image, diameter: int) -> tuple[Image.Image, Image.Image]:
    """Return the photo cropped square and an antialiased round mask for it."""
    square = ImageOps.fit(
        photo.convert("RGB"),
        (diameter, diameter),
        Image.Resampling.LANCZOS,
        centering=(0.5, 0.35),
    )
    mask = Image.new("L", (diameter * 4, diameter * 4), 0)
    ImageDraw.Draw(mask).ellipse((0, 0, diameter * 4 - 1, diameter * 4 - 1), fill=255)
    return square, mask.resize((diameter, diameter), Image.Resampling.LANCZOS)


def quote_card(
    *,
    quote: str,
    name: str,
    role: str,
    size: tuple[int, int],
    photo: Image.Image | None = None,
) -> Image.Image:
    """Draw a quote card: the words, who said them and in what role, the outlet mark."""
    require_shaping()
    width, height = size
    s = _scale(size)
    rtl = is_rtl(quote)
    canvas = Image.new("RGB", size, QUOTE_PAPER)
    draw = ImageDraw.Draw(canvas)
    stripe = s(16)
    draw.rectangle(
        (width - stripe, 0, width, height) if rtl else (0, 0, stripe, height), fill=ACCENT
    )
    margin = s(72)
    left, right = (margin, width - margin - stripe) if rtl else (margin + stripe, width - margin)

    # The opening quotation mark, mirrored for right-to-left reading; placed by its ink,
    # which sits far below the top of the font's line box.
    quote_mark = font("latin", "bold", s(170))
    glyph = "”" if rtl else "“"
    ink_left, ink_top, ink_right, _bottom = quote_mark.getbbox(glyph, anchor="ls")
    x = right - ink_right if rtl else left - ink_left
    draw.text((x, s(52) - ink_top), glyph, font=quote_mark, fill=ACCENT, anchor="ls")

    footer_top = height - s(170)
    block = fit_text(
        quote,
        width=right - left,
        height=footer_top - s(40) - s(150),
        weight="bold",
        max_size=s(52),
        min_size=s(26),
        rtl=rtl,
    )
    draw_block(draw, block, box=(left, s(150), right, footer_top - s(40)), fill=INK, align_rtl=rtl)
    draw.line((left, footer_top, right, footer_top), fill=(222, 222, 227), width=s(2))

    text_start = right if rtl else left
    if photo is not None:
        diameter = s(104)
        square, mask = _circle(photo, diameter)
        canvas.paste(square, (round(right - diameter if rtl else left), footer_top + s(28)), mask)
        text_start = text_start - diameter - s(24) if rtl else text_start + diameter + s(24)

    mark_height = s(56)
    mark_space = s(200)
    line_width = abs(text_start - (left if rtl else right)) - mark_space
    for text, weight, colour, top, max_size in (
        (name, "bold", INK, footer_top + s(24), s(38)),
        (role, "regular", MUTED, footer_top + s(82), s(30)),
    ):
        if not text:
            continue
        line = fit_text(
            text,
            width=line_width,
            height=line_height(text, max_size),
            weight=weight,
            max_size=max_size,
            min_size=s(20),
        )
        edge = text_start - line_width if rtl else text_start
        draw_block(
            draw,
            line,
            box=(edge, top, edge + line_width, top + line.height),
            fill=colour,
            align_rtl=rtl,
        )
    draw_mark(
        canvas,
        x=left if rtl else right,
        y=height - s(48) - mark_height,
        height=mark_height,
        from_right=not rtl,
    )
    return canvas


def to_jpeg(image: Image.Image, *, quality: int = 85) -> bytes:
    """Encode a card as a progressive JPEG with no metadata."""
    output = io.BytesIO()
    image.convert("RGB").save(output, "JPEG", quality=quality, optimize=True, progressive=True)
    return output.getvalue()
