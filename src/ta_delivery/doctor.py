"""``ta-delivery doctor``: is everything a course needs in place, without changing anything?

Each check is a :class:`Check` (what, whether it passed, a detail with no secret in it). The core checks
the settings by building each provider, transport and LMS the course uses (factories contact nothing),
and the store (reachable, at this release's schema; never created or migrated here). A provider,
transport or LMS that can prove its credentials with a harmless call offers :class:`SupportsDoctor`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import Protocol, runtime_checkable

import attrs

from .context import RunContext
from .errors import TaDeliveryError
from .models import Course
from .plugins import Plugins

__all__ = ["Check", "SupportsDoctor", "check_store", "run_doctor"]


@attrs.frozen
class Check:
    """One check: its ``area`` (settings, zoom, webex, moodle, store, smtp...), what, and how it went."""

    area: str
    name: str
    ok: bool
    detail: str = ""

    def as_json(self) -> dict[str, object]:
        """The check as ``doctor --json`` prints it."""
        return {"area": self.area, "name": self.name, "ok": self.ok, "detail": self.detail}


@runtime_checkable
class SupportsDoctor(Protocol):
    """Optional method of a provider, transport or LMS: harmless authenticated calls that change nothing."""

    def doctor(self) -> Sequence[Check]:
        """Checks of the credentials and permissions; raise nothing for a failed check, report it."""
        ...


def _ask(area: str, target: object) -> list[Check]:
    if not isinstance(target, SupportsDoctor):
        return []
    try:
        return list(target.doctor())
    except TaDeliveryError as exc:
        return [Check(area, "authenticated call", False, str(exc))]


def _build(area: str, what: str, make: Callable[[], object]) -> tuple[list[Check], object | None]:
    try:
        built = make()
    except TaDeliveryError as exc:
        return [Check("settings", what, False, str(exc))], None
    return [Check("settings", what, True, "settings complete")], built


def run_doctor(course: Course, plugins: Plugins, context: RunContext, store_url: str) -> list[Check]:
    """Every check of ``course``: settings, each provider, the transport, the LMS, the store."""
    from .preflight import transport_spec

    checks: list[Check] = []
    used = sorted({course.provider_of(s) for s in course.live_sessions})
    providers = plugins.providers
    for name in used:
        spec = providers.get(name)
        if spec is None:
            checks.append(Check("settings", f"provider {name}", False, "no plugin provides it"))
            continue
        found, provider = _build(name, f"provider {name}", partial(spec.factory, context))
        checks += found
        if provider is not None:
            checks += _ask(name, provider)
    try:
        tspec = transport_spec(plugins, context)
    except TaDeliveryError as exc:
        checks.append(Check("settings", "transport", False, str(exc)))
    else:
        found, transport = _build(tspec.name, f"transport {tspec.name}", partial(tspec.factory, context))
        checks += found
        if transport is not None:
            checks += _ask(tspec.name, transport)
            close = getattr(transport, "close", None)
            if callable(close):
                close()
    if course.lms is not None:
        lspec = plugins.lms.get(course.lms.provider)
        if lspec is None:
            checks.append(Check("settings", f"LMS {course.lms.provider}", False, "no plugin provides it"))
        else:
            found, lms = _build(lspec.name, f"LMS {lspec.name}", partial(lspec.factory, context))
            checks += found
            if lms is not None:
                checks += _ask(lspec.name, lms)
    if course.invitations.delivery == "feed":  # welcome messages carry the serve address (decision 0155)
        from .preflight import serve_url

        checks += _build("serve", "serve address", partial(serve_url, context))[0]
    checks.append(check_store(store_url))
    return checks


def check_store(url: str) -> Check:
    """The store is reachable and at this release's schema (an SQLite file not made yet is fine)."""
    from sqlalchemy import create_engine
    from sqlalchemy.exc import SQLAlchemyError

    from .store import check_url, sqlite_file, with_driver
    from .store.migrations import LATEST, current_version
    from .store.urls import shown

    where = shown(url)
    try:
        check_url(url)
    except TaDeliveryError as exc:
        return Check("store", where, False, str(exc))
    path = sqlite_file(url)
    if path is not None and not path.exists():
        return Check("store", where, True, "not created yet: the first apply creates it")
    engine = create_engine(with_driver(url), connect_args=_timeout(url))
    try:
        with engine.connect() as conn:
            version = current_version(conn)
    except SQLAlchemyError as exc:
        cause = getattr(exc, "orig", None) or exc
        first = str(cause).strip().splitlines()[0] if str(cause).strip() else type(cause).__name__
        return Check("store", where, False, f"cannot reach the store: {first}")
    finally:
        engine.dispose()
    if version < LATEST:
        return Check(
            "store", where, False, f"schema version {version}; the next apply migrates it to {LATEST}"
        )
    if version > LATEST:
        return Check("store", where, False, f"schema version {version} is newer than this release ({LATEST})")
    return Check("store", where, True, f"reachable, schema version {version}")


def _timeout(url: str) -> dict[str, object]:
    return {"connect_timeout": 10} if url.startswith(("postgresql", "postgres:")) else {}
