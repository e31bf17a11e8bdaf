"""Jobs: work done after a change, by a worker, from a queue kept in the database.

Django's Tasks framework (DEP 14; the ``django-tasks`` backport until Django 6) with the
database backend of ``django-tasks-db``: a job is a row, so it waits through a restart,
and ``manage.py db_worker`` runs it (``make run`` starts one beside the server;
docs/deploy.md for production).

The static copy of the lite edition (``static_export``) is kept up to date this way when
``NEWSROOM_STATIC_EXPORT_DIR`` names its folder: the write side calls
``static_copy_changed()`` inside the transaction of a change readers would see, and one
export is queued once that transaction commits, unless one is already waiting to start.
"""

from pathlib import Path

from django.conf import settings
from django.db import transaction
from django_tasks import TaskResultStatus, task
from django_tasks_db.models import DBTaskResult


@task()
def export_static_copy() -> int:
    """Bring the static copy up to date; return how many of its files changed.

    Safe to run twice, or after the setting was emptied: the export rewrites only what
    changed, and with no folder there is nothing to do.
    """
    folder = settings.NEWSROOM_STATIC_EXPORT_DIR
    if not folder:
        return 0
    # Loaded here, in the worker, rather than by every process that imports the write side.
    from articles.operations import static_export

    report = static_export.export(Path(folder), base_url=settings.NEWSROOM_SITE_URL)
    return len(report.written) + len(report.removed)


def static_copy_changed() -> None:
    """Queue an export of the static copy for when the current transaction commits.

    Nothing is queued when no folder is set, when the transaction is rolled back, or
    while an export is already waiting to start: that one will read the change. An
    export already running may have read the rows before it, so it does not count.
    """
    if settings.NEWSROOM_STATIC_EXPORT_DIR:
        transaction.on_commit(_enqueue_export)


def _enqueue_export() -> None:
    waiting = DBTaskResult.objects.filter(
        task_path=export_static_copy.module_path, status=TaskResultStatus.READY
    )
    if not waiting.exists():
        export_static_copy.enqueue()
