"""Write articles' share images and their quotes' cards to a folder, to look at them.

The images are drawn exactly as the site draws them for ``og:image``; this command
only writes them as files (the site keeps its own copies in media storage). By default
it draws the seed report, in every language it is written in, with all its quotes.
"""

import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from articles.media import images, sharecards
from articles.models import Article

SEED_REPORT_KEY = "seed-000-5f667f3733499231"


class Command(BaseCommand):
    help = "Draw share images and quote cards into a folder (default: var/share-images/)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--out",
            type=Path,
            default=Path(settings.VAR_DIR) / "share-images",
            metavar="DIR",
            help="The folder to write into; created if missing.",
        )
        parser.add_argument(
            "--article",
            type=int,
            action="append",
            dest="articles",
            metavar="ID",
            help="An article to draw (repeat for several); the seed report by default.",
        )

    def handle(self, *args, out: Path, articles: list[int] | None, **options):
        sharecards.require_shaping()
        if articles:
            chosen = list(Article.objects.filter(pk__in=articles).order_by("pk"))
            missing = sorted(set(articles) - {article.pk for article in chosen})
            if missing:
                raise CommandError(f"No article with id {', '.join(map(str, missing))}.")
        else:
            chosen = list(Article.objects.filter(import_key=SEED_REPORT_KEY))
            if not chosen:
                raise CommandError(
                    "The seed report is not loaded: run `manage.py seed_newsroom` first, "
                    "or name articles with --article."
                )
        out.mkdir(parents=True, exist_ok=True)
        for article in chosen:
            quotes = list(article.quotes.select_related("expert"))
            for language in article.languages:
                self.write(
                    out / f"article-{article.pk}-{language}.jpg",
                    lambda article=article, language=language: images.draw_article_share_image(
                        article, language=language
                    ),
                )
                for quote in quotes:
                    self.write(
                        out / f"quote-{quote.pk}-{language}.jpg",
                        lambda quote=quote, language=language: images.draw_quote_card(
                            quote, language=language
                        ),
                    )

    def write(self, path: Path, draw) -> None:
        started = time.perf_counter()
        data = sharecards.to_jpeg(draw(), quality=images.PRESETS["social"].quality)
        path.write_bytes(data)
        elapsed = (time.perf_counter() - started) * 1000
        self.stdout.write(f"{path}  ({len(data) // 1024} KB, drawn in {elapsed:.0f} ms)")
