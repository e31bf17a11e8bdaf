from django.urls import path

from articles import feeds, views
from articles.protection import rate_limited

search = rate_limited("search", per_minute_setting="NEWSROOM_SEARCH_PER_MINUTE")
sharing = rate_limited("share", per_minute_setting="NEWSROOM_SHARE_PER_MINUTE")

app_name = "articles"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("articles/<int:pk>/", views.article_detail, name="detail_short"),
    path("articles/<int:pk>/<str:slug>/", views.article_detail, name="detail"),
    path("sections/<str:slug>/", views.SectionView.as_view(), name="section"),
    path("tags/<str:slug>/", views.TagView.as_view(), name="tag"),
    path("experts/<str:slug>/", views.ExpertView.as_view(), name="expert"),
    path("quotes/<int:pk>/", views.quote_detail, name="quote"),
    path("quotes/<int:pk>/share/<slug:network>/", sharing(views.quote_share), name="quote_share"),
    path("search/", search(views.SearchView.as_view()), name="search"),
    path("share/<int:pk>/<slug:network>/", sharing(views.share), name="share"),
    path("preview/<str:token>/", views.preview, name="preview"),
    path("feeds/rss/", feeds.LatestFeed(), name="feed_rss"),
    path("feeds/atom/", feeds.LatestAtomFeed(), name="feed_atom"),
    path("feeds/sections/<str:slug>/rss/", feeds.SectionFeed(), name="section_feed_rss"),
    path("feeds/sections/<str:slug>/atom/", feeds.SectionAtomFeed(), name="section_feed_atom"),
    path("feeds/tags/<str:slug>/rss/", feeds.TagFeed(), name="tag_feed_rss"),
    path("feeds/tags/<str:slug>/atom/", feeds.TagAtomFeed(), name="tag_feed_atom"),
    path("feeds/experts/<str:slug>/rss/", feeds.ExpertFeed(), name="expert_feed_rss"),
    path("feeds/experts/<str:slug>/atom/", feeds.ExpertAtomFeed(), name="expert_feed_atom"),
]
