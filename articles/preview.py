"""Signed, expiring preview links, for reviewers outside the newsroom.

A token names one article and carries its signing time; it opens that article, and
only that one, until it expires. No account is needed and nothing else is revealed.
"""

from django.conf import settings
from django.core import signing

SALT = "articles.preview"


def preview_token(article_id: int) -> str:
    """Return a token that opens the preview of ``article_id``."""
    return signing.TimestampSigner(salt=SALT).sign_object({"article": article_id})


def article_id_from_token(token: str) -> int | None:
    """Return the article a token opens, or None if it is forged, damaged or expired."""
    try:
        payload = signing.TimestampSigner(salt=SALT).unsign_object(
            token, max_age=settings.NEWSROOM_PREVIEW_MAX_AGE
        )
    except signing.BadSignature:  # SignatureExpired is a BadSignature
        return None
    except ValueError:  # signed by us, but without a time or with an unreadable payload
        return None
    article_id = payload.get("article") if isinstance(payload, dict) else None
    return article_id if isinstance(article_id, int) else None
