"""Images: uploads checked and cleaned, named renditions, share images kept in storage.

Every image the newsroom stores goes through ``validate_and_clean_image``: judged by its
content (JPEG, PNG or WebP; never by its name), refused above 25 MB or 40 megapixels,
decoded in full (a damaged file is refused), turned upright and re-encoded with no
metadata, so a photograph's GPS position never reaches readers. The admin's
``ImageUploadField`` calls it; so must any other path that stores an image.

Renditions (``PRESETS``) and share images are made on first use, kept in the default
storage under names derived from what they show, and found again through the cache, so
each is made once. Only ``open``, ``save``, ``exists`` and ``url`` are used on the
storage: S3-compatible storage works as local disk does.

No model is imported here: the functions read what they need from the objects given.
"""

import hashlib
import io
import json
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePosixPath

from django import forms
from django.conf import settings
from django.contrib.admin.widgets import AdminFileWidget
from django.core import checks
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils.html import escape, format_html, format_html_join
from django.utils.translation import get_language, override
from django.utils.translation import gettext_lazy as _
from PIL import ExifTags, Image, ImageCms, ImageFile, ImageOps, UnidentifiedImageError, features

from articles.media import sharecards
from articles.memos import Memo

logger = logging.getLogger("newsroom.images")

MAX_UPLOAD_MEGABYTES = 25
MAX_UPLOAD_BYTES = MAX_UPLOAD_MEGABYTES * 1024 * 1024
MAX_MEGAPIXELS = 40
MAX_PIXELS = MAX_MEGAPIXELS * 1_000_000

# Pillow's own bomb check (a warning above this, an error above twice this) guards every
# image this process opens, not only uploads; and a truncated file must fail, never be
# padded with grey.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS
ImageFile.LOAD_TRUNCATED_IMAGES = False

# What Pillow may even try to parse: other decoders (TIFF, ICO, GIF...) never see an
# upload. Cameras also write multi-picture JPEGs, which Pillow's JPEG reader opens as MPO.
OPEN_FORMATS = ("JPEG", "PNG", "WEBP")
STORED_FORMAT = {"JPEG": "JPEG", "MPO": "JPEG", "PNG": "PNG", "WEBP": "WEBP"}
SUFFIXES = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp"}
MIME_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
ORIGINAL_QUALITY = 90

MESSAGES = {
    "not_image": _("This file is not a JPEG, PNG or WebP image."),
    "too_large": _("The image is larger than %(megabytes)s MB."),
    "too_many_pixels": _("The image has more than %(megapixels)s megapixels."),
    "damaged": _("The image file is damaged or incomplete."),
    "alt_required": _("Describe the picture for readers who cannot see it."),
}

# How long the cache remembers that a rendition or share image is in storage. Bounded,
# so files removed from the bucket by hand are made again within a day.
STORED_CACHE_SECONDS = 24 * 60 * 60
# A stored file's name is a digest of what it holds, so a file once stored stays as it
# is: each process also remembers, for a while, the names it has seen stored, and asks
# the shared cache (a network round trip, with Redis) once per process, not per page.
SEEN_STORED_SECONDS = 10 * 60
SEEN_STORED_MAX = 10_000
_seen_stored = Memo(
    "images: files this worker has seen stored, with when to look again",
    stale_when="a stored file is deleted: each answer is also trusted for a while only",
    max_size=SEEN_STORED_MAX,
)


# --- uploads ----------------------------------------------------------------------------


def _refuse(code: str, **params) -> ValidationError:
    return ValidationError(MESSAGES[code], code=code, params=params or None)


def _too_many_pixels() -> ValidationError:
    return _refuse("too_many_pixels", megapixels=MAX_MEGAPIXELS)


def _upload_size(upload) -> int:
    size = getattr(upload, "size", None)
    if size is not None:
        return size
    upload.seek(0, io.SEEK_END)
    size = upload.tell()
    upload.seek(0)
    return size


def _read_limited(upload) -> bytes:
    """Return the upload's bytes, refusing it before decoding when it is too large."""
    if _upload_size(upload) > MAX_UPLOAD_BYTES:
        raise _refuse("too_large", megabytes=MAX_UPLOAD_MEGABYTES)
    upload.seek(0)
    data = upload.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise _refuse("too_large", megabytes=MAX_UPLOAD_MEGABYTES)
    if not data:
        raise ValidationError(forms.FileField.default_error_messages["empty"], code="empty")
    return data


