"""The nodes domain: what a ContentNode's fields may hold and what follows when they change.

- ``fields``: the one field table (parser, limit from the model field, label vocabulary)
  that the sync handler and the chef API both apply;
- ``reference``: the one cache of reference data (kinds, languages, licenses, presets);
- ``changes``: ``content_changed``, the one way to say a node's content changed;
- ``completeness``: the server's verdict on ``complete``;
- ``content_ids``: copy-on-write of ``content_id`` and exercise image links.

Tree structure (insert, move, copy, delete) is ``tree``'s, never this package's.
"""
