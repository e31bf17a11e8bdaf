"""Pictures and posts from other sites inside an article's text (issue 18, points 4 and 5).

Editors upload a picture from the editor (checked by content, alt text required, only
into an article they may change); the article's save turns its marker into a figure
with renditions; a YouTube, Telegram, X or Facebook address alone on a line becomes a
card that asks nothing of the provider until the reader taps it, and then only through
our own embed page, whose policy alone lets the provider's frame in.
"""

import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from articles.embeds import find_post
from articles.media.images import validate_and_clean_image
from articles.models import Article, BodyImage
from articles.sanitizing import html_to_text, sanitize_html
from articles.tests.factories import make_article
from articles.tests.signin import sign_in
from articles.tests.test_browser import PHONE, READER_AGENT, browser, chromium  # noqa: F401
from articles.tests.test_images import jpeg
from articles.writing.actions import ArticleAction
from staff import roles

UPLOAD = "/admin/articles/article/body-images/"
VIDEO = "dQw4w9WgXcQ"


@pytest.fixture(autouse=True)
def _no_request_to_providers(settings):
    """Never the real providers: a test that wants a preview picture names a fake one."""
    settings.NEWSROOM_EMBED_THUMBNAIL_URLS = {}


class FakeProvider:
    """A provider's thumbnail server on 127.0.0.1: answers each path with ``body``."""

    def __init__(self, body: bytes, *, content_type="image/jpeg", delay=0.0):
        self.paths = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                fake.paths.append(self.path)
                time.sleep(delay)
                self.send_response(200)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/vi/{{video}}/hqdefault.jpg"
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def staff(role, name=None):
    user = get_user_model().objects.create_user(
        username=name or role.lower(), password="a-long-test-password", is_staff=True
    )
    user.groups.add(Group.objects.get(name=role))
    return user


def picture_file(name="photo.jpg", content=None):
    return SimpleUploadedFile(name, content or jpeg(size=(900, 600)), content_type="image/jpeg")


def body_image(**fields) -> BodyImage:
    fields.setdefault("alt", "جنود يعبرون الجسر")
    image = validate_and_clean_image(picture_file())
    return BodyImage.objects.create(image=image, **fields)


def saved_with_body(article: Article, body: str, actor=None) -> Article:
    """Save ``body`` as the editor's form does: through the action, by an editor."""
    users = get_user_model().objects
    article.body_ar = body
    actor = actor or users.filter(username="boss").first() or users.create_superuser("boss")
    ArticleAction(article, actor=actor).execute()
    article.refresh_from_db()
    return article


# --- the upload endpoint ----------------------------------------------------------------


@pytest.mark.django_db
def test_editor_uploads_a_picture_and_gets_its_id_and_a_small_rendition(client):
    sign_in(client, staff(roles.EDITOR))
    article = make_article()

    response = client.post(
        UPLOAD,
        {"image": picture_file(), "alt": "جسر الرقة", "caption": "الجسر", "article": article.pk},
    )

    assert response.status_code == 201
    row = BodyImage.objects.get()
    assert response.json() == {
        "id": row.pk,
        "src": response.json()["src"],
        "alt": "جسر الرقة",
        "caption": "الجسر",
    }
    assert response.json()["src"].startswith("/media/renditions/body/")
    assert (row.width, row.height, row.uploaded_by.username) == (900, 600, "editor")


@pytest.mark.django_db
def test_upload_refuses_a_file_that_is_not_an_image_in_arabic_and_keeps_nothing(client):
    sign_in(client, staff(roles.EDITOR))
    fake = SimpleUploadedFile("photo.jpg", b"<script>alert(1)</script>", "image/jpeg")

    response = client.post(UPLOAD, {"image": fake, "alt": "صورة"})

    assert response.status_code == 400
    assert response.json()["errors"]["image"] == ["هذا الملف ليس صورة بصيغة JPEG أو PNG أو WebP."]
    assert not BodyImage.objects.exists()


