"""``ta-delivery serve``: provider webhooks, personal calendar feeds and a health check, as one ASGI app.

:func:`~.app.make_app` builds the application for a :class:`~.target.Served` set of courses (a course
file or a programme) on one store; ``ta-delivery serve`` runs it on uvicorn (``ta-delivery[serve]``).
Every request reads the store afresh, so any number of serve processes may share one PostgreSQL store.
"""

from __future__ import annotations

from .app import make_app
from .target import Served, feed_url

__all__ = ["Served", "feed_url", "make_app"]