def _to_srgb(image: Image.Image) -> Image.Image:
    """Convert colours to sRGB before the ICC profile is dropped, so they do not shift.

    A broken profile is dropped as it is: it is metadata, and the pixels are sound.
    """
    profile = image.info.get("icc_profile")
    if not profile or image.mode not in {"RGB", "RGBA", "CMYK"}:
        return image
    try:
        return ImageCms.profileToProfile(
            image,
            ImageCms.ImageCmsProfile(io.BytesIO(profile)),
            ImageCms.createProfile("sRGB"),
            outputMode="RGBA" if image.mode == "RGBA" else "RGB",
        )
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return image


def _upright(image: Image.Image) -> Image.Image:
    """Return a copy turned as its EXIF orientation says; as it is when EXIF is unreadable.

    Unreadable EXIF is metadata about to be dropped, not a reason to refuse the picture.
    """
    try:
        return ImageOps.exif_transpose(image)
    except Exception:
        return image.copy()


def _storable(image: Image.Image, stored_format: str) -> Image.Image:
    """Return the picture in a mode its format stores."""
    has_alpha = image.mode in {"RGBA", "LA", "PA"} or "transparency" in image.info
    if stored_format == "JPEG":
        return image if image.mode in {"L", "RGB"} else image.convert("RGB")
    if stored_format == "WEBP":
        if image.mode in {"RGB", "RGBA"}:
            return image
        return image.convert("RGBA" if has_alpha else "RGB")
    if image.mode in {"1", "L", "LA", "P", "RGB", "RGBA", "I;16"}:
        return image
    return image.convert("RGBA" if has_alpha else "RGB")


def encode_clean(image: Image.Image, stored_format: str, *, quality: int) -> bytes:
    """Encode ``image`` with its pixels only: no EXIF, XMP, IPTC, ICC, comment or text.

    Pillow's JPEG writer copies the source's comment and its PNG writer the source's
    ICC profile unless told otherwise, so the picture's own metadata is emptied first.
    """
    transparency = image.info.get("transparency")
    image.info = {} if transparency is None else {"transparency": transparency}
    output = io.BytesIO()
    if stored_format == "JPEG":
        image.save(output, "JPEG", quality=quality, optimize=True, progressive=True)
    elif stored_format == "WEBP":
        image.save(output, "WEBP", quality=quality, method=4)
    else:
        image.save(output, "PNG", optimize=False, compress_level=6)
    return output.getvalue()


def validate_and_clean_image(upload) -> ContentFile:
    """Check an uploaded image and return it cleaned, ready to store.

    Raise ``ValidationError`` with a translated message for anything that is not a
    sound JPEG, PNG or WebP within the limits. The result holds the picture upright
    (its EXIF orientation applied) and nothing else: no metadata survives, and neither
    does anything appended to or hidden in the file (polyglots). Its name is only a
    suffix matching its real format; storage names are generated by the model.
    """
    data = _read_limited(upload)
    try:
        image = Image.open(io.BytesIO(data), formats=OPEN_FORMATS)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_many_pixels() from None
    except UnidentifiedImageError:
        raise _refuse("not_image") from None
    except Exception as error:
        # Pillow's parsers raise many kinds of errors on hostile headers; all mean the
        # same to the person uploading.
        raise _refuse("damaged") from error
    with image:
        if image.format not in STORED_FORMAT:
            raise _refuse("not_image")
        width, height = image.size
        # Judged on the header, before a single pixel is decoded.
        if width * height > MAX_PIXELS:
            raise _too_many_pixels()
        try:
            image.load()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise _too_many_pixels() from None
        except Exception as error:
            raise _refuse("damaged") from error
        stored_format = STORED_FORMAT[image.format]
        upright = _upright(image)
    picture = _storable(_to_srgb(upright), stored_format)
    content = encode_clean(picture, stored_format, quality=ORIGINAL_QUALITY)
    return ContentFile(content, name=f"image{SUFFIXES[stored_format]}")


class ImageUploadField(forms.ImageField):
    """An image input that stores only what ``validate_and_clean_image`` returns.

    The upload's name plays no part: neither the file-extension check of Django's
    ``ImageField`` nor its length limit (the stored name is generated).
    """

    default_validators = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.max_length = None

    def to_python(self, data):
        # FileField's checks (no file, empty file), without ImageField's own opening of
        # the file with Pillow: the bomb and format checks must come first.
        upload = forms.FileField.to_python(self, data)
        if upload is None:
            return None
        return validate_and_clean_image(upload)

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        if isinstance(widget, forms.FileInput):
            attrs["accept"] = ",".join(MIME_TYPES.values())
        return attrs