@pytest.mark.django_db
def test_upload_requires_alternative_text(client):
    sign_in(client, staff(roles.EDITOR))

    response = client.post("/en" + UPLOAD, {"image": picture_file(), "alt": "   "})

    assert response.status_code == 400
    assert response.json()["errors"] == {
        "alt": ["Describe the picture for readers who cannot see it."]
    }
    assert not BodyImage.objects.exists()


@pytest.mark.django_db
def test_journalist_may_not_upload_into_someone_elses_article_nor_anyone_signed_out(client):
    article = make_article(status=Article.Status.DRAFT)
    journalist = staff(roles.JOURNALIST)

    signed_out = client.post(UPLOAD, {"image": picture_file(), "alt": "صورة"})
    sign_in(client, journalist)
    theirs = client.post(UPLOAD, {"image": picture_file(), "alt": "صورة", "article": article.pk})
    article.authors.add(journalist)
    own = client.post(UPLOAD, {"image": picture_file(), "alt": "صورة", "article": article.pk})

    assert signed_out.status_code == 302 and "/login/" in signed_out["Location"]
    assert theirs.status_code == 403
    assert theirs.json() == {"error": "لا يمكنك تعديل هذا المقال."}
    assert own.status_code == 201
    assert BodyImage.objects.count() == 1


@pytest.mark.django_db
def test_upload_without_the_csrf_token_is_refused(client):
    sign_in(client, staff(roles.EDITOR))
    client.handler.enforce_csrf_checks = True  # as a browser's request is checked

    response = client.post(UPLOAD, {"image": picture_file(), "alt": "صورة"})

    assert response.status_code == 403
    assert not BodyImage.objects.exists()


# --- the figure in the text -------------------------------------------------------------


@pytest.mark.django_db
def test_saved_marker_becomes_a_figure_with_renditions_and_the_page_reads_it_for_free(
    client, uncached_pages
):
    row = body_image(caption="الجسر بعد القصف", credit="وكالة سانا")
    article = saved_with_body(
        make_article(),
        f'<p>قبل.</p><figure data-body-image="{row.pk}"><img src="/x.jpg" alt="قديم">'
        "<figcaption>قديم</figcaption></figure><p>بعد.</p>",
    )

    figure = re.search(r"<figure data-body-image.*?</figure>", article.body_ar)[0]
    assert '<source type="image/webp" srcset="/media/renditions/body/' in figure
    assert re.search(r'<img src="/media/renditions/body/[^"]+\.jpg" srcset="[^"]+ 480w, ', figure)
    assert 'alt="جنود يعبرون الجسر"' in figure
    assert "<figcaption>الجسر بعد القصف تصوير: وكالة سانا</figcaption>" in figure
    plain = make_article()
    client.get(plain.get_absolute_url())  # the masthead and side column, read once and kept
    with CaptureQueriesContext(connection) as without_picture:
        client.get(plain.get_absolute_url())
    with CaptureQueriesContext(connection) as with_picture:
        page = client.get(article.get_absolute_url())
    assert figure in page.content.decode()
    assert len(with_picture) == len(without_picture) <= 10
    # Saved again as the editor sends it back, the figure is the same.
    again = saved_with_body(article, article.body_ar)
    assert again.body_ar == article.body_ar


@pytest.mark.django_db
def test_the_lite_edition_offers_the_picture_as_a_link_and_loads_none(client):
    row = body_image(caption="الجسر")
    article = saved_with_body(
        make_article(), f'<p>قبل.</p><figure data-body-image="{row.pk}"></figure><p>بعد.</p>'
    )

    html = client.get(f"/lite/articles/{article.pk}/").content.decode()

    assert "<img" not in html and "<picture" not in html
    smallest = r'<p><a href="/media/renditions/body/[^"]+-480\.jpg"[^>]*>عرض الصورة</a>'
    assert re.search(smallest, html)
    assert ": جنود يعبرون الجسر</p><p>الجسر</p><p>بعد.</p>" in html


