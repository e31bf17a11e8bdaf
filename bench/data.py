"""Give a benchmark data set what readers' pages read, so that no page is measured on
tables it never meets in production (bench/run.py runs this once after seeding).

The demo generator writes articles; a real archive also has:

- **share counts for recent weeks**: three weeks of daily counts per network for 300
  articles a day, most of them among the newest (the home page's "most shared" reads
  them); the same number whatever the archive's size, as readers' sharing follows the
  audience, not the number of articles kept;
- **read counts for recent weeks**: three weeks of daily counts for 1,000 articles a
  day, most of them among the newest ("most read", kept for the minute, sums them);
  added on their own to a data set seeded before they existed;
- **experts with one to hundreds of quotes**: one expert quoted once, in an article from
  the middle of the archive, one quoted in 300 articles (the seed report's experts stay
  as they are: quoted only in the newest article, the case where walking the archive
  newest first finds one row and must read to the end to learn there is no other);
- **sections of very different sizes**: half of the demo articles in one section, then
  a quarter, and so on down to a section with one in a hundred.

Then the query planner's statistics are refreshed (ANALYZE), as seed_newsroom does after
a bulk load. Deterministic (a fixed random seed), and idempotent: a data set that has
it already is left alone.

    DATABASE_URL=… python bench/data.py
"""

import os
import random
import sys
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")

MARKER = "bench-quoted-once"
SHARE_DAYS = 21
SHARED_PER_DAY = 300  # articles shared on a given day
READ_DAYS = 21
READ_PER_DAY = 1000  # articles read on a given day
PROLIFIC_QUOTES = 300
# Each section's share of the demo articles, largest first.
SECTION_WEIGHTS = [50, 25, 12, 6, 4, 2, 1]


def main() -> None:
    import django

    django.setup()
    from django.db import connection, transaction
    from django.utils import timezone

    from articles.caching.invalidation import content_changed
    from articles.models import (
        Article,
        DailyReadCount,
        DailyShareCount,
        Expert,
        Quote,
        Section,
        ShareNetwork,
    )

    published = list(
        Article.objects.filter(status=Article.Status.PUBLISHED)
        .order_by("-published_at")
        .values_list("pk", flat=True)
    )
    if not DailyReadCount.objects.exists():
        reads = read_counts(DailyReadCount, published, timezone.localdate())
        DailyReadCount.objects.bulk_create(reads, batch_size=2000, ignore_conflicts=True)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        print(f"bench data: {len(reads)} read counts over {READ_DAYS} days")
    if Expert.objects.filter(slug=MARKER).exists():
        print("bench data: already there")
        return
    chance = random.Random(24)  # noqa: S311 - data, not secrets
    demo = list(Article.objects.filter(is_demo=True).order_by("pk").values_list("pk", flat=True))
    with transaction.atomic():
        # Sections: reassign the demo articles by weight (the seed report keeps its own).
        sections = list(Section.objects.order_by("position", "pk").values_list("pk", flat=True))
        weights = SECTION_WEIGHTS[: len(sections)] + [1] * max(0, len(sections) - 7)
        chosen = chance.choices(sections, weights=weights, k=len(demo))
        by_section: dict[int, list[int]] = {}
        for pk, section in zip(demo, chosen, strict=True):
            by_section.setdefault(section, []).append(pk)
        for section, pks in by_section.items():
            for start in range(0, len(pks), 500):
                Article.objects.filter(pk__in=pks[start : start + 500]).update(section=section)

        # Share counts: the newest articles are shared most.
        networks = list(ShareNetwork.objects.values_list("pk", flat=True))
        today = timezone.localdate()
        rows = []
        per_day = min(len(published), SHARED_PER_DAY)
        for back in range(SHARE_DAYS):
            day = today - timedelta(days=back)
            # Skewed to the front of the archive (published is newest first).
            picks = {
                published[min(len(published) - 1, int(chance.expovariate(1 / 200)))]
                for _ in range(per_day // 2)
            } | set(chance.sample(published, min(len(published), per_day // 2)))
            for pk in picks:
                for network in chance.sample(networks, chance.randint(1, len(networks))):
                    rows.append(
                        DailyShareCount(
                            article_id=pk, network_id=network, day=day, count=chance.randint(1, 60)
                        )
                    )
        DailyShareCount.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)

        # Experts quoted once, and hundreds of times.
        once = Expert.objects.create(
            slug=MARKER, name_ar="خبير اقتبس مرة", name_en="Quoted once", is_demo=True
        )
        prolific = Expert.objects.create(
            slug="bench-quoted-often",
            name_ar="خبير كثير الاقتباس",
            name_en="Quoted often",
            is_demo=True,
        )
        quotes = [
            Quote(
                article_id=published[len(published) // 2],
                expert=once,
                position=9,
                text_ar="قول وحيد في منتصف الأرشيف.",
                text_en="One quote in the middle of the archive.",
            )
        ]
        for pk in chance.sample(published, min(len(published), PROLIFIC_QUOTES)):
            quotes.append(
                Quote(
                    article_id=pk,
                    expert=prolific,
                    position=8,
                    text_ar="قول من أقوال خبير كثير الاقتباس.",
                    text_en="One of many quotes.",
                )
            )
        Quote.objects.bulk_create(quotes, batch_size=2000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    content_changed()
    print(
        f"bench data: {len(rows)} share counts over {SHARE_DAYS} days, sections "
        f"{sorted((len(v) for v in by_section.values()), reverse=True)}, experts quoted once "
        f"and {len(quotes) - 1} times"
    )


def read_counts(model, published: list[int], today) -> list:
    """Return three weeks of daily read counts, the newest articles read most."""
    chance = random.Random(18)  # noqa: S311 - data, not secrets
    rows = []
    per_day = min(len(published), READ_PER_DAY)
    for back in range(READ_DAYS):
        day = today - timedelta(days=back)
        picks = {
            published[min(len(published) - 1, int(chance.expovariate(1 / 300)))]
            for _ in range(per_day // 2)
        } | set(chance.sample(published, min(len(published), per_day // 2)))
        rows += [model(article_id=pk, day=day, count=chance.randint(1, 2000)) for pk in picks]
    return rows


if __name__ == "__main__":
    main()
