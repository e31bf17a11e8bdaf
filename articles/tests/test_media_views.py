"""Stored images served by the site itself (DEBUG off, local storage): inert, cacheable,
resumable, and nothing but images from MEDIA_ROOT.

Files are written straight into the temporary MEDIA_ROOT, as an upload, a rendition or a
share image would be; the last test fetches real ones through gunicorn.
"""

import io
import os
import urllib.request
from pathlib import Path
from unittest import mock

import pytest
from django.conf import settings
from django.db import OperationalError
from django.test import Client
from django.utils.http import http_date
from PIL import Image

from articles.media import images
from articles.tests.test_images import article_with_image, jpeg
from bench.load import environment, free_port, start_gunicorn

UPLOAD = "articles/2026/05/0123456789abcdef0123456789abcdef.jpg"
SHARE_IMAGE = "share/articles/fedcba9876543210fedcba9876543210.jpg"
HAND_PLACED = "logos/outlet.png"


def png_bytes() -> bytes:
    output = io.BytesIO()
    Image.new("RGB", (10, 10), (200, 30, 30)).save(output, "PNG")
    return output.getvalue()


@pytest.fixture
def media() -> Path:
    root = Path(settings.MEDIA_ROOT)
    for name, content in ((UPLOAD, jpeg(size=(64, 48))), (HAND_PLACED, png_bytes())):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(content)
    return root


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_upload_is_served_as_a_jpeg_that_browsers_may_not_sniff(client, media):
    response = client.get(f"/media/{UPLOAD}")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"] == 'inline; filename="{}"'.format(UPLOAD.split("/")[-1])
    assert response["Accept-Ranges"] == "bytes"
    assert int(response["Content-Length"]) == (media / UPLOAD).stat().st_size
    assert body(response) == (media / UPLOAD).read_bytes()
    # The language is in a page's path, never in an image's: one copy per URL for a CDN.
    assert "Accept-Language" not in response.get("Vary", "")


def test_file_with_a_random_or_digest_name_is_cached_for_a_year(client, media):
    rendition = images.plan_renditions(UPLOAD, (64, 48), images.PRESETS["thumbnail"])[0].name
    for name in (rendition, SHARE_IMAGE):
        (media / name).parent.mkdir(parents=True, exist_ok=True)
        (media / name).write_bytes(jpeg(size=(64, 48)))

    for name in (UPLOAD, rendition, SHARE_IMAGE):
        response = client.get(f"/media/{name}")
        assert response.status_code == 200, name
        assert response["Cache-Control"] == "public, max-age=31536000, immutable", name
    assert client.get(f"/media/{rendition}")["Content-Type"] == "image/webp"


def test_file_with_a_plain_name_is_revalidated_and_answered_304_when_unchanged(client, media):
    first = client.get(f"/media/{HAND_PLACED}")

    assert first["Content-Type"] == "image/png"
    assert "immutable" not in first["Cache-Control"]
    assert first["Last-Modified"] == http_date((media / HAND_PLACED).stat().st_mtime)
    by_etag = client.get(f"/media/{HAND_PLACED}", headers={"if-none-match": first["ETag"]})
    by_date = client.get(
        f"/media/{HAND_PLACED}", headers={"if-modified-since": first["Last-Modified"]}
    )
    assert by_etag.status_code == by_date.status_code == 304
    assert by_etag.content == b""

    (media / HAND_PLACED).write_bytes(png_bytes() + b"\0")
    os.utime(media / HAND_PLACED, (1e9, 2e9))
    changed = client.get(f"/media/{HAND_PLACED}", headers={"if-none-match": first["ETag"]})
    assert changed.status_code == 200
    assert changed["ETag"] != first["ETag"]


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("articles/2026/05/page.html", b"<script>alert(document.cookie)</script>"),
        ("articles/2026/05/chart.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script/></svg>'),
        ("articles/2026/05/anim.gif", b"GIF89a/*" + b"\0" * 20),
        ("articles/2026/05/notes.txt", b"hello"),
        ("articles/2026/05/no-suffix", b"\xff\xd8\xff"),
        ("articles/2026/05/.hidden.jpg", jpeg(size=(64, 48))),
    ],
)
def test_anything_but_a_stored_image_type_answers_404_even_when_the_file_exists(
    client, media, name, content
):
    (media / name).write_bytes(content)

    response = client.get(f"/media/{name}")

    assert response.status_code == 404
    assert content not in response.content


@pytest.mark.parametrize(
    "path",
    [
        "/media/../secret.jpg",
        "/media/articles/../../secret.jpg",
        "/media/%2e%2e/secret.jpg",
        "/media/articles/2026/05/..%2f..%2f..%2f..%2fsecret.jpg",
        "/media//{outside}/secret.jpg",
        "/media/articles/",
        "/media/articles/2026/05",
    ],
)
def test_nothing_outside_media_root_nor_any_folder_is_served(client, media, path):
    outside = media.parent
    (outside / "secret.jpg").write_bytes(jpeg(size=(64, 48)))

    response = client.get(path.format(outside=str(outside).strip("/")))

    assert response.status_code == 404
    assert b"\xff\xd8" not in response.content


