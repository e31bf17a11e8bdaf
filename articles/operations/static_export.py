"""A static copy of the lite edition, to push to any bucket, CDN or static host.

When the outlet's domain is blocked or its server is down, readers can still reach a
copy of the news on any host that serves plain files (a bucket, a CDN, a friend's
server, GitHub Pages). ``export(folder)`` writes, for every language:

- the lite home page, the first page of every section, the latest N articles;
- the page that says how to reach us if we are blocked, when the site has one;
- every image those pages link to (renditions shown on "show image") and the share
  images of the exported articles (what a link previews as when it is shared);

as plain files whose links between them are relative (``../12/index.html``), so the
copy works from any address and any folder, even opened from a disk. A link to a page
the copy does not hold (search, an older article) goes to the site's address. Each page
is made exactly as readers get it: a request through the site's own middleware, views
and templates (Django's test client, as static-site builders do), with the page cache
left out so that a copy made for another address never reaches the site's readers.

Running it again rewrites only the files whose bytes changed, and removes the files an
earlier run wrote that this one did not (an unpublished article disappears); the list
of what it wrote is kept in ``MANIFEST`` in the folder. Files it did not write are
never touched.
"""

import hashlib
import json
import posixpath
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.core.files.storage import default_storage
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext

from articles.media import images
from articles.models import Article, Section

MANIFEST = ".newsroom-export.json"
# Who the pages are asked for: a host that exists nowhere, allowed only while exporting.
HOST = "static-export.invalid"
# href, src and action attributes, as our templates write them (double quotes, escaped values).
_LINK = re.compile(r'(\s(?:href|src|action)=")([^"]*)(")')


class ExportError(Exception):
    """A page could not be made: the copy is left as it was."""


@dataclass
class ExportReport:
    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)

    @property
    def files(self) -> int:
        return len(self.written) + len(self.unchanged)


def file_for(path: str) -> str:
    """Return the file of a page path: "/lite/articles/3/" → "lite/articles/3/index.html"."""
    path = path.lstrip("/")
    if not path or path.endswith("/"):
        return path + "index.html"
    return path


def relative(from_file: str, to_file: str) -> str:
    """Return the link from the page in ``from_file`` to ``to_file`` (both copy paths)."""
    return posixpath.relpath(to_file, posixpath.dirname(from_file) or ".")


def _paths(language: str, latest: int) -> list[str]:
    """Return the pages of the copy in ``language``, the home first."""
    with translation.override(language):
        paths = [reverse("articles:lite_home")]
        paths += [
            reverse("articles:lite_section", kwargs={"slug": slug})
            for slug in Section.objects.order_by("position", "pk").values_list("slug", flat=True)
        ]
        articles = Article.objects.published().available_in(language)
        paths += [
            reverse("articles:lite_article", kwargs={"pk": pk})
            for pk in articles.order_by("-published_at", "-pk").values_list("pk", flat=True)[
                :latest
            ]
        ]
        paths.append(reverse("articles:lite_reach_us"))
    return paths


def _share_images(language: str, latest: int) -> list[str]:
    """Return the stored names of the share images of the exported articles in
    ``language``, drawing any that is missing."""
    articles = Article.objects.published().available_in(language).select_related("section")
    return [
        images.article_share_image(article, language=language).name
        for article in articles.order_by("-published_at", "-pk")[:latest]
    ]


class _Copy:
    def __init__(self, folder: Path, base_url: str):
        self.folder = folder
        self.base_url = base_url.rstrip("/")
        self.files: dict[str, bytes] = {}
        self.media: set[str] = set()
        self.media_prefix = "/" + settings.MEDIA_URL.strip("/") + "/"

    def link(self, from_file: str, url: str, pages: dict[str, str]) -> str:
        parts = urlsplit(url)
        if parts.scheme or parts.netloc or not url.startswith("/"):
            return url  # elsewhere, or within the page: as written
        if parts.path in pages and not parts.query:
            target = relative(from_file, pages[parts.path])
            return target + (f"#{parts.fragment}" if parts.fragment else "")
        if parts.path.startswith(self.media_prefix) and not parts.query:
            name = parts.path[len(self.media_prefix) :]
            self.media.add(name)
            return relative(from_file, "media/" + name)
        return self.base_url + url  # a page the copy does not hold: the site's own

    def page(self, client: Client, path: str, pages: dict[str, str]) -> None:
        response = client.get(path, secure=True, follow=False)
        if response.status_code != 200:
            raise ExportError(
                gettext("The page %(path)s answered %(status)d; the copy was not changed.")
                % {"path": path, "status": response.status_code}
            )
        own = pages[path]
        html = response.content.decode(response.charset or "utf-8")
        html = _LINK.sub(
            lambda m: m.group(1) + self.link(own, _unescape(m.group(2)), pages) + m.group(3),
            html,
        )
        self.files[own] = html.encode("utf-8")


