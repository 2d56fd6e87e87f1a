"""Settings from TA_DELIVERY_* variables: names, flags, secrets."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ta_delivery.errors import InputError
from ta_delivery.settings import Secret, Settings, positive_number, url


def test_variable_names() -> None:
    assert Settings.variable("zoom", "client_id") == "TA_DELIVERY_ZOOM_CLIENT_ID"
    assert Settings.variable("transport") == "TA_DELIVERY_TRANSPORT"


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1", True),
        ("TRUE", True),
        (" yes ", True),
        ("on", True),
        ("0", False),
        ("False", False),
        ("no", False),
        ("off", False),
    ],
)
def test_flags(text: str, value: bool) -> None:
    assert Settings({"TA_DELIVERY_SMTP_STARTTLS": text}).flag("smtp", "starttls", default=not value) is value


def test_an_unset_or_empty_flag_takes_its_default() -> None:
    assert Settings({}).flag("smtp", "starttls", default=True) is True
    assert Settings({"TA_DELIVERY_SMTP_STARTTLS": ""}).flag("smtp", "starttls", default=True) is True


def test_a_misspelt_flag_is_an_input_error_naming_the_variable() -> None:
    with pytest.raises(InputError, match="TA_DELIVERY_SMTP_STARTTLS"):
        Settings({"TA_DELIVERY_SMTP_STARTTLS": "ture"}).flag("smtp", "starttls", default=True)


def test_secrets_never_show() -> None:
    settings = Settings({"TA_DELIVERY_ZOOM_CLIENT_SECRET": "hunter2-value"})
    secret = settings.secret("zoom", "client_secret")
    assert isinstance(secret, Secret)
    assert secret.reveal() == "hunter2-value"
    assert "hunter2" not in repr(secret) + str(secret) + f"{secret}" + repr(settings)


# --- url() and positive_number(): the checks every plugin's settings share --------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("https://api.example.org/v1/", "https://api.example.org/v1"),
        ("  http://127.0.0.1:8080  ", "http://127.0.0.1:8080"),
        ("https://moodle.example.org/", "https://moodle.example.org"),
    ],
)
def test_url_returns_the_url_without_its_trailing_slash(value: str, expected: str) -> None:
    assert url(value, source="TA_DELIVERY_ACME_URL") == expected


@pytest.mark.parametrize(
    ("value", "site", "says"),
    [
        ("ftp://files.example.org", False, "is not an http(s) URL"),
        ("api.example.org", False, "is not an http(s) URL"),
        ("https://", False, "is not an http(s) URL"),
        ("https://example.org:99999", False, "is not a valid URL"),
        ("https://[::1", False, "is not a valid URL"),
        ("https://moodle.example.org/?lang=en", True, "is not an http(s) site URL"),
        ("https://moodle.example.org/#top", True, "is not an http(s) site URL"),
    ],
)
def test_url_refuses_what_is_not_an_http_url_naming_the_variable(value: str, site: bool, says: str) -> None:
    with pytest.raises(InputError, match=re.escape(says)) as caught:
        url(value, source="TA_DELIVERY_ACME_URL", site=site)
    assert caught.value.source == "TA_DELIVERY_ACME_URL"


def test_url_keeps_a_query_unless_a_site_root_is_wanted() -> None:
    assert url("https://example.org/x?a=1", source="S") == "https://example.org/x?a=1"


@pytest.mark.parametrize(
    ("text", "whole", "expected"),
    [(None, False, None), ("", True, None), ("  ", False, None), ("2.5", False, 2.5), (" 7 ", True, 7)],
)
def test_positive_number_reads_a_number_or_none_when_unset(
    text: str | None, whole: bool, expected: float | None
) -> None:
    assert positive_number(text, source="S", whole=whole) == expected


@pytest.mark.parametrize(
    ("text", "whole"),
    [
        *[("0", True), ("-3", True), ("1.5", True), ("+4", True), ("٣", True), ("ten", True)],
        *[("0", False), ("-0.5", False), ("nan", False), ("inf", False), ("lots", False)],
    ],
)
def test_positive_number_refuses_anything_else_naming_the_variable(text: str, whole: bool) -> None:
    with pytest.raises(InputError, match="must be a positive") as caught:
        positive_number(text, source="TA_DELIVERY_ACME_RATE", whole=whole)
    assert caught.value.source == "TA_DELIVERY_ACME_RATE"


@given(st.integers(min_value=1, max_value=10**12))
def test_positive_number_reads_back_any_positive_whole_number(n: int) -> None:
    assert positive_number(str(n), source="S", whole=True) == n
    assert positive_number(str(n), source="S") == float(n)
