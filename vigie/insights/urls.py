from django.urls import path

from vigie.insights import views

app_name = "insights"

# Included at the site root: statistics pages, and sub-pages of a case.
urlpatterns = [
    path("statistiques/", views.dashboard, name="dashboard"),
    path("statistiques/export.<str:fmt>", views.export_cases, name="export"),
    path("statistiques/publiques/", views.public, name="public"),
    path("statistiques/signaux-faibles/", views.clusters, name="clusters"),
    path(
        "statistiques/signaux-faibles/<int:pk>/stix.json",
        views.cluster_stix,
        name="cluster_stix",
    ),
    path("dossiers/<int:pk>/rapport.pdf", views.case_report, name="case_report"),
    path("dossiers/<int:pk>/indicateurs/", views.indicator_add, name="indicator_add"),
    path("dossiers/<int:pk>/indicateurs/stix.json", views.case_stix, name="case_stix"),
    path(
        "dossiers/<int:pk>/obligations/<str:kind>/",
        views.obligation_record,
        name="obligation_record",
    ),
]
