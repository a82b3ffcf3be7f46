"""Account endpoints (spec 1.2 and 1.5): session login/logout, registration and activation,
password change and reset, and the API token.

Page-style endpoints (``/accounts/...``) are plain Django views that take a JSON body (the
browser app) or a form post; CSRF is enforced on every POST by the middleware. A GET of any
of them answers the browser app's shell: each account page of the app posts to its own path
(Studio's paths, kept for its clients). API-style
endpoints (``/api/...``) are DRF views, so they accept session (with CSRF) or token auth and
answer 403 to anonymous callers like the rest of the API.
"""

from __future__ import annotations

import json
from urllib.parse import quote

from django import forms
from django.conf import settings
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth.forms import SetPasswordForm
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.template.loader import render_to_string
from django.utils.encoding import force_bytes, force_str
from django.utils.http import url_has_allowed_host_and_scheme, urlsafe_base64_decode, urlsafe_base64_encode
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_http_methods
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.authtoken.models import Token
from rest_framework.decorators import api_view
from rest_framework.response import Response

from contentcuration.accounts.profile import InvalidName, update_full_name
from contentcuration.accounts.registration import EmailInUse, activate_user, find_user, register_user
from contentcuration.models import User
from contentcuration.webapp.views import render_shell

CHANNELS_URL = "/"


def _body(request: HttpRequest) -> dict:
    if request.content_type == "application/json":
        try:
            data = json.loads(request.body or b"{}")
        except ValueError:
            return {}
        return data if isinstance(data, dict) else {}
    return request.POST.dict()


@ensure_csrf_cookie
@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    """GET: the app's sign-in page (sets the CSRF cookie). POST ``{"username", "password"}``:
    302 to ``next`` or the channel list (``/``); 403 unknown user or wrong password; 405 "Account hasn't been
    activated" for an inactive account with the right password."""
    if request.method == "GET":
        return render_shell(request)
    data = _body(request)
    user = find_user(str(data.get("username") or "").strip())
    if user is None or not user.check_password(str(data.get("password") or "")):
        return HttpResponse("Invalid email or password", status=403, content_type="text/plain")
    if not user.is_active:
        return HttpResponse(status=405, reason="Account hasn't been activated")
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    target = request.GET.get("next") or CHANNELS_URL
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = CHANNELS_URL
    return HttpResponseRedirect(target)


@require_http_methods(["GET", "POST"])
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return HttpResponseRedirect("/accounts/login/")


class RegistrationForm(forms.Form):
    first_name = forms.CharField(max_length=100)
    last_name = forms.CharField(max_length=100)
    email = forms.EmailField(max_length=100)
    password1 = forms.CharField()
    password2 = forms.CharField()

    def clean(self):
        data = super().clean()
        if data.get("password1") and data.get("password1") != data.get("password2"):
            self.add_error("password2", "The two passwords differ.")
        return data


INFORMATION_FIELDS = ("uses", "source", "policies", "locations", "space_needed", "heard_from", "organization")


@ensure_csrf_cookie
@require_http_methods(["GET", "POST"])
def register_view(request: HttpRequest) -> HttpResponse:
    """GET: the app's page. POST: 200 on success; 400 with the list of bad field names; 403 ``["email"]`` if an active
    account has the email; 405 if an inactive one has it."""
    if request.method == "GET":
        return render_shell(request)
    data = _body(request)
    form = RegistrationForm(data)
    if not form.is_valid():
        return JsonResponse(sorted(form.errors), safe=False, status=400)
    information = {key: data[key] for key in INFORMATION_FIELDS if key in data}
    try:
        register_user(
            email=form.cleaned_data["email"],
            password=form.cleaned_data["password1"],
            first_name=form.cleaned_data["first_name"],
            last_name=form.cleaned_data["last_name"],
            information=information,
            base_url=request.build_absolute_uri("/"),
        )
    except EmailInUse as exc:
        if exc.active:
            return JsonResponse(["email"], safe=False, status=403)
        return HttpResponse(status=405, reason="Account hasn't been activated")
    return HttpResponse()


