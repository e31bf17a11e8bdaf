from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

from articles.caching.pagecache import public_page
from articles.public import sitemaps
from newsroom.views import health

# Language-neutral: crawlers find one robots.txt and one set of sitemaps, which list
# every language's pages.
urlpatterns = [
    path("healthz", health, name="health"),
    path("robots.txt", public_page(sitemaps.robots_txt), name="robots_txt"),
    path("sitemap.xml", public_page(sitemaps.index, query=("p",)), name="sitemap_index"),
    path("sitemap-<section>.xml", public_page(sitemaps.sitemap, query=("p",)), name="sitemap"),
    path("news-sitemap.xml", public_page(sitemaps.news_sitemap), name="news_sitemap"),
]

urlpatterns += i18n_patterns(
    path("admin/", admin.site.urls),
    path("", include("articles.public.urls")),
    prefix_default_language=False,
)

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
