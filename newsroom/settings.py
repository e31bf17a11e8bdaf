"""Settings for the newsroom, read from environment variables.

One module for every deployment. The defaults run on a laptop (SQLite under ``var/``,
local-memory cache, media on local disk); production chooses PostgreSQL, Redis and
S3-compatible storage through ``DATABASE_URL``, ``REDIS_URL`` and
``NEWSROOM_MEDIA_STORAGE``. DEBUG is off unless ``DJANGO_DEBUG=1``, and with DEBUG off
the settings are production-grade. Every variable is listed in README.md.
"""

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from newsroom.env import (
    cache_config,
    env_bool,
    env_int,
    env_list,
    jobs_redis_url,
    media_storage,
    mirror_hosts,
    onion_url,
    secret_key,
    serve_media,
    static_export_dir,
    telegram_settings,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("NEWSROOM_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DJANGO_DEBUG", False)
SECRET_KEY = secret_key(debug=DEBUG, var_dir=VAR_DIR)
ALLOWED_HOSTS = env_list(
    "DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

# The public address of the site, used for canonical and share URLs. Without it the
# request's own host is used.
NEWSROOM_SITE_URL = os.environ.get("NEWSROOM_SITE_URL", "").rstrip("/")
NEWSROOM_SITE_NAME = _("SY24")

# Mirrors and an onion service, for readers whose network blocks the main address
# (docs/deploy.md). Each answers with the same site, its pages' links stay on it, and
# canonical, share, feed and sitemap addresses keep NEWSROOM_SITE_URL, which both need.
# The reach-us page lists them; every page names the onion service in Onion-Location.
NEWSROOM_MIRROR_HOSTS = mirror_hosts()
NEWSROOM_ONION_URL = onion_url()
# Their forms post to their own origin, which Django's CSRF check accepts as it is:
# CSRF_TRUSTED_ORIGINS needs nothing more.
ALLOWED_HOSTS += [
    host
    for host in [*NEWSROOM_MIRROR_HOSTS, NEWSROOM_ONION_URL.partition("://")[2]]
    if host and host not in ALLOWED_HOSTS
]
# The folder a job keeps the static copy of the lite edition in, brought up to date
# after each publish, unpublish, archive or edit of a live article (docs/deploy.md).
# Empty: no copy is kept, and nothing is queued. Needs NEWSROOM_SITE_URL.
NEWSROOM_STATIC_EXPORT_DIR = static_export_dir()

INSTALLED_APPS = [
    # modeltranslation must come before the admin to patch its forms.
    "modeltranslation",
    "staff.apps.NewsroomAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "articles",
    "staff",
    "reversion",
    "django_prose_editor",
    # Two-factor sign-in (TOTP) to the admin; see articles/twofactor.py.
    "django_otp",
    "django_otp.plugins.otp_totp",
    # Jobs, run by `manage.py db_worker` (docs/deploy.md): Django 6's Tasks framework,
    # backported, with its queue in the database.
    "django_tasks",
    "django_tasks_db",
]

MIDDLEWARE = [
    # Django's, but no HTTPS redirect and no HSTS for the onion host (plain HTTP).
    "newsroom.middleware.SecurityMiddleware",
    "newsroom.middleware.SecurityHeadersMiddleware",
    # Before the page cache, so that cached pages name the onion service too.
    "newsroom.middleware.OnionLocationMiddleware",
    # Static files, compressed and with far-future cache headers for hashed names.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "articles.public.protection.RequestGuardMiddleware",
    # Anonymous readers get whole cached pages here, before sessions and languages are
    # looked at; see articles/caching/pagecache.py.
    "articles.caching.pagecache.PageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): whether this session passed two-factor sign-in.
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "newsroom.urls"
WSGI_APPLICATION = "newsroom.wsgi.application"

# The reader pages are Jinja2 templates (jinja2/): they cost about half the CPU of
# Django's. The admin, the sitemaps and robots.txt stay Django templates (templates/),
# found by the second engine when the first has no template of that name.
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [BASE_DIR / "jinja2"],
        "APP_DIRS": False,
        "OPTIONS": {
            "environment": "articles.public.templating.environment",
            # The backend itself gives request, csrf_input and csrf_token.
            "context_processors": [
                "articles.public.context_processors.site",
                "articles.public.context_processors.masthead",
            ],
        },
    },
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "articles.public.context_processors.site",
            ],
        },
    },
]

