from django.urls import path

from vigie.declarations import quick_views, taken_views, views

app_name = "declarations"

urlpatterns = [
    path("", views.declaration_list, name="list"),
    path("nouvelle/", views.declaration_new, name="start"),
    path("rapide/", quick_views.declaration_quick, name="quick"),
    path("<int:pk>/transmise/", quick_views.declaration_quick_done, name="quick_done"),
    path("<int:pk>/completer/", quick_views.declaration_complete, name="complete"),
    path(
        "<int:pk>/completer/<slug:slug>/",
        quick_views.declaration_complete_step_view,
        name="complete_step",
    ),
    path("prise/", taken_views.declaration_take_search, name="take"),
    path("prise/<str:finess>/", taken_views.declaration_take_view, name="take_for"),
    path("<int:pk>/confirmer/", taken_views.declaration_confirm_view, name="confirm"),
    path("<int:pk>/", views.declaration_detail, name="detail"),
    path("<int:pk>/etape/<slug:slug>/", views.declaration_step, name="step"),
    path("<int:pk>/enregistrer/<slug:slug>/", views.declaration_autosave, name="autosave"),
    path("<int:pk>/recapitulatif/", views.declaration_summary, name="summary"),
    path("<int:pk>/supprimer/", views.declaration_discard_view, name="discard"),
    path("<int:pk>/pieces-jointes/", views.attachment_upload, name="attachment_upload"),
    path(
        "pieces-jointes/<int:attachment_id>/",
        views.attachment_download,
        name="attachment_download",
    ),
    path(
        "pieces-jointes/<int:attachment_id>/supprimer/",
        views.attachment_delete,
        name="attachment_delete",
    ),
]
