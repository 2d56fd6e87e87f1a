"""Validate requests against the official Webex Meetings OpenAPI document in ``../shared/specs``.

The document has no ``servers`` entry, so the API's base URL is given here; it also declares a few
defaults of the wrong type, so the document itself is not validated, only our requests against it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

import httpx

BASE_URL = "https://webexapis.com/v1"
SPEC_NAME = "webex-meetings-openapi.json"


def shared_dir() -> Path | None:
    """``shared/`` beside the repository root, if present."""
    for parent in Path(__file__).resolve().parents:
        if (parent / "shared" / "specs" / SPEC_NAME).is_file():
            return parent / "shared"
    return None


def samples_dir() -> Path | None:
    """The Webex spec examples, if ``shared/`` is present."""
    shared = shared_dir()
    path = shared / "samples" / "api" / "webex_spec_examples" if shared else None
    return path if path is not None and path.is_dir() else None


def sample(name: str) -> dict[str, Any] | None:
    """One example response, or ``None`` without ``shared/``."""
    folder = samples_dir()
    if folder is None:
        return None
    data = json.loads((folder / name).read_text())
    return data if isinstance(data, dict) else None


class _Request:
    """An httpx request in openapi-core's request protocol."""

    def __init__(self, request: httpx.Request) -> None:
        from openapi_core.datatypes import RequestParameters
        from werkzeug.datastructures import Headers, ImmutableMultiDict

        self.method = request.method.lower()
        self.host_url = f"{request.url.scheme}://{request.url.netloc.decode()}"
        self.path = request.url.path
        self.parameters = RequestParameters(
            query=ImmutableMultiDict(list(request.url.params.multi_items())),
            header=Headers(dict(request.headers)),
            cookie={},
        )
        self.body = request.content or None
        self.content_type = request.headers.get("content-type", "application/octet-stream").split(";")[0]


@lru_cache(maxsize=1)
def _openapi() -> Any:
    shared = shared_dir()
    if shared is None:
        return None
    from openapi_core import Config, OpenAPI

    spec = json.loads((shared / "specs" / SPEC_NAME).read_text())
    spec["servers"] = [{"url": BASE_URL}]
    config = Config(
        spec_validator_cls=None,
        extra_media_type_deserializers={"application/json-patch+json": json.loads},
    )
    return OpenAPI.from_dict(spec, config=config)


def request_validator() -> Callable[[httpx.Request], None] | None:
    """A function raising AssertionError for a request the spec does not allow; None without shared/."""
    api = _openapi()
    if api is None:
        return None
    from openapi_core.templating.paths.exceptions import PathNotFound

    def validate(request: httpx.Request) -> None:
        try:
            api.validate_request(_Request(request))
        except PathNotFound:
            if request.url.path.endswith("/access_token"):
                return  # the OAuth endpoint is not part of the Meetings document
            raise AssertionError(f"{request.method} {request.url.path} is not in the Webex spec") from None
        except Exception as exc:
            raise AssertionError(f"{request.method} {request.url} violates the Webex spec: {exc}") from None
        unknown = unknown_fields(request)
        if unknown:
            raise AssertionError(
                f"{request.method} {request.url.path} sends fields the spec lacks: {unknown}"
            )

    return validate


@lru_cache(maxsize=1)
def _document() -> dict[str, Any]:
    shared = shared_dir()
    assert shared is not None
    data: dict[str, Any] = json.loads((shared / "specs" / SPEC_NAME).read_text())
    return data


def _resolve(schema: Any) -> Any:
    while isinstance(schema, dict) and "$ref" in schema:
        node: Any = _document()
        for part in schema["$ref"].lstrip("#/").split("/"):
            node = node[part]
        schema = node
    return schema


def _properties(schema: Any) -> dict[str, Any] | None:
    schema = _resolve(schema)
    if not isinstance(schema, dict):
        return None
    props: dict[str, Any] = dict(schema.get("properties", {}))
    for key in ("allOf", "oneOf", "anyOf"):
        for sub in schema.get(key, []):
            props.update(_properties(sub) or {})
    return props or None


def _unknown(body: Any, schema: Any, where: str) -> list[str]:
    props = _properties(schema)
    if props is None or not isinstance(body, dict):
        return []
    out: list[str] = []
    for key, value in body.items():
        if key not in props:
            out.append(where + key)
        else:
            out.extend(_unknown(value, props[key], f"{where}{key}."))
    return out


def unknown_fields(request: httpx.Request) -> list[str]:
    """Body fields the operation's schema does not name (Webex may ignore them silently: typos hide)."""
    if not request.content or shared_dir() is None:
        return []
    method = request.method.lower()
    path = request.url.path.removeprefix("/v1")
    matches = [
        template
        for template, item in _document()["paths"].items()
        if method in item and re.match("^" + re.sub(r"\{[^}]+\}", "[^/]+", template) + "$", path)
    ]
    if not matches:
        return []
    operation = _document()["paths"][min(matches, key=lambda t: t.count("{"))][method]
    content = _resolve(operation.get("requestBody", {})).get("content", {})
    media = request.headers.get("content-type", "").split(";")[0]
    schema = content.get(media, {}).get("schema")
    try:
        body = json.loads(request.content)
    except ValueError:
        return []
    return _unknown(body, schema, "")
