"""The ``/api/<table>`` router (DefaultRouter, no trailing slash), account endpoints and the
OpenAPI schema; included last by contentcuration/urls.py."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from contentcuration.accounts import views as accounts
from contentcuration.viewsets.api_root import ApiRootView
from contentcuration.viewsets.assessmentitem import AssessmentItemViewSet
from contentcuration.viewsets.bookmark import BookmarkViewSet
from contentcuration.viewsets.channel import CatalogViewSet, ChannelViewSet
from contentcuration.viewsets.channelset import ChannelSetViewSet
from contentcuration.viewsets.clipboard import ClipboardViewSet
from contentcuration.viewsets.contentnode import ContentNodeViewSet
from contentcuration.viewsets.file import FileViewSet
from contentcuration.viewsets.invitation import InvitationViewSet
from contentcuration.viewsets.savedsearch import SavedSearchViewSet
from contentcuration.viewsets.user import ChannelUserViewSet, UserViewSet

router = DefaultRouter(trailing_slash=False)
router.APIRootView = ApiRootView  # links that answer 200 (issue 16)
router.register("bookmark", BookmarkViewSet, basename="bookmark")
router.register("channel", ChannelViewSet, basename="channel")
router.register("channelset", ChannelSetViewSet, basename="channelset")
router.register("catalog", CatalogViewSet, basename="catalog")
router.register("file", FileViewSet, basename="file")
router.register("channeluser", ChannelUserViewSet, basename="channeluser")
router.register("user", UserViewSet, basename="user")
router.register("invitation", InvitationViewSet, basename="invitation")
router.register("contentnode", ContentNodeViewSet, basename="contentnode")
router.register("assessmentitem", AssessmentItemViewSet, basename="assessmentitem")
router.register("clipboard", ClipboardViewSet, basename="clipboard")
router.register("search/saved-search", SavedSearchViewSet, basename="saved-search")

urlpatterns = [
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("api/change_password/", accounts.change_password_view, name="change_password"),
    path("api/update_user_full_name/", accounts.update_user_full_name_view, name="update_user_full_name"),
    path("api/deferred_user_api_token/", accounts.api_token_view, name="deferred_user_api_token"),
    path("api/", include(router.urls)),
    path("accounts/login/", accounts.login_view, name="login"),
    path("accounts/logout/", accounts.logout_view, name="logout"),
    path("accounts/register/", accounts.register_view, name="register"),
    path("accounts/request_activation_link/", accounts.request_activation_link_view, name="request_activation_link"),
    path("accounts/password/reset/", accounts.password_reset_view, name="password_reset"),
    path(
        "accounts/password/reset/confirm/<uidb64>/<token>/",
        accounts.password_reset_confirm_view,
        name="password_reset_confirm",
    ),
    path("activate/<str:key>/", accounts.activate_view, name="activate"),
]