def test_symbolic_link_out_of_media_root_is_not_followed(client, media):
    secret = media.parent / "elsewhere.jpg"
    secret.write_bytes(jpeg(size=(64, 48)))
    (media / "articles" / "link.jpg").symlink_to(secret)
    (media / "articles" / "to-page.jpg").symlink_to(media / "articles" / "page.html")
    (media / "articles" / "page.html").write_text("<script>alert(1)</script>")

    assert client.get("/media/articles/link.jpg").status_code == 404
    assert client.get("/media/articles/to-page.jpg").status_code == 404


def test_one_byte_range_is_answered_206_with_those_bytes(client, media):
    data = (media / UPLOAD).read_bytes()
    size = len(data)

    middle = client.get(f"/media/{UPLOAD}", headers={"range": "bytes=10-19"})
    rest = client.get(f"/media/{UPLOAD}", headers={"range": f"bytes={size - 5}-"})
    tail = client.get(f"/media/{UPLOAD}", headers={"range": "bytes=-7"})

    assert middle.status_code == rest.status_code == tail.status_code == 206
    assert body(middle) == data[10:20]
    assert middle["Content-Range"] == f"bytes 10-19/{size}"
    assert middle["Content-Length"] == "10"
    assert middle["Content-Type"] == "image/jpeg"
    assert body(rest) == data[-5:]
    assert rest["Content-Range"] == f"bytes {size - 5}-{size - 1}/{size}"
    assert body(tail) == data[-7:]


def test_range_past_the_end_is_416_with_the_size(client, media):
    size = (media / UPLOAD).stat().st_size

    response = client.get(f"/media/{UPLOAD}", headers={"range": f"bytes={size}-"})

    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{size}"


def test_several_ranges_or_a_stale_if_range_get_the_whole_file(client, media):
    data = (media / UPLOAD).read_bytes()

    several = client.get(f"/media/{UPLOAD}", headers={"range": "bytes=0-1,5-6"})
    stale = client.get(
        f"/media/{UPLOAD}", headers={"range": "bytes=0-1", "if-range": '"another-version"'}
    )

    assert several.status_code == stale.status_code == 200
    assert body(several) == body(stale) == data


def test_head_gives_the_headers_without_the_image(client, media):
    response = client.head(f"/media/{UPLOAD}")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["Content-Length"] == str((media / UPLOAD).stat().st_size)
    assert response.content == b""


@pytest.mark.parametrize("method", ["post", "put", "delete", "options"])
def test_only_get_and_head_are_allowed(client, media, method):
    response = getattr(Client(enforce_csrf_checks=False), method)(f"/media/{UPLOAD}")

    assert response.status_code == 405
    assert (media / UPLOAD).exists()


def test_serving_turned_off_leaves_media_to_the_web_server(client, media, settings):
    settings.NEWSROOM_SERVE_MEDIA = False

    assert client.get(f"/media/{UPLOAD}").status_code == 404


def test_images_are_served_while_the_database_is_down(client, media):
    """The page cache, which asks the database when a generation ends, leaves files alone."""
    with mock.patch(
        "django.db.backends.utils.CursorWrapper.execute",
        side_effect=OperationalError("connection refused"),
    ):
        response = client.get(f"/media/{UPLOAD}")

    assert response.status_code == 200
    assert body(response) == (media / UPLOAD).read_bytes()
    assert "X-Cache" not in response
    assert "default-src 'self'" in response["Content-Security-Policy"]


# --- through gunicorn -------------------------------------------------------------------


@pytest.mark.django_db
def test_gunicorn_with_debug_off_serves_an_upload_and_its_renditions(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    article = article_with_image(jpeg(size=(1000, 750)))
    renditions = images.ensure_renditions(article.lead_image, "hero")
    share = images.article_share_image(article, language="ar")
    port = free_port()
    env = environment(f"sqlite:///{tmp_path / 'empty.sqlite3'}", tmp_path, port) | {
        "DJANGO_MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "GUNICORN_WORKERS": "1",
    }
    env.pop("NEWSROOM_SERVE_MEDIA", None)
    log = tmp_path / "gunicorn.log"
    server, base = start_gunicorn(env, log)
    local = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # no proxy for loopback
    try:
        for name, content_type in [
            (article.lead_image.name, "image/jpeg"),
            *((r.name, r.mime_type) for r in renditions),
            (share.name, "image/jpeg"),
        ]:
            with local.open(f"{base}/media/{name}", timeout=5) as answer:
                assert answer.status == 200, name
                assert answer.headers["Content-Type"] == content_type, name
                assert answer.headers["X-Content-Type-Options"] == "nosniff"
                assert answer.headers["Cache-Control"] == "public, max-age=31536000, immutable"
                assert answer.read() == (settings.MEDIA_ROOT / name).read_bytes(), name

        ranged = urllib.request.Request(  # noqa: S310 (http on loopback)
            f"{base}/media/{renditions[0].name}", headers={"Range": "bytes=0-99"}
        )
        with local.open(ranged, timeout=5) as answer:
            assert answer.status == 206
            assert answer.read() == (settings.MEDIA_ROOT / renditions[0].name).read_bytes()[:100]
        assert "Traceback" not in log.read_text()
    finally:
        server.terminate()
        server.wait(timeout=10)
