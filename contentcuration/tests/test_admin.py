"""The Django admin, driven as an operator drives it: pages fetched, forms posted back with
their CSRF token, then the same checks a curator's edit would pass (change log, publish)."""

from __future__ import annotations

from html.parser import HTMLParser
from io import StringIO

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from contentcuration.models import AssessmentItem, Change, Channel, ChannelHistory, ContentNode
from contentcuration.tests.factories import UserFactory
from contentcuration.tests.publishing import build_sample_channel

pytestmark = pytest.mark.django_db


class _FormFields(HTMLParser):
    """The values a browser would post back for the page's main form."""

    def __init__(self):
        super().__init__()
        self.data: dict[str, list[str]] = {}
        self._textarea: str | None = None
        self._select: str | None = None
        self._option: tuple[str, bool] | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        name = a.get("name")
        if tag == "input" and name and a.get("type") not in ("submit", "button", "file"):
            if a.get("type") in ("checkbox", "radio"):
                if "checked" in a:
                    self.data.setdefault(name, []).append(a.get("value", "on"))
            else:
                self.data.setdefault(name, []).append(a.get("value") or "")
        elif tag == "textarea" and name:
            self._textarea = name
            self.data[name] = [""]
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select:
            if "selected" in a:
                self.data.setdefault(self._select, []).append(a.get("value", ""))

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea][0] += data

    def handle_endtag(self, tag):
        if tag == "textarea":
            if self._textarea:
                self.data[self._textarea][0] = self.data[self._textarea][0].removeprefix("\n")
            self._textarea = None
        elif tag == "select":
            self._select = None


@pytest.fixture
def operator(db):
    return UserFactory(email="operator@example.com", is_admin=True, is_staff=True, is_superuser=True)


@pytest.fixture
def browser(operator):
    client = Client(enforce_csrf_checks=True)
    client.force_login(operator)
    return client


def submit(browser: Client, url: str, **changes) -> object:
    """GET the admin form at ``url``, change some fields, POST it back as a browser would."""
    page = browser.get(url)
    assert page.status_code == 200, page.content[:500]
    parser = _FormFields()
    parser.feed(page.content.decode())
    data = {k: v for k, v in parser.data.items() if k != "csrfmiddlewaretoken"}
    for name, value in changes.items():
        data[name] = [value]
    data["csrfmiddlewaretoken"] = [browser.cookies["csrftoken"].value]
    data["_save"] = ["Save"]
    return browser.post(url, data)


def change_url(obj) -> str:
    return reverse(f"admin:contentcuration_{obj._meta.model_name}_change", args=[obj.pk])


def test_every_admin_list_page_and_its_search_answer_200(browser, owner):
    build_sample_channel(owner)
    walked = 0
    for model, _model_admin in admin.site._registry.items():
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        for query in ("", "?q=x"):
            response = browser.get(url + query)
            assert response.status_code == 200, (url + query, response.status_code)
        assert browser.get(url + "?q=%00").status_code == 400  # named by RequestLimitsMiddleware, never a 500
        first = model._default_manager.first()
        if first is not None:
            detail = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[first.pk])
            assert browser.get(detail).status_code == 200, detail
        walked += 1
    assert walked >= 20


def test_renaming_a_node_and_editing_a_question_in_the_admin_make_the_next_publish_list_them(browser, owner):
    channel, nodes = build_sample_channel(owner)
    call_command("publish_channel", channel.pk, "--no-progress", stdout=StringIO())
    video = nodes["video"]
    item = AssessmentItem.objects.filter(contentnode=nodes["exercise"]).first()
    changes_before = Change.objects.count()

    response = submit(browser, change_url(video), title="A renamed video")
    assert response.status_code == 302, response.content[:2000]
    response = submit(browser, change_url(item), question="What is 2 + 3?")
    assert response.status_code == 302, response.content[:2000]

    video.refresh_from_db()
    item.refresh_from_db()
    assert video.title == "A renamed video" and video.changed
    assert item.question == "What is 2 + 3?"
    logged = list(Change.objects.filter(server_rev__gt=0).order_by("server_rev")[changes_before:])
    assert {(c.table, c.channel_id, c.applied) for c in logged} == {
        ("contentnode", channel.pk, True),
        ("assessmentitem", channel.pk, True),
    }
    out = StringIO()
    call_command("publish_channel", channel.pk, "--no-progress", stdout=out)
    assert "Published version 2" in out.getvalue()
    assert "2 changed" in out.getvalue(), out.getvalue()


