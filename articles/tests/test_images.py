"""Images as staff upload them and readers receive them: hostile files refused, no
metadata kept, renditions made once, and the share image named for social networks.

Every file here is made by the test itself; media go to a temporary folder.
"""

import io
import re
import struct
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from PIL import ExifTags, Image, ImageCms, ImageOps, PngImagePlugin

from articles.media import images
from articles.models import Article, Expert
from articles.tests.factories import make_article, make_section
from articles.tests.signin import sign_in
from articles.tests.test_browser import browser, chromium, page  # noqa: F401 (fixtures, by name)
from staff import roles

pytestmark = pytest.mark.django_db

STORED_NAME = re.compile(r"^articles/\d{4}/\d{2}/[0-9a-f]{32}\.(jpg|png|webp)$")


# --- files ------------------------------------------------------------------------------


def photo(size=(640, 480), mode="RGB") -> Image.Image:
    """Return a picture with detail in it (a flat one would hide resampling mistakes)."""
    image = Image.radial_gradient("L").resize(size).convert(mode)
    image.paste((200, 30, 30) if mode == "RGB" else 128, (0, 0, size[0] // 2, size[1] // 3))
    return image


def encoded(image: Image.Image, image_format: str, **params) -> bytes:
    output = io.BytesIO()
    image.save(output, image_format, **params)
    return output.getvalue()


def jpeg(size=(640, 480), **params) -> bytes:
    return encoded(photo(size), "JPEG", quality=90, **params)


def gps_exif() -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Canon"
    exif[ExifTags.Base.Model] = "EOS R6"
    exif[ExifTags.Base.Artist] = "Source in Raqqa"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (35.0, 57.0, 1.5)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (39.0, 0.0, 43.2)
    return exif


XMP = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/'
    b'22-rdf-syntax-ns#"><rdf:Description exif:GPSLatitude="35,57.025N"/></rdf:RDF>'
    b"</x:xmpmeta>"
)
SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def with_jpeg_segment(data: bytes, marker: int, payload: bytes) -> bytes:
    """Insert an APPn segment (IPTC lives in APP13) right after the JPEG's start marker."""
    segment = bytes([0xFF, marker]) + struct.pack(">H", len(payload) + 2) + payload
    return data[:2] + segment + data[2:]


IPTC = b"Photoshop 3.0\x008BIM\x04\x04\x00\x00\x00\x00\x00\x13\x1c\x02x\x00\x0fsecret-source-1"


def gif_javascript_polyglot() -> bytes:
    """Return a real GIF that is also valid JavaScript: ``GIF89a/*…*/=alert(1);``."""
    return (
        b"GIF89a/*"  # header, then a screen width of 0x2A2F that opens a JS comment
        + b"\x0a\x00\x80\x00\x00"  # height 10, a two-colour palette
        + b"\x00\x00\x00\xff\xff\xff"
        + b"\x2c\x00\x00\x00\x00\x01\x00\x01\x00\x00"  # one 1×1 image
        + b"\x02\x02\x44\x01\x00"
        + b"\x3b"  # end of the GIF
        + b"*/=alert(document.cookie);"
    )


def bomb(size) -> bytes:
    """Return a small PNG that decodes to ``size`` pixels."""
    return encoded(Image.new("1", size), "PNG")


def zip_archive() -> bytes:
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w") as archive:
        archive.writestr("payload.js", "alert(1)")
    return output.getvalue()


def upload(name: str, content: bytes, content_type="image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


# --- fixtures ---------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    """Keep every stored file in a temporary folder, never in the repository."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    return settings.MEDIA_ROOT


@pytest.fixture
def editor(client):
    user = get_user_model().objects.create_user(
        username="editor", password="a-long-test-password", is_staff=True
    )
    user.groups.add(Group.objects.get(name=roles.EDITOR))
    sign_in(client, user)
    return client


@pytest.fixture
def section():
    return make_section()


def article_form(section, **fields) -> dict:
    """Return what the admin's add form posts for a new article."""
    return {
        "title_ar": "جسر الرقة بعد القصف",
        "body_ar": "<p>نص الخبر.</p>",
        "source_ar": "SY24",
        "section": section.pk,
        "lead_image_alt_ar": "جسر مدمر فوق نهر الفرات",
        "quotes-TOTAL_FORMS": "0",
        "quotes-INITIAL_FORMS": "0",
        "corrections-TOTAL_FORMS": "0",
        "corrections-INITIAL_FORMS": "0",
        **fields,
    }


def post_article(client, section, image, **fields):
    return client.post(
        reverse("admin:articles_article_add"), article_form(section, lead_image=image, **fields)
    )


def stored_files(root: Path) -> list[Path]:
    return sorted(path for path in root.rglob("*") if path.is_file()) if root.exists() else []


def message(code: str, **params) -> str:
    """Return an error message as the Arabic admin shows it, escaped as in the page."""
    text = str(images.MESSAGES[code])
    return escape(text % params if params else text)


def article_with_image(content: bytes, name="photo.jpg", **fields) -> Article:
    """Store a picture the way every path must: through ``validate_and_clean_image``."""
    fields.setdefault("lead_image_alt_ar", "صورة للاختبار")
    article = make_article(**fields)
    cleaned = images.validate_and_clean_image(upload(name, content))
    article.lead_image.save(cleaned.name, cleaned)
    return article


# --- hostile uploads --------------------------------------------------------------------

REFUSED = [
    pytest.param(
        "bomb.png", lambda: bomb((10_000, 10_000)), "too_many_pixels", id="decompression-bomb"
    ),
    pytest.param(
        "just-under-pillow-limit.png",
        lambda: bomb((8_000, 6_000)),
        "too_many_pixels",
        id="48-megapixels",
    ),
    pytest.param("cut.jpg", lambda: jpeg()[: len(jpeg()) * 2 // 3], "damaged", id="truncated-jpeg"),
    pytest.param(
        "chart.svg",
        lambda: b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        "not_image",
        id="svg-with-script",
    ),
    pytest.param(
        "photo.jpg",
        lambda: b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>",
        "not_image",
        id="html-renamed-jpg",
    ),
    pytest.param("photo.gif", gif_javascript_polyglot, "not_image", id="gif-javascript-polyglot"),
    pytest.param("photo.png", zip_archive, "not_image", id="zip-archive"),
    pytest.param("photo.jpg", lambda: encoded(photo(), "TIFF"), "not_image", id="tiff-renamed-jpg"),
    pytest.param(
        "huge.jpg",
        lambda: jpeg()[:-2] + b"\0" * (26 * 1024 * 1024),
        "too_large",
        id="larger-than-25-mb",
    ),
]
PARAMS = {"too_many_pixels": {"megapixels": 40}, "too_large": {"megabytes": 25}}


@pytest.mark.parametrize(("name", "make", "code"), REFUSED)
def test_hostile_upload_is_refused_with_its_message(editor, section, media, name, make, code):
    response = post_article(editor, section, upload(name, make()))

    assert response.status_code == 200
    assert message(code, **PARAMS.get(code, {})) in response.content.decode()
    assert not Article.objects.exists()
    assert stored_files(media) == []


def test_gif_javascript_polyglot_really_is_both():
    """The polyglot above is a GIF Pillow opens, and its bytes run as JavaScript."""
    data = gif_javascript_polyglot()

    assert Image.open(io.BytesIO(data)).format == "GIF"
    assert data.startswith(b"GIF89a/*") and data.endswith(b"*/=alert(document.cookie);")


def test_empty_upload_is_refused_with_djangos_message(editor, section, media):
    response = post_article(editor, section, upload("empty.jpg", b""))

    assert response.status_code == 200
    assert "الملف الذي قمت بإرساله فارغ." in response.content.decode()
    assert not Article.objects.exists()


def test_upload_named_with_arabic_letters_and_dot_dot_is_stored_under_a_generated_name(
    editor, section, media, tmp_path
):
    response = post_article(editor, section, upload("../../../صورة من الحسكة ../.jpg", jpeg()))

    assert response.status_code == 302
    article = Article.objects.get()
    assert STORED_NAME.match(article.lead_image.name), article.lead_image.name
    files = stored_files(tmp_path)
    assert files == [media / article.lead_image.name]
    assert (article.lead_image_width, article.lead_image_height) == (640, 480)


def test_suffix_comes_from_the_content_not_the_name(editor, section):
    response = post_article(editor, section, upload("photo.jpg", encoded(photo(), "PNG")))

    assert response.status_code == 302
    assert Article.objects.get().lead_image.name.endswith(".png")


def test_cameras_multi_picture_jpeg_is_stored_as_a_plain_jpeg(editor, section, media):
    source = encoded(photo(), "MPO", save_all=True, append_images=[photo((320, 240))])
    assert Image.open(io.BytesIO(source)).format == "MPO"

    response = post_article(editor, section, upload("DSCF0001.JPG", source))

    assert response.status_code == 302
    stored = Image.open(media / Article.objects.get().lead_image.name)
    assert (stored.format, getattr(stored, "n_frames", 1)) == ("JPEG", 1)


def test_image_with_no_alternative_text_is_refused(editor, section):
    response = post_article(editor, section, upload("photo.jpg", jpeg()), lead_image_alt_ar="")

    assert response.status_code == 200
    assert message("alt_required") in response.content.decode()
    assert not Article.objects.exists()


def test_english_article_needs_english_alternative_text(editor, section):
    response = post_article(
        editor,
        section,
        upload("photo.jpg", jpeg()),
        title_en="The Raqqa bridge after the strike",
        body_en="<p>Text.</p>",
    )

    content = response.content.decode()
    assert response.status_code == 200
    assert re.search(r'name="lead_image_alt_en"', content)
    assert content.count(message("alt_required")) == 1
    assert not Article.objects.exists()


def test_article_without_an_image_needs_no_alternative_text(editor, section):
    response = editor.post(
        reverse("admin:articles_article_add"), article_form(section, lead_image_alt_ar="")
    )

    assert response.status_code == 302


def test_file_input_offers_only_the_accepted_formats(editor):
    content = editor.get(reverse("admin:articles_article_add")).content.decode()

    field = re.search(r'<input[^>]*name="lead_image"[^>]*>', content).group(0)
    assert 'accept="image/jpeg,image/png,image/webp"' in field


# --- metadata ---------------------------------------------------------------------------


def assert_no_metadata(stored: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(stored))
    assert not image.getexif()
    assert not set(image.info) & {"exif", "xmp", "icc_profile", "comment", "photoshop"}
    assert b"Exif" not in stored and b"GPS" not in stored
    assert b"secret-source" not in stored and b"xmpmeta" not in stored
    return image


def test_jpeg_with_gps_is_stored_with_no_exif_at_all(editor, section, media):
    source = with_jpeg_segment(
        jpeg(exif=gps_exif(), xmp=XMP, comment=b"Shot near the front", icc_profile=SRGB),
        0xED,
        IPTC,
    )
    original = Image.open(io.BytesIO(source))
    assert original.getexif().get_ifd(ExifTags.IFD.GPSInfo)  # the test file really has GPS
    assert {"xmp", "comment", "icc_profile"} <= set(original.info)

    response = post_article(editor, section, upload("IMG_2041.JPG", source))

    assert response.status_code == 302
    article = Article.objects.get()
    stored = (media / article.lead_image.name).read_bytes()
    assert_no_metadata(stored)
    assert b"Shot near the front" not in stored


def test_photo_is_turned_upright_before_its_orientation_is_dropped(editor, section, media):
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6  # the camera was held on its side
    source = jpeg(size=(600, 400), exif=exif)
    expected = ImageOps.exif_transpose(Image.open(io.BytesIO(source))).convert("RGB")

    post_article(editor, section, upload("side.jpg", source))

    article = Article.objects.get()
    stored = Image.open(media / article.lead_image.name)
    assert stored.size == (400, 600)
    assert (article.lead_image_width, article.lead_image_height) == (400, 600)
    assert not stored.getexif()
    for point in [(20, 20), (380, 20), (20, 580), (380, 580)]:
        got, want = stored.convert("RGB").getpixel(point), expected.getpixel(point)
        assert all(abs(a - b) < 24 for a, b in zip(got, want, strict=True)), point


def test_png_loses_its_text_chunks_exif_and_profile(editor, section, media):
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "Raqqa, 35.95N 39.01E")
    info.add_text("Author", "secret-source-2", zip=True)
    info.add_itxt("XML:com.adobe.xmp", XMP.decode())
    source = encoded(photo(mode="RGB"), "PNG", pnginfo=info, exif=gps_exif(), icc_profile=SRGB)

    post_article(editor, section, upload("screen.png", source, "image/png"))

    stored = (media / Article.objects.get().lead_image.name).read_bytes()
    image = assert_no_metadata(stored)
    assert image.format == "PNG"
    assert not image.text
    assert not any(chunk in stored for chunk in (b"tEXt", b"zTXt", b"iTXt", b"eXIf", b"iCCP"))


def test_webp_loses_its_exif_and_xmp(editor, section, media):
    source = encoded(photo(), "WEBP", exif=gps_exif(), xmp=XMP, icc_profile=SRGB)

    post_article(editor, section, upload("phone.webp", source, "image/webp"))

    stored = (media / Article.objects.get().lead_image.name).read_bytes()
    assert assert_no_metadata(stored).format == "WEBP"
    assert not any(chunk in stored for chunk in (b"EXIF", b"XMP ", b"ICCP"))


def test_anything_hidden_in_or_after_a_jpeg_is_dropped(editor, section, media):
    source = jpeg(comment=b"<script>alert(1)</script>") + b"<html><script>alert(2)</script>"

    response = post_article(editor, section, upload("photo.jpg", source))

    assert response.status_code == 302
    stored = (media / Article.objects.get().lead_image.name).read_bytes()
    assert b"<script" not in stored
    assert stored.endswith(b"\xff\xd9")


def test_expert_photo_goes_through_the_same_cleaning(editor, media):
    response = editor.post(
        reverse("admin:articles_expert_add"),
        {
            "name_ar": "نورس العرفي",
            "slug": "nawras",
            "photo": upload("nawras.jpg", jpeg(exif=gps_exif())),
        },
    )

    assert response.status_code == 302
    expert = Expert.objects.get(slug="nawras")
    assert re.match(r"^experts/\d{4}/\d{2}/[0-9a-f]{32}\.jpg$", expert.photo.name)
    assert_no_metadata((media / expert.photo.name).read_bytes())


def test_expert_form_refuses_an_svg_photo(editor, media):
    response = editor.post(
        reverse("admin:articles_expert_add"),
        {"name_ar": "خبير", "slug": "svg", "photo": upload("x.svg", b"<svg onload=alert(1)>")},
    )

    assert response.status_code == 200
    assert message("not_image") in response.content.decode()
    assert stored_files(media) == []


def test_admin_form_shows_a_thumbnail_of_the_current_image(editor, media):
    article = article_with_image(jpeg(size=(1600, 1200)))

    content = editor.get(
        reverse("admin:articles_article_change", args=[article.pk])
    ).content.decode()

    preview = re.search(r'<p class="image-preview"><picture>.*?</picture></p>', content, re.S)
    assert preview, "no preview"
    img = re.search(r"<img [^>]*>", preview.group(0)).group(0)
    assert 'width="240" height="180"' in img
    thumbnail = re.search(r'src="/media/([^"]+)"', img).group(1)
    assert Image.open(media / thumbnail).size == (480, 360)


# --- renditions -------------------------------------------------------------------------


class Tags(HTMLParser):
    def __init__(self, html):
        super().__init__()
        self.found: list[tuple[str, dict]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, dict(attrs)))

    def all(self, tag, **attrs):
        return [
            found
            for name, found in self.found
            if name == tag and all(found.get(key) == value for key, value in attrs.items())
        ]


def srcset(value: str) -> list[tuple[str, int]]:
    return [(url, int(width[:-1])) for url, width in (item.split() for item in value.split(", "))]


def open_media(url: str) -> Image.Image:
    assert url.startswith("/media/"), url
    with default_storage.open(url.removeprefix("/media/")) as handle:
        return Image.open(io.BytesIO(handle.read()))


def lead_figure(response) -> Tags:
    content = response.content.decode()
    start = content.index('<figure class="lead-image">')
    return Tags(content[start : content.index("</figure>", start)])


def test_article_page_serves_the_lead_image_as_webp_and_jpeg_with_srcset_and_size(client):
    article = article_with_image(jpeg(size=(2400, 1600)), lead_image_alt_ar="جسر الرقة")

    figure = lead_figure(client.get(article.get_absolute_url()))

    [source] = figure.all("source")
    [img] = figure.all("img")
    assert source["type"] == "image/webp"
    assert source["sizes"] == img["sizes"] == images.PRESETS["hero"].sizes
    assert (img["width"], img["height"]) == ("1200", "800")
    assert img["alt"] == "جسر الرقة"
    assert img["loading"] == "eager" and img["fetchpriority"] == "high"
    for attribute, expected_format in ((source["srcset"], "WEBP"), (img["srcset"], "JPEG")):
        entries = srcset(attribute)
        assert [width for _url, width in entries] == [480, 800, 1200]
        for url, width in entries:
            rendition = open_media(url)
            assert rendition.format == expected_format
            assert rendition.size == (width, width * 2 // 3)
            assert not rendition.getexif()
    assert open_media(img["src"]).format == "JPEG"


def test_renditions_are_made_once_and_reused(client, media):
    article = article_with_image(jpeg(size=(2000, 1500)))
    client.get(article.get_absolute_url())
    renditions = {path: path.stat().st_mtime_ns for path in (media / "renditions").rglob("*.*")}
    cache.clear()  # as after a restart: storage is asked, not the cache
    images.forget_stored()

    client.get(article.get_absolute_url())

    assert len(renditions) == 6
    assert {path: path.stat().st_mtime_ns for path in (media / "renditions").rglob("*.*")} == (
        renditions
    )


@pytest.mark.parametrize(
    ("size", "widths"),
    [((300, 200), [300]), ((500, 300), [480]), ((1000, 600), [480, 800, 1000])],
)
def test_small_picture_is_never_enlarged(client, size, widths):
    article = article_with_image(jpeg(size=size))

    [img] = lead_figure(client.get(article.get_absolute_url())).all("img")

    entries = srcset(img["srcset"])
    assert [width for _url, width in entries] == widths
    assert open_media(entries[-1][0]).size == (widths[-1], widths[-1] * size[1] // size[0])
    assert (img["width"], img["height"]) == (str(widths[-1]), str(widths[-1] * size[1] // size[0]))


def test_pictures_below_the_fold_load_lazily_and_card_is_cropped_16_9(client):
    article = article_with_image(jpeg(size=(1000, 1000)))
    html = Template(
        '{% load images_tags %}{% responsive_image article.lead_image preset="card" alt="" %}'
    ).render(Context({"article": article}))

    [img] = Tags(html).all("img")
    assert img["loading"] == "lazy" and "fetchpriority" not in img
    assert (img["width"], img["height"]) == ("640", "360")
    assert open_media(img["src"]).size[0] * 9 == open_media(img["src"]).size[1] * 16


def test_transparent_png_keeps_alpha_in_webp_and_turns_white_in_jpeg(client):
    picture = Image.new("RGBA", (800, 600), (0, 0, 0, 0))
    article = article_with_image(encoded(picture, "PNG"), name="logo.png")

    figure = lead_figure(client.get(article.get_absolute_url()))

    webp = open_media(srcset(figure.all("source")[0]["srcset"])[0][0])
    fallback = open_media(figure.all("img")[0]["src"]).convert("RGB")
    assert webp.mode == "RGBA" and webp.getpixel((10, 10))[3] == 0
    assert fallback.getpixel((10, 10)) == (255, 255, 255)


def test_renditions_and_share_image_work_on_storage_with_no_files_on_disk(settings, client, media):
    """Like S3: nothing but the storage's own open, save, exists and url."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }
    article = article_with_image(jpeg(size=(1300, 1000)))

    response = client.get(article.get_absolute_url())

    for url, width in srcset(lead_figure(response).all("img")[0]["srcset"]):
        assert open_media(url).width == width
    assert share_file(og(response)["og:image"]).size == (1200, 630)
    assert stored_files(media) == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_phone_browser_keeps_room_for_the_picture_and_picks_a_small_webp(live_server, request):
    tab = request.getfixturevalue("page")  # Debian's Chromium at a phone's size
    article = article_with_image(jpeg(size=(2400, 1600)))
    url = live_server.url + article.get_absolute_url()
    held = []
    # The picture has not arrived yet: its requests wait, unanswered.
    tab.route("**/media/renditions/**", lambda route: held.append(route))

    tab.goto(url, wait_until="domcontentloaded")

    img = tab.locator(".lead-image img")
    box = img.bounding_box()
    assert img.evaluate("img => img.naturalWidth") == 0
    assert box["width"] > 300
    assert box["height"] == pytest.approx(box["width"] * 2 / 3, abs=1)
    tab.unroute("**/media/renditions/**")
    tab.goto(url)
    source, loaded = img.evaluate("img => [img.currentSrc, img.naturalWidth]")
    assert source.endswith("-480.webp") and loaded > 0
    assert img.bounding_box() == box


def test_lead_image_adds_no_database_query_to_the_article_page(client, uncached_pages):
    plain = make_article(title_ar="بلا صورة")
    pictured = article_with_image(jpeg(size=(1300, 1000)), title_ar="مع صورة")
    client.get(pictured.get_absolute_url())  # renditions made; the count is of later views

    with CaptureQueriesContext(connection) as without:
        client.get(plain.get_absolute_url())
    with CaptureQueriesContext(connection) as with_image:
        client.get(pictured.get_absolute_url())

    assert len(with_image) == len(without)


def test_known_pictures_cost_the_article_page_no_cache_round_trip(
    client, uncached_pages, media, monkeypatch
):
    """With Redis, asking whether a picture is stored is a network round trip per page."""
    article = article_with_image(jpeg(size=(1300, 1000)))
    client.get(article.get_absolute_url())  # renditions and share image made
    asked = []
    monkeypatch.setattr(images.cache, "get", lambda key, *args: asked.append(key))

    response = client.get(article.get_absolute_url())

    assert response.status_code == 200
    assert og(response)["og:image"].startswith("http://testserver/media/share/articles/")
    assert asked == []


def test_a_new_process_asks_the_shared_cache_once_then_remembers(
    client, uncached_pages, media, monkeypatch
):
    article = article_with_image(jpeg(size=(1300, 1000)))
    client.get(article.get_absolute_url())
    made = {path: path.stat().st_mtime_ns for path in stored_files(media)}
    images.forget_stored()  # another worker: only the shared cache knows the files
    asked = []
    shared_get = images.cache.get
    monkeypatch.setattr(images.cache, "get", lambda key, *a: asked.append(key) or shared_get(key))

    client.get(article.get_absolute_url())
    first = len(asked)
    client.get(article.get_absolute_url())

    assert first == 2  # the renditions' and the share image's
    assert len(asked) == first
    assert {path: path.stat().st_mtime_ns for path in stored_files(media)} == made


# --- the share image --------------------------------------------------------------------


def og(response) -> dict[str, str]:
    return {
        found["property"]: found["content"]
        for found in Tags(response.content.decode()).all("meta")
        if found.get("property", "").startswith("og:image")
    }


def share_file(url: str) -> Image.Image:
    assert url.startswith("http://testserver/media/share/articles/"), url
    return open_media(url.removeprefix("http://testserver"))


def test_article_page_names_its_1200_by_630_share_image(client, seed_report):
    response = client.get(seed_report.get_absolute_url())

    meta = og(response)
    assert meta["og:image:width"] == "1200" and meta["og:image:height"] == "630"
    assert meta["og:image:type"] == "image/jpeg"
    assert meta["og:image:alt"] == seed_report.title_ar
    image = share_file(meta["og:image"])
    assert (image.format, image.size) == ("JPEG", (1200, 630))


def test_each_language_has_its_own_share_image(client, seed_report):
    arabic = og(client.get(seed_report.get_absolute_url()))["og:image"]
    with translation.override("en"):
        english = og(client.get(seed_report.get_absolute_url()))["og:image"]

    assert arabic != english
    assert share_file(english).size == (1200, 630)


def test_share_image_is_drawn_again_when_the_headline_changes(client, seed_report):
    before = og(client.get(seed_report.get_absolute_url()))["og:image"]
    seed_report.title_ar = "عنوان جديد بعد التصحيح"
    seed_report.save()

    after = og(client.get(seed_report.get_absolute_url()))["og:image"]

    assert after != before
    assert share_file(after).size == share_file(before).size == (1200, 630)


def test_share_image_uses_the_public_site_address(client, seed_report, settings):
    settings.NEWSROOM_SITE_URL = "https://news.example"

    url = og(client.get(seed_report.get_absolute_url()))["og:image"]

    assert url.startswith("https://news.example/media/share/articles/")


def test_share_image_crops_the_lead_picture_to_fill_it(seed_report):
    cleaned = images.validate_and_clean_image(upload("wide.jpg", jpeg(size=(3000, 1000))))
    seed_report.lead_image.save(cleaned.name, cleaned)

    card = images.draw_article_share_image(seed_report, language="ar")

    assert card.size == (1200, 630)
    # The picture reaches the corner opposite the mark: no plain background around it.
    assert card.getpixel((5, 5)) != images.sharecards.INK


def test_quote_card_is_drawn_again_when_the_quote_changes(seed_report):
    quote = seed_report.quotes.select_related("expert").first()
    first = images.quote_card_image(quote, language="ar")
    quote.text_ar = "نص معدل للاقتباس"
    quote.save()

    second = images.quote_card_image(quote, language="ar")

    assert second.name != first.name
    for stored in (first, second):
        with default_storage.open(stored.name) as handle:
            assert Image.open(handle).size == (1200, 630)
