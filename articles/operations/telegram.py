"""The outlet's Telegram channel: what a delivery sends, through the Bot API.

``send(delivery)`` does what one ``Delivery`` row asks (post an article, edit or remove
its post, announce a correction) and says how it went: ``Sent`` (with the message's
number and address), ``Wait`` (not yet: the article is scheduled, or the post a
correction replies to is still on its way) or ``Nothing`` (no longer wanted: the article
was taken down before its post went out). The other side's failures are exceptions:
``RetryLater`` (a timeout, a 5xx, a 429 with the ``retry_after`` it asks for) and
``Refused`` (a 4xx that asking again will not change: a wrong channel, a bot that is
not the channel's admin). The job in ``jobs.py`` turns those into retries or a failure.

Messages are composed when they are sent, from the article as it is then, in HTML
(the Bot API's ``parse_mode``): the headline in bold, the standfirst, and the article's
short link, which opens as a Telegram Instant View page when a template hash is set.
The bot's token is never written into an error the admin shows.
"""

import datetime
from dataclasses import dataclass
from html import escape
from urllib.parse import urlencode

import requests
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from articles import links
from articles.media import images
from articles.models import Article, Delivery
from articles.sanitizing import html_to_text

# The Bot API's limits, in characters of the text as shown (tags do not count).
CAPTION_LIMIT = 1024
TEXT_LIMIT = 4096
# Telegram refuses photos over 10 MB; the largest article rendition is far smaller.
PHOTO_PRESET = "hero"

Kind = Delivery.Kind
State = Delivery.State


class TelegramError(Exception):
    """The Bot API did not do what was asked."""


class RetryLater(TelegramError):
    """A failure that may pass: the network, a timeout, a 5xx, a rate limit (429)."""

    def __init__(self, message: str, *, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


class Refused(TelegramError):
    """A failure asking again will not change (a 4xx other than 429)."""


@dataclass(frozen=True)
class Sent:
    message_id: int | None = None
    link: str = ""
    with_photo: bool = False


@dataclass(frozen=True)
class Wait:
    until: datetime.datetime


@dataclass(frozen=True)
class Nothing:
    reason: str


class Bot:
    """A client of the Bot API at ``NEWSROOM_TELEGRAM_API_URL`` (Telegram's, or a fake
    one on 127.0.0.1 in tests)."""

    def __init__(self, token: str | None = None, api_url: str | None = None):
        self.token = token or settings.NEWSROOM_TELEGRAM_BOT_TOKEN
        self.api_url = api_url or settings.NEWSROOM_TELEGRAM_API_URL

    def call(self, method: str, data: dict, files: dict | None = None) -> dict:
        """Call ``method``; return its ``result``, or raise ``RetryLater`` or ``Refused``."""
        url = f"{self.api_url}/bot{self.token}/{method}"
        try:
            response = requests.post(
                url, data=data, files=files, timeout=settings.NEWSROOM_TELEGRAM_TIMEOUT
            )
        except requests.RequestException as error:
            raise RetryLater(self._hide_token(f"{type(error).__name__}: {error}")) from None
        try:
            payload = response.json()
        except ValueError:
            payload = {}
        if not isinstance(payload, dict):
            payload = {}
        description = str(payload.get("description") or f"HTTP {response.status_code}")
        if response.status_code == 429 or payload.get("error_code") == 429:
            parameters = payload.get("parameters") or {}
            retry_after = parameters.get("retry_after") if isinstance(parameters, dict) else None
            raise RetryLater(
                self._hide_token(description),
                retry_after=float(retry_after) if isinstance(retry_after, int | float) else None,
            )
        if response.status_code >= 500:
            raise RetryLater(self._hide_token(f"HTTP {response.status_code}: {description}"))
        if not payload.get("ok"):
            raise Refused(self._hide_token(f"HTTP {response.status_code}: {description}"))
        result = payload.get("result")
        return result if isinstance(result, dict) else {}

    def _hide_token(self, text: str) -> str:
        return text.replace(self.token, "<token>") if self.token else text


def chat_for(language: str) -> str:
    """Return the channel that posts in ``language``, or "" if there is none."""
    if language == "en":
        return settings.NEWSROOM_TELEGRAM_CHAT_ID_EN
    if language == settings.MODELTRANSLATION_DEFAULT_LANGUAGE:
        return settings.NEWSROOM_TELEGRAM_CHAT_ID
    return ""


def is_configured() -> bool:
    return bool(settings.NEWSROOM_TELEGRAM_BOT_TOKEN and settings.NEWSROOM_TELEGRAM_CHAT_ID)


def article_link(article: Article, language: str) -> tuple[str, str]:
    """Return the address a post opens and the one it shows: the short link, opening
    as an Instant View page of the canonical address when a template hash is set."""
    short = links.short_url(article.pk, language)
    rhash = settings.NEWSROOM_TELEGRAM_IV_RHASH
    if not rhash:
        return short, short
    with override(language):
        canonical = settings.NEWSROOM_SITE_URL + article.get_absolute_url()
    return "https://t.me/iv?" + urlencode({"url": canonical, "rhash": rhash}), short


def _in(article: Article, field: str, language: str) -> str:
    return getattr(article, f"{field}_{language}", "") or ""


def _fit(text: str, room: int) -> str:
    """Shorten ``text`` to ``room`` characters at a word, marking the cut with "…"."""
    if len(text) <= room:
        return text
    if room <= 1:
        return ""
    cut = text[: room - 1]
    if " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ،,.؛:") + "…"


