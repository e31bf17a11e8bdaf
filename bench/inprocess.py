"""Measure pages inside one Django process: time, CPU time and SQL queries per page.

Run by bench/run.py in a fresh process whose environment chooses the database
(DATABASE_URL) and turns the page cache off, so every request renders its page. The
pages are requested in turn, round after round (interleaved), so that a slow moment of
a shared machine falls on every page alike. Prints one JSON object.

    python bench/inprocess.py --rounds 40 --search دمشق
"""

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")


# The yardstick, a bare view (newsroom.views.trivial, served because bench/run.py sets
# NEWSROOM_BENCH_TRIVIAL), is timed one request at a time, as the pages are.
TRIVIAL = "/bench/trivial"


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def bench_pages(search_word: str) -> dict[str, str]:
    """Return the pages to measure: the seed report and what it links to."""
    from articles.models import Article

    report = Article.objects.published().filter(import_key__startswith="seed-").first()
    if report is None:
        raise SystemExit("The seed report is missing: run seed_newsroom first.")
    tag = report.tags.order_by("pk").first()
    expert = report.quotes.select_related("expert").order_by("position").first().expert
    return {
        "trivial": TRIVIAL,
        "article": report.get_absolute_url(),
        "home": "/",
        "section": report.section.get_absolute_url(),
        "tag": tag.get_absolute_url(),
        "expert": expert.get_absolute_url(),
        "search": f"/search/?q={search_word}",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--search", default="دمشق")
    options = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from articles.models import Article
    from articles.reading.sql import STATEMENT_SEPARATOR

    settings.ALLOWED_HOSTS = ["*"]
    # The search rate limit protects the site from one address; the benchmark is one.
    settings.NEWSROOM_SEARCH_PER_MINUTE = 10**9
    pages = bench_pages(options.search)
    client = Client()
    for _ in range(options.warmup):
        for path in pages.values():
            response = client.get(path)
            if response.status_code != 200:
                raise SystemExit(f"{path} answered {response.status_code}")

    wall: dict[str, list[float]] = {name: [] for name in pages}
    cpu: dict[str, list[float]] = {name: [] for name in pages}
    queries: dict[str, int] = {}
    for _ in range(options.rounds):
        for name, path in pages.items():
            with CaptureQueriesContext(connection) as captured:
                started, started_cpu = time.perf_counter(), time.process_time()
                client.get(path)
                cpu[name].append(time.process_time() - started_cpu)
                wall[name].append(time.perf_counter() - started)
            # Statements, not round trips: PostgreSQL gets some of a page's in one batch.
            queries[name] = sum(1 + query["sql"].count(STATEMENT_SEPARATOR) for query in captured)

    print(
        json.dumps(
            {
                "articles": Article.objects.count(),
                "pages": pages,
                "results": {
                    name: {
                        "median_ms": statistics.median(wall[name]) * 1000,
                        "p95_ms": percentile(wall[name], 0.95) * 1000,
                        "cpu_ms": statistics.median(cpu[name]) * 1000,
                        "queries": queries[name],
                    }
                    for name in pages
                },
            },
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
