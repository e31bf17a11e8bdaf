"""Read the deployment's configuration from environment variables.

Pure functions over a mapping (``os.environ`` by default), so every choice the
settings make can be tested without reloading Django.
"""

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from django.core.exceptions import ImproperlyConfigured

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}


def env_bool(name: str, default: bool, environ: Mapping[str, str] = os.environ) -> bool:
    """Return the boolean an environment variable spells, refusing anything ambiguous."""
    raw = environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in TRUE_WORDS:
        return True
    if value in FALSE_WORDS:
        return False
    raise ImproperlyConfigured(f"{name} must be 1 or 0 (true/false), not {raw!r}.")


def env_int(name: str, default: int, environ: Mapping[str, str] = os.environ) -> int:
    raw = environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}.") from None


def env_list(name: str, default: list[str], environ: Mapping[str, str] = os.environ) -> list[str]:
    """Return a comma-separated variable as a list, blanks dropped."""
    raw = environ.get(name)
    if raw is None:
        return list(default)
    return [item.strip() for item in raw.split(",") if item.strip()]


def secret_key(*, debug: bool, var_dir: Path, environ: Mapping[str, str] = os.environ) -> str:
    """Return the secret key; only a DEBUG laptop may fall back to a generated one.

    The generated key lives in the git-ignored ``var/`` so sessions survive a
    restart of the development server.
    """
    key = environ.get("DJANGO_SECRET_KEY", "").strip()
    if key:
        return key
    if not debug:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set. Production settings (DJANGO_DEBUG off) refuse to "
            "start without one; generate one with: python -c 'import secrets; "
            "print(secrets.token_urlsafe(50))'"
        )
    path = var_dir / "dev-secret-key"
    if not path.exists():
        # Created readable by its owner only, never briefly world-readable.
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_urlsafe(50))
    return path.read_text().strip()


def cache_config(environ: Mapping[str, str] = os.environ) -> dict:
    """Return the default cache from ``REDIS_URL`` or ``CACHE_URL``.

    ``redis://`` and ``rediss://`` use Django's Redis backend, ``locmem://`` (the
    default) the per-process memory cache and ``dummy://`` no cache at all.
    """
    url = environ.get("REDIS_URL") or environ.get("CACHE_URL") or "locmem://"
    scheme = urlsplit(url).scheme
    if scheme in {"redis", "rediss"}:
        return {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": environ.get("NEWSROOM_CACHE_PREFIX", "newsroom"),
            "TIMEOUT": env_int("NEWSROOM_CACHE_TIMEOUT", 300, environ),
            # A cache server that is down must not hold readers up: the site serves
            # uncached instead (articles/pagecache.py).
            "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.5},
        }
    if scheme == "locmem":
        return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "newsroom"}
    if scheme == "dummy":
        return {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}
    raise ImproperlyConfigured(
        f"Unsupported cache URL {url!r}: use redis://, rediss://, locmem:// or dummy://."
    )


