from django.urls import path

from vigie.directory import views

app_name = "directory"
urlpatterns = [
    path("", views.structure_list, name="structure_list"),
    path("declarants/", views.delegation_list, name="delegation_list"),
    path("invitations/<str:token>/", views.invitation_accept, name="invitation_accept"),
    path("<str:finess>/", views.structure_detail, name="structure_detail"),
    path("<str:finess>/declarants/", views.declarant_designate, name="declarant_designate"),
    path(
        "<str:finess>/declarants/<int:membership_id>/revoquer/",
        views.declarant_revoke,
        name="declarant_revoke",
    ),
]
