from django.urls import path

from vigie.portal import feeds, views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("recherche/", views.search, name="search"),
    path("bulletins/", views.bulletin_list, name="bulletin_list"),
    path("bulletins/rss/", feeds.BulletinFeed(), name="bulletin_rss"),
    path("bulletins/atom/", feeds.BulletinAtomFeed(), name="bulletin_atom"),
    path("bulletins/<slug:slug>/", views.bulletin_detail, name="bulletin_detail"),
    path("fiches-reflexes/", views.sheet_list, name="sheet_list"),
    path("fiches-reflexes/<slug:slug>/", views.sheet_detail, name="sheet_detail"),
    path("guides/", views.guide_list, name="guide_list"),
    path("guides/<slug:slug>/", views.guide_detail, name="guide_detail"),
    path("prestataires/", views.provider_list, name="provider_list"),
    path("retex/", views.retex_list, name="retex_list"),
    path("retex/<slug:slug>/", views.retex_detail, name="retex_detail"),
]
