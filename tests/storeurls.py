"""Moved to ``helpers.stores``; kept only for branches still in flight (issue 18)."""

from helpers.stores import *  # noqa: F403