# Reader templates read only names their context offers: with this on (and with DEBUG),
# reading any other fails loudly instead of printing nothing. The test suite turns it on.
NEWSROOM_STRICT_TEMPLATES = env_bool("NEWSROOM_STRICT_TEMPLATES", False)

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'newsroom.sqlite3'}",
        conn_max_age=env_int("DJANGO_DB_CONN_MAX_AGE", 0),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite, the embedded default: Django's backend, which also keeps the query
    # planner's statistics up to date (articles/reading/backends/sqlite3). Readers never wait for
    # a writer (WAL), and a write takes its lock when its transaction begins, so that two
    # workers writing at once queue up instead of one failing with "database is locked".
    DATABASES["default"]["ENGINE"] = "articles.reading.backends.sqlite3"
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # Tests run in memory, as Django does for its own SQLite backend (said outright,
    # for the test runner's processes to see this backend is SQLite too).
    DATABASES["default"]["TEST"] = {"NAME": ":memory:"}
# PostgreSQL: Django's backend, which checks a kept connection's health without a
# round trip to the server (articles/reading/backends/postgresql).
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["ENGINE"] = "articles.reading.backends.postgresql"
# PostgreSQL keeps the plans of the reader pages' hot queries (articles/reading/sql.py):
# psycopg prepares the statements of its server-side binding cursors the first time they
# run, and only the read side's compiled queries use such cursors (Django's own bind on
# the client and are never prepared); each prepared statement keeps one generic plan.
# Off behind a connection pooler in transaction mode, which does not keep a session's
# prepared statements.
NEWSROOM_PREPARED_STATEMENTS = env_bool("DJANGO_DB_PREPARED_STATEMENTS", True)


def prepared_statements(database: dict) -> None:
    """Have psycopg prepare the read side's statements on ``database`` (PostgreSQL)."""
    if NEWSROOM_PREPARED_STATEMENTS and database["ENGINE"].endswith("postgresql"):
        options = database.setdefault("OPTIONS", {})
        options.setdefault("prepare_threshold", 0)
        server = options.get("options", "")
        options["options"] = f"{server} -c plan_cache_mode=force_generic_plan".strip()


prepared_statements(DATABASES["default"])
# An optional read replica (PostgreSQL streaming replication) for anonymous readers'
# pages; see articles/caching/router.py.
if os.environ.get("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = dj_database_url.parse(
        os.environ["DATABASE_REPLICA_URL"],
        conn_max_age=env_int("DJANGO_DB_CONN_MAX_AGE", 0),
        conn_health_checks=True,
    )
    if DATABASES["replica"]["ENGINE"] == "django.db.backends.postgresql":
        DATABASES["replica"]["ENGINE"] = "articles.reading.backends.postgresql"
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    prepared_statements(DATABASES["replica"])
    DATABASE_ROUTERS = ["articles.caching.router.ReplicaRouter"]
NEWSROOM_REPLICA_LAG_SECONDS = env_int("NEWSROOM_REPLICA_LAG_SECONDS", 5)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {"default": cache_config()}
# Jobs (articles/operations/jobs.py): Django's Tasks framework. They wait in the database
# (django-tasks-db), so a queued job survives a restart and nothing more is needed to run
# one, or in Redis when NEWSROOM_JOBS_REDIS_URL names a server (django-tasks-rq, on RQ).
# `manage.py newsroom_worker` runs them either way (`make run` starts it beside the
# server; docs/deploy.md for production).
NEWSROOM_JOBS_REDIS_URL = jobs_redis_url()
if NEWSROOM_JOBS_REDIS_URL:
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    RQ_QUEUES = {"default": {"URL": NEWSROOM_JOBS_REDIS_URL, "DEFAULT_TIMEOUT": 300}}
    RQ_SHOW_ADMIN_LINK = False
    INSTALLED_APPS += ["django_rq"]
else:
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
# A delivery to an outside channel that fails is tried again after
# NEWSROOM_JOB_RETRY_SECONDS, then twice as long each time (at most an hour), and given
# up after NEWSROOM_JOB_MAX_ATTEMPTS tries, its error kept for the admin.
NEWSROOM_JOB_RETRY_SECONDS = env_int("NEWSROOM_JOB_RETRY_SECONDS", 30)
NEWSROOM_JOB_MAX_ATTEMPTS = env_int("NEWSROOM_JOB_MAX_ATTEMPTS", 8)

# The outlet's Telegram channel posts itself (README: creating the bot). Without a token
# nothing is queued. The English channel is optional; the Instant View template hash
# (rhash) makes each post's link open as an Instant View page.
_telegram = telegram_settings()
NEWSROOM_TELEGRAM_BOT_TOKEN = _telegram["token"]
NEWSROOM_TELEGRAM_CHAT_ID = _telegram["chat_id"]
NEWSROOM_TELEGRAM_CHAT_ID_EN = _telegram["chat_id_en"]
NEWSROOM_TELEGRAM_API_URL = _telegram["api_url"]
NEWSROOM_TELEGRAM_IV_RHASH = _telegram["iv_rhash"]
NEWSROOM_TELEGRAM_TIMEOUT = env_int("NEWSROOM_TELEGRAM_TIMEOUT", 20)
# A headline changed this long after the post went out is no longer edited in it.
NEWSROOM_TELEGRAM_EDIT_WINDOW = env_int("NEWSROOM_TELEGRAM_EDIT_WINDOW", 60 * 60)

