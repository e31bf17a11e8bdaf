"""Run queued jobs: `manage.py newsroom_worker`, or `--until-empty` to run what is due
and stop (from cron, or in tests). The queue is the database or Redis (settings.TASKS);
see articles/operations/jobs.py and docs/deploy.md."""

from django.core.management.base import BaseCommand
from django.utils.crypto import get_random_string
from django.utils.translation import gettext_lazy
from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, task_backends
from django_tasks_db.backend import DatabaseBackend

from articles.operations import jobs


class Command(BaseCommand):
    help = gettext_lazy(
        "Run the jobs that wait in the queue (Telegram posts, the static copy), retrying "
        "what fails; with --until-empty, run what is due now and stop."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--until-empty",
            action="store_true",
            help=gettext_lazy("Run the jobs that are due, then stop."),
        )
        parser.add_argument(
            "--interval",
            type=float,
            default=1.0,
            help=gettext_lazy("Seconds between two looks at an empty queue (database only)."),
        )

    def handle(self, *args, until_empty: bool = False, interval: float = 1.0, **options):
        # A worker killed while sending, or a queue that lost its jobs, leaves deliveries
        # overdue: queue them again (each is sent once whatever happens).
        recovered = jobs.recover_deliveries()
        if recovered and options["verbosity"]:
            self.stderr.write(f"Queued again: {recovered}")
        backend = task_backends[DEFAULT_TASK_BACKEND_ALIAS]
        if isinstance(backend, DatabaseBackend):
            self._database(backend, until_empty=until_empty, interval=interval)
        else:
            self._redis(until_empty=until_empty)

    def _database(self, backend, *, until_empty: bool, interval: float) -> None:
        from django_tasks_db.management.commands.db_worker import Worker

        worker = Worker(
            queue_names=list(backend.queues) or ["*"],
            interval=interval,
            batch=until_empty,
            backend_name=backend.alias,
            startup_delay=False,
            max_tasks=None,
            worker_id=get_random_string(32),
            excluded_queue_names=[],
        )
        if not until_empty:
            worker.configure_signals()
        worker.run()

    def _redis(self, *, until_empty: bool) -> None:
        import django_rq
        from django_tasks_rq.backend import Job
        from rq import SimpleWorker

        # The job runs in the worker's own process (no fork): the jobs are short and
        # talk to the network, and Django's connections stay the worker's.
        worker = django_rq.get_worker("default", job_class=Job, worker_class=SimpleWorker)
        # The scheduler moves deferred jobs (retries, scheduled posts) to the queue when
        # they are due; in burst mode it does so once, before the queue is emptied.
        worker.work(burst=until_empty, with_scheduler=True, logging_level="WARNING")
