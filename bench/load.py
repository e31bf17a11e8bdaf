"""A breaking-news load test: readers on gunicorn while editors publish, and a share storm.

1. A fresh database (SQLite in a temporary folder, or the new, empty PostgreSQL
   database named by ``--database``) gets the seed report and demo articles.
2. gunicorn starts with the project's gunicorn.conf.py (page cache on).
3. wrk sends ``--connections`` concurrent readers for ``--seconds`` over a mix of pages
   (home, articles in both languages, sections, tags, experts, quotes, feeds, search),
   while an editor process publishes a new article and corrects another every couple of
   seconds through the same actions the admin uses. After each article page a reader
   sends the page's read count (``POST /r/<id>/``, what ``static/js/read.js`` sends),
   until ``BEACONS_STOP`` seconds before the end, so that every one sent is answered.
4. 20 readers click the same share link at the same moment; the count must be 20.

It prints requests, errors, latency percentiles, what the editor did and the reads
sent and counted, and exits non-zero if any answer was a 5xx or a socket error, if the
error log gained an entry, if an editor's change failed, or if a share click or a read
was lost (or counted twice).

    python bench/load.py --seconds 120 --connections 50
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
# Readers stop sending reads this long before wrk stops, so none is left unanswered.
BEACONS_STOP = 5
BROWSER = "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/126.0 Mobile Safari/537.36"

EDITOR = r"""
import json, sys, time
import django
django.setup()
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone
from staff import roles
from articles.writing import actions
from articles.models import Article, Section

deadline = time.monotonic() + float(sys.argv[1])
editor, _ = get_user_model().objects.get_or_create(
    username="load-editor", defaults={"is_staff": True}
)
editor.groups.add(Group.objects.get(name=roles.EDITOR))
section = Section.objects.order_by("position").first()
published = corrected = 0
number = 0
while time.monotonic() < deadline:
    number += 1
    news = Article(
        title_ar=f"خبر عاجل رقم {number}", body_ar=f"<p>تفاصيل الخبر العاجل رقم {number}.</p>",
        section=section,
    )
    actions.Publish(news, actor=editor).execute()
    published += 1
    story = Article.objects.published().order_by("?").first()
    story.summary_ar = f"تحديث {number} في {timezone.now():%H:%M:%S}"
    actions.ArticleAction(story, actor=editor).execute()
    corrected += 1
    time.sleep(2)
print(json.dumps({"published": published, "corrected": corrected}))
"""

SHARE_COUNT = r"""
import django, sys
django.setup()
from django.db.models import Sum
from articles.models import DailyShareCount
rows = DailyShareCount.objects.filter(article_id=int(sys.argv[1]))
print(rows.aggregate(n=Sum("count"))["n"] or 0)
"""

READ_COUNT = r"""
import django
django.setup()
from django.db.models import Sum
from articles.models import DailyReadCount
print(DailyReadCount.objects.aggregate(n=Sum("count"))["n"] or 0)
"""

PATHS = r"""
import django, json
django.setup()
from django.utils import translation
from articles.models import Article, Expert, Quote, Section, Tag
from django.urls import reverse
paths = ["/", "/en/", "/feeds/rss/", "/search/?q=%D8%A7%D9%84%D9%83%D9%87%D8%B1%D8%A8%D8%A7%D8%A1"]
paths = [[path, None] for path in paths]  # each page, and where it counts a read (articles)
for article in Article.objects.published().order_by("-published_at")[:40]:
    read = reverse("read", kwargs={"pk": article.pk})
    paths.append([article.get_absolute_url(), read])
    if article.is_available_in("en"):
        with translation.override("en"):
            paths.append([article.get_absolute_url(), read])
