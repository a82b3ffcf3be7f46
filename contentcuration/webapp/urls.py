"""Routes of the browser app's pages; included last, after every API and account endpoint."""

from django.urls import path, re_path

from contentcuration.webapp import views

urlpatterns = [
    path("api/bootstrap", views.bootstrap_view, name="bootstrap"),
    path("api/bootstrap/reference", views.reference_view, name="bootstrap-reference"),
    path("app-sw.js", views.service_worker_view, name="app-service-worker"),
    path("", views.shell_view, name="app"),
    re_path(r"^(?:channels|settings|accounts)(?:/.*)?$", views.shell_view, name="app-page"),
]