def _unescape(url: str) -> str:
    # Templates escape "&" in addresses; a relative file link has no query to keep.
    return url.replace("&amp;", "&")


def _front_door(homes: list[tuple[str, str, str]]) -> bytes:
    """The copy's own first page: a link to each language's lite home, nothing else."""
    links = "".join(
        f'<p lang="{code}"><a href="{home}">{escape(name)}</a></p>' for code, name, home in homes
    )
    return (
        '<!DOCTYPE html><html lang="ar" dir="rtl"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(settings.NEWSROOM_SITE_NAME)}</title></head><body>"
        f"<h1>{escape(settings.NEWSROOM_SITE_NAME)}</h1>{links}</body></html>"
    ).encode()


def export(folder: Path, *, base_url: str = "", latest: int = 200) -> ExportReport:
    """Write (or bring up to date) the static copy in ``folder``; see the module's text.

    ``base_url`` is the site's public address for canonical links and for links to
    pages the copy does not hold (``NEWSROOM_SITE_URL`` by default).
    """
    base_url = base_url or settings.NEWSROOM_SITE_URL
    if not base_url:
        raise ExportError(
            gettext("Give the site's public address: --base-url, or NEWSROOM_SITE_URL.")
        )
    folder = Path(folder)
    copy = _Copy(folder, base_url)
    pages = {}
    for code, _name in settings.LANGUAGES:
        for path in _paths(code, latest):
            pages[path] = file_for(path)
    with override_settings(
        NEWSROOM_SITE_URL=copy.base_url,
        NEWSROOM_PAGE_CACHE=False,
        ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, HOST],
    ):
        client = Client(HTTP_HOST=HOST, raise_request_exception=True)
        for path in pages:
            copy.page(client, path, pages)
    homes = []
    for code, name in settings.LANGUAGES:
        with translation.override(code):
            homes.append((code, str(name), file_for(reverse("articles:lite_home"))))
    copy.files["index.html"] = _front_door(homes)
    shares = {name for code, _ in settings.LANGUAGES for name in _share_images(code, latest)}
    for name in sorted(copy.media | shares):
        if default_storage.exists(name):
            with default_storage.open(name, "rb") as stored:
                copy.files["media/" + name] = stored.read()
    return _write(folder, copy.files)


def _write(folder: Path, files: dict[str, bytes]) -> ExportReport:
    report = ExportReport()
    folder.mkdir(parents=True, exist_ok=True)
    manifest_path = folder / MANIFEST
    try:
        earlier = set(json.loads(manifest_path.read_text())["files"])
    except (OSError, ValueError, KeyError, TypeError):
        earlier = set()
    for name, content in sorted(files.items()):
        target = folder / name
        if target.is_file() and _digest(target.read_bytes()) == _digest(content):
            report.unchanged.append(name)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".partial")
        partial.write_bytes(content)
        partial.replace(target)  # a reader never gets half a file
        report.written.append(name)
    for name in sorted(earlier - set(files)):
        target = folder / name
        if _inside(folder, target) and target.is_file():
            target.unlink()
            report.removed.append(name)
            _prune(folder, target.parent)
    manifest_path.write_text(json.dumps({"files": sorted(files)}, indent=0))
    return report


def _digest(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def _inside(folder: Path, target: Path) -> bool:
    return target.resolve().is_relative_to(folder.resolve())


def _prune(folder: Path, directory: Path) -> None:
    """Remove the folders emptied by a removal, up to the copy's own folder."""
    while directory != folder and _inside(folder, directory) and not any(directory.iterdir()):
        directory.rmdir()
        directory = directory.parent
