from django.urls import path

from articles.caching.pagecache import public_page
from articles.public import embeds, feeds, views
from articles.public.protection import rate_limited

search = rate_limited("search", per_minute_setting="NEWSROOM_SEARCH_PER_MINUTE")
sharing = rate_limited("share", per_minute_setting="NEWSROOM_SHARE_PER_MINUTE")

app_name = "articles"

urlpatterns = [
    path("", public_page(views.home), name="home"),
    path("articles/<int:pk>/", public_page(views.article_detail), name="detail_short"),
    path("articles/<int:pk>/<str:slug>/", public_page(views.article_detail), name="detail"),
    path("a/<int:pk>/", public_page(views.article_short), name="short"),
    path(
        "sections/<str:slug>/",
        public_page(views.section, query=("page",)),
        name="section",
    ),
    path("tags/<str:slug>/", public_page(views.tag, query=("page",)), name="tag"),
    path(
        "experts/<str:slug>/",
        public_page(views.expert, query=("page",)),
        name="expert",
    ),
    path(
        "authors/<str:slug>/",
        public_page(views.author, query=("page",)),
        name="author",
    ),
    path("lite/", public_page(views.lite_home), name="lite_home"),
    path(
        "lite/sections/<str:slug>/",
        public_page(views.lite_section, query=("page",)),
        name="lite_section",
    ),
    path("lite/articles/<int:pk>/", public_page(views.lite_article), name="lite_article"),
    path("quotes/<int:pk>/", public_page(views.quote_detail), name="quote"),
    path("quotes/<int:pk>/share/<slug:network>/", sharing(views.quote_share), name="quote_share"),
    path(
        "search/",
        search(views.search),
        name="search",
    ),
    path("share/<int:pk>/<slug:network>/", sharing(views.share), name="share"),
    path("reach-us/", public_page(views.reach_us), name="reach_us"),
    path("about/", public_page(views.about), name="about"),
    path("corrections/", public_page(views.corrections), name="corrections"),
    path("ownership/", public_page(views.ownership), name="ownership"),
    path("sources-policy/", public_page(views.sources_policy), name="sources_policy"),
    path("contact/", public_page(views.contact), name="contact"),
    path("lite/reach-us/", public_page(views.lite_reach_us), name="lite_reach_us"),
    path("preview/<str:token>/", views.preview, name="preview"),
    path("embed/<slug:provider>/<path:reference>/", embeds.embed_page, name="embed"),
    path("feeds/rss/", public_page(feeds.LatestFeed()), name="feed_rss"),
    path("feeds/atom/", public_page(feeds.LatestAtomFeed()), name="feed_atom"),
    path(
        "feeds/sections/<str:slug>/rss/", public_page(feeds.SectionFeed()), name="section_feed_rss"
    ),
    path(
        "feeds/sections/<str:slug>/atom/",
        public_page(feeds.SectionAtomFeed()),
        name="section_feed_atom",
    ),
    path("feeds/tags/<str:slug>/rss/", public_page(feeds.TagFeed()), name="tag_feed_rss"),
    path("feeds/tags/<str:slug>/atom/", public_page(feeds.TagAtomFeed()), name="tag_feed_atom"),
    path("feeds/experts/<str:slug>/rss/", public_page(feeds.ExpertFeed()), name="expert_feed_rss"),
    path(
        "feeds/experts/<str:slug>/atom/",
        public_page(feeds.ExpertAtomFeed()),
        name="expert_feed_atom",
    ),
]
