from django.urls import path

from vigie.inbox import views

app_name = "inbox"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/rattacher/", views.attach, name="attach"),
    path("<int:pk>/ecarter/", views.dismiss, name="dismiss"),
    path("<int:pk>/declaration/", views.declare_search, name="declare"),
    path("<int:pk>/declaration/<str:finess>/", views.declare, name="declare_for"),
    path("<int:pk>/original/", views.original_download, name="original"),
    path("<int:pk>/pieces/<int:attachment_id>/", views.attachment_download, name="attachment"),
]
