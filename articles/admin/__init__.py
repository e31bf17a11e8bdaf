"""The content's staff screens, one module per group of models.

Importing this package (Django's admin autodiscovery does) registers every screen.
"""

from articles.admin import activity, articles, experts, reach_us, sharing, taxonomy  # noqa: F401
