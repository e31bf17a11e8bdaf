"""Share links: encoding the article into a network's URL, and vetting stored templates."""

from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from django.core.exceptions import ValidationError

from articles.sharing import (
    build_share_url,
    is_link_previewer,
    share_text,
    validate_share_template,
)

FACEBOOK = "https://www.facebook.com/sharer/sharer.php?u={url}"
WHATSAPP = "https://wa.me/?text={text}"
TELEGRAM = "https://t.me/share/url?url={url}&text={title}"
X = "https://x.com/intent/post?url={url}&text={title}"
EMAIL = "mailto:?subject={title}&body={text}"
REAL_TEMPLATES = [FACEBOOK, WHATSAPP, TELEGRAM, X, EMAIL]

ARABIC_URL = "https://example.org/ar/articles/42/الرقة-مدينة-على-الفرات/"
ARABIC_TITLE = "الرقة: مدينة على الفرات؟"


def query_of(share_url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(share_url).query, keep_blank_values=True, strict_parsing=True)


# --- build_share_url ---------------------------------------------------------------------


def test_share_text_is_title_then_url_on_its_own_line():
    assert share_text(title="عاجل", url="https://example.org/a/") == "عاجل\nhttps://example.org/a/"


def test_arabic_url_round_trips_through_facebook_template():
    share_url = build_share_url(FACEBOOK, url=ARABIC_URL, title=ARABIC_TITLE)
    assert share_url.startswith("https://www.facebook.com/sharer/sharer.php?u=")
    assert query_of(share_url) == {"u": [ARABIC_URL]}


def test_arabic_title_and_url_round_trip_through_telegram_template():
    share_url = build_share_url(TELEGRAM, url=ARABIC_URL, title=ARABIC_TITLE)
    assert query_of(share_url) == {"url": [ARABIC_URL], "text": [ARABIC_TITLE]}


def test_text_placeholder_is_title_newline_url():
    share_url = build_share_url(WHATSAPP, url=ARABIC_URL, title=ARABIC_TITLE)
    assert query_of(share_url) == {"text": [f"{ARABIC_TITLE}\n{ARABIC_URL}"]}


def test_email_template_carries_subject_and_body():
    share_url = build_share_url(EMAIL, url=ARABIC_URL, title=ARABIC_TITLE)
    parts = urlsplit(share_url)
    assert parts.scheme == "mailto"
    assert parts.path == ""
    assert query_of(share_url) == {
        "subject": [ARABIC_TITLE],
        "body": [f"{ARABIC_TITLE}\n{ARABIC_URL}"],
    }


@pytest.mark.parametrize("template", REAL_TEMPLATES)
def test_share_url_is_pure_ascii_with_no_raw_spaces_or_newlines(template):
    share_url = build_share_url(template, url=ARABIC_URL, title="عنوان فيه مسافات\nوسطر")
    assert share_url.isascii()
    assert " " not in share_url
    assert "\n" not in share_url


@pytest.mark.parametrize(
    "title",
    [
        "الحرب & السلام",
        "x&url=https://evil.example/",
        "a=b&c=d",
        "سؤال؟ ?url=https://evil.example/",
        "#hashtag #سوريا",
        "path/with/slashes",
        "percent %26 %20 signs",
        "plus + signs",
        "{url} {title}",
    ],
)
def test_special_characters_in_titles_cannot_inject_query_parameters(title):
    url = "https://example.org/a/?page=2&ref=home#comments"
    share_url = build_share_url(TELEGRAM, url=url, title=title)
    parts = urlsplit(share_url)
    assert parts.netloc == "t.me"
    assert parts.path == "/share/url"
    assert parts.fragment == ""
    query = query_of(share_url)
    assert set(query) == {"url", "text"}
    assert query == {"url": [url], "text": [title]}


def test_url_in_a_path_template_stays_one_path_segment():
    template = "https://share.example/add/{url}"
    validate_share_template(template)
    share_url = build_share_url(template, url=ARABIC_URL, title=ARABIC_TITLE)
    parts = urlsplit(share_url)
    assert parts.query == ""
    assert parts.fragment == ""
    prefix, segment = parts.path.rsplit("/", 1)
    assert prefix == "/add"
    assert unquote(segment) == ARABIC_URL


