"""Text cleaning, link cleaning, language and direction detection."""

from __future__ import annotations

import pytest

from postwriter.analysis.cleaning import clean_links, clean_text
from postwriter.analysis.language import detect_language, hebrew_share, is_rtl


def test_paragraphs_line_breaks_and_hashtags_survive() -> None:
    raw = "Big news!\r\n\r\n\r\nWe're   open\tlate.\nCome by 🙂  \n\n#coffee #קפה @acme"
    assert clean_text(raw) == "Big news!\n\nWe're open late.\nCome by 🙂\n\n#coffee #קפה @acme"


@pytest.mark.parametrize(
    "line",
    [
        "Like and share if you agree!",
        "Send us a message to book.",
        "Save 20% this weekend.",
        "I like how this looks.",
        "שתפו את הפוסט ותנו לייק",
        "שלחו לנו הודעה",
    ],
)
def test_lines_with_like_share_message_save_are_kept(line: str) -> None:
    # The earlier product dropped such lines and returned empty marketing posts.
    text = f"First line.\n{line}\nLast line."
    assert clean_text(text) == text


def test_platform_chrome_lines_are_dropped_but_not_words() -> None:
    raw = "Our new menu is out… See more\nSee translation\nראה עוד\nYou should see more of us"
    assert clean_text(raw) == "Our new menu is out\nYou should see more of us"


def test_invisible_and_bidi_controls_removed_emoji_sequences_kept() -> None:
    family = "👨\u200d👩\u200d👧"
    raw = f"\u200fמבצע\u200e 50%\u200b off\ufeff {family} a\u200db\u202bx\u202c"
    assert clean_text(raw) == f"מבצע 50% off {family} abx"


def test_unicode_spaces_and_line_separators() -> None:
    assert clean_text("a\u00a0b\u2009c\u2028d\u2029e") == "a b c\nd\n\ne"


def test_html_leftovers() -> None:
    assert clean_text("One<br>Two<br/>Three</p><p>Four &amp; <b>five</b>") == (
        "One\nTwo\nThree\n\nFour & five"
    )
    # Not tags: a heart and a comparison stay as written.
    assert clean_text("I <3 you and 2 < 3 > 1") == "I <3 you and 2 < 3 > 1"


def test_tracking_parameters_removed_from_links_in_text() -> None:
    raw = (
        "Shop now: https://shop.example/sale?utm_source=fb&utm_medium=paid&size=m&fbclid=IwAR1."
        "\nMore: https://l.facebook.com/l.php?u=https%3A%2F%2Fblog.example%2Fp%3Fgclid%3Dx&h=AT1"
    )
    assert clean_text(raw) == (
        "Shop now: https://shop.example/sale?size=m.\nMore: https://blog.example/p"
    )


def test_link_keeps_its_closing_parenthesis_only_when_balanced() -> None:
    assert clean_text("(see https://en.example/wiki/Foo_(bar))") == (
        "(see https://en.example/wiki/Foo_(bar))"
    )
    assert clean_text("(see https://x.example/a?utm_source=1)") == "(see https://x.example/a)"


def test_empty_and_whitespace() -> None:
    assert clean_text("") == ""
    assert clean_text(" \n\t\u200b\n ") == ""


def test_clean_text_is_idempotent() -> None:
    raw = "Hi!\n\n\n  https://a.example/?utm_campaign=x&id=3  \n#tag\u200f"
    once = clean_text(raw)
    assert clean_text(once) == once


def test_clean_links() -> None:
    links = [
        "https://shop.example/p?id=1&utm_source=fb",
        "https://shop.example/p?id=1&fbclid=abc",  # the same link once tracking is gone
        "https://l.facebook.com/l.php?u=https%3A%2F%2Fnews.example%2Fa&h=x",
        "mailto:a@example.com",
        "/relative/path",
        "",
        "javascript:void(0)",
        "http://[broken",
    ]
    assert clean_links(links) == ["https://shop.example/p?id=1", "https://news.example/a"]


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Fresh sourdough every Saturday, pre-order yours today!", "en"),
        ("חלות טריות לשבת! הזמינו עד יום חמישי", "he"),
        # Hebrew post naming an English product and linking to an English URL.
        ("הכריות של FlexFit ב-39 ₪ https://soundtrail.example/flexfit?utm_source=fb", "he"),
        ("מבצע! iPhone 15 Pro Max במחיר מיוחד", "he"),
        ("Nuevo menú de temporada, ¡ven a probarlo con tus amigos!", "other"),
        ("Unser neues Brot ist da und es ist wirklich lecker", "other"),
        ("Наш новый хлеб уже в продаже", "other"),
        ("🎉🎉🎉", "und"),
        ("", "und"),
        ("12:00 - 18:00", "und"),
        ("#sale #summer", "en"),
        ("OK", "en"),
    ],
)
def test_detect_language(text: str, language: str) -> None:
    assert detect_language(text) == language


def test_hebrew_share_ignores_links_and_tags() -> None:
    assert hebrew_share("שלום https://example.com/abcdefghijklmnop #english") == 1.0
    assert hebrew_share("") == 0.0


@pytest.mark.parametrize(
    ("text", "rtl"),
    [
        ("שלום לכולם", True),
        ("iPhone 15 במבצע מטורף עכשיו בחנות", True),  # opens in Latin, mostly Hebrew
        ("Hello שלום world", False),
        ("مرحبا بكم", True),
        ("https://example.com/some/very/long/path שלום", True),
        ("123 !!!", False),
    ],
)
def test_is_rtl(text: str, rtl: bool) -> None:
    assert is_rtl(text) is rtl
