"""Validate requests against Zoom's OpenAPI documents in ../shared/specs (absent: validation is skipped).

The documents are read where they lie (never copied). Two quirks of Zoom's file are normalised in memory
(upper-case ``in``/``style`` values), and on top of openapi-core's validation we reject body fields the
schema does not name: Zoom ignores unknown fields silently, which hides typos.
"""

from __future__ import annotations

import json
import os
import re
import warnings
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

import httpx

SPEC_NAMES = ("zoom-meeting-api-openapi-2023-10.json", "zoom-meetings-openapi-2025-ballerina-sanitized.json")


def shared_dir() -> Path | None:
    """The ``shared/`` sibling of the repository root, if present (``ZOOM_TESTS_NO_SHARED=1`` hides it)."""
    if os.environ.get("ZOOM_TESTS_NO_SHARED") == "1":
        return None
    for parent in Path(__file__).resolve().parents:
        candidate = parent / "shared"
        if candidate.is_dir() and (candidate / "specs").is_dir():
            return candidate
    return None


def _normalise(node: Any) -> Any:
    if isinstance(node, dict):
        return {
            k: (v.lower() if k in ("in", "style") and isinstance(v, str) else _normalise(v))
            for k, v in node.items()
        }
    if isinstance(node, list):
        return [_normalise(v) for v in node]
    return node


class SpecValidator:
    """One OpenAPI document: ``check(request)`` raises AssertionError on a request it does not allow."""

    def __init__(self, path: Path) -> None:
        from openapi_core import Config, OpenAPI

        self.name = path.name
        self.document = _normalise(json.loads(path.read_text()))
        self.openapi = OpenAPI.from_dict(self.document, config=Config(spec_validator_cls=None))
        self.checked = 0
        self._templates = [
            (re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", p) + "$"), p) for p in self.document["paths"]
        ]

    def _operation(self, method: str, path: str) -> Mapping[str, Any] | None:
        matches = [tpl for rx, tpl in self._templates if rx.match(path)]
        # the most literal template wins (as openapi-core does): fewest parameters
        matches.sort(key=lambda t: t.count("{"))
        for tpl in matches:
            op = self.document["paths"][tpl].get(method)
            if op is not None:
                return op  # type: ignore[no-any-return]
        return None

    def _resolve(self, schema: Any) -> Any:
        while isinstance(schema, Mapping) and "$ref" in schema:
            node: Any = self.document
            for part in schema["$ref"].lstrip("#/").split("/"):
                node = node[part]
            schema = node
        return schema

    def _properties(self, schema: Any) -> dict[str, Any] | None:
        schema = self._resolve(schema)
        if not isinstance(schema, Mapping):
            return None
        props: dict[str, Any] = dict(schema.get("properties", {}))
        for key in ("allOf", "oneOf", "anyOf"):
            for sub in schema.get(key, []):
                more = self._properties(sub)
                if more:
                    props.update(more)
        return props or None

    def _unknown_fields(self, body: Any, schema: Any, where: str) -> list[str]:
        props = self._properties(schema)
        if props is None or not isinstance(body, Mapping):
            return []
        out = []
        for key, value in body.items():
            if key not in props:
                out.append(f"{where}{key}")
            else:
                out.extend(self._unknown_fields(value, props[key], f"{where}{key}."))
        return out

    def check(self, request: httpx.Request, *, required: bool = True) -> None:
        from openapi_core.datatypes import RequestParameters
        from werkzeug.datastructures import Headers, ImmutableMultiDict

        raw_path = request.url.raw_path.decode().split("?", 1)[0]
        path = raw_path[raw_path.index("/v2/") :] if "/v2/" in raw_path else raw_path
        body = request.content or None

        class _Req:
            host_url = "https://api.zoom.us"

        req: Any = _Req()
        req.path = path
        req.method = request.method.lower()
        req.body = body
        req.content_type = request.headers.get("content-type", "application/json")
        req.parameters = RequestParameters(
            query=ImmutableMultiDict(list(request.url.params.multi_items())),
            header=Headers(list(request.headers.items())),
            cookie=ImmutableMultiDict(),
        )
        op = self._operation(req.method, path[len("/v2") :] if path.startswith("/v2") else path)
        if op is None:
            if not required:
                return
            raise AssertionError(f"{self.name}: {request.method} {path} is not in the spec")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                self.openapi.validate_request(req)
            except Exception as exc:
                detail = getattr(exc, "__cause__", None) or exc
                raise AssertionError(
                    f"{self.name}: {request.method} {path} violates the spec: {exc!r}: {detail}"
                ) from exc
        if body:
            schema = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
            unknown = self._unknown_fields(json.loads(body), schema, "")
            if unknown:
                raise AssertionError(f"{self.name}: {request.method} {path} sends unknown fields {unknown}")
        self.checked += 1

    def template(self, path: str) -> str | None:
        """The path template ``path`` matches."""
        matches = sorted((tpl for rx, tpl in self._templates if rx.match(path)), key=lambda t: t.count("{"))
        return matches[0] if matches else None

    def rate_label(self, method: str, path: str) -> str | None:
        """The endpoint's Rate Limit Label (light, medium, heavy) from its description."""
        op = self._operation(method.lower(), path)
        if op is None:
            return None
        found = re.search(r"Rate Limit Label.*?`(\w+)`", op.get("description", ""), re.S)
        return found.group(1).lower() if found else None


@cache
def validators() -> tuple[SpecValidator, ...]:
    """A validator per Zoom document present in ../shared/specs (empty when ../shared is absent)."""
    shared = shared_dir()
    if shared is None:
        return ()
    try:
        import openapi_core  # noqa: F401
    except ImportError:
        return ()
    return tuple(SpecValidator(shared / "specs" / n) for n in SPEC_NAMES if (shared / "specs" / n).exists())


def paced_endpoints(
    calls: Iterable[tuple[str, str, str]], specs: Iterable[SpecValidator]
) -> set[tuple[str, str]]:
    """The (method, path template) of ``calls``, once each is checked to be paced in the category that is
    its endpoint's Rate Limit Label in each of ``specs``."""
    calls = list(calls)
    seen: set[tuple[str, str]] = set()
    for validator in specs:
        for method, path, category in calls:
            label = validator.rate_label(method, path)
            assert label == category, f"{validator.name}: {method} {path} is {label}, paced as {category}"
            seen.add((method, validator.template(path)))
    return seen
