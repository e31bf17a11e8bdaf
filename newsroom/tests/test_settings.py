"""Settings chosen by environment variables, checked in fresh processes."""

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import CacheHandler

from newsroom.env import cache_config

REPO = Path(__file__).resolve().parents[2]


def run_django(code: str, **env) -> subprocess.CompletedProcess:
    """Run ``code`` after django.setup() in a new process with only ``env`` set."""
    environ = {"PATH": os.environ["PATH"], "DJANGO_SETTINGS_MODULE": "newsroom.settings", **env}
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=REPO,
        env=environ,
        capture_output=True,
        text=True,
        check=False,
    )


def production_env(tmp_path) -> dict[str, str]:
    return {
        "DJANGO_SECRET_KEY": "a-long-production-secret-" + "x9Q!" * 12,
        "DJANGO_ALLOWED_HOSTS": "news.example",
        "NEWSROOM_SITE_URL": "https://news.example",
        "NEWSROOM_VAR_DIR": str(tmp_path),
    }


def test_production_start_up_refuses_a_missing_secret_key(tmp_path):
    result = run_django("print('started')", NEWSROOM_VAR_DIR=str(tmp_path))

    assert result.returncode != 0
    assert "started" not in result.stdout
    assert "DJANGO_SECRET_KEY is not set" in result.stderr


def test_production_stores_passwords_with_a_slow_salted_hash(tmp_path):
    """The test suite hashes with MD5 for speed (conftest.py); the site itself never does."""
    result = run_django(
        "from django.contrib.auth.hashers import make_password; print(make_password('x'))",
        **production_env(tmp_path),
    )

    algorithm, iterations, _salt, _hash = result.stdout.strip().split("$")
    assert algorithm == "pbkdf2_sha256"
    assert int(iterations) >= 1_000_000


def test_debug_is_off_unless_asked_for(tmp_path):
    env = production_env(tmp_path)
    off = run_django("from django.conf import settings; print(settings.DEBUG)", **env)
    on = run_django(
        "from django.conf import settings; print(settings.DEBUG)",
        DJANGO_DEBUG="1",
        NEWSROOM_VAR_DIR=str(tmp_path),
    )

    assert off.stdout.strip() == "False"
    assert on.stdout.strip() == "True"


def test_deploy_check_is_clean_with_production_settings(tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=REPO,
        env={"PATH": os.environ["PATH"], **production_env(tmp_path)},
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


def test_production_settings_secure_cookies_and_https(tmp_path):
    code = (
        "from django.conf import settings as s; import json; print(json.dumps(["
        "s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT,"
        "s.SECURE_HSTS_SECONDS, s.SESSION_COOKIE_HTTPONLY, s.X_FRAME_OPTIONS]))"
    )
    result = run_django(code, **production_env(tmp_path))

    assert json.loads(result.stdout) == [True, True, True, 31536000, True, "DENY"]


def test_the_security_middleware_is_djangos_sparing_only_the_onion_host():
    from django.middleware.security import SecurityMiddleware

    from newsroom.middleware import SecurityMiddleware as Ours

    assert settings.MIDDLEWARE[0] == "newsroom.middleware.SecurityMiddleware"
    assert issubclass(Ours, SecurityMiddleware)
    assert "django.middleware.security.SecurityMiddleware" not in settings.MIDDLEWARE


def test_database_url_chooses_postgresql_and_defaults_to_sqlite_in_var(tmp_path):
    code = (
        "from django.conf import settings as s; db = s.DATABASES['default']; "
        "print(db['ENGINE'], db['NAME'])"
    )
    default = run_django(code, **production_env(tmp_path))
    postgres = run_django(
        code, DATABASE_URL="postgres://newsroom@db.internal:5432/news", **production_env(tmp_path)
    )

    assert default.stdout.split() == [
        "articles.reading.backends.sqlite3",
        str(tmp_path / "newsroom.sqlite3"),
    ]
    assert postgres.stdout.split() == ["articles.reading.backends.postgresql", "news"]


def test_arabic_is_the_default_language_and_damascus_the_time_zone():
    assert settings.LANGUAGE_CODE == "ar"
    assert [code for code, _name in settings.LANGUAGES] == ["ar", "en"]
    assert settings.TIME_ZONE == "Asia/Damascus"
    assert settings.USE_TZ is True


def test_damascus_is_utc_plus_three_all_year():
    """Pinned tzdata: Syria left daylight saving time in 2022 (UTC+3 all year)."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    damascus = ZoneInfo("Asia/Damascus")
    for month in (1, 7):
        offset = datetime(2026, month, 15, 12, tzinfo=damascus).utcoffset()
        assert offset.total_seconds() == 3 * 3600


def redis_is_listening() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.mark.skipif(not redis_is_listening(), reason="no Redis server on 127.0.0.1:6379")
def test_redis_url_gives_a_working_shared_cache():
    caches = CacheHandler({"default": cache_config({"REDIS_URL": "redis://127.0.0.1:6379/15"})})
    cache = caches["default"]
    try:
        cache.set("newsroom-test-key", {"headline": "عاجل"}, 30)
        other = CacheHandler({"default": cache_config({"REDIS_URL": "redis://127.0.0.1:6379/15"})})[
            "default"
        ]
        assert other.get("newsroom-test-key") == {"headline": "عاجل"}
    finally:
        cache.delete("newsroom-test-key")


def test_a_replica_url_adds_the_replica_and_its_router(tmp_path):
    result = run_django(
        "from django.conf import settings; import json; "
        "print(json.dumps([settings.DATABASES['replica']['HOST'], settings.DATABASE_ROUTERS, "
        "settings.DATABASES['replica']['ENGINE']]))",
        **production_env(tmp_path),
        DATABASE_URL="postgres://app@primary.internal:5432/newsroom",
        DATABASE_REPLICA_URL="postgres://reader@replica.internal:5432/newsroom",
    )

    assert result.returncode == 0, result.stderr
    host, routers, engine = json.loads(result.stdout)
    assert host == "replica.internal"
    assert routers == ["articles.caching.router.ReplicaRouter"]
    assert engine == "articles.reading.backends.postgresql"


def test_mirrors_without_the_main_address_refuse_to_start(tmp_path):
    env = production_env(tmp_path) | {"NEWSROOM_MIRROR_HOSTS": "mirror.example"}
    del env["NEWSROOM_SITE_URL"]

    result = run_django("print('started')", **env)

    assert result.returncode != 0
    assert "started" not in result.stdout
    assert "NEWSROOM_MIRROR_HOSTS is set but NEWSROOM_SITE_URL is not" in result.stderr


def test_mirrors_and_the_onion_host_are_allowed_hosts(tmp_path):
    onion = "http://" + "b" * 56 + ".onion"
    env = production_env(tmp_path) | {
        "NEWSROOM_MIRROR_HOSTS": "mirror.example,second.example",
        "NEWSROOM_ONION_URL": onion,
    }

    result = run_django("from django.conf import settings; print(settings.ALLOWED_HOSTS)", **env)

    assert result.stdout.strip() == repr(
        ["news.example", "mirror.example", "second.example", "b" * 56 + ".onion"]
    )
