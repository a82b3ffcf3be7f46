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

from urllib.parse import quote

from django import forms
from django.conf import settings
from django.contrib.auth import login, logout, password_validation, update_session_auth_hash
from django.contrib.auth.forms import PasswordChangeForm, SetPasswordForm
from django.contrib.auth.hashers import make_password
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.template.loader import render_to_string
from django.utils.encoding import force_bytes, force_str
from django.utils.http import url_has_allowed_host_and_scheme, urlsafe_base64_decode, urlsafe_base64_encode
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_http_methods, require_POST
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.authentication import SessionAuthentication
from rest_framework.authtoken.models import Token
from rest_framework.decorators import api_view, throttle_classes
from rest_framework.response import Response

from contentcuration.accounts import throttling
from contentcuration.accounts.profile import InvalidName, update_full_name
from contentcuration.accounts.registration import (
    EmailInUse,
    SignInToVerify,
    activate_user,
    find_user,
    register_user,
    send_activation_email,
)
from contentcuration.limits import InvalidJSON, check_json, json_size, load_json, max_length
from contentcuration.models import User
from contentcuration.models.user import INFORMATION_FIELD_MAX_BYTES
from contentcuration.webapp.views import render_shell

CHANNELS_URL = "/"


def _body(request: HttpRequest) -> dict:
    if request.content_type == "application/json":
        try:
            data = load_json(request.body or b"{}", allow_nul=True)
        except InvalidJSON:
            return {}
        return data if isinstance(data, dict) else {}
    return request.POST.dict()


def _too_many(wait: int) -> HttpResponse:
    response = HttpResponse("Too many attempts; try again later.", status=429, content_type="text/plain")
    response["Retry-After"] = str(wait)
    return response


def rotate_credentials(user: User) -> None:
    """After a password change or reset: drop the user's API token (scripts must fetch the new
    one) and so every credential the old password could have handed out. Other sessions end
    by themselves: Django checks each session against the password hash."""
    Token.objects.filter(user=user).delete()


@ensure_csrf_cookie
@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    """GET: the app's sign-in page (sets the CSRF cookie). POST ``{"username", "password"}``:
    302 to ``next`` or the channel list (``/``); 403 unknown user or wrong password; 405 "Account hasn't been
    activated" for an inactive account with the right password; 429 (``Retry-After``) after
    too many failures for the account or from the address (accounts/throttling.py)."""
    if request.method == "GET":
        return render_shell(request)
    data = _body(request)
    username = str(data.get("username") or "").strip()
    password = str(data.get("password") or "")
    address = throttling.client_address(request)
    wait = throttling.exceeded("login_account", username) or throttling.exceeded("login_ip", address)
    if wait:
        return _too_many(wait)
    user = find_user(username)
    if user is None:
        # Hash anyway, so an unknown address takes as long as a wrong password (measured
        # before: 3 ms against 249 ms told which accounts exist).
        make_password(password)
    if user is None or not user.check_password(password):
        throttling.count("login_account", username)
        throttling.count("login_ip", address)
        return HttpResponse("Invalid email or password", status=403, content_type="text/plain")
    throttling.forget("login_account", username)
    if not user.is_active:
        return HttpResponse(status=405, reason="Account hasn't been activated")
    login(request, user, backend="contentcuration.accounts.authentication.UserBackend")
    target = request.GET.get("next") or CHANNELS_URL
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = CHANNELS_URL
    return HttpResponseRedirect(target)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    """POST only (with the CSRF token): a GET, e.g. an ``<img src>`` on another site, must not
    sign anyone out."""
    logout(request)
    return HttpResponseRedirect("/accounts/login/")


class RegistrationForm(forms.Form):
    first_name = forms.CharField(max_length=max_length(User, "first_name"))
    last_name = forms.CharField(max_length=max_length(User, "last_name"))
    email = forms.EmailField(max_length=max_length(User, "email"))
    password1 = forms.CharField()
    password2 = forms.CharField()

    def clean(self):
        data = super().clean()
        if data.get("password1") and data.get("password1") != data.get("password2"):
            self.add_error("password2", "The two passwords differ.")
        elif data.get("password1"):
            candidate = User(
                email=data.get("email") or "",
                first_name=data.get("first_name") or "",
                last_name=data.get("last_name") or "",
            )
            try:
                password_validation.validate_password(data["password1"], user=candidate)
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return data


INFORMATION_FIELDS = ("uses", "source", "policies", "locations", "space_needed", "heard_from", "organization")


def _information(data: dict) -> tuple[dict, list[str]]:
    """The registration answers to keep, and the names of those refused (too large, too
    deep or holding NUL characters)."""
    information, bad = {}, []
    for key in INFORMATION_FIELDS:
        if key not in data:
            continue
        try:
            check_json(data[key], max_depth=4)
        except InvalidJSON:
            bad.append(key)
            continue
        if json_size(data[key]) > INFORMATION_FIELD_MAX_BYTES:
            bad.append(key)
        else:
            information[key] = data[key]
    return information, bad


