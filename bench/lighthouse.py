"""Run Lighthouse (mobile) on the seed report's page and print the four scores.

Usage: .venv/bin/python bench/lighthouse.py [--keep] [--path /articles/1/]

It seeds a throw-away database, serves the site with production settings on a free
local port (static files through WhiteNoise, as in production), runs the Lighthouse of
bench/node_modules with Debian's Chromium, and prints performance, accessibility, best
practices and SEO, with every audit that did not pass. The performance score depends on
the machine's load; the other three do not.
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
    parser.add_argument("--path", default="/articles/1/", help="page to audit")
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
    url = f"http://127.0.0.1:{port}{options.path}"
    try:
        for _attempt in range(50):
            try:
                urlopen(url, timeout=2)
                break
            except OSError:
                time.sleep(0.2)
        report = var / "lighthouse.json"
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
        data = json.loads(report.read_text())
    finally:
        server.terminate()
        server.wait(timeout=10)

    print(f"Lighthouse {data['lighthouseVersion']}, mobile, {data['finalDisplayedUrl']}")
    for name in CATEGORIES:
        category = data["categories"][name]
        print(f"  {category['title']:<16} {round(category['score'] * 100):>3}")
        for ref in category["auditRefs"]:
            audit = data["audits"][ref["id"]]
            if ref["weight"] and audit["score"] is not None and audit["score"] < 1:
                print(f"      {audit['id']}: {audit['score']} {audit.get('displayValue', '')}")
    if options.keep:
        print(f"Report: {report}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
