"""Create the Journalist, Editor and Administrator groups from ``staff.roles``.

The roles were created by ``articles`` migration 0002 before staff accounts had an app of
their own; this migration keeps them in step with ``staff.roles`` (it is idempotent).
"""

from django.db import migrations


def sync_roles(apps, schema_editor):
    from staff.roles import sync_roles

    sync_roles(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0007_article_slug_is_a_slug"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
