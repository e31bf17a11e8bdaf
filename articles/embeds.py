"""Posts from other sites that an article's text may show: which addresses, and how.

A YouTube, Telegram, X or Facebook address alone on its line of the body becomes a card
(``articles.media.body``) that asks nothing of the provider; a reader who taps it loads
our own page ``/embed/<provider>/<reference>/`` in a frame, and only that page's policy
lets the provider's frame in (``articles.public.embeds``). Pure: no model, no request.
"""

import re
from dataclasses import dataclass
from urllib.parse import quote


@dataclass(frozen=True)
class Provider:
    name: str  # in the body's markup and the embed page's path
    label: str  # what readers call it; a brand, the same in every language
    origin: str  # the only frame the embed page allows
    patterns: tuple[re.Pattern, ...]  # addresses of a post; their groups make its reference
    reference: re.Pattern  # what a reference from a path must look like
    link: str  # the post's address, from its reference
    frame: str  # the provider's embed address, from its reference

    def match(self, url: str) -> str | None:
        """Return the reference of the post at ``url``, or None if it is not one of ours."""
        for pattern in self.patterns:
            found = pattern.fullmatch(url)
            if found:
                return "/".join(found.groups())
        return None

    def parts(self, reference: str) -> dict[str, str] | None:
        found = self.reference.fullmatch(reference)
        return found.groupdict() if found else None

    def link_of(self, reference: str) -> str:
        return self.link.format(**self.parts(reference))

    def frame_of(self, reference: str) -> str:
        parts = self.parts(reference)
        return self.frame.format(**parts, address=quote(self.link.format(**parts), safe=""))


_QUERY = r"(?:[?#][^\s]*)?"
PROVIDERS = {
    provider.name: provider
    for provider in (
        Provider(
            "youtube",
            "YouTube",
            "https://www.youtube-nocookie.com",
            (
                re.compile(
                    r"https?://(?:www\.|m\.)?youtube\.com/watch\?(?:[^\s#]*&)?v=([A-Za-z0-9_-]{11})"
                    r"(?:[&#][^\s]*)?"
                ),
                re.compile(r"https?://youtu\.be/([A-Za-z0-9_-]{11})" + _QUERY),
                re.compile(
                    r"https?://(?:www\.|m\.)?youtube\.com/(?:shorts|embed|live)/([A-Za-z0-9_-]{11})"
                    + _QUERY
                ),
            ),
            re.compile(r"(?P<video>[A-Za-z0-9_-]{11})"),
            "https://www.youtube.com/watch?v={video}",
            "https://www.youtube-nocookie.com/embed/{video}",
        ),
        Provider(
            "telegram",
            "Telegram",
            "https://t.me",
            (
                re.compile(
                    r"https?://(?:t\.me|telegram\.me)/(?:s/)?([A-Za-z0-9_]{4,32})/([0-9]{1,12})"
                    + _QUERY
                ),
            ),
            re.compile(r"(?P<channel>[A-Za-z0-9_]{4,32})/(?P<post>[0-9]{1,12})"),
            "https://t.me/{channel}/{post}",
            "https://t.me/{channel}/{post}?embed=1",
        ),
        Provider(
            "x",
            "X",
            "https://platform.twitter.com",
            (
                re.compile(
                    r"https?://(?:www\.|mobile\.)?(?:x|twitter)\.com/([A-Za-z0-9_]{1,15})/status/([0-9]{1,20})"
                    + _QUERY
                ),
            ),
            re.compile(r"(?P<user>[A-Za-z0-9_]{1,15})/(?P<status>[0-9]{1,20})"),
            "https://x.com/{user}/status/{status}",
            "https://platform.twitter.com/embed/Tweet.html?id={status}",
        ),
        Provider(
            "facebook",
            "Facebook",
            "https://www.facebook.com",
            (
                re.compile(
                    r"https?://(?:www\.|m\.)?facebook\.com/([A-Za-z0-9.]{1,64})/(posts|videos)/"
                    r"([A-Za-z0-9]{1,40})/?" + _QUERY
                ),
            ),
            re.compile(
                r"(?P<page>[A-Za-z0-9.]{1,64})/(?P<kind>posts|videos)/(?P<post>[A-Za-z0-9]{1,40})"
            ),
            "https://www.facebook.com/{page}/{kind}/{post}",
            "https://www.facebook.com/plugins/post.php?href={address}&show_text=true",
        ),
    )
}


def find_post(url: str) -> tuple[Provider, str] | None:
    """Return the provider and reference of a post at ``url``; None for any other address."""
    for provider in PROVIDERS.values():
        reference = provider.match(url.strip())
        if reference and ".." not in reference:
            return provider, reference
    return None


def post(provider_name: str, reference: str) -> tuple[Provider, str] | None:
    """Return the provider and the reference named by an embed page's path, if valid."""
    provider = PROVIDERS.get(provider_name)
    if provider is None or ".." in reference or provider.parts(reference) is None:
        return None
    return provider, reference
