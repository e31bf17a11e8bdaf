"""Backups: the database as Django serialization and the media files, in one archive.

A backup is one ``newsroom-backup-<time>.tar.gz`` holding

- ``database.json``: every row that matters, as ``dumpdata --natural-foreign`` writes it
  (with times to the microsecond, where ``dumpdata`` keeps milliseconds).
  Content types and permissions are named, not numbered, so the file loads into any
  database (SQLite or PostgreSQL) whose ids differ; every other row keeps its id, which
  revisions refer to;
- ``media/<name>``: every file of the default storage (local disk or S3), under its name;
- ``manifest.json``: when and from what it was made (versions, database, applied
  migrations), how many rows of each model, and the size and SHA-256 of every member.

Left out on purpose: sessions (a restored backup must sign nobody back in), sign-in
throttling records (failed sign-ins, known places), the queue of jobs and their results
(transient: a restored job would run again), content types and permissions, which
``migrate`` makes, and who writes under a pen name (an author profile's staff account,
which only administrators see: a backup restored elsewhere must not reveal it; it is
linked again by hand after a restore), with anything else that would tell it: an
article covered for the account behind a pen name (``articles.cover``) is backed up
without that account among its authors, as its creator or last editor, as the user of
the revisions that hold it, as the actor of its activity log, as the maker or revoker
of its preview links, or in Django's admin log of it and its rows, and the covers
themselves are left out; an administrator adds the writer back after a restore. The
archive holds password hashes and two-factor secrets: keep it as carefully as the
database itself. How to run, schedule and check backups: docs/backup.md.
"""

import datetime
import hashlib
import importlib.metadata
import json
import os
import platform
import posixpath
import re
import tarfile
import tempfile
import time
from collections import Counter
from pathlib import Path, PurePosixPath

from django.apps import apps
from django.conf import settings
from django.core import serializers
from django.core.files import File
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.color import no_style
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DEFAULT_DB_ALIAS, connections, router, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from reversion.models import Version

