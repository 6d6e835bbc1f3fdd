from django.urls import path

from vigie.actionplan import views

app_name = "actionplan"

urlpatterns = [
    path("", views.index, name="index"),
    path("structures/<str:finess>/", views.structure_detail, name="structure"),
    path("structures/<str:finess>/debut/", views.structure_start, name="structure_start"),
    path("structures/<str:finess>/mesures/<int:number>/", views.measure_edit, name="measure"),
    path("preuves/<int:evidence_id>/", views.evidence_download, name="evidence_download"),
    path("preuves/<int:evidence_id>/supprimer/", views.evidence_delete, name="evidence_delete"),
    path("region/<str:code>/", views.region_view, name="region"),
    path("national/", views.national_view, name="national"),
    path("rapports/", views.report_list, name="reports"),
    path("rapports/<int:report_id>/", views.report_detail, name="report"),
    path("rapports/<int:report_id>/fichier/", views.report_download, name="report_download"),
]
