"""Write the lite edition as plain files, for any static host: see docs/deploy.md."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from articles.operations import static_export


class Command(BaseCommand):
    help = gettext_lazy(
        "Write the lite edition (home, sections, the latest articles, how to reach us) and "
        "its images into a folder as plain files with relative links; run again to update."
    )

    def add_arguments(self, parser):
        parser.add_argument("folder", type=Path, help=gettext_lazy("The folder to write into."))
        parser.add_argument(
            "--base-url",
            default="",
            help=gettext_lazy(
                "The site's public address, for canonical links and pages the copy does "
                "not hold (default: NEWSROOM_SITE_URL)."
            ),
        )
        parser.add_argument(
            "--latest",
            type=int,
            default=200,
            help=gettext_lazy("How many of the latest articles to copy, in each language."),
        )

    def handle(self, *args, folder: Path, base_url: str, latest: int, **options):
        try:
            report = static_export.export(folder, base_url=base_url, latest=latest)
        except (static_export.ExportError, OSError) as error:
            raise CommandError(str(error)) from error
        if options["verbosity"]:
            self.stdout.write(
                _("%(files)d files in %(folder)s: %(written)d written, %(removed)d removed.")
                % {
                    "files": report.files,
                    "folder": folder,
                    "written": len(report.written),
                    "removed": len(report.removed),
                }
            )