class ImagePreviewWidget(AdminFileWidget):
    """The admin's file input, with a thumbnail of the image already stored."""

    def render(self, name, value, attrs=None, renderer=None):
        html = super().render(name, value, attrs, renderer)
        if not (value and getattr(value, "url", None) and getattr(value, "instance", None)):
            return html
        try:
            preview = picture_html(
                value, preset="thumbnail", alt=_("Current image"), display_width=240
            )
        except Exception:
            logger.exception("No preview for %s", value.name)
            return html
        return format_html('<p class="image-preview">{}</p>{}', preview, html)


class ImageAltTextFormMixin:
    """Refuse a form that sets a picture without saying what it shows.

    The alternative text is required in the original language, and in any other
    language the content is written in (its ``title_<code>`` is filled).
    """

    image_alt_fields = {"lead_image": "lead_image_alt"}
    language_marker = "title"

    def clean(self):
        cleaned = super().clean()
        default = settings.MODELTRANSLATION_DEFAULT_LANGUAGE
        languages = [
            code
            for code, _name in settings.LANGUAGES
            if code == default or (cleaned.get(f"{self.language_marker}_{code}") or "").strip()
        ]
        for image_field, alt_field in self.image_alt_fields.items():
            if not cleaned.get(image_field):
                continue
            for code in languages:
                name = f"{alt_field}_{code}"
                if name in self.fields and not (cleaned.get(name) or "").strip():
                    self.add_error(name, _refuse("alt_required"))
        return cleaned


# --- renditions -------------------------------------------------------------------------

# Part of every rendition's name: change it to make every rendition afresh.
RENDITION_VERSION = 1


@dataclass(frozen=True)
class Preset:
    """A named way of showing pictures: the widths made, the crop, formats and quality."""

    name: str
    widths: tuple[int, ...]
    sizes: str
    ratio: tuple[int, int] | None = None
    formats: tuple[str, ...] = ("WEBP", "JPEG")
    quality: int = 80

    @property
    def key(self) -> str:
        """Return a short digest of what the renditions look like, for their names."""
        spec = repr((RENDITION_VERSION, self.ratio, self.formats, self.quality))
        return hashlib.sha256(spec.encode()).hexdigest()[:8]

    @property
    def size(self) -> tuple[int, int]:
        """Return the largest rendition's size for a cropped preset."""
        width = max(self.widths)
        if self.ratio is None:
            raise ValueError(f"The {self.name} preset keeps each picture's own proportions.")
        return width, round(width * self.ratio[1] / self.ratio[0])


PRESETS = {
    preset.name: preset
    for preset in (
        Preset("thumbnail", (240, 480), sizes="240px", quality=75),
        Preset(
            "card",
            (320, 480, 640),
            sizes="(min-width: 64rem) 20rem, (min-width: 40rem) 45vw, calc(100vw - 2rem)",
            ratio=(16, 9),
        ),
        # The article column is 42rem wide; phones show the picture edge to edge.
        Preset("hero", (480, 800, 1200), sizes="(min-width: 44rem) 42rem, calc(100vw - 2rem)"),
        # What WhatsApp, Telegram and Facebook show: 1.91:1, JPEG (not every app reads WebP).
        Preset("social", (1200,), sizes="1200px", ratio=(1200, 630), formats=("JPEG",), quality=85),
    )
}


@dataclass(frozen=True)
class Rendition:
    name: str
    width: int
    height: int
    format: str

    @property
    def mime_type(self) -> str:
        return MIME_TYPES[self.format]


def _crop_size(size: tuple[int, int], ratio: tuple[int, int] | None) -> tuple[int, int]:
    width, height = size
    if ratio is None:
        return width, height
    if width * ratio[1] > height * ratio[0]:
        return max(1, round(height * ratio[0] / ratio[1])), height
    return width, max(1, round(width * ratio[1] / ratio[0]))


