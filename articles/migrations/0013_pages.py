"""The pull quote is the editor's choice, shown once: its help text says so.

The seed and the demo generator no longer highlight a quote by themselves. Quotes
editors highlighted are left as they are: a choice made by hand is not undone here
(an old demo database can be reseeded).
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("articles", "0012_masthead")]

    operations = [
        migrations.AlterField(
            model_name="quote",
            name="highlighted",
            field=models.BooleanField(
                default=False,
                help_text=(
                    "The editor's choice: shown once, as a pull quote in the article's text, "
                    "and not again in the quotes box."
                ),
                verbose_name="highlighted",
            ),
        ),
    ]
