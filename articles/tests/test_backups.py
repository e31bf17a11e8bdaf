"""Backups: the seed report, with an image and its revisions, survives backup, wipe, restore."""

import io
import json
import shutil
import stat
import tarfile
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Group
from django.contrib.contenttypes.management import create_contenttypes
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.utils import translation
from PIL import Image
from reversion.models import Revision, Version

from articles.models import Article, Expert, Quote, Tag
from articles.tests.factories import make_article, make_quote, make_tag
from staff import roles

# Committed for real, as a restore on a server is (PostgreSQL refuses to empty tables
# that the same transaction has just written to).
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("roles_exist")]
PASSWORD = "a-long-test-password"


def jpeg_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (120, 63), (200, 30, 30)).save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


@pytest.fixture
def report(seed_report):
    """The seed report with a lead image (which keeps a revision), and an editor."""
    seed_report.lead_image.save("front.jpg", ContentFile(jpeg_bytes()))
    editor = get_user_model().objects.create_user(
        username="editor", password=PASSWORD, is_staff=True
    )
    editor.groups.add(Group.objects.get(name=roles.EDITOR))
    return seed_report


def what_readers_and_staff_see(article_id) -> dict:
    """Return everything the test expects back, as plain values."""
    article = Article.objects.get(pk=article_id)
    return {
        "text": {
            field: getattr(article, field)
            for field in (
                "title_ar",
                "title_en",
                "slug_ar",
                "slug_en",
                "kicker_ar",
                "kicker_en",
                "summary_ar",
                "summary_en",
                "body_ar",
                "body_en",
                "status",
                "published_at",
                "section_id",
                "is_exclusive",
            )
        },
        "quotes": [
            (q.expert.full_name, q.expert.role_ar, q.text_ar, q.text_en, q.position, q.highlighted)
            for q in article.quotes.select_related("expert").order_by("position")
        ],
        "experts": sorted(
            Expert.objects.values_list("slug", "name_ar", "name_en", "honorific_ar", "role_en")
        ),
        "tags": sorted(article.tags.values_list("slug", "name_ar", "name_en", "kind")),
        "image": (article.lead_image.name, article.lead_image_width, article.lead_image_height),
        "image_bytes": default_storage.open(article.lead_image.name).read(),
        "versions": [
            (v.revision.date_created, v.serialized_data)
            for v in Version.objects.get_for_object(article).select_related("revision")
        ],
        "revisions": Revision.objects.count(),
        "editor": get_user_model()
        .objects.filter(username="editor")
        .values_list("password", "groups__name")
        .first(),
    }


def wipe(settings):
    """Lose everything, as a dead disk would: an empty, migrated database and no media.

    The articles' content types come back with other ids, as in a new database.
    """
    call_command("flush", interactive=False, verbosity=0)
    ContentType.objects.filter(app_label="articles").delete()
    ContentType.objects.clear_cache()
    articles_app = apps.get_app_config("articles")
    create_contenttypes(articles_app, verbosity=0)
    create_permissions(articles_app, verbosity=0)
    ContentType.objects.clear_cache()
    shutil.rmtree(settings.MEDIA_ROOT, ignore_errors=True)


def back_up(folder) -> Path:
    out = io.StringIO()
    call_command("backup_newsroom", out=folder, stdout=out)
    (archive,) = Path(folder).glob("newsroom-backup-*.tar.gz")
    assert str(archive) in out.getvalue()
    return archive


def test_the_seed_report_survives_backup_wipe_and_restore(report, tmp_path, settings, client):
    before = what_readers_and_staff_see(report.pk)
    old_type = ContentType.objects.get_for_model(Article).pk
    archive = back_up(tmp_path / "backups")

    wipe(settings)
    assert not Article.objects.exists() and not Group.objects.exists()
    assert not default_storage.exists(before["image"][0])
    assert ContentType.objects.get_for_model(Article).pk != old_type
    out = io.StringIO()
    call_command("restore_newsroom", tmp_path / "backups", stdout=out)

    assert str(archive) in out.getvalue()
    assert what_readers_and_staff_see(report.pk) == before
    assert len(before["versions"]) >= 2 and len(before["quotes"]) >= 2 and before["tags"]
    page = client.get(report.get_absolute_url())
    assert page.status_code == 200
    assert report.title_ar in page.content.decode()
    assert before["image"][0].rsplit(".", 1)[0] in page.content.decode()
    english = client.get(f"/en/articles/{report.pk}/", follow=True)
    assert report.title_en in english.content.decode()
    editor = get_user_model().objects.get(username="editor")
    assert editor.check_password(PASSWORD)
    assert editor.has_perm("articles.publish_article")  # the role's permissions, by name
    # The database goes on: new rows take new ids, the restored ones keep theirs.
    article = make_article(tags=[make_tag(), Tag.objects.first()])
    make_quote(article=article)
    assert Quote.objects.filter(article=article).count() == 1
    assert Version.objects.get_for_object(article).exists()