def plan_renditions(original_name: str, size: tuple[int, int], preset: Preset) -> list[Rendition]:
    """Return the renditions of a picture, smallest first, none wider than the original."""
    crop_width, crop_height = _crop_size(size, preset.ratio)
    widths = sorted(width for width in preset.widths if width <= crop_width)
    # A picture between two widths is also served whole, unless it is barely wider than
    # the last width kept (a 500-pixel picture gains nothing on the 480 rendition).
    if not widths or (crop_width < max(preset.widths) and crop_width >= widths[-1] * 1.2):
        widths.append(crop_width)
    stem = PurePosixPath(original_name).with_suffix("")
    renditions = []
    for width in widths:
        if preset.ratio:
            height = max(1, round(width * preset.ratio[1] / preset.ratio[0]))
        else:
            height = max(1, round(width * crop_height / crop_width))
        for stored_format in preset.formats:
            suffix = SUFFIXES[stored_format]
            renditions.append(
                Rendition(
                    f"renditions/{stem}/{preset.name}-{preset.key}-{width}{suffix}",
                    width,
                    height,
                    stored_format,
                )
            )
    return renditions


def _cache_key(storage, name: str) -> str:
    # Two storages (two buckets, or two test runs' folders) never share an answer.
    where = [
        type(storage).__name__,
        str(getattr(storage, "bucket_name", "")),
        str(getattr(storage, "location", "")),
    ]
    digest = hashlib.sha256(json.dumps([*where, name]).encode()).hexdigest()
    return f"images:stored:{digest}"


def _save_exact(storage, name: str, content: bytes) -> None:
    """Store ``content`` under exactly ``name``, once."""
    if storage.exists(name):
        return
    saved = storage.save(name, ContentFile(content))
    if saved != name:
        # Another process stored the same file meanwhile; the storage kept both.
        storage.delete(saved)


def _known_stored(key: str) -> bool:
    """Tell whether this process or the shared cache has seen the file of ``key`` stored."""
    expiry = _seen_stored.get(key)
    if expiry is not None and expiry > time.monotonic():
        return True
    if cache.get(key):
        _remember_stored(key, shared=False)
        return True
    return False


def _remember_stored(key: str, *, shared: bool = True) -> None:
    if shared:
        cache.set(key, True, STORED_CACHE_SECONDS)
    _seen_stored.set(key, time.monotonic() + SEEN_STORED_SECONDS)


def forget_stored() -> None:
    """Forget the files this process has seen stored, as a restart does."""
    _seen_stored.clear()
    _pictures.clear()


def ensure_stored(storage, name: str, produce: Callable[[], bytes]) -> None:
    """Make sure ``name`` is in ``storage``, calling ``produce`` only when it is not."""
    key = _cache_key(storage, name)
    if _known_stored(key):
        return
    if not storage.exists(name):
        _save_exact(storage, name, produce())
    _remember_stored(key)


def original_size(field_file) -> tuple[int, int]:
    """Return a stored image's size from its model's width and height fields.

    Only an image stored without them (none is, through the model) is opened to learn it.
    A plain value that carries its own size (a list's card picture) gives it.
    """
    field = getattr(field_file, "field", None)
    if field is None:
        return field_file.width, field_file.height
    instance = field_file.instance
    width = getattr(instance, field.width_field, None) if field.width_field else None
    height = getattr(instance, field.height_field, None) if field.height_field else None
    if width and height:
        return width, height
    return field_file.width, field_file.height


def _open_stored(storage, name: str) -> Image.Image:
    with storage.open(name, "rb") as handle:
        data = handle.read()
    return Image.open(io.BytesIO(data), formats=OPEN_FORMATS)


def _reduced_decode(image: Image.Image, size: tuple[int, int], ratio) -> None:
    """Let a JPEG decode at a fraction of its size when the renditions are much smaller."""
    width, height = image.size
    crop_width, crop_height = _crop_size((width, height), ratio)
    scale = max(size[0] / crop_width, size[1] / crop_height)
    wanted = (math.ceil(width * scale), math.ceil(height * scale))
    if image.getexif().get(ExifTags.Base.Orientation, 1) in {5, 6, 7, 8}:
        wanted = wanted[::-1]
    image.draft(None, wanted)


def _web_mode(image: Image.Image) -> Image.Image:
    has_alpha = image.mode in {"RGBA", "LA", "PA"} or "transparency" in image.info
    wanted = "RGBA" if has_alpha else "RGB"
    return image if image.mode == wanted else image.convert(wanted)


def _flatten(image: Image.Image) -> Image.Image:
    """Return the picture on white, for formats with no transparency."""
    if image.mode != "RGBA":
        return image
    background = Image.new("RGB", image.size, (255, 255, 255))
    background.paste(image, mask=image.getchannel("A"))
    return background


