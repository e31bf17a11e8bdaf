"""Full-text search indexes on PostgreSQL, over the folded text of each language.

The expression matches what ``articles.reading.search`` queries, so PostgreSQL uses the index.
Other databases (SQLite) need nothing here.
"""

from django.db import migrations

LANGUAGES = ("ar", "en")


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for code in LANGUAGES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS article_search_{code}_gin ON articles_article "
            f"USING gin (to_tsvector('simple'::regconfig, COALESCE(search_{code}, '')))"
        )


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for code in LANGUAGES:
        schema_editor.execute(f"DROP INDEX IF EXISTS article_search_{code}_gin")


class Migration(migrations.Migration):
    dependencies = [("articles", "0004_edit_version_never_repeats")]

    operations = [migrations.RunPython(create_indexes, drop_indexes)]
