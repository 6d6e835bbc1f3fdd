from django.urls import path

from vigie.api import views

app_name = "api"

urlpatterns = [
    path("declarations", views.DeclarationCreateApi.as_view(), name="declaration-create"),
    path(
        "declarations/<str:reference>",
        views.DeclarationDetailApi.as_view(),
        name="declaration-detail",
    ),
]
