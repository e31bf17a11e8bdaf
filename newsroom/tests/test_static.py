"""Static files as production serves them: hashed names, compressed copies, long caching."""

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_collectstatic_writes_hashed_and_compressed_files(tmp_path):
    env = {
        "PATH": os.environ["PATH"],
        "DJANGO_SECRET_KEY": "static-test-" + "k" * 40,
        "DJANGO_ALLOWED_HOSTS": "news.example",
        "NEWSROOM_VAR_DIR": str(tmp_path / "var"),
        "DJANGO_STATIC_ROOT": str(tmp_path / "static"),
    }
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "-v0"],
        cwd=REPO,
        env=env,
        check=True,
    )
    css = sorted((tmp_path / "static" / "css").glob("site.*.css"))

    assert css, "the stylesheet gets a content-hashed name"
    hashed = css[0]
    assert hashed.with_name(hashed.name + ".gz").exists()
    assert hashed.with_name(hashed.name + ".br").exists()
    # The hashed stylesheet points at the hashed fonts, so they can be cached for a year.
    assert "noto-naskh-arabic-regular." in hashed.read_text()
    assert "noto-naskh-arabic-regular.woff2" not in hashed.read_text()
