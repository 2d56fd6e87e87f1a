"""Moved to ``helpers.world``; kept only for branches still in flight (issue 18)."""

from helpers.world import *  # noqa: F403
