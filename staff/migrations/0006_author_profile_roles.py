"""Give the roles the permissions of author profiles (``articles`` migration 0014):
journalists see them, editors manage them, administrators also see and set who writes
under a pen name (``staff.roles``)."""

from django.db import migrations


def sync_roles(apps, schema_editor):
    from staff.roles import sync_roles

    sync_roles(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("staff", "0005_masthead_roles"),
        ("articles", "0016_author_profiles_from_accounts"),
    ]

    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
