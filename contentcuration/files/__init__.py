"""The files domain: uploads, the storage quota, attaching files to nodes, thumbnails, and
garbage collection, with their HTTP views and URLs.

- ``uploads``: announcing an upload and receiving its bytes (the life of a File);
- ``quota``: the one rule for whether bytes fit in a user's allowance (sync, REST and chef);
- ``attach``: ``attach_file`` / ``detach_file``, what follows a file joining or leaving a node
  (the sync ``file`` table; the chef creates its files with new nodes, in bulk);
- ``thumbnails``, ``garbage``: channel/node thumbnails, unreferenced trees and objects;
- ``views``, ``urls``: the HTTP adapters (upload URL, upload, serving stored content).

Only ``contentcuration.storage`` knows storage keys or touches the backend; this package
goes through it.
"""
