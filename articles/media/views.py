"""Serve stored images from MEDIA_ROOT when media is on local disk and no web server does.

With ``NEWSROOM_MEDIA_STORAGE=local`` (the default) uploads, renditions and share images
are files under ``MEDIA_ROOT``; unless nginx serves ``MEDIA_URL`` itself
(``NEWSROOM_SERVE_MEDIA=0``, docs/deploy.md), this view does, and only this:

- a regular file under ``MEDIA_ROOT``, reached by a name of plain segments: no ``..``,
  no hidden file, no folder (no listing), and no symbolic link that leads outside;
- of a type the newsroom itself stores (``articles.media.images``: JPEG, PNG, WebP),
  judged by the stored file's extension and sent as that image type with ``nosniff``:
  an HTML, SVG or any other file answers 404 even when it exists, so nothing placed in
  the folder can run as a page of the site;
- streamed (``FileResponse``: gunicorn hands the file to the kernel's sendfile), with
  one byte range when asked (a video-less site needs no more: phones resume an image
  cut off by a dropped connection), and a 304 for a copy the browser already has.

Stored names never change their content (uploads get a random name, renditions and
share images a digest of what they show), so those are cached for a year.
"""

import os
import re
import stat
from pathlib import Path

from django.conf import settings
from django.http import (
    FileResponse,
    Http404,
    HttpResponse,
    HttpResponseNotFound,
    HttpResponseNotModified,
)
from django.utils.http import (
    content_disposition_header,
    http_date,
    parse_etags,
    parse_http_date_safe,
)
from django.views.decorators.http import require_safe

from articles.media.images import MIME_TYPES, SUFFIXES

# The image types the newsroom stores (validate_and_clean_image, renditions and share
# images make nothing else), ".jpeg", which an older upload may carry, and the outlet's
# logo, an SVG under site/ (checked by articles.svg when uploaded). GIF, AVIF, HTML,
# SVG elsewhere and everything else answer 404: nothing of ours makes them, so a file of
# that kind under MEDIA_ROOT was put there some other way.
CONTENT_TYPES = {suffix: MIME_TYPES[kind] for kind, suffix in SUFFIXES.items()} | {
    ".jpeg": MIME_TYPES["JPEG"]
}
SVG_FOLDER = "site/"
# An SVG opened on its own address is a document: this policy runs nothing in it and
# fetches nothing for it (shown through <img>, it runs nothing anyway).
SVG_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox"

# A name with a 32-character hexadecimal segment (an upload's random name, the folder of
# its renditions, a share image's digest) never gets other content: cached for a year.
NAMED_FOR_GOOD = re.compile(r"(?:^|/)[0-9a-f]{32}(?:/|\.[a-z0-9]+$)")
IMMUTABLE = "public, max-age=31536000, immutable"
# Any other file may be replaced by hand under the same name: browsers keep it ten
# minutes, then ask again (a 304 when it has not changed).
REVALIDATED = "public, max-age=600"

SINGLE_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


class _Unsatisfiable(Exception):
    pass


def _stored_file(name: str) -> tuple[Path, os.stat_result]:
    """Return the regular file ``name`` stands for under MEDIA_ROOT, or raise Http404."""
    segments = name.split("/")
    if any(not part or part.startswith(".") or "\\" in part or "\0" in part for part in segments):
        raise Http404
    root = Path(settings.MEDIA_ROOT).resolve()
    # Resolved with every symbolic link followed: one that leads outside is refused.
    path = root.joinpath(*segments).resolve()
    if not path.is_relative_to(root) or path == root:
        raise Http404
    try:
        status = path.stat()
    except OSError:
        raise Http404 from None
    if not stat.S_ISREG(status.st_mode):
        raise Http404
    return path, status


def _etag(status: os.stat_result) -> str:
    return f'"{status.st_mtime_ns:x}-{status.st_size:x}"'


def _not_modified(request, etag: str, modified: int) -> bool:
    """Tell whether the browser's copy is current (If-None-Match, else If-Modified-Since)."""
    if_none_match = request.META.get("HTTP_IF_NONE_MATCH")
    if if_none_match is not None:
        wanted = {tag.removeprefix("W/") for tag in parse_etags(if_none_match)}
        return "*" in wanted or etag in wanted
    since = parse_http_date_safe(request.META.get("HTTP_IF_MODIFIED_SINCE", ""))
    return since is not None and modified <= since


