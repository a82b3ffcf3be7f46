"""URL patterns; see contentcuration/urls.py. Exact slash-less paths: ricecooker posts to
them verbatim, and a redirect would turn its POST into a GET."""

from django.urls import path

from . import views

ENDPOINTS = (
    "authenticate_user_internal",
    "check_version",
    "create_channel",
    "add_nodes",
    "finish_channel",
    "publish_channel",
    "check_user_is_editor",
    "get_tree_data",
    "get_node_tree_data",
    "get_channel_status_bulk",
    "file_diff",
    "file_upload",
)

urlpatterns = [path(f"api/internal/{name}", getattr(views, name), name=f"internal_{name}") for name in ENDPOINTS]
