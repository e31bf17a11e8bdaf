"""Preview links for reviewers outside the newsroom: the tokens they carry.

A link is a row (``models.PreviewLink``) made by someone who may publish the article,
listed on the article and revocable one by one. Its token is random and shown once,
when the link is made; only its digest is stored, so a copy of the database (a backup,
say) opens nothing. Pure functions: no model, no database.
"""

import hashlib
import secrets

# 32 random bytes: 43 URL-safe characters, beyond any guessing.
TOKEN_BYTES = 32


def new_token() -> str:
    """Return a new, unguessable token for a preview link."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_digest(token: str) -> str:
    """Return what is stored of ``token``: its SHA-256, in hexadecimal."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()