def media_storage(environ: Mapping[str, str] = os.environ) -> dict:
    """Return the ``default`` storage from ``NEWSROOM_MEDIA_STORAGE``.

    ``local`` (the default) keeps uploads under ``MEDIA_ROOT``. ``s3`` stores them in an
    S3-compatible bucket (AWS, MinIO, Ceph, R2...) through django-storages; a URL such as
    ``s3://bucket?endpoint_url=https://minio.example:9000&region=eu-1`` may be given in
    ``NEWSROOM_MEDIA_STORAGE_URL`` instead of the separate variables.
    """
    kind = environ.get("NEWSROOM_MEDIA_STORAGE", "local").strip().lower()
    if kind == "local":
        return {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    if kind != "s3":
        raise ImproperlyConfigured(f"NEWSROOM_MEDIA_STORAGE must be local or s3, not {kind!r}.")
    options = {
        "bucket_name": environ.get("AWS_STORAGE_BUCKET_NAME", ""),
        "endpoint_url": environ.get("AWS_S3_ENDPOINT_URL") or None,
        "region_name": environ.get("AWS_S3_REGION_NAME") or None,
        "access_key": environ.get("AWS_ACCESS_KEY_ID") or None,
        "secret_key": environ.get("AWS_SECRET_ACCESS_KEY") or None,
        "custom_domain": environ.get("AWS_S3_CUSTOM_DOMAIN") or None,
        "default_acl": None,
        "querystring_auth": env_bool("AWS_QUERYSTRING_AUTH", False, environ),
        "file_overwrite": False,
    }
    url = environ.get("NEWSROOM_MEDIA_STORAGE_URL")
    if url:
        parts = urlsplit(url)
        query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
        options["bucket_name"] = parts.netloc
        options["endpoint_url"] = query.get("endpoint_url", options["endpoint_url"])
        options["region_name"] = query.get("region", options["region_name"])
    if not options["bucket_name"]:
        raise ImproperlyConfigured(
            "NEWSROOM_MEDIA_STORAGE=s3 needs AWS_STORAGE_BUCKET_NAME or NEWSROOM_MEDIA_STORAGE_URL."
        )
    return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}


def serve_media(environ: Mapping[str, str] = os.environ) -> bool:
    """Return whether the site itself serves ``MEDIA_URL`` from ``MEDIA_ROOT``.

    On by default with local storage, so uploads are seen in production without more
    setup; ``NEWSROOM_SERVE_MEDIA=0`` when nginx serves the folder (docs/deploy.md).
    With S3-compatible storage the files are not on this machine: there is nothing to
    serve, and asking for it is a mistake worth stopping at start-up.
    """
    local = environ.get("NEWSROOM_MEDIA_STORAGE", "local").strip().lower() == "local"
    wanted = env_bool("NEWSROOM_SERVE_MEDIA", local, environ)
    if wanted and not local:
        raise ImproperlyConfigured(
            "NEWSROOM_SERVE_MEDIA=1 serves files from MEDIA_ROOT, but with "
            "NEWSROOM_MEDIA_STORAGE=s3 they are in the bucket: leave NEWSROOM_SERVE_MEDIA unset."
        )
    return wanted


def _host_name(value: str) -> str | None:
    """Return ``value`` as a bare host name (lower case), or None if it is anything else."""
    parts = urlsplit(f"//{value}")
    if not parts.hostname or parts.port or parts.path or parts.query or "@" in value:
        return None
    return parts.hostname


def mirror_hosts(environ: Mapping[str, str] = os.environ) -> list[str]:
    """Return the mirrors' host names from ``NEWSROOM_MIRROR_HOSTS`` (comma-separated).

    A mirror serves the same site under another name, for readers whose network blocks
    the main one; its pages still name the main address as canonical, so a mirror needs
    ``NEWSROOM_SITE_URL``: without it every page would name the mirror it was read on.
    """
    hosts = []
    for raw in env_list("NEWSROOM_MIRROR_HOSTS", [], environ):
        host = _host_name(raw)
        if host is None:
            raise ImproperlyConfigured(
                f"NEWSROOM_MIRROR_HOSTS lists host names such as mirror.example.org, "
                f"not {raw!r} (no scheme, port or path)."
            )
        hosts.append(host)
    if hosts and not environ.get("NEWSROOM_SITE_URL", "").strip():
        raise ImproperlyConfigured(
            "NEWSROOM_MIRROR_HOSTS is set but NEWSROOM_SITE_URL is not: set it to the main "
            "address (https://news.example) so that canonical, share and feed links keep it "
            "on every mirror."
        )
    return hosts


