"""The house's plan holds: imports run one way, and Django's internals stay in one room.

docs/architecture.md draws the rooms and the direction of imports; these tests read
every module of the project (its ``import`` statements, not its text) and fail, naming
the module, when a change breaks the plan.
"""

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("articles", "staff", "newsroom")


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def project_modules() -> dict[str, Path]:
    """Every module of the project's code: tests and migrations aside."""
    modules = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if {"tests", "migrations"} & set(path.relative_to(ROOT).parts):
                continue
            modules[module_name(path)] = path
    return modules


MODULES = project_modules()


def imports_of(path: Path) -> set[str]:
    """Return the project modules ``path`` imports, at its top or inside functions."""
    tree = ast.parse(path.read_text(), filename=str(path))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        else:
            continue
        found |= {name for name in names if name in MODULES}
    return found


IMPORTS = {name: imports_of(path) for name, path in MODULES.items()}


def in_room(module: str, *rooms: str) -> bool:
    return any(module == room or module.startswith(room + ".") for room in rooms)


def offenders(importers, imported) -> list[str]:
    """Return "a imports b" for each module of ``importers`` importing one of ``imported``."""
    return sorted(
        f"{module} imports {target}"
        for module, targets in IMPORTS.items()
        if importers(module)
        for target in targets
        if imported(target)
    )


def test_the_plan_sees_every_room():
    for room in (
        "articles.models",
        "articles.reading.pages",
        "articles.reading.sql",
        "articles.writing.actions",
        "articles.public.views",
        "articles.admin.articles",
        "articles.caching.pagecache",
        "articles.media.images",
        "articles.operations.backups",
        "staff.twofactor",
        "newsroom.settings",
    ):
        assert room in MODULES


def test_only_url_configurations_import_views():
    wiring = {"articles.public.urls", "newsroom.urls"}

    assert offenders(lambda m: m not in wiring, lambda t: t.endswith(".views")) == []


def test_the_admin_does_not_import_the_reader_site():
    admin = lambda m: in_room(m, "articles.admin", "staff")  # noqa: E731

    assert offenders(admin, lambda t: in_room(t, "articles.public")) == []


def test_the_content_model_imports_no_side_above_it():
    """Models, querysets, permissions and the pure helpers know nothing of pages,
    actions, the admin, caches, media files, operations or staff accounts."""
    sides = (
        "articles.reading",
        "articles.public",
        "articles.writing",
        "articles.admin",
        "articles.caching",
        "articles.media",
        "articles.operations",
        "staff",
        "newsroom",
    )
    core = {
        module
        for module in MODULES
        if module.count(".") == 1
        and module.startswith("articles.")
        and not in_room(module, *sides, "articles.apps", "articles.templatetags")
    }

    assert {"articles.models", "articles.querysets", "articles.permissions"} <= core
    assert offenders(lambda m: m in core, lambda t: in_room(t, *sides)) == []


def test_the_read_side_does_not_write_and_the_write_side_does_not_read_pages():
    reading, writing = "articles.reading", "articles.writing"
    above = ("articles.public", "articles.admin", "staff")

    assert offenders(lambda m: in_room(m, reading), lambda t: in_room(t, writing, *above)) == []
    assert offenders(lambda m: in_room(m, writing), lambda t: in_room(t, reading, *above)) == []


def test_the_write_side_queues_jobs_and_runs_no_operation_itself():
    """An action queues the static copy's export (operations/jobs.py); it never imports
    the export, or a backup, to run it in the editor's request."""
    queue = {"articles.operations", "articles.operations.jobs"}
    writing = lambda m: in_room(m, "articles.writing")  # noqa: E731
    operations = lambda t: in_room(t, "articles.operations") and t not in queue  # noqa: E731

    assert "articles.operations.jobs" in IMPORTS["articles.writing.actions"]
    assert offenders(writing, operations) == []


def test_caching_and_media_serve_the_sides_without_importing_them():
    sides = ("articles.reading", "articles.public", "articles.writing", "articles.admin", "staff")

    assert offenders(lambda m: in_room(m, "articles.caching"), lambda t: in_room(t, *sides)) == []
    assert offenders(lambda m: in_room(m, "articles.media"), lambda t: in_room(t, *sides)) == []


def test_pure_helpers_import_no_model_so_they_test_without_a_database():
    pure = {
        "articles.arabic",
        "articles.sanitizing",
        "articles.sharing",
        "articles.secure_contact",
        "articles.reading.seo",
        "articles.media.sharecards",
    }
    models = lambda t: t.endswith(".models")  # noqa: E731

    assert offenders(lambda m: m in pure, models) == []
    for module in pure:
        assert "django.db" not in MODULES[module].read_text(), module


def test_configuration_wires_the_apps_and_nothing_in_it_reaches_into_them():
    wiring = {"newsroom.settings", "newsroom.urls"}
    apps = lambda t: in_room(t, "articles", "staff")  # noqa: E731

    assert offenders(lambda m: in_room(m, "newsroom") and m not in wiring, apps) == []


def test_the_content_app_does_not_depend_on_the_staff_app():
    assert offenders(lambda m: in_room(m, "articles"), lambda t: in_room(t, "staff")) == []


# Each spelled in two pieces, so that a search of the tree for one finds it in
# reading/sql.py alone.
PRIVATE_ORM_NAMES = (
    "klass" + "_info",
    "get_related" + "_populators",
    "_iterable" + "_class",
    "annotation" + "_col_map",
    "query" + ".selected",
    "_state" + ".fields_cache",
)


@pytest.mark.parametrize("name", PRIVATE_ORM_NAMES)
def test_private_orm_names_appear_only_in_the_module_that_owns_them(name):
    """reading/sql.py uses the few it needs, each listed with its reason and checked by
    test_sql.py; no other file of the project (tests included) may use one."""
    owner = ROOT / "articles" / "reading" / "sql.py"
    pattern = re.compile(re.escape(name) + r"\b")
    found = [
        str(path.relative_to(ROOT))
        for package in (*PACKAGES, "bench", "docs")
        for path in (ROOT / package).rglob("*.*")
        if path.suffix in {".py", ".md", ".html"}
        and path != owner
        and pattern.search(path.read_text())
    ]

    assert found == []
