"""Publish: a channel's tree -> a Kolibri content database, exercise archives, versions.

``publish_channel`` (publisher.py) is the one domain operation; ``export_channel_folder``
(folder.py) lays a published version out as a folder Kolibri imports from disk. Only this
package writes ``databases/*.sqlite3`` or a channel's version fields.
"""

from .failures import AlreadyPublishing, ChannelIncomplete, NodeError, NodesFailed, PublishError
from .folder import export_channel_folder
from .publisher import PublishResult, publish_channel

__all__ = [
    "AlreadyPublishing",
    "ChannelIncomplete",
    "NodeError",
    "NodesFailed",
    "PublishError",
    "PublishResult",
    "export_channel_folder",
    "publish_channel",
]
