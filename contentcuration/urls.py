"""Top-level routes. Order matters: explicit API paths come before the router's patterns."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("contentcuration.viewsets.file_transfer_urls")),  # /api/file/upload_url, /content/...
    path("", include("contentcuration.viewsets.sync.urls")),  # /api/sync/
    path("", include("contentcuration.internal.urls")),  # /api/internal/...
    path("", include("contentcuration.public_api")),  # /api/public/... (Kolibri devices)
    path("", include("contentcuration.viewsets.urls")),  # /api/<table> router, auth, schema
    path("", include("contentcuration.webapp.urls")),  # the browser app: /, /channels/..., /settings/...
]
