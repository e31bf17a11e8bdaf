"""Give every staff account that is an author of an article a public author profile (its
full name, linked to it, not a pen name), and move the articles' bylines to them.

``Article.authors`` stays: it says which staff accounts may edit an article
(``permissions.py``); readers now see ``Article.bylines``.
"""

from django.conf import settings
from django.db import migrations

from articles.arabic import make_slug


def profiles_from_accounts(apps, schema_editor):
    Article = apps.get_model("articles", "Article")
    AuthorProfile = apps.get_model("articles", "AuthorProfile")
    User = apps.get_model(settings.AUTH_USER_MODEL)
    Through = Article.authors.through
    user_ids = Through.objects.values_list("user_id", flat=True)
    taken = set(AuthorProfile.objects.values_list("slug", flat=True))
    for user in User.objects.filter(pk__in=set(user_ids)).order_by("pk"):
        name = f"{user.first_name} {user.last_name}".strip() or user.username
        base = make_slug(name)[:100] or f"author-{user.pk}"
        slug, number = base, 1
        while slug in taken:
            number += 1
            slug = f"{base}-{number}"
        taken.add(slug)
        profile = AuthorProfile.objects.create(
            name=name, name_ar=name, slug=slug, account_id=user.pk, is_pen_name=False
        )
        article_ids = Through.objects.filter(user_id=user.pk).values_list("article_id", flat=True)
        Article.bylines.through.objects.bulk_create(
            [
                Article.bylines.through(article_id=article_id, authorprofile_id=profile.pk)
                for article_id in article_ids
            ],
            ignore_conflicts=True,
        )


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0015_author_profiles"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [migrations.RunPython(profiles_from_accounts, migrations.RunPython.noop)]
