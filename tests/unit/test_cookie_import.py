"""Cookie files in every supported format, and precise errors for broken ones."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from postwriter.errors import InvalidCookieFile
from postwriter.sessions.cookies import (
    MAX_COOKIES,
    MAX_FILE_BYTES,
    Cookie,
    cookie_domains,
    detect_format,
    earliest_expiry,
    parse_cookies,
)

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "cookies"
NOW = 1_764_000_000.0  # 2025-11-24


def _read(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def _by_name(cookies: list[Cookie]) -> dict[str, Cookie]:
    return {c["name"]: c for c in cookies}


def _bad(data: bytes | str, fmt: str = "auto") -> InvalidCookieFile:
    raw = data.encode() if isinstance(data, str) else data
    with pytest.raises(InvalidCookieFile) as caught:
        parse_cookies(raw, fmt, now=NOW)
    assert caught.value.code == "invalid_cookie_file"
    assert caught.value.http_status == 400
    assert "SECRET" not in caught.value.message
    return caught.value


def test_playwright_storage_state() -> None:
    cookies = _by_name(parse_cookies(_read("storage_state.json"), now=NOW))
    assert set(cookies) == {"c_user", "xs", "datr", "presence"}  # "old" has expired
    assert cookies["xs"] == {
        "name": "xs",
        "value": "SECRET-xs-41%3AabcDEF%3A2%3A1732000000",
        "domain": ".facebook.com",
        "path": "/",
        "expires": 4102444800.5,
        "httpOnly": True,
        "secure": True,
        "sameSite": "None",
    }
    assert cookies["presence"]["domain"] == "www.facebook.com"  # host-only stays host-only
    assert cookies["presence"]["expires"] == -1


def test_extension_json_export() -> None:
    cookies = _by_name(parse_cookies(_read("extension.json"), now=NOW))
    assert set(cookies) == {"c_user", "xs", "sb", "wd", "locale"}
    assert cookies["c_user"]["sameSite"] == "None"
    assert cookies["c_user"]["expires"] == 4102444800.25
    assert cookies["sb"]["domain"] == ".facebook.com"  # hostOnly false → domain cookie
    assert cookies["sb"]["sameSite"] == "Lax"
    assert cookies["wd"] == {
        "name": "wd",
        "value": "SECRET-wd-1280x900",
        "domain": "www.facebook.com",
        "path": "/",
        "expires": -1,
        "httpOnly": False,
        "secure": False,
        "sameSite": "Lax",  # "unspecified" is Chromium's default: Lax
    }
    assert cookies["locale"]["sameSite"] == "Lax"  # null


def test_netscape_cookies_txt() -> None:
    cookies = _by_name(parse_cookies(_read("cookies.txt"), now=NOW))
    assert set(cookies) == {"c_user", "xs", "wd", "fr", "empty"}
    assert cookies["xs"]["httpOnly"] is True  # "#HttpOnly_" prefix
    assert cookies["c_user"]["httpOnly"] is False
    assert cookies["xs"]["value"] == "SECRET-xs-41%3AabcDEF%3A2%3A1732000000"
    assert cookies["wd"]["domain"] == "www.facebook.com"  # include-subdomains FALSE
    assert cookies["wd"]["expires"] == -1  # expiry 0 = session
    assert cookies["wd"]["secure"] is False
    assert cookies["empty"]["value"] == ""  # CRLF line ending, empty value


def test_formats_are_detected_and_can_be_forced() -> None:
    assert detect_format(_read("storage_state.json").decode()) == "storage_state"
    assert detect_format(_read("extension.json").decode()) == "extension_json"
    assert detect_format(_read("cookies.txt").decode()) == "netscape"
    forced = parse_cookies(_read("cookies.txt"), "netscape", now=NOW)
    assert forced == parse_cookies(_read("cookies.txt"), now=NOW)
    # A UTF-8 byte-order mark is fine.
    assert parse_cookies(b"\xef\xbb\xbf" + _read("extension.json"), now=NOW)


def test_domains_and_earliest_expiry() -> None:
    cookies = parse_cookies(_read("storage_state.json"), now=NOW)
    assert cookie_domains(cookies) == ["facebook.com", "www.facebook.com"]
    assert earliest_expiry(cookies) == 4102444800
    session_only = [c for c in cookies if c["expires"] == -1]
    assert earliest_expiry(session_only) is None


@pytest.mark.parametrize(
    ("fixture", "message"),
    [
        ("storage_state_missing_domain.json", "storage_state: cookies[2].domain missing"),
        ("storage_state_truncated.json", "storage_state: not valid JSON (Expecting"),
        ("extension_bad_samesite.json", "extension_json: [1].sameSite must be"),
        ("cookies_short_line.txt", "netscape line 6: expected 7 tab-separated fields, found 5"),
        ("cookies_spaces.txt", "found 1 (were the tabs replaced by spaces?)"),
        ("not_cookies.txt", "unrecognised cookie file"),
    ],
)
def test_corrupt_fixture_files_name_the_problem(fixture: str, message: str) -> None:
    assert message in _bad(_read(fixture)).message


def _state(**cookie: object) -> str:
    base: dict[str, object] = {
        "name": "xs",
        "value": "SECRET-v",
        "domain": ".facebook.com",
        "path": "/",
        "expires": -1,
        "httpOnly": True,
        "secure": True,
        "sameSite": "Lax",
    }
    base.update(cookie)
    return json.dumps({"cookies": [base]})


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("", "the cookie file is empty"),
        ("  \n", "the cookie file is empty"),
        ('{"cookies": []}', "storage_state: the file holds no cookies"),
        ('{"origins": []}', "expected an object with a 'cookies' list"),
        ("[]", "extension_json: the file holds no cookies"),
        ('["x"]', "extension_json: [0] must be an object, got string"),
        ('{"cookies": [1]}', "storage_state: cookies[0] must be an object, got number"),
        (_state(value=5), "cookies[0].value must be a string, got number"),
        (_state(httpOnly="yes"), "cookies[0].httpOnly must be true or false, got string"),
        (_state(expires="soon"), "cookies[0].expires must be a number, got string"),
        (_state(expires=True), "cookies[0].expires must be a number, got boolean"),
        (_state(name=""), "the cookie name is empty"),
        (_state(name="a=b"), "name contains a control character, ';' or '='"),
        (_state(value="SECRET-a;b"), "value contains a control character or ';'"),
        (_state(value="SECRET-a\nb"), "value contains a control character or ';'"),
        (_state(domain="https://www.facebook.com/"), "the domain is not a host name"),
        (_state(domain="SECRET-leaked-value with spaces"), "the domain is not a host name"),
        (_state(path="home"), "the path must start with '/'"),
        (_state(sameSite="Sometimes"), "sameSite must be Strict, Lax, None"),
        (_state(expires=1000), "every cookie in the file has expired (1)"),
        (_state(value="SECRET-" + "x" * 5000), "name and value exceed 4096 bytes"),
        (
            '[{"name": "a", "value": "SECRET-b", "domain": "x.com", "session": false}]',
            "[0].expirationDate missing",
        ),
        ("# Netscape HTTP Cookie File\n", "netscape: the file holds no cookies"),
        (".x.com\tMAYBE\t/\tTRUE\t0\ta\tSECRET-b\n", "line 1: field 2 (include subdomains)"),
        (".x.com\tTRUE\t/\tyes\t0\ta\tSECRET-b\n", "line 1: field 4 (secure) must be TRUE"),
        (".x.com\tTRUE\t/\tTRUE\tnever\ta\tSECRET-b\n", "field 5 (expiry) must be a whole"),
        ("#\n.x.com\tTRUE\t/\tTRUE\t0\ta\tSECRET-b\tc\n", "netscape line 2: expected 7"),
        ('{"cookies": [', "storage_state: not valid JSON"),
        ("[" * 100_000, "extension_json: JSON nested too deeply"),
        ("plain words", "unrecognised cookie file"),
    ],
)
def test_bad_input_names_the_problem_and_never_the_value(data: str, message: str) -> None:
    assert message in _bad(data).message


def test_non_utf8_oversized_and_too_many_cookies_are_refused() -> None:
    assert "not UTF-8" in _bad(b"\xff\xfe{}").message
    big = b" " * (MAX_FILE_BYTES + 1)
    assert "the limit is 1048576 (1 MiB)" in _bad(big).message
    many = [
        {"name": f"c{n}", "value": "SECRET", "domain": "x.com", "session": True}
        for n in range(MAX_COOKIES + 1)
    ]
    assert "501 cookies; at most 500" in _bad(json.dumps(many)).message
    assert "unknown cookie format 'har'" in _bad(b"{}", "har").message


def test_a_forced_format_that_does_not_match_says_so() -> None:
    assert (
        "extension_json: expected a list"
        in _bad(_read("storage_state.json"), "extension_json").message
    )
    assert (
        "storage_state: expected an object"
        in _bad(_read("extension.json"), "storage_state").message
    )
    assert "netscape line 1: expected 7" in _bad(_read("extension.json"), "netscape").message


def test_duplicates_keep_the_last_and_samesite_none_needs_secure() -> None:
    data = json.dumps(
        [
            {"name": "a", "value": "1", "domain": "x.com", "session": True},
            {"name": "a", "value": "2", "domain": "x.com", "session": True},
            {"name": "a", "value": "3", "domain": "x.com", "path": "/p", "session": True},
            {
                "name": "n",
                "value": "4",
                "domain": "x.com",
                "session": True,
                "sameSite": "no_restriction",
                "secure": False,
            },
        ]
    ).encode()
    cookies = parse_cookies(data, now=NOW)
    assert [(c["name"], c["value"], c["path"]) for c in cookies] == [
        ("a", "2", "/"),
        ("a", "3", "/p"),
        ("n", "4", "/"),
    ]
    assert cookies[2]["sameSite"] == "Lax"  # Chromium would drop None without Secure


def test_failures_log_no_cookie_value(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG):
        parse_cookies(_read("storage_state.json"), now=NOW)  # logs the expired one
        for fixture in ("storage_state_missing_domain.json", "cookies_short_line.txt"):
            with pytest.raises(InvalidCookieFile):
                parse_cookies(_read(fixture), now=NOW)
    assert caplog.records  # something was logged
    for record in caplog.records:
        assert "SECRET" not in record.getMessage()
        assert "SECRET" not in repr(record.__dict__)
