"""Jobs: after a publish, the static copy is brought up to date by a worker, from a queue
kept in the database, once per burst of changes, and never for a change rolled back.

These tests commit for real (the worker opens and closes transactions of its own), so
the queue and the copy are seen as a worker on another process would see them.
"""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import connections, transaction
from django_tasks_db.models import DBTaskResult

from articles.models import Article
from articles.operations import jobs
from articles.tests.factories import make_article
from articles.writing import actions
from staff import roles

pytestmark = pytest.mark.django_db(transaction=True)
Status = Article.Status
SITE = "https://sy24.example"


@pytest.fixture
def editor(roles_exist):
    user = get_user_model().objects.create_user(username="editor", is_staff=True)
    user.groups.add(Group.objects.get(name=roles.EDITOR))
    return user


@pytest.fixture
def copy(settings, tmp_path):
    """The folder the static copy is kept in, as a deployment would set it."""
    settings.NEWSROOM_SITE_URL = SITE
    settings.NEWSROOM_STATIC_EXPORT_DIR = str(tmp_path / "copy")
    return tmp_path / "copy"


def draft(**fields):
    return make_article(status=Status.DRAFT, **fields)


def queued():
    """Return how many exports wait for a worker."""
    return DBTaskResult.objects.filter(
        task_path=jobs.export_static_copy.module_path, status="READY"
    ).count()


def run_worker():
    """Run every job that is due, then stop, as `db_worker --batch` does from cron."""
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)


def page(folder, article):
    return folder / "lite" / "articles" / str(article.pk) / "index.html"


def test_a_publish_queues_one_export_that_the_worker_writes(editor, copy):
    article = draft(title_ar="عودة النازحين إلى ريف الرقة")

    actions.Publish(article, actor=editor).execute()

    assert queued() == 1
    assert not copy.exists()  # nothing is written during the editor's request

    run_worker()

    assert "عودة النازحين إلى ريف الرقة" in page(copy, article).read_text()
    assert queued() == 0
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"

    run_worker()  # nothing left to do

    assert DBTaskResult.objects.count() == 1


def test_publishes_in_a_row_share_one_export_which_holds_them_all(editor, copy):
    first, second = draft(), draft()

    actions.Publish(first, actor=editor).execute()
    actions.Publish(second, actor=editor).execute()

    assert queued() == 1
    run_worker()
    assert page(copy, first).is_file()
    assert page(copy, second).is_file()


def test_a_change_after_the_export_started_queues_another(editor, copy):
    first = draft()
    actions.Publish(first, actor=editor).execute()
    run_worker()
    second = draft()

    actions.Publish(second, actor=editor).execute()

    assert queued() == 1
    run_worker()
    assert page(copy, second).is_file()


@pytest.mark.parametrize("action", [actions.Unpublish, actions.Archive])
def test_taking_an_article_down_removes_it_from_the_copy(editor, copy, action):
    article = draft()
    actions.Publish(article, actor=editor).execute()
    run_worker()
    assert page(copy, article).is_file()

    action(Article.objects.get(pk=article.pk), actor=editor).execute()

    assert queued() == 1
    run_worker()
    assert not page(copy, article).exists()


def test_deleting_a_live_article_removes_it_from_the_copy(editor, copy):
    article = draft()
    actions.Publish(article, actor=editor).execute()
    run_worker()

    actions.delete_article(article=Article.objects.get(pk=article.pk), actor=editor)

    assert queued() == 1
    run_worker()
    assert not page(copy, article).exists()


def test_an_edit_of_a_live_article_reaches_the_copy_and_an_edit_of_a_draft_does_not(editor, copy):
    live = make_article(title_ar="عنوان أول")
    hidden = draft()

    hidden.title_ar = "مسودة لم تنشر"
    actions.ArticleAction(hidden, actor=editor).execute()
    assert queued() == 0

    live.title_ar = "عنوان مصحح"
    actions.ArticleAction(live, actor=editor).execute()
    assert queued() == 1
    run_worker()
    assert "عنوان مصحح" in page(copy, live).read_text()


def test_without_a_folder_nothing_is_queued(editor, settings, tmp_path):
    settings.NEWSROOM_STATIC_EXPORT_DIR = ""

    actions.Publish(draft(), actor=editor).execute()

    assert DBTaskResult.objects.count() == 0


def test_the_export_is_queued_only_once_the_publish_commits(editor, copy):
    article = draft()

    with transaction.atomic():
        actions.Publish(article, actor=editor).execute()
        # A worker starting now would copy the site as it was before the publish.
        assert queued() == 0

    assert queued() == 1


def test_a_publish_rolled_back_queues_nothing(editor, copy):
    article = draft()

    with pytest.raises(RuntimeError), transaction.atomic():
        actions.Publish(article, actor=editor).execute()
        raise RuntimeError("the request failed after the action")

    assert DBTaskResult.objects.count() == 0
    assert Article.objects.get(pk=article.pk).status == Status.DRAFT


def test_a_queued_export_survives_a_restart(editor, copy, settings):
    article = draft()
    actions.Publish(article, actor=editor).execute()

    # What a restart forgets: the connections, and the task backends made from settings.
    connections.close_all()
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }
    run_worker()

    assert page(copy, article).is_file()
