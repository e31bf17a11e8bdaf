"""Load the seed report, its experts, tags and share networks; optionally demo articles.

Idempotent: a row that exists is left as it is (editors may have changed it), so running
the command twice gives the same rows, and the seed report keeps the publication time it
got the first time.
"""

import json
import random
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import Min
from django.utils import timezone
from django.utils.html import escape

from articles.caching.pagecache import content_changed
from articles.media.demo_images import SIZE as DEMO_IMAGE_SIZE
from articles.media.demo_images import demo_image_name, store_demo_images
from articles.models import Article, Expert, Quote, Section, ShareNetwork, Tag

SEEDS_DIR = Path(settings.BASE_DIR) / "seeds"
LANGUAGES = ("ar", "en")
BATCH_SIZE = 500


def translated(field: str, values: dict[str, str]) -> dict[str, str]:
    """Return ``{"title_ar": ..., "title_en": ...}`` from ``{"ar": ..., "en": ...}``."""
    return {f"{field}_{code}": values.get(code, "") for code in LANGUAGES}


def paragraphs_html(paragraphs: list[str]) -> str:
    """Return plain-text paragraphs as HTML, each escaped: seed text is text, not markup."""
    return "\n".join(f"<p>{escape(text)}</p>" for text in paragraphs)


class Command(BaseCommand):
    help = "Load the seed report and its data; --demo N adds N synthetic articles."

    def add_arguments(self, parser):
        parser.add_argument(
            "--demo", type=int, default=0, metavar="N", help="Add N demo articles on this run."
        )
        parser.add_argument(
            "--demo-at-least",
            type=int,
            default=0,
            metavar="N",
            help="Add demo articles only until there are N of them (used by make run).",
        )

    def handle(self, *args, demo: int, demo_at_least: int, **options):
        if demo < 0 or demo_at_least < 0:
            raise CommandError("The number of demo articles cannot be negative.")
        data = json.loads((SEEDS_DIR / "newsroom.json").read_text(encoding="utf-8"))
        with transaction.atomic():
            self.load(data)
        if demo_at_least:
            demo = max(demo, demo_at_least - Article.objects.filter(is_demo=True).count())
        if demo:
            pool = json.loads((SEEDS_DIR / "demo.json").read_text(encoding="utf-8"))
            with transaction.atomic():
                created = DemoGenerator(pool).create(demo)
            # A bulk load changes the tables' make-up at once: the query planner gets
            # fresh statistics now, not when PostgreSQL's autovacuum or SQLite's next
            # PRAGMA optimize comes round.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
            if options["verbosity"]:
                self.stdout.write(f"Added {created} demo articles.")
        # Demo articles are inserted in bulk, which sends no signal: cached pages go.
        content_changed()
        if options["verbosity"]:
            self.stdout.write(
                f"Seeded: {Article.objects.count()} articles, {Expert.objects.count()} experts, "
                f"{Quote.objects.count()} quotes, {Tag.objects.count()} tags."
            )

    def load(self, data: dict) -> None:
        sections = {
            item["slug"]: Section.objects.get_or_create(
                slug=item["slug"],
                defaults={
                    **translated("name", item["name"]),
                    **translated("description", item.get("description", {})),
                    "position": item.get("position", 0),
                },
            )[0]
            for item in data["sections"]
        }
        tags = {
            item["slug"]: Tag.objects.get_or_create(
                slug=item["slug"],
                defaults={**translated("name", item["name"]), "kind": item["kind"]},
            )[0]
            for item in data["tags"]
        }
        experts = {
            item["slug"]: Expert.objects.get_or_create(
                slug=item["slug"],
                defaults={
                    field_value[0]: field_value[1]
                    for field in ("name", "honorific", "role", "affiliation")
                    for field_value in translated(field, item.get(field, {})).items()
                },
            )[0]
            for item in data["experts"]
        }
        for item in data["share_networks"]:
            ShareNetwork.objects.get_or_create(
                slug=item["slug"],
                defaults={
                    **translated("name", item["name"]),
                    "url_template": item["url_template"],
                    "icon": item["icon"],
                    "position": item["position"],
                },
            )
        for item in data["articles"]:
            if not Article.objects.filter(import_key=item["key"]).exists():
                self.create_article(item, sections, tags, experts)

    def create_article(self, item, sections, tags, experts) -> Article:
        article = Article(
            import_key=item["key"],
            section=sections[item["section"]],
            is_exclusive=item.get("is_exclusive", False),
            status=Article.Status.PUBLISHED,
            # The report carries no date: it is published when it is first seeded.
            published_at=timezone.now(),
            **translated("title", item["title"]),
            **translated("slug", item.get("slug", {})),
            **translated("kicker", item.get("kicker", {})),
            **translated("summary", item.get("summary", {})),
            **translated("source", item.get("source", {})),
            **{f"body_{code}": paragraphs_html(item["body"].get(code, [])) for code in LANGUAGES},
        )
        article.save()
        article.tags.set([tags[slug] for slug in item.get("tags", [])])
        for position, quote in enumerate(item.get("quotes", []), start=1):
            Quote.objects.create(
                article=article,
                expert=experts[quote["expert"]],
                position=position,
                highlighted=quote.get("highlighted", False),
                **translated("text", quote["text"]),
                **translated("context", quote.get("context", {})),
            )
        return article


