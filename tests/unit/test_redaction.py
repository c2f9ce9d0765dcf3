from __future__ import annotations

import io
import json
import logging

from postwriter.observability.logging import RedactingFilter, configure_logging, redact


def test_secrets_in_text_are_redacted() -> None:
    text = (
        "Authorization: Bearer abc.def.ghi cookie=c_user%3D123 "
        "amqp://guest:hunter2@host:5672/ api_key=sk_live_1 proto bearer.SECRETKEY"
    )
    out = redact(text)
    for secret in ("abc.def.ghi", "c_user%3D123", "hunter2", "sk_live_1", "SECRETKEY"):
        assert secret not in out
    assert "host:5672" in out


def test_log_records_pass_the_filter_with_extras(capsys: object) -> None:
    stream = io.StringIO()
    configure_logging("INFO", "json")
    handler = logging.getLogger().handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(stream)
    logging.getLogger("t").warning(
        "login with %s", "token=abc123", extra={"cookies": [{"name": "xs", "value": "v"}]}
    )
    record = json.loads(stream.getvalue())
    assert "abc123" not in stream.getvalue()
    assert record["cookies"] == "[redacted]"
    assert record["level"] == "WARNING"
    assert any(isinstance(f, RedactingFilter) for f in handler.filters)
