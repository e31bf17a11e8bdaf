"""Every kind of public page is valid HTML, as the Nu HTML checker (W3C's) judges it."""

import json
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone, translation

from articles.models import Quote, ReachUsPage, SiteSettings

VNU = (
    Path(__file__).resolve().parents[2]
    / "bench"
    / "node_modules"
    / "vnu-jar"
    / "build"
    / "dist"
    / "vnu.jar"
)

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        not VNU.exists() or shutil.which("java") is None,
        reason="the Nu HTML checker needs Java and `npm ci --prefix bench` (make test does it)",
    ),
]


def test_public_pages_have_no_html_errors_or_warnings(
    client, seed_report, tmp_path, settings, migration_rows
):
    call_command("seed_newsroom", demo=6, verbosity=0)
    # The reach-us page with every way in it can list.
    settings.NEWSROOM_SITE_URL = "https://news.example"
    settings.NEWSROOM_MIRROR_HOSTS = ["mirror.example"]
    settings.NEWSROOM_ONION_URL = "http://" + "x" * 56 + ".onion"
    ReachUsPage.objects.update_or_create(pk=1, defaults={"telegram_url": "https://t.me/sy24_news"})
    quote = Quote.objects.filter(article=seed_report).first()
    # The masthead and footer with everything they can show: a breaking strip, the
    # contact address and social accounts.
    seed_report.breaking_until = timezone.now() + timedelta(hours=1)
    seed_report.save()
    footer = SiteSettings.objects.get()
    footer.contact_url = "mailto:editor@news.example"
    footer.telegram_url = "https://t.me/sy24_news"
    footer.youtube_url = "https://www.youtube.com/@sy24"
    footer.save()
    with translation.override("ar"):
        article = seed_report.get_absolute_url()
    with translation.override("en"):
        article_en = seed_report.get_absolute_url()
    pages = {
        "home": "/",
        "home-en": "/en/",
        "article": article,
        "article-en": article_en,
        "section": "/sections/reports/",
        "tag": "/tags/isis/",
        "expert": "/experts/ahmed-hamada/",
        "quote": f"/quotes/{quote.pk}/",
        "search": "/search/?q=الرقة",
        "search-empty": "/search/?q=لاشيءهنا",
        "not-found": "/articles/999999/",
        "reach-us": "/reach-us/",
        "reach-us-en": "/en/reach-us/",
        "about": "/about/",
        "corrections-en": "/en/corrections/",
    }
    for name, path in pages.items():
        response = client.get(path)
        assert response.status_code in (200, 404), path
        (tmp_path / f"{name}.html").write_bytes(response.content)

    result = subprocess.run(
        ["java", "-jar", str(VNU), "--format", "json", *sorted(map(str, tmp_path.glob("*.html")))],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )

    messages = json.loads(result.stderr or '{"messages": []}')["messages"]
    assert [
        f"{Path(m.get('url', '')).name}:{m.get('lastLine')}: {m['message']}" for m in messages
    ] == []