class DemoGenerator:
    """Make synthetic articles, visibly marked as demo content, with bulk inserts."""

    def __init__(self, pool: dict):
        self.pool = pool
        self.random = random.Random()

    def experts(self) -> list[Expert]:
        experts = []
        for item in self.pool["experts"]:
            expert, _created = Expert.objects.get_or_create(
                slug=item["slug"],
                defaults={
                    "is_demo": True,
                    **translated("name", item["name"]),
                    **translated("honorific", item["honorific"]),
                    **translated("role", item["role"]),
                    **translated("affiliation", self.pool["expert_affiliation"]),
                },
            )
            experts.append(expert)
        return experts

    def create(self, count: int) -> int:
        sections = list(Section.objects.all())
        tags = list(Tag.objects.all())
        places = [tag for tag in tags if tag.kind == Tag.Kind.PLACE] or tags
        if not sections or not places:
            raise CommandError("Seed the newsroom before adding demo articles.")
        experts = self.experts()
        # A few drawn pictures, stored once, shared by all demo articles.
        store_demo_images()
        # Demo articles are older than everything real, so they never become the lead story.
        oldest = Article.objects.aggregate(oldest=Min("published_at"))["oldest"] or timezone.now()
        start = Article.objects.filter(is_demo=True).count()
        articles = []
        for number in range(start + 1, start + count + 1):
            place = self.random.choice(places)
            articles.append(self.article(number, place, sections, oldest))
        Article.objects.bulk_create(articles, batch_size=BATCH_SIZE)

        through = Article.tags.through
        links, quotes = [], []
        for article in articles:
            chosen = {article._demo_place.pk, *(tag.pk for tag in self.random.sample(tags, 2))}
            links += [through(article_id=article.pk, tag_id=tag_id) for tag_id in chosen]
            for position in range(1, self.random.randint(0, 2) + 1):
                text = self.random.choice(self.pool["quotes"])
                quotes.append(
                    Quote(
                        article=article,
                        expert=self.random.choice(experts),
                        position=position,
                        # A pull quote is an editor's choice: none is made for them.
                        highlighted=False,
                        **translated("text", text),
                        **translated("context", self.pool["context"]),
                    )
                )
        through.objects.bulk_create(links, batch_size=BATCH_SIZE)
        Quote.objects.bulk_create(quotes, batch_size=BATCH_SIZE)
        return len(articles)

    def article(self, number: int, place: Tag, sections: list[Section], oldest) -> Article:
        headline = self.random.choice(self.pool["headlines"])
        sentences = self.pool["sentences"]
        body = {
            code: paragraphs_html(
                [
                    " ".join(self.random.choice(sentences)[code] for _ in range(3))
                    for _ in range(self.random.randint(3, 6))
                ]
            )
            for code in LANGUAGES
        }
        roll = self.random.random()
        status = (
            Article.Status.DRAFT
            if roll < 0.04
            else Article.Status.REVIEW
            if roll < 0.08
            else Article.Status.PUBLISHED
        )
        article = Article(
            section=self.random.choice(sections),
            status=status,
            published_at=(oldest - timedelta(minutes=37 * number))
            if status == Article.Status.PUBLISHED
            else None,
            is_demo=True,
            is_exclusive=self.random.random() < 0.2,
            **{f"title_{code}": self.title(code, number, headline, place) for code in LANGUAGES},
            **translated("kicker", self.pool["kicker"]),
            **translated("source", {"ar": "SY24", "en": "SY24"}),
            **{f"body_{code}": body[code] for code in LANGUAGES},
            lead_image=demo_image_name(number),
            lead_image_width=DEMO_IMAGE_SIZE[0],
            lead_image_height=DEMO_IMAGE_SIZE[1],
            **translated("lead_image_alt", self.pool["image"]["alt"]),
            **translated("lead_image_caption", self.pool["image"]["caption"]),
            **translated("lead_image_credit", self.pool["image"]["credit"]),
        )
        article.prepare_for_save()
        article._demo_place = place
        return article

    def title(self, code: str, number: int, headline: dict, place: Tag) -> str:
        """Return a demo headline, marked as demo and numbered so each one is distinct."""
        place_name = getattr(place, f"name_{code}") or place.name_ar
        return f"{self.pool['marker'][code]} {headline[code].format(place=place_name)} ({number})"
