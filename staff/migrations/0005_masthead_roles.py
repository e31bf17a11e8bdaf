"""Give the roles the permissions of the masthead and footer (``articles`` migration
0011): journalists see it, editors and administrators change it (``staff.roles``)."""

from django.db import migrations


def sync_roles(apps, schema_editor):
    from staff.roles import sync_roles

    sync_roles(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("staff", "0004_channel_deliveries"),
        ("articles", "0012_masthead"),
    ]

    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
