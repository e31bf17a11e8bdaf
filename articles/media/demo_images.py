"""Pictures for demo articles: drawn here, clearly not photographs, and marked as demo.

A new newsroom's front page should look like a real day, pictures included, without
passing anything off as a photograph of real events. So demo articles get one of a few
abstract scenes (a gradient, soft discs, a horizon band), each with "صورة توضيحية —
محتوى تجريبي" / "Demo image" burnt in. They are drawn the same way every time, so each
is stored once, under a name that says what it is; the seed report never gets one.
"""

from django.core.files.storage import default_storage
from PIL import Image, ImageDraw

from articles.media import sharecards
from articles.media.images import encode_clean, ensure_stored

# Part of each picture's name: change it when the drawing changes.
VERSION = 1
SIZE = (800, 450)
ARABIC_MARK = "صورة توضيحية — محتوى تجريبي"
LATIN_MARK = "Demo image"
# (top, bottom) colours of each scene's sky: muted, so the white marks read on them.
PALETTES = (
    ((38, 70, 83), (42, 157, 143)),
    ((94, 48, 35), (199, 123, 48)),
    ((44, 62, 80), (120, 144, 156)),
    ((73, 39, 86), (181, 101, 118)),
    ((31, 64, 104), (88, 129, 87)),
    ((60, 60, 70), (164, 22, 26)),
)
COUNT = len(PALETTES)


def demo_image_name(number: int) -> str:
    """Return the stored name of the picture demo article ``number`` shows."""
    return f"demo/demo-image-v{VERSION}-{number % COUNT}.jpg"


def draw_demo_image(index: int) -> Image.Image:
    """Return scene ``index``: a vertical gradient, three soft discs, a band, the marks."""
    top, bottom = PALETTES[index % COUNT]
    width, height = SIZE
    mask = Image.linear_gradient("L").resize(SIZE)
    canvas = Image.composite(Image.new("RGB", SIZE, bottom), Image.new("RGB", SIZE, top), mask)
    layer = Image.new("RGBA", SIZE, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    for step in range(3):
        radius = 60 + 40 * ((index + step) % 3)
        x = (index * 137 + step * 251) % width
        y = 90 + (index * 53 + step * 97) % (height - 180)
        draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=(255, 255, 255, 38))
    draw.rectangle((0, height - 150, width, height - 110), fill=(255, 255, 255, 30))
    canvas = Image.alpha_composite(canvas.convert("RGBA"), layer).convert("RGB")
    draw = ImageDraw.Draw(canvas)
    draw.rectangle((0, height - 96, width, height), fill=(0, 0, 0))
    sharecards.draw_line(
        draw,
        ARABIC_MARK,
        start=width - 28,
        baseline=height - 52,
        size=30,
        weight="bold",
        fill=(255, 255, 255),
        rtl=True,
    )
    sharecards.draw_line(
        draw,
        LATIN_MARK,
        start=28,
        baseline=height - 20,
        size=22,
        weight="regular",
        fill=(230, 230, 230),
        rtl=False,
    )
    return canvas


def store_demo_images(storage=default_storage) -> dict[int, str]:
    """Store every demo picture not stored yet; return the name of each by index."""
    names = {}
    for index in range(COUNT):
        name = demo_image_name(index)
        ensure_stored(
            storage,
            name,
            lambda index=index: encode_clean(draw_demo_image(index), "JPEG", quality=78),
        )
        names[index] = name
    return names
