"""The row shapes the read endpoints return (spec section 4), as TypedDicts.

They document the wire contract in one place: the OpenAPI schema is generated from them and
``tests/test_read_contract.py`` checks every endpoint's rows against them.
"""

from __future__ import annotations

from typing import TypedDict


class ChannelRow(TypedDict):
    id: str
    name: str
    description: str
    thumbnail: str | None
    thumbnail_url: str | None
    thumbnail_encoding: dict
    language: str | None
    primary_token: str | None
    modified: str | None
    count: int
    public: bool
    version: int
    created: str
    published: bool
    publishing: bool
    last_published: str | None
    ricecooker_version: str | None
    root_id: str
    trash_root_id: str
    staging_root_id: str | None
    content_defaults: dict
    deleted: bool
    source_url: str
    demo_server_url: str
    edit: bool
    view: bool
    unpublished_changes: bool
    draft_token: str | None


class ContentNodeRow(TypedDict):
    id: str
    content_id: str
    node_id: str
    title: str
    description: str
    author: str
    provider: str
    aggregator: str
    tags: dict
    role_visibility: str
    kind: str
    language: str | None
    license: int | None
    license_description: str | None
    copyright_holder: str | None
    extra_fields: dict
    root_id: str
    channel_id: str | None
    original_source_node_id: str | None
    original_channel_id: str | None
    original_channel_name: str | None
    original_node_id: str | None
    original_parent_id: str | None
    total_count: int
    resource_count: int
    error_count: int
    coach_count: int
    assessment_item_count: int
    has_updated_descendants: bool
    has_new_descendants: bool
    thumbnail_checksum: str | None
    thumbnail_extension: str | None
    thumbnail_encoding: str | None
    thumbnail_src: str | None
    published: bool
    modified: str
    has_children: bool
    parent: str | None
    complete: bool | None
    # Why a node is incomplete ("title", "license", "file", "assessment_items", ...); [] when complete.
    incomplete_reasons: list[str]
    changed: bool
    lft: int
    grade_levels: dict
    resource_types: dict
    learning_activities: dict
    accessibility_labels: dict
    categories: dict
    learner_needs: dict
    suggested_duration: int | None


class ContentNodePage(TypedDict):
    more: dict | None
    results: list[ContentNodeRow]


class EditorScreenRow(TypedDict):
    """``GET /api/channel/<id>/editor`` (ours): the editor's first screen in one read."""

    channel: ChannelRow
    # From the channel's root down to the open folder (inclusive).
    ancestors: list[ContentNodeRow]
    # The folders (topics) under each ancestor that are not ancestors themselves: the sidebar.
    folders: list[ContentNodeRow]
    # The first page of the open folder's children; ``more`` continues on /api/contentnode.
    children: ContentNodePage


class AssessmentItemRow(TypedDict):
    question: str
    type: str
    answers: str
    contentnode: str
    assessment_id: str
    hints: str
    raw_data: str
    order: int
    source_url: str | None
    randomize: bool
    deleted: bool
    # The server's verdict on the question ("needs a correct answer", ...); [] when publishable.
    problems: list[str]


class FileRow(TypedDict):
    id: str
    checksum: str
    file_size: int | None
    language: str | None
    file_format: str | None
    contentnode: str | None
    assessment_item: str | None
    file_on_disk: str
    preset: str | None
    original_filename: str
    uploaded_by: int | None
    duration: int | None
    url: str | None


class ChannelSetRow(TypedDict):
    id: str
    name: str
    description: str
    channels: dict
    secret_token: str | None
    edit: bool


class InvitationRow(TypedDict):
    id: str
    invited: int | None
    email: str | None
    accepted: bool
    declined: bool
    revoked: bool
    first_name: str
    last_name: str | None
    sender__first_name: str | None
    sender__last_name: str | None
    sender_name: str
    channel: str
    share_mode: str
    channel_name: str


class UserRow(TypedDict):
    id: int
    email: str
    first_name: str
    last_name: str
    is_active: bool
    editable_channels: list[str]
    view_only_channels: list[str]


class ChannelUserRow(TypedDict):
    id: int
    email: str
    first_name: str
    last_name: str
    can_edit: bool
    can_view: bool


class ClipboardRow(TypedDict):
    id: str
    source_node_id: str | None
    source_channel_id: str | None
    extra_fields: dict
    parent: str | None
    lft: int
    total_count: int
    resource_count: int


class BookmarkRow(TypedDict):
    channel: str


class SavedSearchRow(TypedDict):
    id: str
    name: str
    created: str
    modified: str
    params: dict
    saved_by: int
