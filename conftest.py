"""Fixtures shared by the whole suite."""

import pytest
from django.core.management import call_command
from django.utils import translation


@pytest.fixture(autouse=True)
def _arabic_by_default():
    """Start every test in the site's default language, as a request to / would."""
    with translation.override("ar"):
        yield


@pytest.fixture
def seeded(db):
    """Load the seed report (and nothing else) into the test database."""
    call_command("seed_newsroom", verbosity=0)


@pytest.fixture
def seed_report(seeded):
    from articles.models import Article

    return Article.objects.get(import_key="seed-000-5f667f3733499231")
