"""The data model, one module per concept."""

from .assessment import AssessmentItem
from .change import Change
from .channel import (
    TREE_FIELDS,
    Channel,
    ChannelHistory,
    ChannelSet,
    ChannelVersion,
    Invitation,
    PublishedObject,
    SecretToken,
)
from .constants import ContentKind, FileFormat, FormatPreset, Language, License
from .fields import HexIdField, is_hex_id, new_hex_id
from .file import File
from .node import (
    DELETED_CHEFS_ROOT_ID,
    EXTRA_FIELDS_MAX_BYTES,
    LABEL_FIELDS,
    MAX_TAG_LENGTH,
    MAX_TAGS_PER_NODE,
    ORPHANAGE_ROOT_ID,
    ContentNode,
    ContentTag,
    PrerequisiteContentRelationship,
    TreeIdAllocation,
)
from .published_node import PublishedNode
from .saved_search import SavedSearch
from .sync_report import SyncReport
from .task import TaskMetadata
from .user import User

__all__ = [
    "AssessmentItem",
    "Change",
    "Channel",
    "ChannelHistory",
    "ChannelSet",
    "ChannelVersion",
    "ContentKind",
    "ContentNode",
    "ContentTag",
    "DELETED_CHEFS_ROOT_ID",
    "EXTRA_FIELDS_MAX_BYTES",
    "File",
    "FileFormat",
    "FormatPreset",
    "HexIdField",
    "Invitation",
    "LABEL_FIELDS",
    "MAX_TAGS_PER_NODE",
    "MAX_TAG_LENGTH",
    "Language",
    "License",
    "ORPHANAGE_ROOT_ID",
    "PrerequisiteContentRelationship",
    "PublishedNode",
    "PublishedObject",
    "SavedSearch",
    "SecretToken",
    "SyncReport",
    "TREE_FIELDS",
    "TaskMetadata",
    "TreeIdAllocation",
    "User",
    "is_hex_id",
    "new_hex_id",
]
