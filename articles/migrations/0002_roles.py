"""Once created the role groups; ``staff`` migration 0001 does it now.

Staff accounts and their roles moved to the ``staff`` app, which creates the groups after
every migration of this app has run (so every permission a role holds exists by then).
Kept, as a step that does nothing, so that databases which applied it stay consistent.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = []
