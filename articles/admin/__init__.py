"""The content's staff screens, one module per group of models.

Importing this package (Django's admin autodiscovery does) registers every screen.
"""

from articles.admin import (  # noqa: F401
    activity,
    articles,
    deliveries,
    experts,
    reach_us,
    sharing,
    site_settings,
    taxonomy,
)
