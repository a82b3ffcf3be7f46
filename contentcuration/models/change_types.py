"""The change vocabulary: sync change types and table names (wire values, spec 2.5).

It lives beside the Change model so that domain code can record changes without importing
the sync adapter (viewsets/sync/)."""

CREATED = 1
UPDATED = 2
DELETED = 3
MOVED = 4
COPIED = 5
PUBLISHED = 6
SYNCED = 7
DEPLOYED = 8
UPDATED_DESCENDANTS = 9
PUBLISHED_NEXT = 10
ADDED_TO_COMMUNITY_LIBRARY = 11

ALL_CHANGES = frozenset(range(1, 12))
SERVER_ONLY_CHANGES = frozenset({ADDED_TO_COMMUNITY_LIBRARY})

BOOKMARK = "bookmark"
CHANNEL = "channel"
CLIPBOARD = "clipboard"
CONTENTNODE = "contentnode"
CONTENTNODE_PREREQUISITE = "contentnode_prerequisite"
ASSESSMENTITEM = "assessmentitem"
CHANNELSET = "channelset"
FILE = "file"
INVITATION = "invitation"
USER = "user"
SESSION = "session"
SAVEDSEARCH = "savedsearch"
EDITOR_M2M = "editor_m2m"
VIEWER_M2M = "viewer_m2m"

ALL_TABLES = frozenset(
    {
        BOOKMARK,
        CHANNEL,
        CLIPBOARD,
        CONTENTNODE,
        CONTENTNODE_PREREQUISITE,
        ASSESSMENTITEM,
        CHANNELSET,
        FILE,
        INVITATION,
        USER,
        SESSION,
        SAVEDSEARCH,
        EDITOR_M2M,
        VIEWER_M2M,
    }
)
PUBLISHABLE_CHANGE_TABLES = frozenset({CHANNEL, CONTENTNODE, CONTENTNODE_PREREQUISITE, ASSESSMENTITEM, FILE})

# UI-state keys the server pushes in UPDATED mods (spec 2.5).
TASK_ID = "__TASK_ID"
COPYING_STATUS = "__COPYING_STATUS"
COPYING_STATUS_VALUES = {"COPYING": "COPYING", "FAILED": "FAILED", "SUCCESS": "SUCCESS"}
