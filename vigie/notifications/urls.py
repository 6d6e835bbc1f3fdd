from django.urls import path

from vigie.notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.notification_list, name="list"),
    path("tout-lire/", views.notification_mark_all_read, name="mark_all_read"),
    path("<int:pk>/ouvrir/", views.notification_open, name="open"),
]