def activate_view(request: HttpRequest, key: str) -> HttpResponse:
    """The emailed link: activates, then 302 to the app's sign-in page (or, for a bad or
    expired key, to its page that sends a new link)."""
    user = activate_user(key=key)
    if user is None:
        return HttpResponseRedirect("/accounts/request_activation_link/?activation=failed")
    return HttpResponseRedirect(f"/accounts/login/?activation=done&email={quote(user.email)}")


@ensure_csrf_cookie
@require_http_methods(["GET", "POST"])
def request_activation_link_view(request: HttpRequest) -> HttpResponse:
    """GET: the app's page. POST: always 200, so the response does not reveal whether an
    account exists."""
    from contentcuration.accounts.registration import send_activation_email

    if request.method == "GET":
        return render_shell(request)
    user = find_user(str(_body(request).get("email") or "").strip())
    if user is not None and not user.is_active:
        send_activation_email(user=user, base_url=request.build_absolute_uri("/"))
    return HttpResponse()


@ensure_csrf_cookie
@require_http_methods(["GET", "POST"])
def password_reset_view(request: HttpRequest) -> HttpResponse:
    """GET: the app's "forgot password" page. POST: always 200; an active account with that
    email gets a reset link."""
    if request.method == "GET":
        return render_shell(request)
    user = find_user(str(_body(request).get("email") or "").strip())
    if user is not None and user.is_active:
        uid = urlsafe_base64_encode(force_bytes(user.pk))
        token = default_token_generator.make_token(user)
        link = request.build_absolute_uri(f"/accounts/password/reset/confirm/{uid}/{token}/")
        body = render_to_string("accounts/password_reset_email.txt", {"user": user, "link": link})
        send_mail("Reset your password", body, settings.DEFAULT_FROM_EMAIL, [user.email])
    return HttpResponse()


@ensure_csrf_cookie
@require_http_methods(["GET", "POST"])
def password_reset_confirm_view(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    """GET: the app's new-password page. POST ``{new_password1, new_password2}``: 200, or
    400 with the form's errors (``{"link": [...]}`` for a bad, expired or used link)."""
    try:
        user = User.objects.get(pk=force_str(urlsafe_base64_decode(uidb64)), deleted=False)
    except (User.DoesNotExist, ValueError, TypeError, OverflowError):
        user = None
    if request.method == "GET":
        return render_shell(request)
    if user is None or not default_token_generator.check_token(user, token):
        return JsonResponse({"link": ["This reset link is invalid or expired."]}, status=400)
    form = SetPasswordForm(user, _body(request))
    if not form.is_valid():
        return JsonResponse(form.errors, status=400)
    form.save()
    return HttpResponse()


@extend_schema(
    request=inline_serializer(
        "PasswordChange", {"new_password1": serializers.CharField(), "new_password2": serializers.CharField()}
    ),
    responses={200: None, 400: OpenApiTypes.OBJECT},
)
@api_view(["POST"])
def change_password_view(request) -> Response:
    """``{new_password1, new_password2}`` (Django's SetPasswordForm): 200, or 400 with errors.
    The session stays logged in."""
    form = SetPasswordForm(request.user, request.data)
    if not form.is_valid():
        return Response(form.errors, status=400)
    form.save()
    if hasattr(request, "session"):
        update_session_auth_hash(request._request, request.user)
    return Response()


@extend_schema(
    request=inline_serializer(
        "FullName", {"first_name": serializers.CharField(), "last_name": serializers.CharField()}
    ),
    responses={200: None, 400: OpenApiTypes.OBJECT},
)
@api_view(["POST"])
def update_user_full_name_view(request) -> Response:
    """``{first_name, last_name}``: 200, or 400 naming the field at fault (spec 1.2)."""
    data = request.data if isinstance(request.data, dict) else {}
    try:
        update_full_name(user=request.user, first_name=data.get("first_name"), last_name=data.get("last_name", ""))
    except InvalidName as exc:
        return Response({exc.field: [str(exc)]}, status=400)
    return Response()


@extend_schema(responses=inline_serializer("ApiToken", {"api_token": serializers.CharField()}))
@api_view(["GET"])
def api_token_view(request) -> Response:
    """The requester's DRF token (created on first request), for chefs and scripts."""
    token, _ = Token.objects.get_or_create(user=request.user)
    return Response({"api_token": token.key})