def test_a_node_with_a_file_saves(browser, owner):
    _channel, nodes = build_sample_channel(owner)
    video = nodes["video"]
    assert video.files.exists()
    response = submit(browser, change_url(video), author="Bea")
    assert response.status_code == 302, response.content[:2000]
    video.refresh_from_db()
    assert video.author == "Bea"
    assert video.files.exists()


def test_an_invalid_edit_is_shown_on_its_field_and_nothing_is_saved(browser, owner):
    _channel, nodes = build_sample_channel(owner)
    video = nodes["video"]
    changes_before = Change.objects.count()
    response = submit(browser, change_url(video), title="x" * 201)
    assert response.status_code == 200
    assert b"errorlist" in response.content
    video.refresh_from_db()
    assert video.title == "A video"
    assert Change.objects.count() == changes_before


def test_a_question_type_is_chosen_from_the_known_types(browser, owner):
    _channel, nodes = build_sample_channel(owner)
    item = AssessmentItem.objects.filter(contentnode=nodes["exercise"]).first()
    response = submit(browser, change_url(item), type="not_a_type")
    assert response.status_code == 200 and b"errorlist" in response.content
    item.refresh_from_db()
    assert item.type != "not_a_type"


def test_internal_flags_are_read_only(browser, owner):
    _channel, nodes = build_sample_channel(owner)
    video = nodes["video"]
    response = submit(browser, change_url(video), published="on", complete="", changed="")
    assert response.status_code == 302
    video.refresh_from_db()
    assert not video.published and video.complete


def test_adding_a_channel_makes_a_usable_channel_with_the_admin_as_editor(browser, operator):
    url = reverse("admin:contentcuration_channel_add")
    response = submit(browser, url, name="Added in admin", description="From the admin", language="fr")
    assert response.status_code == 302, response.content[:2000]
    channel = Channel.objects.get(name="Added in admin")
    assert channel.main_tree is not None and channel.trash_tree is not None
    assert channel.main_tree.title == "Added in admin"
    assert channel.language_id == "fr" and channel.description == "From the admin"
    assert list(channel.editors.all()) == [operator]
    assert ChannelHistory.objects.filter(channel=channel, action=ChannelHistory.CREATION).exists()
    assert Change.objects.filter(channel=channel, table="channel", change_type=1, applied=True).exists()


def test_deleting_a_channel_is_the_soft_delete_and_superusers_can_purge_it(browser, owner):
    channel, _nodes = build_sample_channel(owner)
    call_command("publish_channel", channel.pk, "--no-progress", stdout=StringIO())
    url = reverse("admin:contentcuration_channel_delete", args=[channel.pk])
    confirm = browser.get(url)
    assert confirm.status_code == 200 and b"Are you sure" in confirm.content
    response = browser.post(url, {"post": "yes", "csrfmiddlewaretoken": browser.cookies["csrftoken"].value})
    assert response.status_code == 302
    channel.refresh_from_db()
    assert channel.deleted
    tree_id = channel.main_tree.tree_id

    changelist = reverse("admin:contentcuration_channel_changelist")
    response = browser.post(
        changelist,
        {
            "action": "purge_channels",
            "_selected_action": [channel.pk],
            "csrfmiddlewaretoken": browser.cookies["csrftoken"].value,
        },
    )
    assert response.status_code == 302
    assert not Channel.objects.filter(pk=channel.pk).exists()
    assert not ContentNode.objects.filter(tree_id=tree_id).exists()
    call_command("check_trees", stdout=StringIO())


def test_a_live_channel_is_not_purged(browser, owner):
    channel, _nodes = build_sample_channel(owner)
    changelist = reverse("admin:contentcuration_channel_changelist")
    assert browser.get(changelist).status_code == 200
    browser.post(
        changelist,
        {
            "action": "purge_channels",
            "_selected_action": [channel.pk],
            "csrfmiddlewaretoken": browser.cookies["csrftoken"].value,
        },
    )
    assert Channel.objects.filter(pk=channel.pk, deleted=False).exists()


def test_api_token_search_answers_200(browser, owner):
    response = browser.get(reverse("admin:authtoken_tokenproxy_changelist") + "?q=x")
    assert response.status_code == 200
