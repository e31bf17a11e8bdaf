"""Fixtures shared by the whole suite, and how it runs on two cores.

``make test`` runs the suite in two processes (pytest-xdist): a test may not count on
running alone, on another test's state, or on printing to the terminal; a line meant
for the run's closing summary goes through the ``run_summary`` fixture, which reaches
the summary from whichever process ran the test.
"""

import pytest
from django.core.management import call_command
from django.utils import translation


def pytest_configure(config):
    """Serve static files unhashed in tests: production's manifest needs collectstatic.

    newsroom/tests/test_static.py runs collectstatic with the production storage itself.
    """
    from django.conf import settings

    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    # Hundreds of staff accounts are made and signed in: the production hasher's
    # deliberate slowness (a second of CPU per account) buys a test nothing. Production
    # keeps it (newsroom/tests/test_settings.py checks).
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # A reader template that reads a name its page does not offer fails the test.
    settings.NEWSROOM_STRICT_TEMPLATES = True
    # WhiteNoise serves the source folders directly, as in development.
    settings.STATIC_ROOT = None
    settings.WHITENOISE_USE_FINDERS = True


@pytest.fixture(autouse=True)
def _arabic_by_default():
    """Start every test in the site's default language, as a request to / would."""
    with translation.override("ar"):
        yield


@pytest.fixture(autouse=True)
def _media_in_a_temporary_folder(settings, tmp_path):
    """Keep files stored by any test (uploads, renditions, share images) out of the repo."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _empty_cache():
    """Start every test with an empty cache (rate-limit counts, cached pages), no stored
    file known to this process, no share totals kept from another test's minute, and no
    cache outage left over from another test."""
    from django.core.cache import cache

    from articles.caching import pagecache
    from articles.media.images import forget_stored
    from articles.reading.pages import forget_share_totals

    cache.clear()
    forget_stored()
    forget_share_totals()
    # A cache outage another test simulated is over: pages are cached again at once.
    pagecache._Outage.retry_at = 0.0
    pagecache._Outage.bump_pending = False


@pytest.fixture
def uncached_pages(settings):
    """Measure what rendering a page costs: the page cache answers repeats with no query."""
    settings.NEWSROOM_PAGE_CACHE = False


@pytest.fixture(autouse=True)
def _page_generation_file(settings, tmp_path_factory):
    """Keep each test's page-cache generation to itself, out of the repository's var/."""
    settings.NEWSROOM_PAGE_CACHE_GENERATION_FILE = tmp_path_factory.mktemp("var") / "generation"


@pytest.fixture(autouse=True)
def _fresh_content_type_cache():
    """Forget cached content types: a test in transaction mode recreates them with new ids."""
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.clear_cache()


@pytest.fixture
def roles_exist(django_db_setup, django_db_blocker):
    """Recreate the role groups: tests in transaction mode empty every table after them."""
    from django.apps import apps

    from staff.roles import sync_roles

    with django_db_blocker.unblock():
        sync_roles(apps)


@pytest.fixture
def migration_rows(db):
    """Recreate the rows data migrations make (the reach-us page, the masthead and footer
    settings), as they make them: a transactional test earlier in the same process empties
    every table when it ends."""
    import importlib

    from django.apps import apps

    for module, function in (
        ("articles.migrations.0009_reach_us_page", "create_page"),
        ("articles.migrations.0012_masthead", "create_settings"),
        ("articles.migrations.0017_piece_types", "fill_texts"),
    ):
        getattr(importlib.import_module(module), function)(apps, None)


@pytest.fixture
def seeded(db):
    """Load the seed report (and nothing else) into the test database."""
    call_command("seed_newsroom", verbosity=0)


@pytest.fixture
def seed_report(seeded):
    from articles.models import Article

    return Article.objects.get(import_key="seed-000-5f667f3733499231")


# The run's closing summary ------------------------------------------------------------

# Lines for the run's closing summary, gathered from the reports of every process.
_summary: list[str] = []
# The longest tests, longest first. Each is started at once, with
# one short test after it (pytest-xdist hands a process two tests at a time, so no long
# test waits behind another), and the short ones fill the rest: the processes finish
# together.
LONGEST_FIRST = (
    "articles/tests/test_xss_browser.py::test_public_corpus_runs_nowhere_in_chromium",
    "articles/tests/test_xss_browser.py::",
    "articles/tests/test_load.py::",
    "articles/tests/test_xss.py::test_admin_change_forms",
)


@pytest.fixture
def run_summary(request):
    """Return a list; lines appended to it are printed in the run's closing summary."""
    lines: list[str] = []
    yield lines
    request.node.user_properties.extend(("summary", line) for line in lines)


def _database_group(item) -> int:
    """Where Django's order (pytest-django's, kept) puts a test: tests in a transaction
    rolled back, then tests that commit (whose database is emptied after them, the
    role groups with it), then tests without a database."""
    marker = item.get_closest_marker("django_db")
    fixtures = getattr(item, "fixturenames", ())
    if (marker and (marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences"))) or (
        {"transactional_db", "live_server"} & set(fixtures)
    ):
        return 1
    return 0 if marker or "db" in fixtures else 2


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    """Start the longest tests first, each followed by a short one, then keep Django's
    order of groups. A long test that commits must put back what the migrations made
    after itself (the browser suites do), or the tests after it miss the role groups."""

    def rank(item):
        return next(
            (n for n, prefix in enumerate(LONGEST_FIRST) if item.nodeid.startswith(prefix)),
            None,
        )

    long = sorted((item for item in items if rank(item) is not None), key=rank)
    rest = sorted((item for item in items if rank(item) is None), key=_database_group)
    ordered = []
    for number, item in enumerate(long):
        ordered += [item, *rest[number : number + 1]]
    items[:] = ordered + rest[len(long) :]


def pytest_runtest_logreport(report):
    if report.when == "teardown":
        _summary.extend(value for name, value in report.user_properties if name == "summary")


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if _summary:
        terminalreporter.section("summary of checks")
        for line in _summary:
            terminalreporter.write_line(line)
