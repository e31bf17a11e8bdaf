"""The pull quote becomes the editor's choice: no quote is highlighted until one is chosen.

Until now the seed and the demo generator highlighted a quote of every article by
themselves, and the page showed it three times; from here an editor ticks the one to
pull out, in the article's quote inline.
"""

from django.db import migrations, models


def highlight_none(apps, schema_editor):
    apps.get_model("articles", "Quote").objects.filter(highlighted=True).update(highlighted=False)


class Migration(migrations.Migration):
    dependencies = [("articles", "0010_channel_deliveries")]

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
        migrations.RunPython(highlight_none, migrations.RunPython.noop, elidable=True),
    ]
