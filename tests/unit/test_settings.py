from __future__ import annotations

import pytest

from postwriter.errors import SettingsError
from postwriter.settings import Settings


def test_defaults_listen_on_loopback() -> None:
    settings = Settings.from_env({})
    assert settings.api_host == "127.0.0.1"
    assert settings.api_port == 8080
    assert settings.bootstrap_api_key == ""
    assert settings.ws_allowed_origins == ()


def test_values_are_parsed_and_frozen() -> None:
    settings = Settings.from_env(
        {
            "POSTWRITER_API_PORT": "9000",
            "POSTWRITER_BOOTSTRAP_API_KEY": "a" * 24,
            "POSTWRITER_WS_ALLOWED_ORIGINS": "https://ui.example.test, http://127.0.0.1:3000/",
            "POSTWRITER_EGRESS_ALLOW": "127.0.0.1:8081, 10.0.0.0/8,example.test",
            "POSTWRITER_LOG_LEVEL": "debug",
        }
    )
    assert settings.api_port == 9000
    assert settings.bootstrap_api_key == "a" * 24
    assert settings.ws_allowed_origins == ("https://ui.example.test", "http://127.0.0.1:3000")
    assert "a" * 24 not in repr(settings)
    assert settings.egress_allow == ("127.0.0.1:8081", "10.0.0.0/8", "example.test")
    assert settings.log_level == "DEBUG"
    with pytest.raises(AttributeError):
        settings.api_port = 1  # type: ignore[misc]


@pytest.mark.parametrize(
    ("env", "variable", "words"),
    [
        ({"POSTWRITER_API_PORT": "http"}, "POSTWRITER_API_PORT", "whole number"),
        ({"POSTWRITER_API_PORT": "70000"}, "POSTWRITER_API_PORT", "between"),
        ({"POSTWRITER_AMQP_URL": "redis://x"}, "POSTWRITER_AMQP_URL", "amqp"),
        ({"POSTWRITER_MONGODB_URL": "nonsense"}, "POSTWRITER_MONGODB_URL", "mongodb"),
        ({"POSTWRITER_BOOTSTRAP_API_KEY": "short"}, "POSTWRITER_BOOTSTRAP_API_KEY", "24 char"),
        ({"POSTWRITER_WS_ALLOWED_ORIGINS": "ui.test"}, "POSTWRITER_WS_ALLOWED_ORIGINS", "origin"),
        ({"POSTWRITER_API_KEYS": "x" * 30}, "POSTWRITER_API_KEYS", "unknown setting"),
        ({"POSTWRITER_EGRESS_ALLOW": "10.0.0.0/33"}, "POSTWRITER_EGRESS_ALLOW", "CIDR"),
        ({"POSTWRITER_LOG_LEVEL": "loud"}, "POSTWRITER_LOG_LEVEL", "one of"),
        ({"POSTWRITER_API_PROT": "1"}, "POSTWRITER_API_PROT", "unknown setting"),
    ],
)
def test_a_wrong_value_names_the_variable(env: dict[str, str], variable: str, words: str) -> None:
    with pytest.raises(SettingsError) as caught:
        Settings.from_env(env)
    assert caught.value.variable == variable
    assert words in caught.value.message
    assert caught.value.message.startswith(variable)


def test_dsn_passwords_are_not_echoed() -> None:
    with pytest.raises(SettingsError) as caught:
        Settings.from_env({"POSTWRITER_AMQP_URL": "http://user:s3cret@host/"})
    assert "s3cret" not in caught.value.message


def test_test_and_demo_variables_are_not_settings() -> None:
    Settings.from_env({"POSTWRITER_TEST_AMQP_URL": "x", "POSTWRITER_DEMO_FIXTURE_PORT": "1"})
