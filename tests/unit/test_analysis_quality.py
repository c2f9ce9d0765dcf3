"""Quality checks: each named check passes, warns and fails where the table says."""

from __future__ import annotations

import pytest

from postwriter.analysis.quality import (
    FACEBOOK_MAX_CHARS,
    Check,
    check,
    count_emojis,
    first_sentence_end,
    restricted_phrases,
    worst,
)

GOOD = "Fresh sourdough every morning.\n\nOrder yours today: https://bakery.example/order"


def status(text: str, name: str, *, cta: str | None = None, link: str | None = None) -> str:
    found = {c.name: c for c in check(text, language="en", cta_type=cta, link=link)}
    return found[name].status


def test_every_check_is_named_and_passes_on_a_good_post() -> None:
    checks = check(GOOD, language="en", cta_type="shop", link=None)
    assert [c.name for c in checks] == [
        "length_limit",
        "hook_first_125",
        "emoji_excess",
        "hashtag_count",
        "link_for_cta",
        "restricted_words",
        "placeholders",
    ]
    assert all(c.status == "pass" for c in checks), checks
    assert worst(checks) == "pass"
    assert checks[0].to_json() == {
        "name": "length_limit",
        "status": "pass",
        "message": checks[0].message,
    }


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a" * FACEBOOK_MAX_CHARS, "pass"),
        ("a" * (FACEBOOK_MAX_CHARS + 1), "fail"),
        ("   \n ", "fail"),
        ("שלום " * 100, "pass"),
    ],
)
def test_length_limit(text: str, expected: str) -> None:
    assert status(text, "length_limit") == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Short hook? Then a long body " + "word " * 60, "pass"),
        ("x" * 125, "pass"),
        ("x" * 126, "warn"),
        ("A hook that goes on " + "and on " * 20 + "before it stops.", "warn"),
        ("Line one without a stop\n" + "then " * 50, "pass"),
        ("עדיין אופים לחם בבית? " + "מילה " * 60, "pass"),
    ],
)
def test_hook_first_125(text: str, expected: str) -> None:
    assert status(text, "hook_first_125") == expected


def test_first_sentence_end() -> None:
    assert first_sentence_end("Hello there! More.") == len("Hello there!")
    assert first_sentence_end("\n\n  Hi?") == len("\n\n  Hi?")
    assert first_sentence_end("Version 2.5 is here") == len("Version 2.5 is here")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Fresh bread every morning 🍞 for the whole family ☕", "pass"),
        ("🍞🥐🥖🧁 fresh bread", "warn"),
        ("Fresh " * 40 + "🍞 " * 11, "warn"),
        ("Fresh " * 60 + "🍞 " * 10, "pass"),
        ("לחם טרי 🍞🥐🥖🧁", "warn"),
    ],
)
def test_emoji_excess(text: str, expected: str) -> None:
    assert status(text, "emoji_excess") == expected


def test_emoji_counting_groups_sequences() -> None:
    assert count_emojis("👍🏽 👨‍👩‍👧 🇮🇱 ✅ ❤️") == 5
    assert count_emojis("plain text, 100% and © 2026") == 0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Bread #one #two #three #four #five", "pass"),
        ("Bread #one #two #three #four #five #six", "warn"),
        ("לחם #מחמצת #מאפייה #בוקר #טרי #תלאביב #שבת", "warn"),
        ("Call us at #5 or mail a#b", "pass"),
    ],
)
def test_hashtag_count(text: str, expected: str) -> None:
    assert status(text, "hashtag_count") == expected


@pytest.mark.parametrize(
    ("text", "cta", "link", "expected"),
    [
        ("Order yours today", "shop", None, "fail"),
        ("Sign up today", "sign_up", None, "fail"),
        ("Register now", "register", None, "fail"),
        ("Download the guide", "download", None, "fail"),
        ("Learn more about it", "learn_more", None, "warn"),
        ("Visit us on Main Street", "visit", None, "warn"),
        ("Order yours today: https://bakery.example", "shop", None, "pass"),
        ("Order at www.bakery.example/order", "shop", None, "pass"),
        ("Order yours today", "shop", "https://bakery.example", "pass"),
        ("Tell us in the comments", "comment", None, "pass"),
        ("Call us", "call", None, "pass"),
        ("No call to action", None, None, "pass"),
        ("הזמינו עכשיו", "shop", None, "fail"),
    ],
)
def test_link_for_cta(text: str, cta: str | None, link: str | None, expected: str) -> None:
    assert status(text, "link_for_cta", cta=cta, link=link) == expected


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("Guaranteed results in a week", "guarantee"),
        ("100% guaranteed or your money back", "guarantee"),
        ("Results guaranteed.", "guarantee"),
        ("This tea will cure your cold", "health claim"),
        ("Lose 10 kg before summer", "health claim"),
        ("lose 20 lbs fast", "health claim"),
        ("It treats depression naturally", "health claim"),
        ("Are you overweight?", "personal attribute"),
        ("ARE YOU DEPRESSED?", "personal attribute"),
        ("Do you suffer from anxiety?", "personal attribute"),
        ("Meet other Christian singles", "personal attribute"),
        ("תוצאות מובטחות תוך שבוע", "guarantee"),
        ("הצלחה מובטחת", "guarantee"),
        ("והמחיר מובטח", "guarantee"),
        ("תה שמרפא הכול", "health claim"),
        ("לרדת 10 ק״ג עד הקיץ", "health claim"),
        ("סובלים מהשמנה?", "personal attribute"),
        ("אתם בדיכאון?", "personal attribute"),
    ],
)
def test_restricted_words_fail(text: str, category: str) -> None:
    assert status(text, "restricted_words") == "fail"
    assert restricted_phrases(text)[0][0] == category


@pytest.mark.parametrize(
    "text",
    [
        "Secure checkout and a money-back promise",
        "Our cured ham is back",
        "Are you ready for the weekend?",
        "We procured new ovens",
        "Lose the queue: order online",
        "מרפאת שיניים חדשה בשכונה",
        "המרפאה פתוחה גם בשישי",
        "הזמינו עכשיו ותקבלו משלוח",
        "Bread is our promise",
    ],
)
def test_restricted_words_pass(text: str) -> None:
    assert status(text, "restricted_words") == "pass", restricted_phrases(text)


def test_restricted_words_message_names_the_phrase() -> None:
    checks = check(
        "Are you overweight? Guaranteed results!", language="en", cta_type=None, link=None
    )
    found = [c for c in checks if c.name == "restricted_words"]
    assert found[0].status == "fail"
    assert "'Are you overweight'" in found[0].message
    assert "'Guaranteed results'" in found[0].message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hello {HOOK}", "fail"),
        ("✅ {BENEFIT}\n{CTA}", "fail"),
        ("Use {curly} braces freely", "pass"),
        ("Done", "pass"),
    ],
)
def test_placeholders(text: str, expected: str) -> None:
    assert status(text, "placeholders") == expected


def test_worst() -> None:
    assert worst([Check("a", "pass", ""), Check("b", "warn", "")]) == "warn"
    assert worst([Check("a", "fail", ""), Check("b", "warn", "")]) == "fail"
    assert worst([]) == "pass"
