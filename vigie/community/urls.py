from django.urls import path

from vigie.community import views

app_name = "community"

urlpatterns = [
    path("", views.thread_list, name="thread_list"),
    path("nouvelle-discussion/", views.thread_create, name="thread_create"),
    path("discussions/<int:pk>/", views.thread_detail, name="thread_detail"),
    path("discussions/<int:pk>/repondre/", views.thread_reply, name="thread_reply"),
    path("discussions/<int:pk>/verrouiller/", views.thread_lock, name="thread_lock"),
    path("discussions/<int:pk>/deverrouiller/", views.thread_unlock, name="thread_unlock"),
    path("messages/<int:pk>/masquer/", views.post_hide, name="post_hide"),
    path("messages/<int:pk>/retablir/", views.post_restore, name="post_restore"),
    path(
        "commentaires/<int:content_type_id>/<str:object_id>/",
        views.comment_create,
        name="comment_create",
    ),
    path("commentaires/<int:pk>/masquer/", views.comment_hide, name="comment_hide"),
    path("commentaires/<int:pk>/retablir/", views.comment_restore, name="comment_restore"),
]