def test_special_characters_in_urls_cannot_inject_query_parameters():
    url = "https://example.org/search?q=a&u=https://evil.example/#top"
    share_url = build_share_url(FACEBOOK, url=url, title="عنوان")
    assert urlsplit(share_url).fragment == ""
    assert query_of(share_url) == {"u": [url]}


# --- validate_share_template -------------------------------------------------------------


@pytest.mark.parametrize("template", REAL_TEMPLATES)
def test_real_network_templates_are_accepted(template):
    validate_share_template(template)  # raises if refused


def test_http_template_is_accepted():
    validate_share_template("http://intranet.example/share?u={url}")


def error_code(template: str) -> str:
    with pytest.raises(ValidationError) as caught:
        validate_share_template(template)
    return caught.value.code


@pytest.mark.parametrize(
    "template",
    [
        "https://example.org/share?u={url}&key={secret}",
        "https://example.org/share?u={0}",
        "https://example.org/share?u={}",
        "https://example.org/share?u={url.__class__}",
        "https://example.org/share?u={url[0]}",
    ],
)
def test_unknown_placeholders_are_refused(template):
    assert error_code(template) == "unknown_placeholder"


def test_unknown_placeholder_is_named_in_the_message():
    with pytest.raises(ValidationError) as caught:
        validate_share_template("https://example.org/share?u={url}&key={secret}")
    assert "secret" in caught.value.messages[0]


@pytest.mark.parametrize(
    "template",
    [
        "https://example.org/share",
        "https://example.org/share?t={title}",
    ],
)
def test_template_without_url_or_text_is_refused(template):
    assert error_code(template) == "no_url"


@pytest.mark.parametrize(
    "template",
    [
        "javascript:alert({url})",
        "JavaScript:alert({url})",
        "data:text/html,<a href={url}>x</a>",
        "vbscript:msgbox({url})",
        "ftp://example.org/{url}",
        "//evil.example/?u={url}",
        "/share?u={url}",
    ],
)
def test_templates_with_other_schemes_are_refused(template):
    assert error_code(template) == "scheme"


@pytest.mark.parametrize(
    "template",
    [
        "https://{url}",
        "https://{title}.example/?u={url}",
        "https://example.org{url}",
        "https://example.org@{url}/",
        "https:///share?u={url}",
    ],
)
def test_host_given_by_a_placeholder_is_refused(template):
    assert error_code(template) == "host"


@pytest.mark.parametrize(
    "template",
    [
        "https://example.org/share?u={url",
        "https://example.org/share?u={url}}",
        "https://example.org/share?u=}{url}",
    ],
)
def test_malformed_brace_template_is_refused(template):
    assert error_code(template) == "unknown_placeholder"
    with pytest.raises(ValueError):
        build_share_url(template, url="https://example.org/", title="t")


# A format spec or conversion on a known placeholder would make build_share_url raise, and
# readers would get a 500: the template is refused when it is saved instead.
@pytest.mark.parametrize(
    "template",
    [
        "https://example.org/share?u={url:d}",
        "https://example.org/share?u={url!z}",
        "https://example.org/share?u={url:{title}}",
        "https://example.org/share?u={url!r}",
    ],
)
def test_template_that_cannot_be_formatted_is_refused(template):
    with pytest.raises(ValidationError):
        validate_share_template(template)


# --- is_link_previewer -------------------------------------------------------------------


@pytest.mark.parametrize(
    "user_agent",
    [
        "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
        "WhatsApp/2.23.20.0 A",
        "TelegramBot (like TwitterBot)",
        "Twitterbot/1.0",
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "curl/8.5.0",
        "",
    ],
)
def test_link_previewers_and_crawlers_are_recognised(user_agent):
    assert is_link_previewer(user_agent) is True


@pytest.mark.parametrize(
    "user_agent",
    [
        # Chrome on Android
        "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/124.0.6367.82 Mobile Safari/537.36",
        # Safari on iPhone
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
    ],
)
def test_readers_browsers_are_not_previewers(user_agent):
    assert is_link_previewer(user_agent) is False
