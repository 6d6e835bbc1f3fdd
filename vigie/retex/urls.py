from django.urls import path

from vigie.retex import views

app_name = "retex"

urlpatterns = [
    path("", views.retex_list, name="list"),
    path("<int:pk>/", views.retex_detail, name="detail"),
    path("<int:pk>/partager/", views.retex_share, name="share"),
    path("<int:pk>/anonymiser/", views.retex_anonymise, name="anonymise"),
    path("dossier/<int:case_pk>/", views.retex_edit, name="edit"),
    path("publication/<int:pk>/relecture/", views.publication_review, name="review"),
]
