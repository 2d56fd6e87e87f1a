"""Moodle's REST web-service protocol without I/O: request encoding and response decoding.

Moodle's REST server reads PHP form parameters, so nested values travel in bracket encoding
(``courses[0][shortname]=...``), and it answers every call with HTTP 200 — errors included, as a body
``{"exception": ..., "errorcode": ..., "message": ...}`` (optionally ``debuginfo``). Some endpoints answer
``{"error": ..., "errorcode": ...}``; many functions also return a ``warnings`` list. This module turns
those shapes into our exceptions, so no failure ever passes for a success.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ta_delivery.errors import (
    AuthError,
    BadResponse,
    ConflictError,
    NotFound,
    ProviderError,
    Unavailable,
)

__all__ = [
    "ENDPOINT",
    "encode",
    "error_code",
    "error_from_body",
    "redact",
    "warning_text",
    "warnings_of",
]

#: The REST endpoint below the site root.
ENDPOINT = "/webservice/rest/server.php"

PROVIDER = "moodle"

#: Moodle error codes that mean the token cannot do what we ask.
AUTH_CODES = frozenset(
    {
        "invalidtoken",
        "accessexception",
        "invalidlogin",
        "usernotfullysetup",
        "servicerequireslogin",
        "servicenotavailable",
        "nopermissions",
        "requireloginerror",
        "forcepasswordchangenotice",
        "restoredaccountresetpassword",
        "enablewsdescription",
        "webservicesnotenabled",
    }
)
#: Moodle error codes for a missing record.
NOT_FOUND_CODES = frozenset(
    {"invalidrecord", "invalidrecordunknown", "cannotfindcourse", "invalidcourseid", "invaliduser"}
)
UNAVAILABLE_CODES = frozenset({"sitemaintenance"})
CONFLICT_CODES = frozenset({"shortnametaken", "idnumbertaken", "usernameexists", "emailexists"})


#: The attribute under which our exceptions carry Moodle's error code.
CODE_ATTR = "moodle_errorcode"


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int | float | str):
        return str(value)
    raise TypeError(f"cannot send {type(value).__name__} to Moodle")


def _flatten(prefix: str, value: Any, out: list[tuple[str, str]]) -> None:
    if value is None:
        return
    if isinstance(value, Mapping):
        for key, sub in value.items():
            _flatten(f"{prefix}[{key}]", sub, out)
    elif isinstance(value, Sequence) and not isinstance(value, str | bytes):
        for i, sub in enumerate(value):
            _flatten(f"{prefix}[{i}]", sub, out)
    else:
        out.append((prefix, _scalar(value)))


def encode(params: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Moodle's bracket encoding of ``params``, in order.

    ``{"courses": [{"shortname": "x"}]}`` becomes ``[("courses[0][shortname]", "x")]``; booleans are
    ``1``/``0``; ``None`` values are left out (Moodle then applies the parameter's default).
    """
    out: list[tuple[str, str]] = []
    for key, value in params.items():
        _flatten(key, value, out)
    return out


def redact(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every secret of four or more characters masked."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "********")
    return text


def _text(value: Any, limit: int = 300) -> str:
    return str(value)[:limit] if value is not None else ""


def error_from_body(function: str, body: Any, secrets: Iterable[str] = ()) -> ProviderError | None:
    """The exception a decoded response body stands for, or ``None`` when it is not an error.

    The exception gets ``moodle_errorcode`` (the Moodle error code) as an attribute.
    """
    if not isinstance(body, Mapping):
        return None
    if "exception" in body:
        code = _text(body.get("errorcode")) or _text(body.get("exception"))
        message = _text(body.get("message")) or code
    elif "error" in body and ("errorcode" in body or isinstance(body.get("error"), str)):
        code = _text(body.get("errorcode")) or "error"
        message = _text(body.get("error")) or code
    else:
        return None
    detail = _text(body.get("debuginfo"))
    full = f"{function}: {code}: {message}" + (f" ({detail.strip()})" if detail.strip() else "")
    full = redact(full, secrets)
    lowered = f"{message} {detail}".lower()
    error: ProviderError
    if code in AUTH_CODES:
        error = AuthError(full, provider=PROVIDER)
    elif code in NOT_FOUND_CODES:
        error = NotFound(full, provider=PROVIDER)
    elif code in UNAVAILABLE_CODES:
        error = Unavailable(full, provider=PROVIDER)
    elif code in CONFLICT_CODES or (code == "invalidparameter" and "already exists" in lowered):
        error = ConflictError(full, provider=PROVIDER)
    else:
        error = BadResponse(full, provider=PROVIDER)
    setattr(error, CODE_ATTR, code)
    return error


def warnings_of(body: Any) -> list[Mapping[str, Any]]:
    """The ``warnings`` list of a response body (empty when there is none)."""
    if isinstance(body, Mapping):
        warnings = body.get("warnings")
        if isinstance(warnings, list):
            return [w for w in warnings if isinstance(w, Mapping)]
    return []


def warning_text(function: str, warnings: Sequence[Mapping[str, Any]], secrets: Iterable[str] = ()) -> str:
    """One line describing ``warnings``."""
    parts = [f"{_text(w.get('warningcode'))}: {_text(w.get('message'))}".strip(": ") for w in warnings[:5]]
    return redact(f"{function}: warnings: " + "; ".join(parts), secrets)


def error_code(error: BaseException) -> str | None:
    """The Moodle error code an exception from :func:`error_from_body` carries."""
    code = getattr(error, CODE_ATTR, None)
    return code if isinstance(code, str) else None
