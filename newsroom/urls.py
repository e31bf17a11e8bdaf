import re

from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path, re_path

from articles.caching.pagecache import public_page
from articles.media import views as media_views
from articles.public import sitemaps
from articles.public import views as public_views
from articles.public.protection import rate_limited
from newsroom.views import health, trivial

# Language-neutral: crawlers find one robots.txt and one set of sitemaps, which list
# every language's pages.
urlpatterns = [
    path("healthz", health, name="health"),
    path("robots.txt", public_page(sitemaps.robots_txt), name="robots_txt"),
    path("sitemap.xml", public_page(sitemaps.index, query=("p",)), name="sitemap_index"),
    path("sitemap-<section>.xml", public_page(sitemaps.sitemap, query=("p",)), name="sitemap"),
    path("news-sitemap.xml", public_page(sitemaps.news_sitemap), name="news_sitemap"),
    # The article page's count of a read, in every language: one address per article.
    path(
        "r/<int:pk>/",
        rate_limited("read", per_minute_setting="NEWSROOM_READS_PER_MINUTE")(public_views.read),
        name="read",
    ),
]

urlpatterns += i18n_patterns(
    path("admin/", admin.site.urls),
    path("", include("articles.public.urls")),
    prefix_default_language=False,
)

if settings.NEWSROOM_BENCH_TRIVIAL:
    urlpatterns.insert(0, path("bench/trivial", trivial, name="bench_trivial"))

# Uploads, renditions and share images from local disk, in production too, unless a web
# server in front serves MEDIA_URL (NEWSROOM_SERVE_MEDIA=0) or they live in a bucket.
if settings.NEWSROOM_SERVE_MEDIA and settings.MEDIA_URL.startswith("/"):
    urlpatterns.insert(
        0,
        re_path(
            rf"^{re.escape(settings.MEDIA_URL.lstrip('/'))}(?P<name>.+)$",
            media_views.media_file,
            name="media",
        ),
    )