def onion_url(environ: Mapping[str, str] = os.environ) -> str:
    """Return the onion service's address from ``NEWSROOM_ONION_URL`` ("http://….onion").

    Like a mirror, the onion host needs ``NEWSROOM_SITE_URL`` for its pages to name the
    main address as canonical.
    """
    raw = environ.get("NEWSROOM_ONION_URL", "").strip().rstrip("/")
    if not raw:
        return ""
    parts = urlsplit(raw)
    if (
        parts.scheme not in {"http", "https"}
        or not (parts.hostname or "").endswith(".onion")
        or parts.path
        or parts.query
        or parts.port
    ):
        raise ImproperlyConfigured(
            f"NEWSROOM_ONION_URL must be an onion service's address such as "
            f"http://example….onion (no port or path), not {raw!r}."
        )
    if not environ.get("NEWSROOM_SITE_URL", "").strip():
        raise ImproperlyConfigured(
            "NEWSROOM_ONION_URL is set but NEWSROOM_SITE_URL is not: set it to the main "
            "address (https://news.example) so that canonical, share and feed links keep it "
            "on the onion service."
        )
    return f"{parts.scheme}://{parts.hostname}"


def static_export_dir(environ: Mapping[str, str] = os.environ) -> str:
    """Return the folder of the static copy a job keeps current (``NEWSROOM_STATIC_EXPORT_DIR``).

    Empty when unset: no copy is kept. The copy's pages name the main address as
    canonical and link to it for what they do not hold, so it needs ``NEWSROOM_SITE_URL``.
    """
    folder = environ.get("NEWSROOM_STATIC_EXPORT_DIR", "").strip()
    if folder and not environ.get("NEWSROOM_SITE_URL", "").strip():
        raise ImproperlyConfigured(
            "NEWSROOM_STATIC_EXPORT_DIR is set but NEWSROOM_SITE_URL is not: set it to the "
            "main address (https://news.example), which the static copy's pages link to."
        )
    return folder


def jobs_redis_url(environ: Mapping[str, str] = os.environ) -> str:
    """Return the Redis server jobs wait in (``NEWSROOM_JOBS_REDIS_URL``), or "" for the
    database."""
    url = environ.get("NEWSROOM_JOBS_REDIS_URL", "").strip()
    if url and urlsplit(url).scheme not in {"redis", "rediss", "unix"}:
        raise ImproperlyConfigured(
            "NEWSROOM_JOBS_REDIS_URL must be a redis://, rediss:// or unix:// address."
        )
    return url


TELEGRAM_API_URL = "https://api.telegram.org"


def telegram_settings(environ: Mapping[str, str] = os.environ) -> dict[str, str]:
    """Read the Telegram channel's settings; refuse a half-made configuration.

    A token needs the channel (``NEWSROOM_TELEGRAM_CHAT_ID``) and the site's public
    address (``NEWSROOM_SITE_URL``), which every post links to.
    """
    values = {
        "token": environ.get("NEWSROOM_TELEGRAM_BOT_TOKEN", "").strip(),
        "chat_id": environ.get("NEWSROOM_TELEGRAM_CHAT_ID", "").strip(),
        "chat_id_en": environ.get("NEWSROOM_TELEGRAM_CHAT_ID_EN", "").strip(),
        "api_url": environ.get("NEWSROOM_TELEGRAM_API_URL", "").strip().rstrip("/")
        or TELEGRAM_API_URL,
        "iv_rhash": environ.get("NEWSROOM_TELEGRAM_IV_RHASH", "").strip(),
    }
    if values["token"]:
        if not values["chat_id"]:
            raise ImproperlyConfigured(
                "NEWSROOM_TELEGRAM_BOT_TOKEN is set but NEWSROOM_TELEGRAM_CHAT_ID is not: "
                "set it to the channel (@name or its number)."
            )
        if not environ.get("NEWSROOM_SITE_URL", "").strip():
            raise ImproperlyConfigured(
                "NEWSROOM_TELEGRAM_BOT_TOKEN is set but NEWSROOM_SITE_URL is not: set it to "
                "the main address (https://news.example), which every post links to."
            )
    if urlsplit(values["api_url"]).scheme not in {"http", "https"}:
        raise ImproperlyConfigured("NEWSROOM_TELEGRAM_API_URL must be an http(s) address.")
    return values
