"""Operator commands: setup is idempotent and creates an admin or the demo channel only when
asked, constants load idempotently, trees stay valid."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth import authenticate
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from contentcuration.demo import DEMO_CHANNEL_ID
from contentcuration.models import AssessmentItem, Channel, ContentKind, ContentNode, File, Language, User
from contentcuration.reference_loading import load_constants

pytestmark = pytest.mark.django_db


def run(*args, **options) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, **options)
    return out.getvalue()


ADMIN_PASSWORD = "correct horse battery staple"
asked_for_admin_and_demo = override_settings(
    SETUP_ADMIN_EMAIL="admin@example.org", SETUP_ADMIN_PASSWORD=ADMIN_PASSWORD, SETUP_DEMO_CHANNEL=True
)


@asked_for_admin_and_demo
def test_setup_twice_creates_one_admin_and_one_demo_channel_with_valid_trees():
    run("setup")
    run("setup")

    assert User.objects.filter(email="admin@example.org", is_admin=True).count() == 1
    assert authenticate(username="admin@example.org", password=ADMIN_PASSWORD) is not None
    assert Channel.objects.filter(pk=DEMO_CHANNEL_ID).count() == 1
    assert "all consistent" in run("check_trees")


not_asked = override_settings(SETUP_ADMIN_EMAIL="", SETUP_ADMIN_PASSWORD="", SETUP_DEMO_CHANNEL=False)


@not_asked
def test_setup_without_admin_settings_creates_no_user_nor_channel_and_says_how_to_create_an_admin():
    output = run("setup")

    assert not User.objects.exists() and not Channel.objects.exists()
    assert "manage.py createsuperuser" in output and "SETUP_ADMIN_EMAIL" in output


@override_settings(SETUP_ADMIN_EMAIL="admin@example.org", SETUP_ADMIN_PASSWORD="a", DEBUG=False)
def test_setup_refuses_a_weak_admin_password_outside_development():
    with pytest.raises(CommandError, match="SETUP_ADMIN_PASSWORD is too weak"):
        run("setup")
    assert not User.objects.exists()


@override_settings(SETUP_ADMIN_PASSWORD="")
def test_setup_with_an_admin_email_but_no_password_names_the_missing_variable(monkeypatch):
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    with pytest.raises(CommandError, match="SETUP_ADMIN_PASSWORD"):
        run("setup", admin_email="admin@example.org")
    assert not User.objects.exists()


@not_asked
def test_setup_demo_without_any_admin_is_refused_with_instructions():
    with pytest.raises(CommandError, match="createsuperuser"):
        run("setup", demo=True)
    assert not Channel.objects.exists()


@asked_for_admin_and_demo
def test_the_demo_channel_has_nested_topics_a_real_pdf_and_an_exercise_of_several_question_types():
    run("setup")
    channel = Channel.objects.get(pk=DEMO_CHANNEL_ID)
    nodes = channel.main_tree.get_descendants()
    assert nodes.filter(kind_id="topic", level=2).exists()
    pdf = File.objects.get(contentnode__in=nodes, file_format_id="pdf")
    with default_storage.open(pdf.file_on_disk) as stored:
        data = stored.read()
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    exercise = nodes.get(kind_id="exercise")
    types = set(AssessmentItem.objects.filter(contentnode=exercise).values_list("type", flat=True))
    assert {"single_selection", "multiple_selection", "input_question"} <= types
    assert ContentNode.objects.filter(pk__in=[pdf.contentnode_id, exercise.pk], complete=True).count() == 2


def test_loadconstants_is_idempotent():
    before = load_constants()
    run("loadconstants")
    assert load_constants() == before
    assert ContentKind.objects.filter(kind="exercise").exists()
    assert Language.objects.get(pk="pt-BR").readable_name


def test_check_trees_for_an_unknown_channel_fails():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="does not exist"):
        run("check_trees", channel="9" * 32)
