"""The bench-only URLconf (bench/inproc.py): the app's URLs plus the bare views of the
floors, so that no bare view ships in the app."""

from django.urls import path

from bench.inproc import BareApiView, bare_view
from vigie import urls as app

urlpatterns = [
    path("__bench__/bare/", bare_view),
    path("__bench__/bare-api/", BareApiView.as_view()),
    *app.urlpatterns,
]

handler400 = app.handler400
handler403 = app.handler403
handler404 = app.handler404
handler500 = app.handler500
