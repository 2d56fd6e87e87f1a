"""Settings from TA_DELIVERY_* variables: names, flags, secrets."""

from __future__ import annotations

import pytest

from ta_delivery.errors import InputError
from ta_delivery.settings import Secret, Settings


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
