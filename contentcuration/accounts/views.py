"""Account endpoints (spec 1.2 and 1.5): session login/logout, registration and activation,
password change and reset, and the API token.

Page-style endpoints (``/accounts/...``) are plain Django views that take a JSON body (the
browser app) or a form post; CSRF is enforced on every POST by the middleware. API-style
endpoints (``/api/...``) are DRF views, so they accept session (with CSRF) or token auth and
answer 403 to anonymous callers like the rest of the API.
"""

from __future__ import annotations

import json

from django import forms
from django.conf import settings
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth.forms import SetPasswordForm
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.encoding import force_bytes, force_str
from django.utils.http import url_has_allowed_host_and_scheme, urlsafe_base64_decode, urlsafe_base64_encode
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_http_methods, require_POST
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.authtoken.models import Token
from rest_framework.decorators import api_view
from rest_framework.response import Response

from contentcuration.accounts.registration import EmailInUse, activate_user, find_user, register_user
from contentcuration.models import User

CHANNELS_URL = "/channels/"
LOGIN_FIELDS = [("username", "Email", "email"), ("password", "Password", "password")]


def _body(request: HttpRequest) -> dict:
    if request.content_type == "application/json":
        try:
            data = json.loads(request.body or b"{}")
        except ValueError:
            return {}
        return data if isinstance(data, dict) else {}
    return request.POST.dict()


def _page(request, title: str, *, message: str = "", form_action: str = "", fields=(), submit="Submit", status=200):
    context = {"title": title, "message": message, "form_action": form_action, "fields": fields, "submit": submit}
    return render(request, "accounts/page.html", context, status=status)


@ensure_csrf_cookie
@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    """GET: the login page (sets the CSRF cookie). POST ``{"username", "password"}``:
    302 to the channel list; 403 unknown user or wrong password; 405 "Account hasn't been
    activated" for an inactive account with the right password."""
    if request.method == "GET":
        return _page(request, "Sign in", form_action=request.path, fields=LOGIN_FIELDS, submit="Sign in")
    data = _body(request)
    user = find_user(str(data.get("username") or "").strip())
    if user is None or not user.check_password(str(data.get("password") or "")):
        return HttpResponse("Invalid email or password", status=403, content_type="text/plain")
    if not user.is_active:
        return HttpResponse(status=405, reason="Account hasn't been activated")
    login(request, user, backend="contentcuration.accounts.authentication.UserBackend")
    target = request.GET.get("next") or CHANNELS_URL
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = CHANNELS_URL
    return HttpResponseRedirect(target)


@require_http_methods(["GET", "POST"])
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return HttpResponseRedirect("/accounts/")


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


@require_POST
def register_view(request: HttpRequest) -> HttpResponse:
    """200 on success; 400 with the list of bad field names; 403 ``["email"]`` if an active
    account has the email; 405 if an inactive one has it."""
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
    user = activate_user(key=key)
    if user is None:
        return _page(request, "Activation failed", message="This activation link is invalid or expired.", status=400)
    return _page(request, "Account activated", message="Your account is active; you can sign in now.")


@require_POST
def request_activation_link_view(request: HttpRequest) -> HttpResponse:
    """Always 200, so the response does not reveal whether an account exists."""
    from contentcuration.accounts.registration import send_activation_email

    user = find_user(str(_body(request).get("email") or "").strip())
    if user is not None and not user.is_active:
        send_activation_email(user=user, base_url=request.build_absolute_uri("/"))
    return HttpResponse()


@require_POST
def password_reset_view(request: HttpRequest) -> HttpResponse:
    """Always 200; an active account with that email gets a reset link."""
    user = find_user(str(_body(request).get("email") or "").strip())
    if user is not None and user.is_active:
        uid = urlsafe_base64_encode(force_bytes(user.pk))
        token = default_token_generator.make_token(user)
        link = request.build_absolute_uri(f"/accounts/password/reset/confirm/{uid}/{token}/")
        body = render_to_string("accounts/password_reset_email.txt", {"user": user, "link": link})
        send_mail("Reset your password", body, settings.DEFAULT_FROM_EMAIL, [user.email])
    return HttpResponse()


PASSWORD_FIELDS = [("new_password1", "New password", "password"), ("new_password2", "Repeat it", "password")]


@ensure_csrf_cookie
@require_http_methods(["GET", "POST"])
def password_reset_confirm_view(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    """GET: the new-password form (400 for a bad link). POST ``{new_password1,
    new_password2}``: 200, or 400 with the form's errors."""
    try:
        user = User.objects.get(pk=force_str(urlsafe_base64_decode(uidb64)), deleted=False)
    except (User.DoesNotExist, ValueError, TypeError, OverflowError):
        user = None
    if user is None or not default_token_generator.check_token(user, token):
        return _page(request, "Reset failed", message="This reset link is invalid or expired.", status=400)
    if request.method == "GET":
        return _page(request, "Choose a new password", form_action=request.path, fields=PASSWORD_FIELDS)
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


@extend_schema(responses=inline_serializer("ApiToken", {"api_token": serializers.CharField()}))
@api_view(["GET"])
def api_token_view(request) -> Response:
    """The requester's DRF token (created on first request), for chefs and scripts."""
    token, _ = Token.objects.get_or_create(user=request.user)
    return Response({"api_token": token.key})


@ensure_csrf_cookie
def accounts_page(request: HttpRequest) -> HttpResponse:
    return _page(request, "Sign in", form_action="/accounts/login/", fields=LOGIN_FIELDS, submit="Sign in")
