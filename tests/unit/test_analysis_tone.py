"""Tone figures on crafted texts, and the page voice vector."""

from __future__ import annotations

import pytest

from postwriter.analysis.tone import TONE_KEYS, count_emoji, syllables, tone, voice


def test_keys() -> None:
    assert TONE_KEYS == (
        "formality", "emoji_ratio", "exclamation_rate", "question_rate",
        "avg_sentence_length", "second_person", "hashtag_density", "reading_ease",
    )  # fmt: skip
    assert set(tone("Hello there.")) == set(TONE_KEYS)


def test_rates_on_a_crafted_english_text() -> None:
    # 4 sentences, 12 words, 2 emoji, 2 hashtags (not words), 1 link (not words).
    t = tone(
        "Are you in? We open today! You will love it 😍🔥. Book now! #coffee #tlv https://x.example"
    )
    assert t["question_rate"] == 0.25
    assert t["exclamation_rate"] == 0.5
    assert t["avg_sentence_length"] == 3.0
    assert t["emoji_ratio"] == round(2 / 14, 3)
    assert t["second_person"] == round(2 / 12, 3)
    assert t["hashtag_density"] == round(2 / 14, 3)
    assert t["reading_ease"] is not None


def test_flesch_reading_ease_english() -> None:
    # 6 one-syllable words in one sentence: 206.835 - 1.015 * 6 - 84.6 * 1.
    assert tone("The cat sat on the mat.")["reading_ease"] == pytest.approx(116.1)
    simple = tone("We bake bread. It is good. Come and get some.")["reading_ease"]
    dense = tone(
        "Comprehensive organisational transformation necessitates considerable "
        "interdepartmental communication."
    )["reading_ease"]
    assert simple is not None and dense is not None and simple > dense


def test_reading_ease_is_none_for_hebrew_and_other_languages() -> None:
    assert tone("שלום לכולם, מחר אנחנו פתוחים עד הערב.")["reading_ease"] is None
    assert tone("Bonjour à tous, nous sommes ouverts demain.", "fr")["reading_ease"] is None
    # The language argument wins over detection.
    assert tone("The cat sat on the mat.", "he")["reading_ease"] is None


def test_formality_orders_texts() -> None:
    formal = tone(
        "Please note that our offices will be closed on Monday. Further details are "
        "available on our website."
    )["formality"]
    neutral = tone("Our shop opens at nine on Monday.")["formality"]
    casual = tone("OMG guys!!! this is sooo awesome 😍🔥 you gotta try it!!")["formality"]
    assert formal is not None and neutral is not None and casual is not None
    assert formal > neutral > casual
    assert casual >= 0.0 and formal <= 1.0


def test_formality_hebrew() -> None:
    formal = tone("הננו להודיעכם כי משרדינו יהיו סגורים ביום ראשון. בברכה, ההנהלה.")["formality"]
    casual = tone("וואלה אחי, סבבה לגמרי!!! 😂😂 חחחח")["formality"]
    assert formal is not None and casual is not None and formal > 0.8 > 0.2 > casual


def test_second_person_hebrew_pronouns() -> None:
    t = tone("זה בשבילכם. אתם תאהבו את זה, וגם החברים שלכם.")
    assert t["second_person"] == pytest.approx(round(3 / 9, 3))


def test_unmeasurable_is_none_not_zero() -> None:
    assert all(v is None for v in tone("").values())
    assert all(v is None for v in tone(None).values())  # type: ignore[arg-type]
    emoji_only = tone("🎉🎉")
    assert emoji_only["emoji_ratio"] == 1.0
    assert all(emoji_only[k] is None for k in TONE_KEYS if k != "emoji_ratio")


def test_count_emoji_sequences_once() -> None:
    assert count_emoji("👨\u200d👩\u200d👧") == 1
    assert count_emoji("👍🏽") == 1
    assert count_emoji("🇮🇱🇬🇧") == 2
    assert count_emoji("❤️ ☕ ✂️") == 3
    assert count_emoji("plain text → arrows ©") == 0


@pytest.mark.parametrize(
    ("word", "count"), [("the", 1), ("cat", 1), ("coffee", 2), ("make", 1), ("beautiful", 3)]
)
def test_syllables(word: str, count: int) -> None:
    assert syllables(word) == count


def test_voice_is_the_mean_ignoring_none() -> None:
    a = {k: None for k in TONE_KEYS} | {"formality": 0.2, "reading_ease": 80.0}
    b = {k: None for k in TONE_KEYS} | {"formality": 0.6, "reading_ease": None}
    v = voice([a, b])
    assert v["formality"] == pytest.approx(0.4)
    assert v["reading_ease"] == pytest.approx(80.0)
    assert v["emoji_ratio"] is None
    assert voice([]) == {k: None for k in TONE_KEYS}


def test_voice_of_real_tones() -> None:
    tones = [tone("Hi there! Come and see us."), tone("שלום לכולם! בואו לבקר.")]
    v = voice(tones)
    assert v["exclamation_rate"] == pytest.approx(0.5)
    assert v["reading_ease"] == tones[0]["reading_ease"]
