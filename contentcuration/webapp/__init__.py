"""The browser app's server side: the HTML shell (the built ``frontend/dist/index.html`` with
the bootstrap inlined) and the bootstrap data. The app's files themselves are static files
served by WhiteNoise under ``/static/app/``."""
