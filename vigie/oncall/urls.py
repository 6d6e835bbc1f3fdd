from django.urls import path

from vigie.oncall import views

app_name = "oncall"

urlpatterns = [
    path("", views.rota, name="rota"),
    path("<int:pk>/retirer/", views.shift_withdraw_view, name="withdraw"),
]
