"""The nodes domain: what a ContentNode's fields may hold and what follows when they change.

- ``field_table``: the one field table (parser, limit from the model field, label vocabulary)
  that node values and the chef API both apply;
- ``node_values``: values as the APIs name them, validated and set on a node (pure Python);
- ``node_updates``: ``update_nodes``, every edit of a node's values (sync, the admin);
- ``questions``: what a question (assessment item) may hold, and ``update_question``;
- ``prerequisites``: the "do this first" edges between resources;
- ``clipboard_nodes``: a user's clipboard tree of references to copied nodes;
- ``reference``: the one cache of reference data (kinds, languages, licenses, presets);
- ``content_changes``: ``content_changed``, the one way to say a node's content changed;
- ``completeness``: the server's verdict on ``complete``;
- ``content_ids``: copy-on-write of ``content_id`` and exercise image links.

Tree structure (insert, move, copy, delete) is ``tree``'s, never this package's.
"""
