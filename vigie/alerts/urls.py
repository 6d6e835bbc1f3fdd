from django.urls import path

from vigie.alerts import views

app_name = "alerts"

urlpatterns = [
    path("", views.alert_list, name="list"),
    path("nouvelle/", views.alert_create, name="create"),
    path("<int:pk>/", views.alert_detail, name="detail"),
    path(
        "<int:pk>/accuse-reception/<int:recipient_id>/",
        views.alert_acknowledge,
        name="acknowledge",
    ),
]
