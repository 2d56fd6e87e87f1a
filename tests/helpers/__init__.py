"""Helpers the tests share, one module per subject (no tests here; ``tests`` is on pytest's pythonpath).

- ``helpers.world``: a small course built in code, the reference provider, a capturing transport, ``world``.
- ``helpers.stores``: store URLs (SQLite and PostgreSQL) and cross-process locks.
- ``helpers.rehearsal``: PRODUCT.md's own example and an outsider running the CLI in a subprocess.
- ``helpers.evaluation``: the course with an evaluation.
- ``helpers.catalogue``: a copy of the example programme and a built catalogue.
- ``helpers.browser``: headless Chromium over the DevTools pipe.
- ``helpers.rules``: models (people, sessions, a course) for the rules and slots tests.

Course files and models come from :mod:`ta_delivery.testing.courses`, not from here.
"""
