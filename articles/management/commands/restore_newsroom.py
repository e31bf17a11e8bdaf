"""Restore a backup made by ``backup_newsroom``: see docs/backup.md."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from articles.operations import backups


class Command(BaseCommand):
    help = gettext_lazy("Check a backup's checksums and restore its database rows and media files.")

    def add_arguments(self, parser):
        parser.add_argument(
            "path",
            type=Path,
            metavar="DIR",
            help=gettext_lazy("The backup archive, or a folder: its newest backup is used."),
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help=gettext_lazy("Replace what the database holds (refused without it)."),
        )
        parser.add_argument(
            "--check",
            action="store_true",
            help=gettext_lazy("Only check the archive (every checksum); change nothing."),
        )

    def handle(self, *args, path: Path, force: bool, check: bool, **options):
        try:
            archive = backups.find_backup(path)
            with backups.temporary_folder() as folder:
                manifest = backups.unpack(archive, Path(folder))
                rows = sum(manifest["database"]["rows"].values())
                files = len(manifest["media"])
                if check:
                    message = _(
                        "%(path)s is intact: %(rows)s and %(files)s, made %(created)s; every "
                        "checksum matches."
                    )
                else:
                    rows, files = backups.restore_backup(Path(folder), manifest, force=force)
                    message = _("Restored %(rows)s and %(files)s from %(path)s.")
        except (backups.BackupError, OSError) as error:
            raise CommandError(str(error)) from error
        if options["verbosity"]:
            self.stdout.write(
                message
                % {
                    **backups.counted(rows, files),
                    "path": archive,
                    "created": manifest.get("created_at", "?"),
                }
            )
