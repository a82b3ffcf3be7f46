"""URL patterns of the upload and file-serving views (viewsets/file_transfer.py; included by contentcuration/urls.py)."""

from django.urls import path, re_path

from . import file_transfer as views

urlpatterns = [
    path("api/file/upload_url", views.UploadURLView.as_view(), name="file-upload-url"),
    re_path(r"^api/file/upload/(?P<token>[A-Za-z0-9_:\-]+)$", views.upload_view, name="file-upload"),
    re_path(
        r"^content/storage/(?P<c0>[0-9a-f])/(?P<c1>[0-9a-f])/(?P<checksum>[0-9a-f]{32})\.(?P<ext>[a-z0-9]{1,10})$",
        views.content_view,
        name="content-storage",
    ),
    re_path(r"^content/databases/(?P<name>[^/]+)$", views.database_view, name="content-database"),
]
