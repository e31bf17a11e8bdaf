"""Deployment configuration read from environment variables (explicit mappings only)."""

import stat

import pytest
from django.core.exceptions import ImproperlyConfigured

from newsroom.env import (
    cache_config,
    env_bool,
    env_int,
    env_list,
    media_storage,
    mirror_hosts,
    onion_url,
    secret_key,
    serve_media,
    static_export_dir,
)

# --- env_bool ----------------------------------------------------------------------------


@pytest.mark.parametrize("raw", ["1", "true", "TRUE", "True", "yes", "YES", "on", "On", " 1 "])
def test_env_bool_reads_true_words(raw):
    assert env_bool("DJANGO_DEBUG", False, {"DJANGO_DEBUG": raw}) is True


@pytest.mark.parametrize("raw", ["0", "false", "FALSE", "no", "No", "off", "OFF", " 0 ", ""])
def test_env_bool_reads_false_words(raw):
    assert env_bool("DJANGO_DEBUG", True, {"DJANGO_DEBUG": raw}) is False


@pytest.mark.parametrize("default", [True, False])
def test_env_bool_missing_variable_gives_default(default):
    assert env_bool("DJANGO_DEBUG", default, {}) is default


@pytest.mark.parametrize("raw", ["maybe", "2", "y", "n", "enabled", "truthy", "-1"])
def test_env_bool_refuses_ambiguous_values(raw):
    with pytest.raises(ImproperlyConfigured, match="DJANGO_DEBUG"):
        env_bool("DJANGO_DEBUG", False, {"DJANGO_DEBUG": raw})


# --- env_int -----------------------------------------------------------------------------


def test_env_int_reads_whole_numbers():
    assert env_int("DJANGO_HSTS_SECONDS", 0, {"DJANGO_HSTS_SECONDS": "31536000"}) == 31536000
    assert env_int("DJANGO_HSTS_SECONDS", 0, {"DJANGO_HSTS_SECONDS": " 60 "}) == 60


@pytest.mark.parametrize("environ", [{}, {"DJANGO_SESSION_AGE": ""}, {"DJANGO_SESSION_AGE": "  "}])
def test_env_int_missing_or_blank_gives_default(environ):
    assert env_int("DJANGO_SESSION_AGE", 43200, environ) == 43200


@pytest.mark.parametrize("raw", ["abc", "12h", "3.5", "1e3", "ten"])
def test_env_int_refuses_non_numbers(raw):
    with pytest.raises(ImproperlyConfigured, match="DJANGO_SESSION_AGE"):
        env_int("DJANGO_SESSION_AGE", 0, {"DJANGO_SESSION_AGE": raw})


# --- env_list ----------------------------------------------------------------------------


def test_env_list_splits_on_commas_and_trims():
    environ = {"DJANGO_ALLOWED_HOSTS": "example.org, www.example.org ,localhost"}
    assert env_list("DJANGO_ALLOWED_HOSTS", [], environ) == [
        "example.org",
        "www.example.org",
        "localhost",
    ]


def test_env_list_drops_blank_items():
    environ = {"DJANGO_ALLOWED_HOSTS": ",example.org,, ,localhost,"}
    assert env_list("DJANGO_ALLOWED_HOSTS", [], environ) == ["example.org", "localhost"]


def test_env_list_empty_value_gives_empty_list_not_default():
    assert env_list("DJANGO_ALLOWED_HOSTS", ["localhost"], {"DJANGO_ALLOWED_HOSTS": ""}) == []


def test_env_list_missing_variable_gives_a_copy_of_the_default():
    default = ["localhost"]
    result = env_list("DJANGO_ALLOWED_HOSTS", default, {})
    assert result == ["localhost"]
    result.append("evil.example")
    assert default == ["localhost"]


# --- secret_key --------------------------------------------------------------------------


def test_secret_key_is_required_when_debug_is_off(tmp_path):
    with pytest.raises(ImproperlyConfigured, match="DJANGO_SECRET_KEY"):
        secret_key(debug=False, var_dir=tmp_path, environ={})
    assert not (tmp_path / "dev-secret-key").exists()


def test_blank_secret_key_counts_as_missing(tmp_path):
    with pytest.raises(ImproperlyConfigured):
        secret_key(debug=False, var_dir=tmp_path, environ={"DJANGO_SECRET_KEY": "   "})