@ensure_csrf_cookie
@require_http_methods(["GET", "POST"])
def register_view(request: HttpRequest) -> HttpResponse:
    """GET: the app's page. POST: 200 on success; 400 with the list of bad field names
    (``password1`` when ``AUTH_PASSWORD_VALIDATORS`` refuse it); 403 ``["email"]`` if an active
    account has the email; 405 if an inactive one has it; 429 past the ``register`` rate per
    address."""
    if request.method == "GET":
        return render_shell(request)
    wait = throttling.check_and_count("register", throttling.client_address(request))
    if wait:
        return _too_many(wait)
    data = _body(request)
    form = RegistrationForm(data)
    information, bad_information = _information(data)
    if not form.is_valid() or bad_information:
        return JsonResponse(sorted({*form.errors, *bad_information}), safe=False, status=400)
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
    """The emailed link: activates (and confirms the address), then 302 to the app's sign-in
    page; for a bad or expired key, to its page that sends a new link. A link for an active
    account works only signed in as that account (registration.SignInToVerify): signed out,
    it sends the visitor to sign in and come back."""
    requester = request.user if request.user.is_authenticated else None
    try:
        user = activate_user(key=key, requester=requester)
    except SignInToVerify:
        return HttpResponseRedirect(f"/accounts/login/?next={quote(request.path)}")
    if user is None:
        return HttpResponseRedirect("/accounts/request_activation_link/?activation=failed")
    return HttpResponseRedirect(f"/accounts/login/?activation=done&email={quote(user.email)}")


def _mailed_link_request(request: HttpRequest) -> tuple[str, HttpResponse | None]:
    """The e-mail address a request for a mailed link (activation, reset) names, counted
    against the ``password_reset`` rate per client address and per address asked for; the
    429 to answer instead once past it."""
    email = str(_body(request).get("email") or "").strip()
    wait = throttling.check_and_count("password_reset", throttling.client_address(request), f"email:{email}")
    return email, (_too_many(wait) if wait else None)


@ensure_csrf_cookie
@require_http_methods(["GET", "POST"])
def request_activation_link_view(request: HttpRequest) -> HttpResponse:
    """GET: the app's page. POST: always 200, so the response does not reveal whether an
    account exists. An inactive account gets an activation link, an active unverified one a
    verification link. 429 past the ``password_reset`` rate (per address and per email,
    whether or not it exists)."""
    if request.method == "GET":
        return render_shell(request)
    email, refused = _mailed_link_request(request)
    if refused:
        return refused
    user = find_user(email)
    if user is not None and not (user.is_active and user.email_verified):
        send_activation_email(user=user, base_url=request.build_absolute_uri("/"))
    return HttpResponse()


@ensure_csrf_cookie
@require_http_methods(["GET", "POST"])
def password_reset_view(request: HttpRequest) -> HttpResponse:
    """GET: the app's "forgot password" page. POST: 200 (whether or not the account exists);
    an active account with that email gets a reset link. 429 past the ``password_reset`` rate
    (per address and per email)."""
    if request.method == "GET":
        return render_shell(request)
    email, refused = _mailed_link_request(request)
    if refused:
        return refused
    user = find_user(email)
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
    """GET: the app's new-password page. POST ``{new_password1, new_password2}``: 200, or 400
    with the form's errors (``{"link": [...]}`` for a bad, expired or used link). The link came
    by mail, so the address is verified too; the old API token and other sessions stop working."""
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
    with transaction.atomic():
        form.save()
        User.objects.filter(pk=user.pk).update(email_verified=True)
        rotate_credentials(user)
    return HttpResponse()


@extend_schema(
    request=inline_serializer(
        "PasswordChange",
        {
            "old_password": serializers.CharField(),
            "new_password1": serializers.CharField(),
            "new_password2": serializers.CharField(),
        },
    ),
    responses={200: None, 400: OpenApiTypes.OBJECT},
)
@api_view(["POST"])
def change_password_view(request) -> Response:
    """``{old_password, new_password1, new_password2}`` (Django's PasswordChangeForm): 200, or
    400 with errors (``old_password`` when it is wrong: a stolen session or token alone cannot
    lock the owner out). This session stays signed in; other sessions and the API token stop
    working (fetch the new token from ``/api/deferred_user_api_token/``)."""
    form = PasswordChangeForm(request.user, request.data)
    if not form.is_valid():
        return Response(form.errors, status=400)
    with transaction.atomic():
        form.save()
        rotate_credentials(request.user)
    if isinstance(request.successful_authenticator, SessionAuthentication):
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
@throttle_classes([throttling.TokenThrottle])
def api_token_view(request) -> Response:
    """The requester's DRF token (created on first request), for chefs and scripts."""
    token, _ = Token.objects.get_or_create(user=request.user)
    return Response({"api_token": token.key})
