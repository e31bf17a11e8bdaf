"""Give the roles the permissions of the channel's deliveries (``articles`` migration
0010): everyone sees them, editors and administrators retry them (``staff.roles``)."""

from django.db import migrations


def sync_roles(apps, schema_editor):
    from staff.roles import sync_roles

    sync_roles(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("staff", "0003_reach_us_page_roles"),
        ("articles", "0010_channel_deliveries"),
    ]

    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
