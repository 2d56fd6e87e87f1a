"""``ta-delivery serve PROGRAMME_OR_COURSE [--host H] [--port P]``: webhooks, personal feeds, ``/healthz``."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import click

from ..errors import InputError
from ..models import Course
from .common import course_path, fail_input, load, main, make_context, plugin_manager, state_option, state_url

__all__ = ["serve_command"]


@main.command("serve")
@click.argument("target", metavar="PROGRAMME_OR_COURSE")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="Port.")
@state_option
def serve_command(target: str, host: str, port: int, state: str | None) -> None:
    """Receive provider webhooks and serve personal calendar feeds (needs ta-delivery[serve])."""
    from ..programme import is_programme_file
    from ..serve import Served, make_app
    from ..store import open_store

    try:
        import uvicorn
    except ImportError:
        fail_input(InputError("needs uvicorn: pip install 'ta-delivery[serve]'", source="ta-delivery serve"))
    path = course_path(target)
    plugins = plugin_manager()
    if is_programme_file(path):
        from .programme import load_programme_or_exit

        programme = load_programme_or_exit(path, plugins)
        paths = (path, *programme.paths.values())

        def loader() -> Sequence[Course]:
            from ..programme import load_programme

            return load_programme(path, plugins).courses

    else:
        load(path, plugins)  # input errors exit 2 before anything listens
        paths = (path,)

        def loader() -> Sequence[Course]:
            from ..coursefile import load_course

            return (load_course(path, plugins),)

    store = open_store(state_url(path, state))
    served = Served(
        paths=tuple(Path(p) for p in paths), loader=loader, store=store, context=make_context(path, store)
    )
    served.courses()
    app = make_app(served, plugins)
    try:
        uvicorn.run(app, host=host, port=port, log_level="info", proxy_headers=True, server_header=False)
    finally:
        store.close()
