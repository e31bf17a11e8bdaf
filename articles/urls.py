from django.urls import path

from articles import views

app_name = "articles"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("articles/<int:pk>/", views.article_detail, name="detail_short"),
    path("articles/<int:pk>/<str:slug>/", views.article_detail, name="detail"),
    path("sections/<str:slug>/", views.SectionView.as_view(), name="section"),
    path("tags/<str:slug>/", views.TagView.as_view(), name="tag"),
    path("experts/<str:slug>/", views.ExpertView.as_view(), name="expert"),
    path("search/", views.SearchView.as_view(), name="search"),
    path("share/<int:pk>/<slug:network>/", views.share, name="share"),
    path("preview/<str:token>/", views.preview, name="preview"),
]
