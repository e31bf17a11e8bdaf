"""The WhatsApp kit on an article's change page: a post to paste into the channel, in
each language the article is written in, with its short link."""

import io
import random

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from lxml import html
from PIL import Image

from articles.admin.whatsapp import bold, post_text, shortened
from articles.media import images
from articles.models import Article
from articles.tests.factories import make_article
from articles.tests.signin import sign_in
from articles.tests.test_admin import staff
from staff import roles

pytestmark = pytest.mark.django_db

SITE = "https://news.example"


@pytest.fixture
def editor(client):
    sign_in(client, staff(roles.EDITOR))
    return client


@pytest.fixture(autouse=True)
def _site(settings):
    settings.NEWSROOM_SITE_URL = SITE


def kit_of(client, article) -> dict[str, str]:
    """Return the kit's posts on the article's change page, by language."""
    posts = page_of(client, article).xpath("//textarea[starts-with(@id, 'whatsapp-post-')]")
    return {post.get("lang"): post.text_content() for post in posts}


def page_of(client, article):
    response = client.get(reverse("admin:articles_article_change", args=[article.pk]))
    assert response.status_code == 200
    return html.fromstring(response.content.decode())


# --- the text -------------------------------------------------------------------------


def test_bold_survives_asterisks_and_line_breaks_in_the_headline():
    assert bold("عاجل *خاص* من الرقة") == "*عاجل ∗خاص∗ من الرقة*"
    assert bold("  two\nlines ") == "*two lines*"


def test_a_long_summary_is_cut_at_a_word_with_an_ellipsis():
    text = "كلمة " * 100

    cut = shortened(text)

    assert cut.endswith("كلمة…")
    assert len(cut) <= 201
    assert shortened("قصير.") == "قصير."


def test_the_post_is_headline_summary_and_link_with_blank_lines_between():
    text = post_text(title="عنوان", summary="ملخص\nفي سطرين", url=f"{SITE}/a/1/")

    assert text == f"*عنوان*\n\nملخص في سطرين\n\n{SITE}/a/1/"


# --- the change page ------------------------------------------------------------------


def test_the_kit_has_a_post_per_language_with_bold_headline_summary_and_short_link(editor):
    article = make_article(
        title_ar="عودة الكهرباء إلى الرقة",
        summary_ar="عادت الكهرباء بعد انقطاع دام أسبوعا.",
        title_en="Power is back in Raqqa",
        summary_en="Power returned after a week-long cut.",
    )

    posts = kit_of(editor, article)

    assert posts == {
        "ar": f"*عودة الكهرباء إلى الرقة*\n\nعادت الكهرباء بعد انقطاع دام أسبوعا.\n\n"
        f"{SITE}/a/{article.pk}/",
        "en": f"*Power is back in Raqqa*\n\nPower returned after a week-long cut.\n\n"
        f"{SITE}/en/a/{article.pk}/",
    }


def test_an_article_only_in_arabic_has_only_the_arabic_post(editor):
    article = make_article(english=False, body_ar="<p>نص <strong>الخبر</strong> كاملا.</p>")

    posts = kit_of(editor, article)

    assert list(posts) == ["ar"]
    # Without a standfirst, the start of the text, as plain text.
    assert "\n\nنص الخبر كاملا.\n\n" in posts["ar"]


def test_without_a_site_address_the_link_is_on_the_address_the_editor_uses(editor, settings):
    settings.NEWSROOM_SITE_URL = ""
    article = make_article()

    assert kit_of(editor, article)["ar"].endswith(f"\n\nhttp://testserver/a/{article.pk}/")


def test_a_headline_with_asterisks_and_markup_reads_as_written(editor):
    headline = '</textarea><script>alert("x")</script> *عاجل*'
    article = make_article(title_ar=headline, english=False)

    response = editor.get(reverse("admin:articles_article_change", args=[article.pk]))
    page = html.fromstring(response.content.decode())
    (post,) = page.xpath("//textarea[@id='whatsapp-post-ar']")

    assert post.text_content().startswith('*</textarea><script>alert("x")</script> ∗عاجل∗*\n\n')
    assert "&lt;/textarea&gt;&lt;script&gt;alert(&quot;x&quot;)" in response.content.decode()
    assert not [script for script in page.xpath("//script") if "alert" in (script.text or "")]


def test_the_copy_buttons_are_started_by_a_static_script(editor):
    page = page_of(editor, make_article())

    buttons = page.xpath("//button[@data-copy-from]")
    assert [button.get("data-copy-from") for button in buttons] == [
        "whatsapp-post-ar",
        "whatsapp-post-en",
    ]
    assert all(button.get("hidden") is not None for button in buttons)  # until the script runs
    assert page.xpath("//script[contains(@src, 'js/whatsapp-kit')]")


def noise_jpeg(size=(1200, 630)) -> bytes:
    """A picture that no JPEG encoder can make small: random pixels."""
    generator = random.Random(7)
    image = Image.frombytes("RGB", size, generator.randbytes(size[0] * size[1] * 3))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=95)
    return out.getvalue()


def test_a_share_image_over_300_kb_is_warned_of_with_its_size(editor):
    heavy, light = make_article(english=False), make_article(english=False)
    # The drawn card of a busy photo comes near the limit; put a heavier one in its place.
    stored = images.article_share_image(heavy, language="ar")
    default_storage.delete(stored.name)
    default_storage.save(stored.name, ContentFile(noise_jpeg()))
    size = default_storage.size(stored.name)
    assert size > 300 * 1024

    (warning,) = page_of(editor, heavy).xpath("//*[contains(@class, 'whatsapp-kit__warning')]")

    assert warning.text_content() == (
        "لا يعرض واتساب معاينة الرابط إذا زاد حجم صورتها على 300 كيلوبايت، "
        f"وحجم صورة المشاركة هذه {filesizeformat(size)}."
    )
    assert not page_of(editor, light).xpath("//*[contains(@class, 'whatsapp-kit__warning')]")


def test_a_journalist_sees_the_kit_of_their_draft_and_that_the_link_waits_for_publishing(client):
    journalist = staff(roles.JOURNALIST)
    sign_in(client, journalist)
    draft = make_article(status=Article.Status.DRAFT, created_by=journalist, english=False)

    page = page_of(client, draft)

    assert (
        page.xpath("//textarea[@id='whatsapp-post-ar']")[0]
        .text_content()
        .endswith(f"/a/{draft.pk}/")
    )
    (note,) = page.xpath("//*[contains(@class, 'whatsapp-kit__note')]")
    assert note.text_content() == "لن يعمل الرابط قبل نشر المقال."


def test_the_kit_speaks_english_in_the_english_admin(editor):
    article = make_article()

    response = editor.get("/en" + reverse("admin:articles_article_change", args=[article.pk]))

    content = response.content.decode()
    assert "Ready-made post for the WhatsApp channel" in content
    assert "Post in Arabic" in content and "Post in English" in content