paths += [[s.get_absolute_url(), None] for s in Section.objects.all()]
paths += [[t.get_absolute_url(), None] for t in Tag.objects.all()[:10]]
paths += [[e.get_absolute_url(), None] for e in Expert.objects.all()[:10]]
paths += [[q.get_absolute_url(), None] for q in Quote.objects.published()[:10]]
report = Article.objects.get(import_key__startswith="seed-000")
print(json.dumps({"paths": paths, "report": report.pk}))
"""

WRK_SCRIPT = """
pages = {%(pages)s}
counter = 0
beacons = 0
pending = nil
stop_at = os.time() + %(beacon_seconds)d
headers = {["User-Agent"] = "%(agent)s"}
-- Each article page is followed by its read count, as the page's script sends it.
request = function()
  if pending then
    local path = pending
    pending = nil
    beacons = beacons + 1
    return wrk.format("POST", path, headers, "")
  end
  counter = counter + 1
  local page = pages[(counter %% #pages) + 1]
  if page[2] and os.time() < stop_at then
    pending = page[2]
  end
  return wrk.format("GET", page[1], headers)
end

threads = {}
function setup(thread)
  table.insert(threads, thread)
end
function done(summary, latency, requests)
  local sent = 0
  for _, thread in ipairs(threads) do
    sent = sent + thread:get("beacons")
  end
  io.write(string.format("Reads sent: %%d\\n", sent))
end
"""


def lua_pages(paths: list[list]) -> str:
    """Return the mix as a Lua table: each page and its read count path (or false)."""
    return ", ".join(
        f"{{{json.dumps(page)}, {json.dumps(read) if read else 'false'}}}" for page, read in paths
    )


def environment(database_url: str, var_dir: Path, port: int) -> dict[str, str]:
    return {
        "PATH": os.environ["PATH"],
        "HOME": str(var_dir),
        "DJANGO_SETTINGS_MODULE": "newsroom.settings",
        "DJANGO_SECRET_KEY": "load-test-only-secret-key-" + "l" * 30,
        "DJANGO_DEBUG": "0",
        "NEWSROOM_HTTPS": "0",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_STATIC_ROOT": str(var_dir / "static"),
        "NEWSROOM_VAR_DIR": str(var_dir),
        "DATABASE_URL": database_url,
        "DJANGO_DB_CONN_MAX_AGE": "600",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "4",
        "GUNICORN_LOG_LEVEL": "warning",
        # Every reader of this test comes from one address.
        "NEWSROOM_SEARCH_PER_MINUTE": str(10**9),
        "NEWSROOM_SHARE_PER_MINUTE": str(10**9),
        "NEWSROOM_READS_PER_MINUTE": str(10**9),
    }


def run(env: dict, *args: str, code: str | None = None) -> str:
    command = [PYTHON, "-c", code, *args] if code else [PYTHON, "manage.py", *args]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    if result.returncode:
        raise SystemExit(f"{' '.join(command[:3])} failed:\n{result.stderr}")
    return result.stdout


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(url, timeout=2).read()  # noqa: S310 (http on loopback)
            return
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                raise SystemExit(f"gunicorn did not start:\n{log.read_text()}") from None
            time.sleep(0.3)


def start_gunicorn(env: dict, log: Path) -> tuple[subprocess.Popen, str]:
    """Start gunicorn with the project's configuration and ``env`` (its output to
    ``log``); return it and its address once it answers. The caller terminates it."""
    with open(log, "w") as output:
        server = subprocess.Popen(
            [str(Path(PYTHON).parent / "gunicorn"), "newsroom.wsgi"],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    base = f"http://{env['GUNICORN_BIND']}"
    try:
        wait_for(base + "/healthz", server, log)
    except BaseException:
        server.terminate()
        raise
    return server, base


def share_storm(base: str, article: int, clicks: int) -> list[int]:
    """Click one share link ``clicks`` times at the same moment; return the statuses."""
    barrier = threading.Barrier(clicks)
    statuses: list[int] = []

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)

    def click():
        request = urllib.request.Request(  # noqa: S310 (http on loopback)
            f"{base}/share/{article}/whatsapp/", headers={"User-Agent": BROWSER}
        )
        barrier.wait()
        try:
            statuses.append(opener.open(request, timeout=30).status)
        except urllib.error.HTTPError as error:
            statuses.append(error.code)

    threads = [threading.Thread(target=click) for _ in range(clicks)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


_LATENCY = re.compile(r"^\s+(50|90|99)(?:\.0+)?%\s+([\d.]+)(us|ms|s)\s*$", re.M)
_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def load(database: str | None, seconds: int, connections: int, demo: int) -> dict:
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: run bin/ensure-system-deps (Debian package wrk).")
    work = Path(tempfile.mkdtemp(prefix="newsroom-load-"))
    port = free_port()
    env = environment(database or f"sqlite:///{work / 'load.sqlite3'}", work, port)
    run(env, "migrate", "--no-input", "-v0")
    run(env, "seed_newsroom", "--demo", str(demo), "-v0")
    run(env, "collectstatic", "--no-input", "-v0")
    setup = json.loads(run(env, code=PATHS))
    paths, report = setup["paths"], setup["report"]

    log = work / "gunicorn.log"
    server, base = start_gunicorn(env, log)
    try:
        log_before = log.read_text()
        script = work / "mix.lua"
        script.write_text(
            WRK_SCRIPT
            % {
                "pages": lua_pages(paths),
                "beacon_seconds": max(1, seconds - BEACONS_STOP),
                "agent": BROWSER,
            }
        )
        editor = subprocess.Popen(
            [PYTHON, "-c", EDITOR, str(seconds - 5)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        readers = subprocess.run(
            [
                "wrk",
                "-t2",
                f"-c{connections}",
                f"-d{seconds}s",
                "--latency",
                "--timeout",
                "30s",
                "-s",
                str(script),
                base + "/",
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        editor_out, editor_err = editor.communicate(timeout=120)
        statuses = share_storm(base, report, 20)
        log_after = log.read_text()
    finally:
        server.terminate()
        server.wait(timeout=30)
    shares = int(run(env, str(report), code=SHARE_COUNT).strip())
    reads = int(run(env, code=READ_COUNT).strip())
    reads_sent = re.search(r"Reads sent: (\d+)", readers)

    latency = {int(p): float(v) * _UNITS[u] for p, v, u in _LATENCY.findall(readers)}
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", readers)
    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", readers
    )
    new_log = log_after[len(log_before) :]
    result = {
        "seconds": seconds,
        "connections": connections,
        "pages in the mix": len(paths),
        "requests": int(re.search(r"(\d+) requests in", readers).group(1)),
        "requests per second": float(re.search(r"Requests/sec:\s+([\d.]+)", readers).group(1)),
        "p50 ms": latency.get(50),
        "p90 ms": latency.get(90),
        "p99 ms": latency.get(99),
        "non-2xx/3xx answers": int(non_2xx.group(1)) if non_2xx else 0,
        "socket errors": sum(int(n) for n in socket_errors.groups()) if socket_errors else 0,
        "editor": json.loads(editor_out) if editor.returncode == 0 else editor_err[-2000:],
        "new error log lines": [line for line in new_log.splitlines() if line.strip()],
        "share clicks answered": statuses.count(302),
        "shares counted": shares,
        "reads sent": int(reads_sent.group(1)) if reads_sent else None,
        "reads counted": reads,
    }
    shutil.rmtree(work, ignore_errors=True)
    return result


def failures(result: dict) -> list[str]:
    problems = []
    if result["non-2xx/3xx answers"]:
        problems.append(f"{result['non-2xx/3xx answers']} answers were not 2xx or 3xx")
    if result["socket errors"]:
        problems.append(f"{result['socket errors']} socket errors")
    if not isinstance(result["editor"], dict) or not result["editor"]["published"]:
        problems.append(f"the editor failed: {result['editor']}")
    if result["new error log lines"]:
        problems.append("the error log gained: " + " | ".join(result["new error log lines"][:5]))
    if result["share clicks answered"] != 20 or result["shares counted"] != 20:
        problems.append(
            f"20 share clicks: {result['share clicks answered']} answered, "
            f"{result['shares counted']} counted"
        )
    if not result["reads sent"] or result["reads counted"] != result["reads sent"]:
        problems.append(f"reads: {result['reads sent']} sent, {result['reads counted']} counted")
    return problems


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=120)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--demo", type=int, default=300)
    parser.add_argument("--database", help="the URL of a new, empty PostgreSQL database")
    options = parser.parse_args()
    result = load(options.database, options.seconds, options.connections, options.demo)
    print(json.dumps(result, ensure_ascii=False, indent=1))
    problems = failures(result)
    for problem in problems:
        print("FAIL:", problem)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