def post_html(article: Article, language: str, *, limit: int) -> str:
    """Return the post: the headline in bold, the standfirst, the link."""
    headline = _in(article, "title", language)
    standfirst = _in(article, "summary", language) or html_to_text(_in(article, "body", language))
    href, shown = article_link(article, language)
    room = limit - len(headline) - len(shown) - 4
    standfirst = _fit(" ".join(standfirst.split()), max(room, 0))
    parts = [f"<b>{escape(headline)}</b>"]
    if standfirst:
        parts.append(escape(standfirst))
    parts.append(f'<a href="{escape(href)}">{escape(shown)}</a>')
    return "\n\n".join(parts)


def correction_html(delivery: Delivery) -> str:
    article, language = delivery.article, delivery.language
    with override(language):
        label = _("Correction")
    text = _in(delivery.correction, "text", language) or delivery.correction.text
    href, shown = article_link(article, language)
    room = TEXT_LIMIT - len(label) - len(shown) - 6
    return (
        f"<b>{escape(label)}</b>: {escape(_fit(' '.join(text.split()), room))}\n\n"
        f'<a href="{escape(href)}">{escape(shown)}</a>'
    )


def _photo(article: Article) -> tuple[str, bytes] | None:
    """Return the lead picture's largest JPEG rendition (name, bytes), if there is one."""
    if not article.lead_image:
        return None
    renditions = images.ensure_renditions(article.lead_image, PHOTO_PRESET)
    jpeg = [r for r in renditions if r.format == "JPEG"] or renditions
    with article.lead_image.storage.open(jpeg[-1].name, "rb") as stored:
        return f"{article.pk}.jpg", stored.read()


def message_link(chat_id: str, message_id: int, chat: dict | None = None) -> str:
    """Return the message's address: public channels by name, private ones by number."""
    username = (chat or {}).get("username") or (chat_id[1:] if chat_id.startswith("@") else "")
    if username:
        return f"https://t.me/{username}/{message_id}"
    if chat_id.startswith("-100"):
        return f"https://t.me/c/{chat_id[4:]}/{message_id}"
    return ""


def send(delivery: Delivery, bot: Bot | None = None) -> Sent | Wait | Nothing:
    """Do what the delivery asks, now."""
    bot = bot or Bot()
    return {
        Kind.POST: _post,
        Kind.EDIT: _edit,
        Kind.DELETE: _delete,
        Kind.CORRECTION: _correction,
    }[Delivery.Kind(delivery.kind)](delivery, bot)


