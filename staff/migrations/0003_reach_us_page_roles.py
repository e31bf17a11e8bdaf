"""Give the roles the permissions of the reach-us page (``articles`` migration 0009):
editors and administrators change it, journalists read it (``staff.roles``)."""

from django.db import migrations


def sync_roles(apps, schema_editor):
    from staff.roles import sync_roles

    sync_roles(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("staff", "0002_signin_throttling"),
        ("articles", "0009_reach_us_page"),
    ]

    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
