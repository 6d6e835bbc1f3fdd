from django.urls import path

from vigie.portal import editorial_views as ed
from vigie.portal import feeds, views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("recherche/", views.search, name="search"),
    path("bulletins/", views.bulletin_list, name="bulletin_list"),
    path("bulletins/rss/", feeds.BulletinFeed(), name="bulletin_rss"),
    path("bulletins/atom/", feeds.BulletinAtomFeed(), name="bulletin_atom"),
    path("bulletins/<slug:slug>/", views.bulletin_detail, name="bulletin_detail"),
    path(
        "bulletins/<slug:slug>/versions/<int:number>/",
        views.bulletin_version,
        name="bulletin_version",
    ),
    path("fiches-reflexes/", views.sheet_list, name="sheet_list"),
    path("fiches-reflexes/<slug:slug>/", views.sheet_detail, name="sheet_detail"),
    path(
        "fiches-reflexes/<slug:slug>/versions/<int:number>/",
        views.sheet_version,
        name="sheet_version",
    ),
    path("guides/", views.guide_list, name="guide_list"),
    path("guides/<slug:slug>/", views.guide_detail, name="guide_detail"),
    path("guides/<slug:slug>/versions/<int:number>/", views.guide_version, name="guide_version"),
    path("prestataires/", views.provider_list, name="provider_list"),
    path("prestataires/versions/<int:number>/", views.provider_version, name="provider_version"),
    path("retex/", views.retex_list, name="retex_list"),
    path("retex/<slug:slug>/", views.retex_detail, name="retex_detail"),
    # The ACSS's editorial space.
    path("redaction/", ed.dashboard, name="editorial"),
    path("redaction/prestataires/", ed.providers, name="editorial_providers"),
    path(
        "redaction/prestataires/nouvelle-version/",
        ed.start,
        {"kind_slug": "prestataires"},
        name="editorial_providers_start",
    ),
    path("redaction/revisions/<int:pk>/", ed.revision, name="editorial_revision"),
    path("redaction/revisions/<int:pk>/modifier/", ed.edit, name="editorial_edit"),
    path("redaction/revisions/<int:pk>/soumettre/", ed.submit, name="editorial_submit"),
    path("redaction/revisions/<int:pk>/publier/", ed.approve, name="editorial_approve"),
    path("redaction/revisions/<int:pk>/renvoyer/", ed.send_back, name="editorial_send_back"),
    path("redaction/revisions/<int:pk>/abandonner/", ed.discard, name="editorial_discard"),
    path(
        "redaction/revisions/<int:pk>/prestataires/ajouter/",
        ed.entry,
        name="editorial_entry_add",
    ),
    path(
        "redaction/revisions/<int:pk>/prestataires/<slug:key>/",
        ed.entry,
        name="editorial_entry",
    ),
    path(
        "redaction/revisions/<int:pk>/prestataires/<slug:key>/retirer/",
        ed.entry_remove,
        name="editorial_entry_remove",
    ),
    path("redaction/<slug:kind_slug>/nouveau/", ed.create, name="editorial_create"),
    path("redaction/<slug:kind_slug>/<int:pk>/", ed.document, name="editorial_document"),
    path(
        "redaction/<slug:kind_slug>/<int:pk>/nouvelle-version/",
        ed.start,
        name="editorial_start",
    ),
    path("redaction/<slug:kind_slug>/<int:pk>/retirer/", ed.withdraw, name="editorial_withdraw"),
]