@pytest.mark.django_db
def test_a_marker_for_a_picture_that_does_not_exist_leaves_nothing_behind():
    marker = '<figure data-body-image="999999"><img src="/media/x.jpg"></figure>'
    article = saved_with_body(make_article(), f"<p>نص.</p>{marker}")

    assert article.body_ar == "<p>نص.</p>"


def test_sanitizer_keeps_our_figure_and_drops_pictures_from_any_other_place():
    ours = (
        '<figure data-body-image="7"><picture><source type="image/webp" '
        'srcset="/media/renditions/body/a/hero-1-480.webp 480w" sizes="(min-width: 44rem) 42rem">'
        '<img src="/media/renditions/body/a/hero-1-480.jpg" srcset="/media/renditions/body/a/'
        'hero-1-480.jpg 480w" sizes="100vw" width="480" height="320" alt="صورة" loading="lazy" '
        'decoding="async"></picture><figcaption>تعليق</figcaption></figure>'
    )
    foreign = [
        '<img src="https://evil.example/x.jpg" alt="a">',
        '<img src="//evil.example/media/x.jpg">',
        '<img src="/media/../../etc/passwd">',
        '<img src="data:image/png;base64,iVBORw0KGgo=">',
        '<img src="javascript:alert(1)">',
        '<img src="/media/x.jpg?next=https://evil.example/">',
        '<picture><source srcset="https://evil.example/a.webp 480w"></picture>',
        '<img src="/media/a.jpg" srcset="/media/a.jpg 480w, https://evil.example/b.jpg 800w" '
        'onerror="alert(1)" style="x">',
    ]

    assert sanitize_html(ours) == ours
    cleaned = sanitize_html("".join(foreign))
    assert "evil" not in cleaned and "data:" not in cleaned and "javascript" not in cleaned
    assert "passwd" not in cleaned and "onerror" not in cleaned and "style" not in cleaned
    assert cleaned.count("<img") == 1  # the last: its own address kept, the foreign srcset not
    assert '<img src="/media/a.jpg">' in cleaned
    assert sanitize_html('<figure data-body-image="1 onload=x" data-embed="evil">x</figure>') == (
        "<figure>x</figure>"
    )


# --- posts from other sites -------------------------------------------------------------


def test_addresses_of_posts_are_recognised_and_any_other_is_not():
    assert [
        found and (found[0].name, found[1])
        for found in map(
            find_post,
            [
                f"https://www.youtube.com/watch?v={VIDEO}&t=12",
                f"https://youtu.be/{VIDEO}",
                "https://t.me/sy24news/1234",
                "https://x.com/SY24news/status/1790000000000000000",
                "https://www.facebook.com/sy24.news/posts/123456789",
                "https://evil.example/watch?v=dQw4w9WgXcQ",
                f"https://www.youtube.com.evil.example/watch?v={VIDEO}",
            ],
        )
    ] == [
        ("youtube", VIDEO),
        ("youtube", VIDEO),
        ("telegram", "sy24news/1234"),
        ("x", "SY24news/1790000000000000000"),
        ("facebook", "sy24.news/posts/123456789"),
        None,
        None,
    ]


@pytest.mark.django_db
def test_youtube_address_on_its_own_line_becomes_a_card_that_asks_youtube_nothing(client):
    article = saved_with_body(
        make_article(),
        f'<p>شاهد:</p><p><a href="https://www.youtube.com/watch?v={VIDEO}">'
        f"https://www.youtube.com/watch?v={VIDEO}</a></p>"
        "<p>https://evil.example/video</p>",
    )

    html = client.get(article.get_absolute_url()).content.decode()

    card = re.search(r"<figure data-embed=.*?</figure>", html)[0]
    assert f'data-embed="youtube" data-embed-id="{VIDEO}"' in card
    assert 'data-embed-label="تحميل من YouTube"' in card
    assert f'<a href="https://www.youtube.com/watch?v={VIDEO}"' in card
    assert "سيرى YouTube عنوانك على الإنترنت" in card
    assert "<iframe" not in html and "youtube-nocookie" not in html
    assert '<script src="/static/js/embeds.js' in html
    assert "<p>https://evil.example/video</p>" in html  # unknown: left as it was
    hosts = {urlsplit(url).netloc for url in re.findall(r'(?:src|srcset)="([^" ]+)', html)}
    assert hosts == {""}  # every picture and script from this site


