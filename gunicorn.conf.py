"""gunicorn's settings, read from the environment; gunicorn loads ./gunicorn.conf.py by itself.

Each worker process runs several threads (gunicorn's gthread worker), so a slow client
uploading or downloading a large file holds one thread, not a whole worker. ``timeout`` is how
long a worker may stay silent before gunicorn kills and replaces it; with GUNICORN_THREADS=1
(the sync worker) it is the longest a request may take, and gunicorn's default of 30 s cut
uploads of more than ~35 MB on a 10 Mbit/s link. 600 s carries ~700 MB at that speed; larger
files resume with ``Content-Range`` after a cut, and GUNICORN_TIMEOUT raises the limit.
"""

import os

bind = os.environ.get("GUNICORN_BIND") or "0.0.0.0:8000"
workers = int(os.environ.get("GUNICORN_WORKERS") or 4)
# Threads let a worker serve other requests while one slow client uploads or downloads.
threads = int(os.environ.get("GUNICORN_THREADS") or 4)
timeout = int(os.environ.get("GUNICORN_TIMEOUT") or 600)
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT") or 60)
accesslog = "-"