FORMAT = 1
PREFIX = "newsroom-backup-"
SUFFIX = ".tar.gz"
DATABASE_FILE = "database.json"
MANIFEST_FILE = "manifest.json"
MEDIA_FOLDER = "media"
# Apps and models not backed up (see the module's docstring).
EXCLUDED = (
    "contenttypes",
    "auth.permission",
    "sessions",
    "staff.signinfailure",
    "staff.knownplace",
    # The queue of jobs (jobs.py): transient, and a restored job would run again.
    "django_tasks_database",
    "django_rq",
)
# Made by a migration, so present in a database that holds nothing yet.
MADE_BY_MIGRATIONS = ("auth.group", "articles.reachuspage", "articles.sitesettings")
PACKAGES = ("Django", "django-reversion", "django-modeltranslation", "django-otp", "Pillow")
CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup that cannot be made, read or restored; the message says why."""


def backed_up_models() -> list:
    """Return the models whose rows a backup holds."""
    return [
        model
        for model in apps.get_models()
        if model._meta.app_label not in EXCLUDED
        and model._meta.label_lower not in EXCLUDED
        and model._meta.managed
        and not model._meta.proxy
    ]


def row_counts(using: str = DEFAULT_DB_ALIAS) -> dict[str, int]:
    return {
        model._meta.label_lower: model._base_manager.using(using).count()
        for model in backed_up_models()
    }


def applied_migrations(using: str = DEFAULT_DB_ALIAS) -> set[tuple[str, str]]:
    labels = {model._meta.app_label for model in backed_up_models()}
    recorder = MigrationRecorder(connections[using])
    return {key for key in recorder.applied_migrations() if key[0] in labels}


def _project_version() -> str:
    import tomllib

    try:
        with open(Path(settings.BASE_DIR) / "pyproject.toml", "rb") as file:
            return tomllib.load(file)["project"]["version"]
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return ""


def _versions() -> dict[str, str]:
    versions = {"newsroom": _project_version(), "python": platform.python_version()}
    for package in PACKAGES:
        try:
            versions[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            continue
    return versions


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        while chunk := file.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def storage_files(storage=default_storage, folder: str = ""):
    """Yield the name of every file in ``storage``, folders walked recursively."""
    try:
        folders, files = storage.listdir(folder)
    except FileNotFoundError:  # local media whose folder was never made
        return
    for name in sorted(files):
        yield posixpath.join(folder, name) if folder else name
    for name in sorted(folders):
        yield from storage_files(storage, posixpath.join(folder, name) if folder else name)


class _Hashing:
    """A file read through, hashed on the way (tarfile reads it once)."""

    def __init__(self, file):
        self.file = file
        self.digest = hashlib.sha256()

    def read(self, size=-1):
        data = self.file.read(size)
        self.digest.update(data)
        return data


class _PreciseJSONEncoder(DjangoJSONEncoder):
    """Django's encoder, except that times keep their microseconds (it keeps milliseconds).

    Revisions and publication times come back exactly as they were saved.
    """

    def default(self, o):
        if isinstance(o, datetime.datetime):
            text = o.isoformat()
            return text.removesuffix("+00:00") + "Z" if text.endswith("+00:00") else text
        if isinstance(o, datetime.time):
            return o.isoformat()
        return super().default(o)


def _rows(using: str):
    """Yield every backed-up row, the rows another refers to by name first."""
    scrub = _CoverScrub(using)
    by_app = {}
    for model in backed_up_models():
        by_app.setdefault(apps.get_app_config(model._meta.app_label), []).append(model)
    for model in serializers.sort_dependencies(by_app.items(), allow_cycles=True):
        if router.allow_migrate_model(using, model):
            rows = model._base_manager.using(using).order_by(model._meta.pk.name).iterator()
            if model._meta.label_lower == "articles.authorprofile":
                rows = map(_without_private_link, rows)
            yield from scrub.rows(model._meta.label_lower, rows)


def _without_private_link(profile):
    """Return an author profile as a backup holds it: a pen name without the staff
    account behind it (administrators link it again after a restore)."""
    if profile.is_pen_name:
        profile.account_id = None
    return profile


class _CoverScrub:
    """Leave out of a backup every link between an article covered by a pen name and
    the account it covers (see the module's docstring): each row as it is written."""

    def __init__(self, using: str):
        from django.contrib.admin.models import LogEntry
        from django.contrib.contenttypes.models import ContentType

        from articles.models import Article, Correction, PenNameCover, Quote, language_codes

        self.covered: dict[int, set[int]] = {}
        pairs = PenNameCover._base_manager.using(using).values_list("article_id", "account_id")
        for article, account in pairs:
            self.covered.setdefault(article, set()).add(account)
        # Every admin log entry and revision about a covered article or one of its rows:
        # the article each is about.
        types = ContentType.objects.db_manager(using).get_for_models(Article, Quote, Correction)
        self.about: dict[tuple[int, str], int] = {
            (types[Article].pk, str(pk)): pk for pk in self.covered
        }
        for model in (Quote, Correction):
            rows = model._base_manager.using(using).filter(article__in=list(self.covered))
            for pk, article in rows.values_list("pk", "article_id"):
                self.about[(types[model].pk, str(pk))] = article
        self.revisions: dict[int, set[int]] = {}
        self.article_type = types[Article].pk
        if self.covered:
            versions = Version.objects.using(using).filter(
                content_type=self.article_type,
                object_id__in=[str(pk) for pk in self.covered],
            )
            for revision, object_id in versions.values_list("revision_id", "object_id"):
                hidden = self.covered[int(object_id)]
                self.revisions.setdefault(revision, set()).update(hidden)
        self.log_entry = LogEntry
        # The pictures in a covered article's text, by id: who uploaded one says who
        # wrote it, for the accounts the article covers.
        self.pictures: dict[int, set[int]] = {}
        texts = Article._base_manager.using(using).filter(pk__in=list(self.covered))
        for pk, *bodies in texts.values_list("pk", *(f"body_{code}" for code in language_codes())):
            for body in bodies:
                for picture in _PICTURE_MARKER.findall(body or ""):
                    self.pictures.setdefault(int(picture), set()).update(self.covered[pk])

    def hidden(self, article_id) -> set[int]:
        return self.covered.get(article_id, set())

    def rows(self, label: str, rows):
        if label == "articles.pennamecover":
            return
        if not self.covered:
            yield from rows
            return
        for row in rows:
            kept = self.row(label, row)
            if kept is not None:
                yield kept

    def row(self, label: str, row):
        if label == "articles.article" and row.pk in self.covered:
            hidden = self.hidden(row.pk)
            row.created_by_id = None if row.created_by_id in hidden else row.created_by_id
            row.updated_by_id = None if row.updated_by_id in hidden else row.updated_by_id
            # The serializer reads a prefetched relation (a queryset) instead of asking.
            row._prefetched_objects_cache = {"authors": row.authors.exclude(pk__in=hidden)}
        elif label == "articles.articleactivity" and row.actor_id in self.hidden(row.article_id):
            row.actor_id = None
        elif label == "articles.previewlink":
            hidden = self.hidden(row.article_id)
            row.created_by_id = None if row.created_by_id in hidden else row.created_by_id
            row.revoked_by_id = None if row.revoked_by_id in hidden else row.revoked_by_id
        elif label == "reversion.revision" and row.user_id in self.revisions.get(row.pk, ()):
            row.user_id = None
        elif label == "reversion.version" and row.content_type_id == self.article_type:
            if row.object_id.isdigit() and int(row.object_id) in self.covered:
                row.serialized_data = _without_accounts(
                    row.serialized_data, self.hidden(int(row.object_id))
                )
        elif label == "articles.bodyimage":
            if row.uploaded_by_id in self.pictures.get(row.pk, ()):
                row.uploaded_by_id = None
        elif label == "admin.logentry":
            article = self.about.get((row.content_type_id, row.object_id))
            if article is not None and row.user_id in self.hidden(article):
                return None  # the entry's user cannot be left empty: the entry goes
        return row


# How an article's text holds a picture of its own (``articles.media.body``).
_PICTURE_MARKER = re.compile(r'data-body-image="([0-9]{1,9})"')


def _without_accounts(serialized: str, hidden: set[int]) -> str:
    """Return an article's version (as django-reversion stores it, JSON) without the
    accounts ``hidden`` among its authors, creator and last editor."""
    try:
        rows = json.loads(serialized)
    except ValueError:
        return serialized
    for row in rows if isinstance(rows, list) else ():
        fields = row.get("fields", {}) if isinstance(row, dict) else {}
        if isinstance(fields.get("authors"), list):
            fields["authors"] = [pk for pk in fields["authors"] if pk not in hidden]
        for name in ("created_by", "updated_by"):
            if fields.get(name) in hidden:
                fields[name] = None
    return json.dumps(rows, ensure_ascii=False)


def _dump_database(path: Path, using: str) -> None:
    """Write every backed-up row to ``path`` as ``dumpdata --natural-foreign`` would, all
    of it as of one moment."""
    connection = connections[using]
    outermost = not connection.in_atomic_block
    with transaction.atomic(using=using), open(path, "w", encoding="utf-8") as file:
        if outermost and connection.vendor == "postgresql":
            # One snapshot for every table, while the site keeps writing.
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        serializers.serialize(
            "json",
            _rows(using),
            stream=file,
            use_natural_foreign_keys=True,
            cls=_PreciseJSONEncoder,
        )


def create_backup(out_dir: Path, *, using: str = DEFAULT_DB_ALIAS) -> tuple[Path, dict]:
    """Write a backup of the database and the media into ``out_dir``; return it and its
    manifest."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    created = timezone.now()
    name = f"{PREFIX}{created:%Y%m%dT%H%M%S}Z{SUFFIX}"
    archive = out_dir / name
    if archive.exists():  # two backups in one second
        archive = out_dir / f"{PREFIX}{created:%Y%m%dT%H%M%S%f}Z{SUFFIX}"
    partial = archive.with_name(archive.name + ".partial")
    with tempfile.TemporaryDirectory(prefix="newsroom-backup-") as folder:
        dump = Path(folder) / DATABASE_FILE
        _dump_database(dump, using)
        with open(dump, encoding="utf-8") as file:
            counts = Counter(row["model"] for row in json.load(file))
        manifest = {
            "format": FORMAT,
            "created_at": created.isoformat(),
            "versions": _versions(),
            "database": {
                "vendor": connections[using].vendor,
                "file": DATABASE_FILE,
                "bytes": dump.stat().st_size,
                "sha256": _sha256(dump),
                "rows": {model._meta.label_lower: 0 for model in backed_up_models()} | counts,
                "migrations": sorted(applied_migrations(using)),
            },
            "media": {},
        }
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            with (
                os.fdopen(descriptor, "wb") as raw,
                tarfile.open(fileobj=raw, mode="w:gz", format=tarfile.PAX_FORMAT) as tar,
            ):
                tar.add(dump, arcname=DATABASE_FILE)
                for stored in storage_files():
                    info = tarfile.TarInfo(f"{MEDIA_FOLDER}/{stored}")
                    info.size = default_storage.size(stored)
                    info.mtime = int(time.time())
                    with default_storage.open(stored, "rb") as file:
                        hashing = _Hashing(file)
                        tar.addfile(info, hashing)
                    manifest["media"][stored] = {
                        "bytes": info.size,
                        "sha256": hashing.digest.hexdigest(),
                    }
                body = json.dumps(manifest, indent=2, ensure_ascii=False).encode()
                info = tarfile.TarInfo(MANIFEST_FILE)
                info.size = len(body)
                info.mtime = int(time.time())
                with tempfile.SpooledTemporaryFile() as file:
                    file.write(body)
                    file.seek(0)
                    tar.addfile(info, file)
            os.replace(partial, archive)
        finally:
            if partial.exists():
                partial.unlink()
    return archive, manifest


def find_backup(path: Path) -> Path:
    """Return ``path`` if it is an archive, or the newest backup in the folder ``path``."""
    path = Path(path)
    if path.is_dir():
        found = sorted(path.glob(f"{PREFIX}*{SUFFIX}"))
        if not found:
            raise BackupError(_("No backup found in %(path)s.") % {"path": path})
        return found[-1]
    if not path.is_file():
        raise BackupError(_("No backup found at %(path)s.") % {"path": path})
    return path


def _not_a_backup(archive: Path, reason: str) -> BackupError:
    return BackupError(
        _("%(path)s is not a newsroom backup: %(reason)s") % {"path": archive, "reason": reason}
    )


def unpack(archive: Path, folder: Path) -> dict:
    """Unpack ``archive`` into ``folder`` and return its manifest, every checksum checked.

    Only the members a backup has are unpacked, as plain files inside ``folder``.
    """
    folder = Path(folder).resolve()
    digests = {}
    try:
        with tarfile.open(archive, "r:gz") as tar:
            for member in tar:
                name = PurePosixPath(member.name)
                allowed = member.name in (DATABASE_FILE, MANIFEST_FILE) or (
                    name.parts[:1] == (MEDIA_FOLDER,) and len(name.parts) > 1
                )
                target = folder.joinpath(*name.parts).resolve()
                if (
                    not member.isfile()
                    or not allowed
                    or name.is_absolute()
                    or ".." in name.parts
                    or not target.is_relative_to(folder)
                ):
                    raise _not_a_backup(
                        archive,
                        _("it holds an unexpected member, %(name)s.") % {"name": member.name},
                    )
                target.parent.mkdir(parents=True, exist_ok=True)
                digest = hashlib.sha256()
                with tar.extractfile(member) as source, open(target, "wb") as copy:
                    while chunk := source.read(CHUNK):
                        digest.update(chunk)
                        copy.write(chunk)
                digests[member.name] = digest.hexdigest()
    except (tarfile.TarError, EOFError, OSError) as error:
        raise _not_a_backup(archive, str(error)) from error
    if MANIFEST_FILE not in digests:
        raise _not_a_backup(archive, _("it has no manifest."))
    try:
        manifest = json.loads((folder / MANIFEST_FILE).read_text(encoding="utf-8"))
        if manifest.get("format") != FORMAT:
            raise _not_a_backup(
                archive,
                _("it is in format %(format)s, which this version cannot read.")
                % {"format": manifest.get("format")},
            )
        expected = {DATABASE_FILE: manifest["database"]["sha256"]} | {
            f"{MEDIA_FOLDER}/{name}": entry["sha256"] for name, entry in manifest["media"].items()
        }
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise _not_a_backup(archive, _("its manifest cannot be read.")) from error
    found = {name: digest for name, digest in digests.items() if name != MANIFEST_FILE}
    for name in sorted(set(expected) | set(found)):
        if expected.get(name) != found.get(name):
            raise BackupError(
                _("The backup %(path)s is damaged: %(name)s does not match its manifest.")
                % {"path": archive, "name": name}
            )
    return manifest


def _flush(models, using: str) -> None:
    """Empty the tables of ``models`` (and their many-to-many tables)."""
    connection = connections[using]
    tables = set()
    for model in models:
        tables.add(model._meta.db_table)
        for field in model._meta.local_many_to_many:
            if field.remote_field.through._meta.auto_created:
                tables.add(field.remote_field.through._meta.db_table)
    existing = set(connection.introspection.table_names())
    statements = connection.ops.sql_flush(
        no_style(), sorted(tables & existing), reset_sequences=False, allow_cascade=True
    )
    connection.ops.execute_sql_flush(statements)


def restore_backup(folder: Path, manifest: dict, *, force: bool, using: str = DEFAULT_DB_ALIAS):
    """Replace the database's rows and the media files with those of an unpacked backup.

    Refuses a database that holds anything (unless ``force``) or whose migrations are
    behind the backup's; all rows are written in one transaction, checked against the
    manifest's counts, and the media files are written before it commits.
    """
    folder = Path(folder)
    missing = {tuple(key) for key in manifest["database"]["migrations"]} - applied_migrations(using)
    if missing:
        raise BackupError(
            _(
                "The database is behind the backup: run “manage.py migrate” first "
                "(missing: %(migrations)s)."
            )
            % {"migrations": ", ".join(f"{app}.{name}" for app, name in sorted(missing))}
        )
    present = {
        label: count
        for label, count in row_counts(using).items()
        if count and label not in MADE_BY_MIGRATIONS
    }
    if present and not force:
        raise BackupError(
            _(
                "The database is not empty (%(rows)s). Restore into an empty database, or "
                "pass --force to replace everything in it."
            )
            % {"rows": ", ".join(f"{label}: {count}" for label, count in sorted(present.items()))}
        )
    # Sessions belong to the accounts being replaced: everyone signs in again.
    sessions = (
        [apps.get_model("sessions", "Session")]
        if apps.is_installed("django.contrib.sessions")
        else []
    )
    with transaction.atomic(using=using):
        _flush(backed_up_models() + sessions, using)
        call_command(
            "loaddata",
            str(folder / DATABASE_FILE),
            database=using,
            ignorenonexistent=True,
            verbosity=0,
        )
        found = row_counts(using)
        for label, expected in manifest["database"]["rows"].items():
            if label in found and found[label] != expected:
                raise BackupError(
                    _(
                        "The restored database does not match the backup (%(model)s: "
                        "%(found)d instead of %(expected)d)."
                    )
                    % {"model": label, "found": found[label], "expected": expected}
                )
        for name in manifest["media"]:
            if default_storage.exists(name):
                default_storage.delete(name)
            with open(folder / MEDIA_FOLDER / name, "rb") as file:
                saved = default_storage.save(name, File(file, name=name))
            if saved != name:
                raise BackupError(
                    _("Could not store %(name)s under its own name (the storage chose %(saved)s).")
                    % {"name": name, "saved": saved}
                )
    return sum(manifest["database"]["rows"].values()), len(manifest["media"])


def counted(rows: int, files: int) -> dict[str, str]:
    """Return "12 rows" and "1 media file", each in the plural its language wants."""
    return {
        "rows": ngettext("%(count)d row", "%(count)d rows", rows) % {"count": rows},
        "files": ngettext("%(count)d media file", "%(count)d media files", files)
        % {"count": files},
    }


def human_size(size: float) -> str:
    """Return a size as people read it: 812 B, 3.4 MB."""
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024:
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} TB"


def temporary_folder():
    """Return a folder, removed afterwards, to unpack a backup into."""
    return tempfile.TemporaryDirectory(prefix="newsroom-restore-")
