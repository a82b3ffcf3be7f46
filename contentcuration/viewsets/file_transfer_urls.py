"""URL patterns of the upload and file-serving views (viewsets/file_transfer.py) and of the
views reading inside stored files (viewsets/file_contents.py); included by contentcuration/urls.py."""

from django.urls import path, re_path

from . import file_contents
from . import file_transfer as views

urlpatterns = [
    path("api/file/upload_url", views.UploadURLView.as_view(), name="file-upload-url"),
    path("api/file/upload_urls", views.UploadURLsView.as_view(), name="file-upload-urls"),
    re_path(r"^api/file/upload/(?P<token>[A-Za-z0-9_:\-]+)$", views.upload_view, name="file-upload"),
    re_path(
        r"^content/storage/(?P<c0>[0-9a-f])/(?P<c1>[0-9a-f])/(?P<checksum>[0-9a-f]{32})\.(?P<ext>[a-z0-9]{1,10})$",
        views.content_view,
        name="content-storage",
    ),
    re_path(r"^content/databases/(?P<name>[^/]+)$", views.database_view, name="content-database"),
    re_path(
        r"^api/file/(?P<file_id>[0-9a-f]{32})/metadata$", file_contents.FileMetadataView.as_view(), name="file-metadata"
    ),
    # Kolibri's zipcontent paths: /zipcontent/<md5>.<ext>/<path inside the archive>
    re_path(
        r"^zipcontent/(?P<checksum>[0-9a-f]{32})\.(?P<ext>[a-z0-9]{1,10})/(?P<path>.*)$",
        file_contents.zip_content_view,
        name="zip-content",
    ),
]
