"""Run Lighthouse (mobile) on the reader site's pages and print the scores and CLS.

Usage: .venv/bin/python bench/lighthouse.py [--keep] [--path /articles/1/ ...]

It seeds a throw-away database (the seed report and 12 demo articles), serves the site
with production settings on a free local port (static files through WhiteNoise, as in
production), runs the Lighthouse of bench/node_modules with Debian's Chromium on each
page, and prints one table: performance, accessibility, best practices, SEO and the
cumulative layout shift, then every audit that did not pass. Without --path it audits
six pages: home, the seed report and its section, in Arabic and English. A path that
redirects (``/articles/1/`` to its slug) is audited at the address it leads to. The
performance score depends on the machine's load; the other three do not.
"""

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.request import urlopen

ROOT = Path(__file__).resolve().parents[1]
LIGHTHOUSE = ROOT / "bench" / "node_modules" / "lighthouse" / "cli" / "index.js"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--path", action="append", help="page to audit (repeat for several; default: six)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the JSON report")
    options = parser.parse_args()
    if not LIGHTHOUSE.exists():
        print("Lighthouse is missing: run bin/ensure-system-deps (npm install in bench/).")
        return 2

    var = Path(tempfile.mkdtemp(prefix="newsroom-lighthouse-"))
    port = free_port()
    env = {
        **os.environ,
        "NEWSROOM_VAR_DIR": str(var),
        "DJANGO_SECRET_KEY": "lighthouse-run-" + os.urandom(8).hex(),
        "DJANGO_DEBUG": "0",
        "NEWSROOM_HTTPS": "0",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_STATIC_ROOT": str(var / "static"),
    }
    python = sys.executable
    for command in (
        ["migrate", "--no-input", "-v0"],
        ["seed_newsroom", "--demo", "12", "-v0"],
        ["collectstatic", "--no-input", "-v0"],
    ):
        subprocess.run([python, "manage.py", *command], cwd=ROOT, env=env, check=True)
    server = subprocess.Popen(
        [python, "-m", "gunicorn", "newsroom.wsgi", "-b", f"127.0.0.1:{port}", "-w", "2"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    results = []
    try:
        for _attempt in range(50):
            try:
                urlopen(f"http://127.0.0.1:{port}/", timeout=2)
                break
            except OSError:
                time.sleep(0.2)
        for number, path in enumerate(options.path or default_paths()):
            # Followed once here (and the pictures it shows made): audited where it leads.
            url = urlopen(f"http://127.0.0.1:{port}{path}", timeout=30).geturl()
            report = var / f"lighthouse-{number}.json"
            subprocess.run(
                [
                    "node",
                    str(LIGHTHOUSE),
                    url,
                    "--quiet",
                    "--output=json",
                    f"--output-path={report}",
                    "--form-factor=mobile",
                    f"--only-categories={','.join(CATEGORIES)}",
                    "--chrome-flags=--headless=new --no-sandbox --disable-gpu "
                    "--disable-background-networking --disable-component-update --disable-sync",
                ],
                env={**os.environ, "CHROME_PATH": "/usr/bin/chromium"},
                check=True,
            )
            results.append((path, report, json.loads(report.read_text())))
    finally:
        server.terminate()
        server.wait(timeout=10)

    print(f"Lighthouse {results[0][2]['lighthouseVersion']}, mobile")
    print(f"  {'page':<28} {'perf':>4} {'a11y':>4} {'best':>4} {'seo':>4} {'CLS':>6}")
    for path, _report, data in results:
        scores = [round(data["categories"][name]["score"] * 100) for name in CATEGORIES]
        shift = data["audits"]["cumulative-layout-shift"]["numericValue"]
        print(f"  {path:<28} " + " ".join(f"{score:>4}" for score in scores) + f" {shift:>6.3f}")
    for path, report, data in results:
        failing = [
            f"      {audit['id']}: {audit['score']} {audit.get('displayValue', '')}"
            for name in CATEGORIES
            for ref in data["categories"][name]["auditRefs"]
            if ref["weight"]
            and (audit := data["audits"][ref["id"]])["score"] is not None
            and audit["score"] < 1
        ]
        if failing:
            print(f"  {path}:", *failing, sep="\n")
        if options.keep:
            print(f"  {path}: report {report}")
    return 0


def default_paths() -> list[str]:
    """Return home, the seed report and its section, in Arabic and in English."""
    seeds = json.loads((ROOT / "seeds" / "newsroom.json").read_text(encoding="utf-8"))
    section = seeds["articles"][0]["section"]
    paths = ["/", "/articles/1/", f"/sections/{section}/"]
    return paths + ["/en" + path for path in paths]


if __name__ == "__main__":
    raise SystemExit(main())
