from django.urls import path

from vigie.alerts import views

app_name = "vendors"

urlpatterns = [
    path("", views.vendor_request_list, name="list"),
    path("nouvelle/", views.vendor_request_create, name="create"),
    path("<int:pk>/", views.vendor_request_detail, name="detail"),
    path("<int:pk>/suivi/", views.vendor_request_update, name="update"),
]