def _generate(storage, original_name: str, preset: Preset, renditions: list[Rendition]) -> None:
    largest = renditions[-1]
    with _open_stored(storage, original_name) as image:
        _reduced_decode(image, (largest.width, largest.height), preset.ratio)
        image.load()
        picture = _web_mode(_upright(image))
    if preset.ratio:
        picture = ImageOps.fit(picture, (largest.width, largest.height), Image.Resampling.LANCZOS)
    # Largest last: its presence tells that all the others are there.
    for rendition in renditions:
        size = (rendition.width, rendition.height)
        resized = (
            picture
            if picture.size == size
            else picture.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)
        )
        if rendition.format == "JPEG":
            resized = _flatten(resized)
        _save_exact(
            storage, rendition.name, encode_clean(resized, rendition.format, quality=preset.quality)
        )


def ensure_renditions(field_file, preset_name: str) -> list[Rendition]:
    """Return the renditions of a stored image for a preset, making them the first time."""
    preset = PRESETS[preset_name]
    storage = field_file.storage
    renditions = plan_renditions(field_file.name, original_size(field_file), preset)
    marker = renditions[-1].name
    key = _cache_key(storage, marker)
    if not _known_stored(key):
        if not storage.exists(marker):
            _generate(storage, field_file.name, preset, renditions)
        _remember_stored(key)
    return renditions


# The markup of a picture, but for its alt text: a list of twenty cards would otherwise
# plan, name and address 140 renditions on every uncached page.
_pictures = Memo(
    "images: a picture's markup for a preset, but for its alt text, with when to look again",
    stale_when="a rendition is deleted from storage: trusted as long as _seen_stored is",
    max_size=SEEN_STORED_MAX,
)


def picture_html(
    field_file,
    *,
    preset: str,
    alt: str,
    loading: str = "lazy",
    sizes: str | None = None,
    display_width: int | None = None,
    css_class: str = "",
) -> str:
    """Return a ``<picture>``: WebP sources, a JPEG ``<img>`` with its size and srcset.

    ``width`` and ``height`` give the browser the picture's proportions before it
    arrives, so nothing on the page moves when it does. A picture above the fold is
    loaded eagerly and first (``loading="eager"``); all others only when scrolled to.
    The markup is remembered for a while (the renditions it names are in storage).
    """
    storage = field_file.storage
    key = (
        type(storage).__name__,
        str(getattr(storage, "location", "")),
        str(getattr(storage, "bucket_name", "")),
        field_file.name,
        original_size(field_file),
        preset,
        loading,
        sizes,
        display_width,
        css_class,
    )
    kept = _pictures.get(key)
    if kept is None or kept[0] <= time.monotonic():
        markup = _picture_markup(
            field_file,
            preset=preset,
            loading=loading,
            sizes=sizes,
            display_width=display_width,
            css_class=css_class,
        )
        kept = (time.monotonic() + SEEN_STORED_SECONDS, *markup)
        _pictures.set(key, kept)
    # The markup before and after the alt text, both made by format_html; the alt escaped
    # (escaped text joined to safe markup stays safe, as format_html would make it).
    return kept[1] + escape(alt) + kept[2]