def test_restore_refuses_a_database_with_content_unless_forced(report, tmp_path, client):
    archive = back_up(tmp_path)
    later = make_article(title_ar="خبر كُتب بعد النسخة الاحتياطية")
    client.force_login(get_user_model().objects.get(username="editor"))

    with pytest.raises(CommandError, match="--force"), translation.override("en"):
        call_command("restore_newsroom", archive, stdout=io.StringIO())
    assert Article.objects.filter(pk=later.pk).exists()

    call_command("restore_newsroom", archive, force=True, stdout=io.StringIO())
    assert not Article.objects.filter(pk=later.pk).exists()
    assert Article.objects.get(pk=report.pk).title_ar == report.title_ar
    signed_out = client.get("/admin/")  # sessions belonged to the replaced accounts
    assert signed_out.status_code == 302 and "/admin/login/" in signed_out["Location"]


def member(archive: Path, name: str) -> bytes:
    with tarfile.open(archive) as tar:
        return tar.extractfile(name).read()


def repacked(archive: Path, folder: Path, change) -> Path:
    """Return a copy of ``archive`` with ``change(name, data)`` applied to each member."""
    copy = folder / "newsroom-backup-99999999T999999Z.tar.gz"
    with tarfile.open(archive) as source, tarfile.open(copy, "w:gz") as target:
        for member in source:
            data = source.extractfile(member).read()
            for name, body in change(member.name, data):
                info = tarfile.TarInfo(name)
                info.size = len(body)
                target.addfile(info, io.BytesIO(body))
    return copy


def altered_database(name, data):
    if name == "database.json":
        changed = data.replace(b'"status": "published"', b'"status": "draft"', 1)
        assert changed != data
        data = changed
    yield name, data


def altered_image(name, data):
    yield name, (data[:-4] + b"\x00\x00\x00\x00" if name.startswith("media/") else data)


def escaping_member(name, data):
    yield name, data
    if name == "manifest.json":
        yield "../outside.txt", b"written outside the folder"


def future_migration(name, data):
    if name == "manifest.json":
        manifest = json.loads(data)
        manifest["database"]["migrations"].append(["articles", "9999_from_the_future"])
        data = json.dumps(manifest).encode()
    yield name, data


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (altered_database, "damaged"),
        (altered_image, "damaged"),
        (escaping_member, "not a newsroom backup"),
        (future_migration, "migrate"),
    ],
    ids=["database", "image", "member-outside", "newer-schema"],
)
def test_a_damaged_or_foreign_archive_restores_nothing(report, tmp_path, settings, change, message):
    archive = back_up(tmp_path / "good")
    bad = repacked(archive, tmp_path, change)
    wipe(settings)

    with pytest.raises(CommandError, match=message), translation.override("en"):
        call_command("restore_newsroom", bad, stdout=io.StringIO())
    if change is not future_migration:
        with pytest.raises(CommandError, match=message), translation.override("en"):
            call_command("restore_newsroom", bad, check=True, stdout=io.StringIO())

    assert not Article.objects.exists()
    assert not list(Path(settings.MEDIA_ROOT).rglob("*.jpg"))
    assert not (tmp_path / "outside.txt").exists()


def test_checking_a_backup_changes_nothing_and_names_what_it_holds(report, tmp_path):
    archive = back_up(tmp_path)
    title = "عنوان تغير بعد النسخة"
    Article.objects.filter(pk=report.pk).update(title_ar=title)
    out = io.StringIO()

    call_command("restore_newsroom", tmp_path, check=True, stdout=out)

    manifest = json.loads(member(archive, "manifest.json"))
    assert str(archive) in out.getvalue()
    assert str(sum(manifest["database"]["rows"].values())) in out.getvalue()
    assert manifest["database"]["rows"]["articles.article"] == 1
    assert manifest["versions"]["Django"].startswith("5.2")
    assert len(manifest["media"]) == 1
    assert Article.objects.get(pk=report.pk).title_ar == title


def test_a_backup_is_readable_by_its_owner_only_and_holds_no_sessions(report, tmp_path, client):
    client.force_login(get_user_model().objects.get(username="editor"))
    archive = back_up(tmp_path)

    assert stat.S_IMODE(archive.stat().st_mode) == 0o600
    dump = json.loads(member(archive, "database.json"))
    models = {row["model"] for row in dump}
    assert "sessions.session" not in models
    assert {"articles.article", "auth.user", "auth.group", "reversion.version"} <= models