def test_secret_key_comes_from_the_environment(tmp_path):
    environ = {"DJANGO_SECRET_KEY": "  s3cr3t-from-env  "}
    assert secret_key(debug=False, var_dir=tmp_path, environ=environ) == "s3cr3t-from-env"
    assert secret_key(debug=True, var_dir=tmp_path, environ=environ) == "s3cr3t-from-env"
    assert not (tmp_path / "dev-secret-key").exists()


def test_debug_generates_a_private_key_file_and_reuses_it(tmp_path):
    first = secret_key(debug=True, var_dir=tmp_path, environ={})
    key_file = tmp_path / "dev-secret-key"
    assert key_file.exists()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert len(first) >= 50
    assert key_file.read_text().strip() == first

    second = secret_key(debug=True, var_dir=tmp_path, environ={})
    assert second == first


def test_debug_keys_are_random_per_checkout(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = secret_key(debug=True, var_dir=tmp_path / "a", environ={})
    second = secret_key(debug=True, var_dir=tmp_path / "b", environ={})
    assert first != second


def test_existing_debug_key_file_is_not_overwritten(tmp_path):
    (tmp_path / "dev-secret-key").write_text("kept-from-yesterday\n")
    assert secret_key(debug=True, var_dir=tmp_path, environ={}) == "kept-from-yesterday"


# --- cache_config ------------------------------------------------------------------------

REDIS = "django.core.cache.backends.redis.RedisCache"
LOCMEM = "django.core.cache.backends.locmem.LocMemCache"
DUMMY = "django.core.cache.backends.dummy.DummyCache"


@pytest.mark.parametrize("name", ["REDIS_URL", "CACHE_URL"])
@pytest.mark.parametrize("url", ["redis://127.0.0.1:6379/1", "rediss://cache.example:6380/0"])
def test_redis_urls_use_the_redis_cache(name, url):
    config = cache_config({name: url})
    assert config["BACKEND"] == REDIS
    assert config["LOCATION"] == url


def test_redis_cache_has_prefix_timeout_and_short_socket_timeouts():
    config = cache_config({"REDIS_URL": "redis://127.0.0.1:6379/1"})
    assert config["KEY_PREFIX"] == "newsroom"
    assert config["TIMEOUT"] == 300
    assert config["OPTIONS"] == {"socket_connect_timeout": 0.25, "socket_timeout": 0.5}


def test_redis_cache_prefix_and_timeout_can_be_configured():
    config = cache_config(
        {
            "REDIS_URL": "redis://127.0.0.1:6379/1",
            "NEWSROOM_CACHE_PREFIX": "staging",
            "NEWSROOM_CACHE_TIMEOUT": "60",
        }
    )
    assert config["KEY_PREFIX"] == "staging"
    assert config["TIMEOUT"] == 60


def test_redis_url_wins_over_cache_url():
    config = cache_config({"REDIS_URL": "redis://primary:6379/0", "CACHE_URL": "dummy://"})
    assert config["BACKEND"] == REDIS
    assert config["LOCATION"] == "redis://primary:6379/0"


def test_empty_redis_url_falls_back_to_cache_url():
    assert cache_config({"REDIS_URL": "", "CACHE_URL": "dummy://"})["BACKEND"] == DUMMY


def test_local_memory_cache_is_the_default():
    assert cache_config({})["BACKEND"] == LOCMEM


def test_locmem_url_uses_the_local_memory_cache():
    assert cache_config({"CACHE_URL": "locmem://"})["BACKEND"] == LOCMEM


def test_dummy_url_disables_caching():
    assert cache_config({"CACHE_URL": "dummy://"}) == {"BACKEND": DUMMY}


@pytest.mark.parametrize("url", ["memcached://127.0.0.1:11211", "https://cache.example/"])
def test_unsupported_cache_urls_are_refused(url):
    with pytest.raises(ImproperlyConfigured, match="Unsupported cache URL"):
        cache_config({"CACHE_URL": url})


def test_bad_cache_timeout_is_refused():
    with pytest.raises(ImproperlyConfigured, match="NEWSROOM_CACHE_TIMEOUT"):
        cache_config({"REDIS_URL": "redis://x:6379/0", "NEWSROOM_CACHE_TIMEOUT": "five"})


# --- media_storage -----------------------------------------------------------------------

S3 = "storages.backends.s3.S3Storage"


def test_local_file_storage_is_the_default():
    assert media_storage({}) == {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    assert media_storage({"NEWSROOM_MEDIA_STORAGE": "local"})["BACKEND"] == (
        "django.core.files.storage.FileSystemStorage"
    )


def test_s3_storage_from_aws_variables():
    config = media_storage(
        {
            "NEWSROOM_MEDIA_STORAGE": "s3",
            "AWS_STORAGE_BUCKET_NAME": "newsroom-media",
            "AWS_S3_ENDPOINT_URL": "https://minio.example:9000",
            "AWS_S3_REGION_NAME": "eu-central-1",
            "AWS_ACCESS_KEY_ID": "AKIAEXAMPLE",
            "AWS_SECRET_ACCESS_KEY": "not-a-real-secret",
            "AWS_S3_CUSTOM_DOMAIN": "media.example.org",
        }
    )
    assert config["BACKEND"] == S3
    options = config["OPTIONS"]
    assert options["bucket_name"] == "newsroom-media"
    assert options["endpoint_url"] == "https://minio.example:9000"
    assert options["region_name"] == "eu-central-1"
    assert options["access_key"] == "AKIAEXAMPLE"
    assert options["secret_key"] == "not-a-real-secret"
    assert options["custom_domain"] == "media.example.org"


def test_s3_storage_defaults_keep_uploads_private_and_unique():
    options = media_storage(
        {"NEWSROOM_MEDIA_STORAGE": "s3", "AWS_STORAGE_BUCKET_NAME": "newsroom-media"}
    )["OPTIONS"]
    assert options["endpoint_url"] is None
    assert options["region_name"] is None
    assert options["default_acl"] is None
    assert options["querystring_auth"] is False
    assert options["file_overwrite"] is False


def test_s3_storage_kind_is_case_and_space_insensitive():
    config = media_storage({"NEWSROOM_MEDIA_STORAGE": " S3 ", "AWS_STORAGE_BUCKET_NAME": "b"})
    assert config["BACKEND"] == S3


def test_s3_querystring_auth_can_be_turned_on():
    options = media_storage(
        {
            "NEWSROOM_MEDIA_STORAGE": "s3",
            "AWS_STORAGE_BUCKET_NAME": "b",
            "AWS_QUERYSTRING_AUTH": "true",
        }
    )["OPTIONS"]
    assert options["querystring_auth"] is True


def test_s3_storage_from_a_storage_url():
    options = media_storage(
        {
            "NEWSROOM_MEDIA_STORAGE": "s3",
            "NEWSROOM_MEDIA_STORAGE_URL": (
                "s3://newsroom-media?endpoint_url=http://127.0.0.1:9000&region=eu-1"
            ),
        }
    )["OPTIONS"]
    assert options["bucket_name"] == "newsroom-media"
    assert options["endpoint_url"] == "http://127.0.0.1:9000"
    assert options["region_name"] == "eu-1"


def test_storage_url_overrides_the_separate_variables():
    options = media_storage(
        {
            "NEWSROOM_MEDIA_STORAGE": "s3",
            "AWS_STORAGE_BUCKET_NAME": "old-bucket",
            "AWS_S3_ENDPOINT_URL": "https://old.example",
            "AWS_S3_REGION_NAME": "old-region",
            "NEWSROOM_MEDIA_STORAGE_URL": "s3://new-bucket?endpoint_url=http://127.0.0.1:9000",
        }
    )["OPTIONS"]
    assert options["bucket_name"] == "new-bucket"
    assert options["endpoint_url"] == "http://127.0.0.1:9000"
    # Not given in the URL, so the separate variable still applies.
    assert options["region_name"] == "old-region"


@pytest.mark.parametrize(
    "environ",
    [
        {"NEWSROOM_MEDIA_STORAGE": "s3"},
        {"NEWSROOM_MEDIA_STORAGE": "s3", "AWS_STORAGE_BUCKET_NAME": ""},
        {"NEWSROOM_MEDIA_STORAGE": "s3", "NEWSROOM_MEDIA_STORAGE_URL": "s3://?region=eu-1"},
    ],
)
def test_s3_storage_without_a_bucket_is_refused(environ):
    with pytest.raises(ImproperlyConfigured, match="AWS_STORAGE_BUCKET_NAME"):
        media_storage(environ)


@pytest.mark.parametrize("kind", ["gcs", "azure", "ftp", "s4"])
def test_unknown_storage_kind_is_refused(kind):
    with pytest.raises(ImproperlyConfigured, match="NEWSROOM_MEDIA_STORAGE"):
        media_storage({"NEWSROOM_MEDIA_STORAGE": kind, "AWS_STORAGE_BUCKET_NAME": "b"})


# --- serve_media ---------------------------------------------------------------------


def test_local_media_is_served_by_the_site_unless_a_web_server_does_it():
    assert serve_media({}) is True
    assert serve_media({"NEWSROOM_MEDIA_STORAGE": "local"}) is True
    assert serve_media({"NEWSROOM_SERVE_MEDIA": "0"}) is False


def test_media_in_a_bucket_is_never_served_from_local_disk():
    assert serve_media({"NEWSROOM_MEDIA_STORAGE": "s3"}) is False
    with pytest.raises(ImproperlyConfigured, match="NEWSROOM_SERVE_MEDIA"):
        serve_media({"NEWSROOM_MEDIA_STORAGE": "s3", "NEWSROOM_SERVE_MEDIA": "1"})


# --- mirrors and the onion service ----------------------------------------------------------

MAIN = {"NEWSROOM_SITE_URL": "https://news.example"}
ONION = "http://" + "a" * 56 + ".onion"


def test_mirror_hosts_are_read_as_host_names():
    environ = MAIN | {"NEWSROOM_MIRROR_HOSTS": " mirror-one.example , Mirror2.example.net ,"}

    assert mirror_hosts(environ) == ["mirror-one.example", "mirror2.example.net"]
    assert mirror_hosts(MAIN) == []


@pytest.mark.parametrize(
    "raw", ["https://mirror.example", "mirror.example/news", "mirror.example:8443", "a@b.example"]
)
def test_mirror_hosts_refuse_anything_but_a_host_name(raw):
    with pytest.raises(ImproperlyConfigured, match="NEWSROOM_MIRROR_HOSTS lists host names"):
        mirror_hosts(MAIN | {"NEWSROOM_MIRROR_HOSTS": raw})


@pytest.mark.parametrize("site_url", [None, "", "  "])
def test_mirrors_without_the_main_address_refuse_to_start(site_url):
    environ = {"NEWSROOM_MIRROR_HOSTS": "mirror.example"}
    if site_url is not None:
        environ["NEWSROOM_SITE_URL"] = site_url

    with pytest.raises(ImproperlyConfigured, match="NEWSROOM_SITE_URL is not"):
        mirror_hosts(environ)


def test_onion_url_is_read_without_a_trailing_slash():
    assert onion_url(MAIN | {"NEWSROOM_ONION_URL": ONION + "/"}) == ONION
    assert onion_url(MAIN) == ""


@pytest.mark.parametrize(
    "raw", ["https://news.example", "abc.onion", ONION + "/news", ONION + ":8080", "ftp://x.onion"]
)
def test_onion_url_refuses_anything_but_an_onion_address(raw):
    with pytest.raises(ImproperlyConfigured, match="NEWSROOM_ONION_URL must be"):
        onion_url(MAIN | {"NEWSROOM_ONION_URL": raw})


def test_an_onion_address_without_the_main_address_refuses_to_start():
    with pytest.raises(ImproperlyConfigured, match="NEWSROOM_SITE_URL is not"):
        onion_url({"NEWSROOM_ONION_URL": ONION})


def test_static_export_dir_is_off_unless_set():
    assert static_export_dir(MAIN) == ""
    assert static_export_dir(MAIN | {"NEWSROOM_STATIC_EXPORT_DIR": " /srv/copy "}) == "/srv/copy"


def test_a_static_copy_without_the_main_address_refuses_to_start():
    with pytest.raises(ImproperlyConfigured, match="NEWSROOM_SITE_URL is not"):
        static_export_dir({"NEWSROOM_STATIC_EXPORT_DIR": "/srv/copy"})
