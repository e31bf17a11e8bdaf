"""Back up the database and the media files into one archive: see docs/backup.md."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from articles.operations import backups


class Command(BaseCommand):
    help = gettext_lazy(
        "Write one archive with the database (Django serialization) and every media file."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--out",
            type=Path,
            default=Path(settings.VAR_DIR) / "backups",
            metavar="DIR",
            help=gettext_lazy("The folder to write the archive into; created if missing."),
        )

    def handle(self, *args, out: Path, **options):
        try:
            archive, manifest = backups.create_backup(out)
        except (backups.BackupError, OSError) as error:
            raise CommandError(str(error)) from error
        if options["verbosity"]:
            rows = sum(manifest["database"]["rows"].values())
            self.stdout.write(
                _("Backed up %(rows)s and %(files)s into %(path)s (%(size)s).")
                % {
                    **backups.counted(rows, len(manifest["media"])),
                    "path": archive,
                    "size": backups.human_size(archive.stat().st_size),
                }
            )