@pytest.mark.django_db
def test_a_posts_card_is_not_the_articles_words_in_its_description_or_search_text():
    article = saved_with_body(
        make_article(summary_ar=""), f"<p>https://youtu.be/{VIDEO}</p><p>الخبر كله هنا.</p>"
    )

    assert html_to_text(article.body_ar) == "الخبر كله هنا."
    assert "youtube" not in article.search_ar.lower()


@pytest.mark.django_db
def test_embed_page_frames_only_the_provider_and_only_inside_our_own_pages(client):
    response = client.get(f"/embed/youtube/{VIDEO}/")

    assert response.status_code == 200
    frame = f'<iframe src="https://www.youtube-nocookie.com/embed/{VIDEO}"'
    assert frame in response.content.decode()
    policy = response["Content-Security-Policy"]
    assert "default-src 'none'" in policy
    assert "frame-src https://www.youtube-nocookie.com;" in policy
    assert "frame-ancestors 'self'" in policy
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert client.get("/embed/youtube/too-short/").status_code == 404
    assert client.get("/embed/evil/abc/").status_code == 404
    assert client.get("/embed/telegram/sy24news/..%2F..%2Fadmin/").status_code == 404
    telegram = client.get("/embed/telegram/sy24news/12/")
    assert 'src="https://t.me/sy24news/12?embed=1"' in telegram.content.decode()
    assert "frame-src https://t.me;" in telegram["Content-Security-Policy"]


@pytest.mark.django_db
def test_article_page_policy_lets_no_other_host_frame_anything(client):
    article = saved_with_body(make_article(), f"<p>https://youtu.be/{VIDEO}</p>")

    policy = client.get(article.get_absolute_url())["Content-Security-Policy"]

    assert "default-src 'self'" in policy
    assert "youtube" not in policy and "frame-src" not in policy


@pytest.mark.django_db
def test_card_shows_the_posts_picture_fetched_once_at_save_and_kept_with_our_media(settings):
    provider = FakeProvider(jpeg(size=(480, 360)))
    settings.NEWSROOM_EMBED_THUMBNAIL_URLS = {"youtube": provider.url}
    try:
        first = saved_with_body(make_article(), f"<p>https://youtu.be/{VIDEO}</p>")
        second = saved_with_body(make_article(), f"<p>https://youtu.be/{VIDEO}</p>")
    finally:
        provider.close()

    stored = r'<img src="/media/embeds/youtube/[0-9a-f]{32}\.jpg"[^>]*>'
    picture = re.search(stored, first.body_ar)
    assert picture and 'width="480" height="360" alt=""' in picture[0]
    assert provider.paths == [f"/vi/{VIDEO}/hqdefault.jpg"]  # once, for both articles
    assert picture[0] in second.body_ar


@pytest.mark.django_db
def test_a_slow_or_wrong_preview_leaves_a_plain_card_and_does_not_hold_the_save(settings):
    settings.NEWSROOM_EMBED_THUMBNAIL_TIMEOUT = 0.2
    slow = FakeProvider(jpeg(size=(480, 360)), delay=3.0)
    wrong = FakeProvider(b"<html>not a picture</html>", content_type="text/html")
    try:
        settings.NEWSROOM_EMBED_THUMBNAIL_URLS = {"youtube": slow.url}
        started = time.monotonic()
        waited = saved_with_body(make_article(), f"<p>https://youtu.be/{VIDEO}</p>")
        took = time.monotonic() - started
        settings.NEWSROOM_EMBED_THUMBNAIL_URLS = {"youtube": wrong.url}
        refused = saved_with_body(make_article(), f"<p>https://youtu.be/{VIDEO}</p>")
    finally:
        slow.close()
        wrong.close()

    assert took < 2.0  # the provider answers after 3 seconds
    for article in (waited, refused):
        assert 'data-embed="youtube"' in article.body_ar and "<img" not in article.body_ar
    assert wrong.paths == [f"/vi/{VIDEO}/hqdefault.jpg"]