# Posts from other sites in an article's text (articles/media/body.py): the preview
# picture of a post is fetched once, when the article is saved, from these addresses
# (per provider; a provider not named gets a plain card), and stored with our media.
# A fetch that fails or takes longer than the timeout leaves the card plain; set
# NEWSROOM_EMBED_THUMBNAILS=0 to never ask.
NEWSROOM_EMBED_THUMBNAIL_URLS = (
    {"youtube": "https://i.ytimg.com/vi/{video}/hqdefault.jpg"}
    if env_bool("NEWSROOM_EMBED_THUMBNAILS", True)
    else {}
)
NEWSROOM_EMBED_THUMBNAIL_TIMEOUT = env_int("NEWSROOM_EMBED_THUMBNAIL_TIMEOUT", 3)

# Whole pages for anonymous readers (articles/caching/pagecache.py), never stale: any change to
# content starts a new generation. NEWSROOM_PAGE_CACHE_SECONDS bounds only how long a
# page outlives a change to share counts. With a process-local cache the generation is
# kept in a file, so every worker on the machine sees every change.
NEWSROOM_PAGE_CACHE = env_bool("NEWSROOM_PAGE_CACHE", True)
NEWSROOM_PAGE_CACHE_ALIAS = "default"
NEWSROOM_PAGE_CACHE_SECONDS = env_int("NEWSROOM_PAGE_CACHE_SECONDS", 300)
NEWSROOM_PAGE_CACHE_GENERATION_FILE = VAR_DIR / "page-generation"
# The deployed release (a commit id, say): pages cached by an earlier release are not
# served by a new one.
NEWSROOM_RELEASE = os.environ.get("NEWSROOM_RELEASE", "")
# What a CDN in front may do (Cache-Control: s-maxage, stale-while-revalidate,
# stale-if-error). Browsers always revalidate, by ETag. NEWSROOM_CDN_MAX_AGE=0 makes a
# CDN ask every time too (answered with a cheap 304 while nothing changed).
NEWSROOM_CDN_MAX_AGE = env_int("NEWSROOM_CDN_MAX_AGE", 10)
NEWSROOM_CDN_STALE_WHILE_REVALIDATE = env_int("NEWSROOM_CDN_STALE_WHILE_REVALIDATE", 30)
NEWSROOM_CDN_STALE_IF_ERROR = env_int("NEWSROOM_CDN_STALE_IF_ERROR", 86400)

# Sign-in throttling (staff/signin.py, docs/security.md): failures are counted over the
# last NEWSROOM_SIGNIN_WINDOW_MINUTES. NEWSROOM_LOGIN_FAILURES for one account from one
# place stop that place for the window; failures from one address slow it from
# NEWSROOM_SIGNIN_ADDRESS_SLOW on and stop it at NEWSROOM_SIGNIN_ADDRESS_STOP (browsers
# that signed into the account before excepted); NEWSROOM_SIGNIN_ACCOUNT_SLOW failures
# for one account from unknown places slow every unknown place for it.
NEWSROOM_SIGNIN_WINDOW_MINUTES = env_int("NEWSROOM_LOCKOUT_MINUTES", 15)
NEWSROOM_LOGIN_FAILURES = env_int("NEWSROOM_LOGIN_FAILURES", 5)
NEWSROOM_SIGNIN_ADDRESS_SLOW = env_int("NEWSROOM_SIGNIN_ADDRESS_SLOW", 20)
NEWSROOM_SIGNIN_ADDRESS_STOP = env_int("NEWSROOM_SIGNIN_ADDRESS_STOP", 100)
NEWSROOM_SIGNIN_ACCOUNT_SLOW = env_int("NEWSROOM_SIGNIN_ACCOUNT_SLOW", 10)

