"""The ``[lms]`` table: which LMS plugin mirrors the course, and that plugin's own options."""

from __future__ import annotations

from ..errors import InputError
from ..models import LmsSettings
from .hints import did_you_mean
from .keys import LMS_KEYS
from .reader import Reader

__all__ = ["read_lms"]


def read_lms(r: Reader, value: object) -> LmsSettings | None:
    """``[lms]``; keys other than :data:`LMS_KEYS` are the plugin's, checked by its ``parse_options``."""
    if value is None:
        return None
    table = r.table(value, "lms")
    mark = r.mark()
    provider = r.get(lambda: _provider(r, table), None)
    course = r.get(lambda: r.text(r.required(table, "course", "lms"), "lms.course"), "")
    attendance = r.get(lambda: r.boolean(table.get("attendance", True), "lms.attendance"), True)
    require = r.get(
        lambda: r.boolean(table.get("require_prerequisites", False), "lms.require_prerequisites"), False
    )
    # further keys belong to the LMS plugin: validated by its spec's ``parse_options``, and kept as
    # written in ``LmsSettings.options``
    options = {key: item for key, item in table.items() if key not in LMS_KEYS}
    if provider is not None:
        try:
            r.lms[provider].parse_options(options)
        except InputError as exc:
            r.adopt(exc, "lms")
    r.since(mark)
    assert provider is not None
    return LmsSettings(
        provider=provider,
        course=course,
        attendance=attendance,
        require_prerequisites=require,
        options=options,
    )


def _provider(r: Reader, table: dict[str, object]) -> str:
    provider = r.text(r.required(table, "provider", "lms"), "lms.provider")
    if provider not in r.lms:
        if not r.lms:
            r.fail(
                "lms.provider", f"no LMS plugin is installed to handle {provider!r} (install ta-delivery-lms)"
            )
        known = ", ".join(sorted(r.lms))
        r.fail(
            "lms.provider", f"unknown LMS {provider!r}{did_you_mean(provider, r.lms)} (installed: {known})"
        )
    return provider
