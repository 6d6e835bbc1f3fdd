from django.urls import path

from vigie.cases import views

app_name = "cases"

urlpatterns = [
    path("", views.case_queue, name="queue"),
    path("<int:pk>/", views.case_detail, name="detail"),
    path("<int:pk>/prendre-en-charge/", views.case_take, name="take"),
    path("<int:pk>/ne-plus-suivre/", views.case_release, name="release"),
    path("<int:pk>/qualifier/", views.case_qualify, name="qualify"),
    path("<int:pk>/questions/", views.case_ask, name="ask"),
    path("<int:pk>/questions/<int:question_id>/repondre/", views.case_answer, name="answer"),
    path("<int:pk>/mode-accompagnement/", views.case_choose_support, name="support"),
    path("<int:pk>/suivi/", views.case_track, name="track"),
    path("<int:pk>/point-ars/", views.case_report_to_ars, name="report"),
    path("<int:pk>/significatif/", views.case_switch_significant, name="significant"),
    path("<int:pk>/crise/", views.case_set_crisis, name="crisis"),
    path("<int:pk>/partage-cellule/", views.case_share_with_cell, name="share"),
    path("<int:pk>/fin-accompagnement/", views.case_end_support, name="end_support"),
    path("<int:pk>/reprise-accompagnement/", views.case_resume_support, name="resume_support"),
    path("<int:pk>/accord/<str:party>/", views.case_agree, name="agree"),
    path("<int:pk>/cloturer/", views.case_close, name="close"),
]
