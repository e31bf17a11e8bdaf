"""The static copy of the lite edition: served by any plain file server, every link works,
and an unpublished article is gone from the next copy."""

import re
import threading
import urllib.error
import urllib.request
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urljoin, urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.utils import translation

from articles.models import Article
from articles.operations import static_export
from articles.tests.factories import make_article, make_section
from articles.tests.xss_cases import LEAD_IMAGE, store_lead_image
from articles.writing import actions
from staff import roles

pytestmark = pytest.mark.django_db
SITE = "https://sy24.example"
_LINKS = re.compile(r'\s(?:href|src)="([^"]*)"|url=([^"]+)"')


class Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def news():
    store_lead_image()
    reports, analysis = make_section(slug="reports"), make_section(slug="analysis")
    with_picture = make_article(
        section=reports,
        title_ar="عودة النازحين إلى ريف الرقة",
        lead_image=LEAD_IMAGE,
        lead_image_alt_ar="عائلات تعود",
    )
    arabic_only = make_article(section=analysis, english=False, title_ar="تحليل: ماذا بعد")
    return with_picture, arabic_only


def serve(folder):
    """A plain static file server for ``folder`` on 127.0.0.1; return its address."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(Quiet, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


def crawl(base):
    """Follow every link of the copy from its front door; return {url: status}."""
    seen, queue = {}, [base]
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    while queue:
        url = queue.pop()
        if url in seen:
            continue
        try:
            with opener.open(url, timeout=5) as answer:
                seen[url] = answer.status
                body = answer.read()
                kind = answer.headers.get("Content-Type", "")
        except urllib.error.HTTPError as error:
            seen[url] = error.code
            continue
        if "html" not in kind:
            continue
        for href, refresh in _LINKS.findall(body.decode()):
            link = urljoin(url, (href or refresh).replace("&amp;", "&"))
            if link.startswith(base):  # the copy's own; the site's address is elsewhere
                queue.append(link.split("#")[0])
    return seen


def test_every_link_of_the_copy_works_on_a_plain_file_server(news, tmp_path):
    with_picture, arabic_only = news
    report = static_export.export(tmp_path / "copy", base_url=SITE)
    server, base = serve(tmp_path / "copy")
    try:
        statuses = crawl(base)
    finally:
        server.shutdown()

    assert [url for url, status in statuses.items() if status != 200] == []
    pages = {urlsplit(url).path for url in statuses}
    for article in news:
        assert f"/lite/articles/{article.pk}/index.html" in pages
    assert f"/en/lite/articles/{with_picture.pk}/index.html" in pages
    assert f"/en/lite/articles/{arabic_only.pk}/index.html" not in pages  # no English
    assert "/lite/sections/reports/index.html" in pages
    assert "/lite/reach-us/index.html" in pages  # linked from every page of the copy
    # The picture behind "show image", and the share images, are files of the copy.
    assert any(path.startswith("/media/") and "share/" not in path for path in pages)
    assert any(name.startswith("media/share/") for name in report.written)
    # No file of the copy was left half-written.
    assert not list((tmp_path / "copy").rglob("*.partial"))


def test_pages_of_the_copy_point_readers_and_crawlers_at_the_site(news, tmp_path):
    with_picture, _ = news
    static_export.export(tmp_path / "copy", base_url=SITE)

    page = tmp_path / "copy" / "lite" / "articles" / str(with_picture.pk) / "index.html"
    html = page.read_text()

    with translation.override("ar"):
        canonical = SITE + with_picture.get_absolute_url()
    assert f'rel="canonical" href="{canonical}"' in html
    assert "static-export.invalid" not in html
    assert 'href="/' not in html  # nothing leads to the root of whatever host serves it
    assert "<script" not in html


def test_the_next_copy_drops_an_unpublished_article_and_rewrites_only_what_changed(
    news, tmp_path, roles_exist
):
    with_picture, arabic_only = news
    folder = tmp_path / "copy"
    (folder).mkdir()
    (folder / "README.txt").write_text("ours, not the export's")
    static_export.export(folder, base_url=SITE)
    article_file = folder / "lite" / "articles" / str(arabic_only.pk) / "index.html"
    assert article_file.is_file()
    editor = get_user_model().objects.create_user(username="editor", is_staff=True)
    editor.groups.add(Group.objects.get(name=roles.EDITOR))

    actions.Unpublish(Article.objects.get(pk=arabic_only.pk), actor=editor).execute()
    report = static_export.export(folder, base_url=SITE)

    assert not article_file.exists()
    assert not article_file.parent.exists()
    assert f"lite/articles/{arabic_only.pk}/index.html" in report.removed
    assert "تحليل: ماذا بعد" not in (folder / "lite" / "index.html").read_text()
    assert f"lite/articles/{with_picture.pk}/index.html" in report.unchanged
    assert (folder / "README.txt").read_text() == "ours, not the export's"


def test_the_command_writes_the_copy_and_says_what_it_did(news, tmp_path, capsys):
    call_command("export_static", str(tmp_path / "copy"), "--base-url", SITE)

    assert (tmp_path / "copy" / "index.html").is_file()
    assert (tmp_path / "copy" / "en" / "lite" / "index.html").is_file()
    assert str(tmp_path / "copy") in capsys.readouterr().out