def byte_range(request, size: int, etag: str, last_modified: str) -> tuple[int, int] | None:
    """Return the one byte range asked for, first and last byte included, or None.

    None means the whole file: no Range header, one that is malformed, several ranges
    (answered whole, as RFC 9110 allows), or an If-Range naming another version.
    Raise ``_Unsatisfiable`` for a range that starts past the end.
    """
    header = request.META.get("HTTP_RANGE")
    if not header:
        return None
    if_range = request.META.get("HTTP_IF_RANGE")
    if if_range is not None and if_range.strip() not in {etag, last_modified}:
        return None
    match = SINGLE_RANGE.match(header.replace(" ", ""))
    if not match or match[1] == match[2] == "":
        return None
    if match[1] == "":  # the last n bytes
        length = int(match[2])
        if length == 0 or size == 0:
            raise _Unsatisfiable
        return max(0, size - length), size - 1
    first = int(match[1])
    last = int(match[2]) if match[2] else None
    if last is not None and last < first:
        return None
    if first >= size:
        raise _Unsatisfiable
    return first, size - 1 if last is None else min(last, size - 1)


class _Slice:
    """A file read from where it was opened for ``length`` bytes, then exhausted."""

    def __init__(self, handle, first: int, length: int):
        handle.seek(first)
        self.handle, self.left = handle, length

    def read(self, size: int = -1) -> bytes:
        size = self.left if size < 0 else min(size, self.left)
        data = self.handle.read(size)
        self.left -= len(data)
        return data

    def close(self) -> None:
        self.handle.close()


@require_safe
def media_file(request, name: str):
    """Send a stored image, whole or one byte range of it, with headers that keep it inert.

    A missing file gets a bare 404, as a file server gives: the reader pages' 404 has
    the masthead, which reads the database, and pictures never do.
    """
    try:
        return _media_file(request, name)
    except Http404:
        return HttpResponseNotFound(
            b"Not found", content_type="text/plain", headers={"X-Content-Type-Options": "nosniff"}
        )


def _media_file(request, name: str):
    if not settings.NEWSROOM_SERVE_MEDIA:
        raise Http404
    path, status = _stored_file(name)
    content_type = CONTENT_TYPES.get(path.suffix.lower())
    if path.suffix.lower() == ".svg" and name.startswith(SVG_FOLDER):
        content_type = "image/svg+xml"
    if content_type is None:
        raise Http404
    etag, last_modified = _etag(status), http_date(status.st_mtime)
    headers = {
        "ETag": etag,
        "Last-Modified": last_modified,
        "Cache-Control": IMMUTABLE if NAMED_FOR_GOOD.search(name) else REVALIDATED,
        "X-Content-Type-Options": "nosniff",
        "Accept-Ranges": "bytes",
    }
    if content_type == "image/svg+xml":
        headers["Content-Security-Policy"] = SVG_POLICY
    if _not_modified(request, etag, int(status.st_mtime)):
        return HttpResponseNotModified(headers=headers)
    headers["Content-Disposition"] = content_disposition_header(False, path.name)
    size = status.st_size
    try:
        wanted = byte_range(request, size, etag, last_modified)
    except _Unsatisfiable:
        headers["Content-Range"] = f"bytes */{size}"
        return HttpResponse(status=416, content_type="text/plain", headers=headers)
    first, last = wanted or (0, size - 1)
    if wanted:
        headers["Content-Range"] = f"bytes {first}-{last}/{size}"
    status_code = 206 if wanted else 200
    if request.method == "HEAD":
        headers["Content-Length"] = str(last - first + 1 if size else 0)
        return HttpResponse(status=status_code, content_type=content_type, headers=headers)
    handle = path.open("rb")
    if wanted:
        response = FileResponse(
            _Slice(handle, first, last - first + 1), status=206, content_type=content_type
        )
        response["Content-Length"] = str(last - first + 1)
    else:
        response = FileResponse(handle, content_type=content_type)
    for header, value in headers.items():
        response[header] = value
    return response
