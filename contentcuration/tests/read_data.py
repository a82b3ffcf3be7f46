"""Shared data for the read-API tests (test_read_*.py): one channel with a bit of everything."""

from __future__ import annotations

import json
from dataclasses import dataclass

from rest_framework.test import APIClient

from contentcuration.models import (
    Channel,
    ChannelSet,
    ContentNode,
    ContentTag,
    Invitation,
    PrerequisiteContentRelationship,
    User,
)
from contentcuration.tests.factories import build_tree, make_assessment_item, make_file
from contentcuration.tests.sync_helpers import browser_client
from contentcuration.tokens import ensure_channel_tokens


@dataclass
class ReadData:
    channel: Channel
    topic: ContentNode
    video: ContentNode
    exercise: ContentNode
    document: ContentNode
    channelset: ChannelSet
    invitation: Invitation


def build_read_data(*, channel: Channel, owner: User) -> ReadData:
    topic, video, exercise, document = build_tree(
        channel.main_tree,
        [
            (
                "topic",
                [
                    ("video", [], {"language_id": "en", "role_visibility": "coach"}),
                    ("exercise", [], {"extra_fields": {"mastery_model": "m_of_n", "m": 3, "n": 5}}),
                    ("document", [], {"thumbnail_encoding": json.dumps({"base64": "data:image/png;base64,AA"})}),
                ],
                {"title": "Algebra basics", "description": "Linear equations"},
            )
        ],
    )
    tag = ContentTag.objects.create(tag_name="maths")
    video.tags.add(tag)
    make_file(contentnode=document, data=b"pdf bytes", ext="pdf")
    make_file(contentnode=video, data=b"thumb", ext="png", preset_id="video_thumbnail")
    item = make_assessment_item(contentnode=exercise)
    make_file(data=b"image", ext="png", preset_id="exercise_image", assessment_item=item)
    PrerequisiteContentRelationship.objects.create(target_node=exercise, prerequisite=video)
    channel.language_id = "en"
    channel.save()
    ensure_channel_tokens(channel)
    token = channel.secret_tokens.filter(is_primary=False).first()
    channelset = ChannelSet.objects.create(name="My set", secret_token=token)
    channelset.editors.add(owner)
    channel.bookmarked_by.add(owner)
    invitation = Invitation.objects.create(
        email="invitee@example.com", sender=owner, channel=channel, share_mode="view", first_name="In"
    )
    for n in (topic, video, exercise, document):
        n.refresh_from_db()
    return ReadData(channel, topic, video, exercise, document, channelset, invitation)


def client_for(user: User | None) -> APIClient:
    """A logged-in session with CSRF enforced (sync_helpers.browser_client), not
    ``force_authenticate``, which skips authentication and so the CSRF check."""
    return browser_client(user, client_class=APIClient)


class _ReadOnlyClient(APIClient):
    def generic(self, method, *args, **kwargs):
        assert method in ("GET", "HEAD", "OPTIONS"), "writes go through client_for (session + CSRF)"
        return super().generic(method, *args, **kwargs)


def reader_for(user: User) -> APIClient:
    """A client for query-count pins: authenticated without a session lookup, so the count is
    the endpoint's own. Reads only (it would skip the CSRF check)."""
    client = _ReadOnlyClient()
    client.force_authenticate(user)
    return client