def _not_live(article: Article | None) -> Wait | Nothing | None:
    """Say why an article's post must not go out now; None if it may."""
    if article is None:
        return Nothing(_("The article was deleted."))
    if article.status != Article.Status.PUBLISHED or article.published_at is None:
        return Nothing(_("The article is no longer published."))
    if article.published_at > timezone.now():
        return Wait(article.published_at)
    return None


def _post(delivery: Delivery, bot: Bot) -> Sent | Wait | Nothing:
    article = delivery.article
    stop = _not_live(article)
    if stop is not None:
        return stop
    if not article.is_available_in(delivery.language):
        return Nothing(_("The article has no text in this language."))
    photo = _photo(article)
    chat = delivery.chat_id
    if photo is not None:
        result = bot.call(
            "sendPhoto",
            {
                "chat_id": chat,
                "caption": post_html(article, delivery.language, limit=CAPTION_LIMIT),
                "parse_mode": "HTML",
            },
            files={"photo": (photo[0], photo[1], "image/jpeg")},
        )
    else:
        result = bot.call(
            "sendMessage",
            {
                "chat_id": chat,
                "text": post_html(article, delivery.language, limit=TEXT_LIMIT),
                "parse_mode": "HTML",
            },
        )
    message_id = result.get("message_id")
    return Sent(
        message_id=message_id,
        link=message_link(chat, message_id, result.get("chat")) if message_id else "",
        with_photo=photo is not None,
    )


def _waiting_for(post: Delivery | None) -> Wait | Nothing | None:
    """Say what an edit, removal or correction must do while its post is not sent."""
    if post is None:
        return None
    if post.state in {State.QUEUED, State.SENDING}:
        # Shortly after the post's own next attempt.
        return Wait(max(post.next_attempt_at, timezone.now()) + datetime.timedelta(seconds=5))
    if post.state != State.SENT or post.message_id is None:
        return Nothing(_("The post was never sent."))
    return None


def _edit(delivery: Delivery, bot: Bot) -> Sent | Wait | Nothing:
    post, article = delivery.target, delivery.article
    stop = _not_live(article) or _waiting_for(post)
    if stop is not None:
        return stop
    if post is None or post.withdrawn:
        return Nothing(_("The post was taken down."))
    method, field, limit = (
        ("editMessageCaption", "caption", CAPTION_LIMIT)
        if post.with_photo
        else ("editMessageText", "text", TEXT_LIMIT)
    )
    try:
        bot.call(
            method,
            {
                "chat_id": post.chat_id,
                "message_id": post.message_id,
                field: post_html(article, delivery.language, limit=limit),
                "parse_mode": "HTML",
            },
        )
    except Refused as error:
        if "message is not modified" not in str(error):
            raise
    return Sent(message_id=post.message_id, link=post.link)


def _delete(delivery: Delivery, bot: Bot) -> Sent | Wait | Nothing:
    post = delivery.target
    stop = _waiting_for(post)
    if stop is not None:
        return stop
    if post is None:
        return Nothing(_("There is no post to take down."))
    try:
        bot.call("deleteMessage", {"chat_id": post.chat_id, "message_id": post.message_id})
    except Refused as error:
        if "message to delete not found" not in str(error):
            raise
    return Sent(message_id=post.message_id, link="")


def _correction(delivery: Delivery, bot: Bot) -> Sent | Wait | Nothing:
    article, post = delivery.article, delivery.target
    stop = _not_live(article) or _waiting_for(post)
    if stop is not None:
        return stop
    if delivery.correction is None:
        return Nothing(_("The correction was deleted."))
    data = {"chat_id": delivery.chat_id, "text": correction_html(delivery), "parse_mode": "HTML"}
    if post is not None and not post.withdrawn and post.message_id:
        data["reply_parameters"] = (
            f'{{"message_id": {int(post.message_id)}, "allow_sending_without_reply": true}}'
        )
    result = bot.call("sendMessage", data)
    message_id = result.get("message_id")
    return Sent(
        message_id=message_id,
        link=message_link(delivery.chat_id, message_id, result.get("chat")) if message_id else "",
    )
