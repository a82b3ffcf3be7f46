"""URL patterns; see contentcuration/urls.py."""

from django.urls import path

from .endpoint import CancelTaskView, SyncView

urlpatterns: list = [
    path("api/sync/", SyncView.as_view(), name="sync"),
    path("api/sync/tasks/<str:task_id>/cancel", CancelTaskView.as_view(), name="sync-task-cancel"),
]