def _picture_markup(field_file, *, preset, loading, sizes, display_width, css_class):
    """Return ``picture_html``'s markup before and after its alt text."""
    renditions = ensure_renditions(field_file, preset)
    storage = field_file.storage
    sizes = sizes or PRESETS[preset].sizes
    fallback = [r for r in renditions if r.format == "JPEG"] or renditions
    largest = fallback[-1]
    width = display_width or largest.width
    height = round(width * largest.height / largest.width)
    sources = format_html_join(
        "",
        '<source type="{}" srcset="{}" sizes="{}">',
        (
            (MIME_TYPES[stored_format], _srcset(storage, group), sizes)
            for stored_format in PRESETS[preset].formats
            if stored_format != largest.format
            and (group := [r for r in renditions if r.format == stored_format])
        ),
    )
    eager = loading == "eager"
    head = format_html(
        '<picture>{}<img src="{}" srcset="{}" sizes="{}" width="{}" height="{}" alt="',
        sources,
        storage.url(fallback[len(fallback) // 2].name),
        _srcset(storage, fallback),
        sizes,
        width,
        height,
    )
    tail = format_html(
        '"{} loading="{}" decoding="async"{}></picture>',
        format_html(' class="{}"', css_class) if css_class else "",
        "eager" if eager else "lazy",
        format_html(' fetchpriority="{}"', "high") if eager else "",
    )
    return head, tail


def smallest_rendition_url(field_file, preset: str, stored_format: str = "JPEG") -> str:
    """Return the URL of a stored image's smallest rendition for ``preset``: what a
    reader who chose to load one picture on a throttled link gets (JPEG by default,
    which every browser opens on its own)."""
    renditions = ensure_renditions(field_file, preset)
    chosen = [r for r in renditions if r.format == stored_format] or renditions
    return field_file.storage.url(chosen[0].name)


def _srcset(storage, renditions: list[Rendition]) -> str:
    return ", ".join(f"{storage.url(r.name)} {r.width}w" for r in renditions)


# --- share images -----------------------------------------------------------------------

# Part of every share image's name: change it when the drawing changes, so every article
# and quote gets a new image (and social networks, which cache by address, show it).
SHARE_IMAGE_VERSION = 1


@dataclass(frozen=True)
class StoredImage:
    name: str
    url: str
    width: int
    height: int
    mime_type: str = "image/jpeg"


def _share_name(kind: str, *parts: str) -> str:
    digest = hashlib.sha256(json.dumps([SHARE_IMAGE_VERSION, *parts]).encode()).hexdigest()
    return f"share/{kind}/{digest[:32]}.jpg"


def _picture_or_none(field_file) -> Image.Image | None:
    """Return the stored picture a card shows, or None when there is none.

    A picture that cannot be read raises: a card stored without it would keep a name
    that says it shows it, and would never be drawn again.
    """
    if not field_file:
        return None
    with _open_stored(field_file.storage, field_file.name) as image:
        image.load()
        return _upright(image)


def draw_article_share_image(article, *, language: str) -> Image.Image:
    """Draw an article's share image in ``language``: picture, headline, outlet mark."""
    with override(language):
        headline = article.title
    return sharecards.article_card(
        headline=headline,
        size=PRESETS["social"].size,
        image=_picture_or_none(article.lead_image),
    )


def draw_quote_card(quote, *, language: str) -> Image.Image:
    """Draw a quote's card in ``language``: the words, the expert's name and role, mark."""
    with override(language):
        text, name, role = quote.text, quote.expert.full_name, quote.expert.role
    return sharecards.quote_card(
        quote=text,
        name=name,
        role=role,
        size=PRESETS["social"].size,
        photo=_picture_or_none(quote.expert.photo),
    )


def _stored_share_image(name: str, draw: Callable[[], Image.Image]) -> StoredImage:
    quality = PRESETS["social"].quality
    ensure_stored(default_storage, name, lambda: sharecards.to_jpeg(draw(), quality=quality))
    width, height = PRESETS["social"].size
    return StoredImage(name, default_storage.url(name), width, height)


def article_share_image(article, *, language: str | None = None) -> StoredImage:
    """Return the article's share image, drawing it when its headline or picture changed.

    The name is a digest of everything drawn, so a new headline is a new file: drawn on
    first use, and never confused with the old one by a network's cache.
    """
    language = language or get_language()
    with override(language):
        headline = article.title
    name = _share_name("articles", language, headline, article.lead_image.name or "")
    return _stored_share_image(name, lambda: draw_article_share_image(article, language=language))


def quote_card_image(quote, *, language: str | None = None) -> StoredImage:
    """Return the quote's card, drawing it when the quote, name, role or photo changed."""
    language = language or get_language()
    expert = quote.expert
    with override(language):
        parts = (quote.text, expert.full_name, expert.role)
    name = _share_name("quotes", language, *parts, expert.photo.name or "")
    return _stored_share_image(name, lambda: draw_quote_card(quote, language=language))


# --- start-up check ---------------------------------------------------------------------


@checks.register(checks.Tags.compatibility)
def check_image_support(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """Fail loudly where share images would be drawn wrong or renditions not made."""
    errors = []
    if not sharecards.shaping_available():
        errors.append(
            checks.Error(
                "Pillow cannot shape Arabic text: its raqm layout engine is unavailable, "
                "so share images would show unjoined letters in reverse order.",
                hint="Install FriBiDi (Debian: apt-get install libfribidi0) and restart.",
                id="articles.E101",
            )
        )
    if not features.check("webp"):
        errors.append(
            checks.Error(
                "Pillow was built without WebP: image renditions cannot be made.",
                hint="Install Pillow from its wheel (requirements.txt).",
                id="articles.E102",
            )
        )
    missing = sharecards.missing_fonts()
    if missing:
        errors.append(
            checks.Error(
                f"The fonts for share images are missing: {', '.join(missing)}.",
                hint=f"They ship in {sharecards.FONT_DIR}.",
                id="articles.E103",
            )
        )
    return errors