# Two-factor sign-in (django-otp, TOTP; articles/twofactor.py): required in the admin of
# editors, administrators and superusers, and of journalists who turn it on. Each wrong
# code makes the next try wait twice as long (1, 2, 4, 8… seconds). NEWSROOM_TOTP_ISSUER
# names the account in authenticator apps: a neutral name keeps a phone that is seized
# from telling where its owner works.
OTP_TOTP_ISSUER = os.environ.get("NEWSROOM_TOTP_ISSUER", "SY24")
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Languages: Arabic is the default and the fallback; English is optional per article.
LANGUAGE_CODE = "ar"
LANGUAGES = [("ar", _("Arabic")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
FORMAT_MODULE_PATH = ["newsroom.formats"]
TIME_ZONE = "Asia/Damascus"
USE_TZ = True

MODELTRANSLATION_DEFAULT_LANGUAGE = "ar"
MODELTRANSLATION_LANGUAGES = ("ar", "en")
MODELTRANSLATION_FALLBACK_LANGUAGES = ("ar",)


def _label_in_language(verbose_name, language):
    """Name a translated field's language in words, in the reader's language:
    "Headline (Arabic)", "العنوان (بالعربية)", not "headline [ar]" (called lazily)."""
    from articles.versioning import label_in_language

    return str(label_in_language(verbose_name, language))


MODELTRANSLATION_BUILD_LOCALIZED_VERBOSE_NAME = _label_in_language
# The tabbed admin must work with no outside network: jQuery UI is vendored.
JQUERY_UI_URL = "vendor/jquery-ui/jquery-ui.min.js"

# How readers see dates and numbers: month names "levantine" (أيار), "egyptian"
# (مايو) or "both" (أيار/مايو); digits "western" (10) or "arabic" (١٠).
NEWSROOM_MONTH_STYLE = os.environ.get("NEWSROOM_MONTH_STYLE", "both")
NEWSROOM_DIGITS = os.environ.get("NEWSROOM_DIGITS", "western")

# Abuse of public endpoints: requests per address in the last minute (a sliding window,
# articles/public/protection.py), and how many proxies (load balancer, CDN) in front of
# the site append to X-Forwarded-For. One address is often many readers: Syrian carriers
# put thousands of phones behind each public address (CGNAT), so a limit is set for what
# one address's crowd does in normal reading, not for one person.
# A search is the costliest page no cache answers (full-text query and render, about
# 10 ms of CPU): 240 a minute, four a second, is a few per cent of one core per address,
# and a carrier address must have more than 240 searches a minute behind it before one
# reader sees the 429 page (which says to wait, Retry-After, under a minute). A flood of
# hundreds a minute from one address is refused.
NEWSROOM_SEARCH_PER_MINUTE = env_int("NEWSROOM_SEARCH_PER_MINUTE", 240)
# A share click is one small UPDATE and a redirect, cheaper than a search, while a
# refused one costs a reader more (the message they meant to send): 300 a minute, five
# a second from one address, far above a breaking story's clicks through one carrier
# address, still refuses a script hammering the counter.
NEWSROOM_SHARE_PER_MINUTE = env_int("NEWSROOM_SHARE_PER_MINUTE", 300)
# A read is counted by one small statement and a bodiless answer, and a refused one
# costs the reader nothing (the page is read; only the count misses it). Readers behind
# one carrier address read far more than they share: 600 a minute, ten a second, still
# keeps one script from inflating the "most read" list more than that.
NEWSROOM_READS_PER_MINUTE = env_int("NEWSROOM_READS_PER_MINUTE", 600)
NEWSROOM_TRUSTED_PROXIES = env_int("NEWSROOM_TRUSTED_PROXIES", 0)

# How long a shareable preview link stays valid, in seconds (three days by default).
# The benchmark's bare yardstick view at /bench/trivial (bench/run.py); off in production.
NEWSROOM_BENCH_TRIVIAL = env_bool("NEWSROOM_BENCH_TRIVIAL", False)
NEWSROOM_PREVIEW_MAX_AGE = env_int("NEWSROOM_PREVIEW_MAX_AGE", 3 * 24 * 60 * 60)

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", BASE_DIR / "staticfiles"))
MEDIA_URL = os.environ.get("DJANGO_MEDIA_URL", "/media/")
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT", VAR_DIR / "media"))
STORAGES = {
    "default": media_storage(),
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Local media is served by the site itself (articles/media/views.py: images only, inert,
# cached for a year when the name is a digest) unless NEWSROOM_SERVE_MEDIA=0 says a web
# server in front does it (docs/deploy.md); with S3 storage nothing is routed.
NEWSROOM_SERVE_MEDIA = serve_media()
# Without collectstatic (the test suite), names are served unhashed instead of failing.
WHITENOISE_MANIFEST_STRICT = False

LOGIN_URL = "admin:login"

# Security. With DEBUG off these are production values; NEWSROOM_HTTPS=0 is for a
# deployment that really is served over plain HTTP (the test suite, a private network).
HTTPS = env_bool("NEWSROOM_HTTPS", not DEBUG)
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", HTTPS)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 31536000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", HTTPS)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = HTTPS
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env_int("DJANGO_SESSION_AGE", 60 * 60 * 12)
CSRF_COOKIE_SECURE = HTTPS
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
# Django's deploy check looks for its own SecurityMiddleware by name; MIDDLEWARE has
# newsroom.middleware.SecurityMiddleware, a subclass that only spares the onion host
# (test_settings.py checks it is there and the production values above).
SILENCED_SYSTEM_CHECKS = ["security.W001"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        "newsroom": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}