def test_english_card_names_the_provider_in_english():
    from articles.media.body import embed_html

    with translation.override("en"):
        card = embed_html("https://t.me/sy24news/55")

    assert 'data-embed-label="Load from Telegram"' in card
    assert "Loading it here lets Telegram see your internet address." in card


# --- in a browser -----------------------------------------------------------------------


@pytest.fixture
def reader(browser):  # noqa: F811 (the fixture imported above)
    context = browser.new_context(viewport=PHONE, user_agent=READER_AGENT, locale="ar")
    yield context.new_page()
    context.close()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_reader_sees_the_picture_and_asks_youtube_nothing_until_tapping_its_card(
    live_server, migration_rows, reader
):
    page = reader
    row = body_image(caption="الجسر")
    article = saved_with_body(
        make_article(),
        f'<p>قبل.</p><figure data-body-image="{row.pk}"></figure>'
        f"<p>https://youtu.be/{VIDEO}</p><p>بعد.</p>",
    )
    own = urlsplit(live_server.url).netloc
    hosts = []
    page.on("request", lambda request: hosts.append(urlsplit(request.url).netloc))
    page.route(
        "https://www.youtube-nocookie.com/**",
        lambda route: route.fulfill(status=200, content_type="text/html", body="<p>video</p>"),
    )

    page.goto(live_server.url + article.get_absolute_url())
    picture = page.locator("figure[data-body-image] img")
    picture.scroll_into_view_if_needed()
    page.wait_for_function("document.querySelector('figure[data-body-image] img').complete")
    assert picture.evaluate("img => img.naturalWidth") > 0
    assert picture.get_attribute("alt") == "جنود يعبرون الجسر"
    button = page.get_by_role("button", name="تحميل من YouTube")
    button.scroll_into_view_if_needed()
    page.wait_for_timeout(300)
    assert set(hosts) == {own}  # the article, its picture and scripts: nothing else

    with page.expect_request(f"https://www.youtube-nocookie.com/embed/{VIDEO}"):
        button.click()

    assert page.locator(f'iframe[src="/embed/youtube/{VIDEO}/"]').count() == 1
    assert set(hosts) == {own, "www.youtube-nocookie.com"}


@pytest.mark.django_db
def test_a_posts_card_saved_again_or_published_stays_one_card():
    """Every save renders the body again (publishing from the list too): the card's own
    link, an address alone in its paragraph, must not become a card inside the card."""
    article = saved_with_body(
        make_article(status=Article.Status.DRAFT),
        f"<p>قبل.</p><p>https://youtu.be/{VIDEO}</p><p>بعد.</p>",
    )
    first = article.body_ar
    assert first.count("<figure") == 1

    again = saved_with_body(article, first)
    assert again.body_ar == first
    assert html_to_text(again.body_ar) == "قبل.\nبعد."


@pytest.mark.django_db
def test_a_facebook_post_from_a_page_whose_name_has_a_dot_keeps_its_reference():
    """The card's reference is what js/embeds.js loads: without it the card never opens."""
    article = saved_with_body(
        make_article(), "<p>https://www.facebook.com/sy24.news/posts/123456789</p>"
    )

    assert 'data-embed="facebook" data-embed-id="sy24.news/posts/123456789"' in article.body_ar
    for bad in ("../../admin", "sy24.news/../x", "a b", "x/y/z/w"):
        card = f'<figure data-embed="facebook" data-embed-id="{bad}">x</figure>'
        assert "data-embed-id" not in sanitize_html(card), bad
