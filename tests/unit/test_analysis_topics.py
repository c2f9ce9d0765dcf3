"""Topics from English and Hebrew posts: terms, recovery of known themes, determinism."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from postwriter.analysis.engagement import effects, score_posts
from postwriter.analysis.topics import Topic, find_topics, is_stopword, post_terms

ROOT = Path(__file__).resolve().parents[2]


def split_words(text: str) -> list[str]:
    return text.split()


EN_THEMES = {
    "espresso": split_words(
        "espresso crema barista grinder portafilter tamping extraction pressure"
    ),
    "baking": split_words("croissant sourdough pastry butter oven dough flour loaf"),
    "origin": split_words("farm ethiopia colombia harvest farmer altitude village growers"),
    "music": split_words("concert jazz band guitar stage vinyl playlist singer"),
    "workshop": split_words("workshop lesson students certificate course teacher pouring latte"),
    "delivery": split_words(
        "delivery shipping courier parcel doorstep subscription package tracking"
    ),
}
EN_TAGS = {name: f"#{name.title()}Love" for name in EN_THEMES}
EN_FRAMES = (
    "Our {0} and {1} are back! What about your {2}? We think you will love the {3} {4}.",
    "About our {0}: your {1} deserves better {2}. {3} and {4} every morning at 8.",
    "We are so proud of our {0} 🎉 Your {1}, our {2}, and a {3} you can't miss: {4}.",
    "Did you know about {0}? Our team's {1} and {2} are here for you. {3}, {4}, {0}.",
)
HE_THEMES = {
    "espresso": split_words("אספרסו קרמה בריסטה מטחנה פורטפילטר חליטה לחץ שוט"),
    "baking": split_words("קרואסון מחמצת מאפה חמאה תנור בצק קמח כיכר"),
    "origin": split_words("חווה אתיופיה קולומביה קטיף חקלאים גובה כפר מגדלים"),
}
HE_FRAMES = (
    "אנחנו שלנו {0} ו{1} חזרו! מה שלכם? ה{2} שלנו עם {3} ו{4}.",
    "גם אנחנו אוהבים {0}: ה{1} שלכם וה{2} שלנו, {3} {4} בכל בוקר ב-8.",
    "זה ה{0} שלנו 🎉 עם {1}, ב{2} ו{3}. {4} ו{0}.",
)
HE_TAGS = {"espresso": "#אספרסו_טרי", "baking": "#מאפייה", "origin": "#מהחווה"}
# A pointed word (niqqud), as some posts write it: must read as the plain word.
NIQQUD = {"חמאה": "\u05d7\u05b6\u05de\u05b0\u05d0\u05b8\u05d4"}


def make_post(n: int, text: str, theme: str, reactions: int) -> dict[str, Any]:
    return {
        "platform": "facebook",
        "source": "page",
        "external_id": f"{theme}-{n}",
        "url": f"https://www.facebook.com/acme/posts/{n}",
        "text": text,
        "published_at": None,
        "media": [],
        "metrics": {"reactions": reactions, "comments": 1, "shares": 0, "views": None},
        "theme": theme,
    }


def english(per_theme: int, themes: int = 3, seed: int = 0) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    names = sorted(EN_THEMES)[:themes]
    posts = []
    for n in range(per_theme * themes):
        theme = names[n % themes]
        words = rng.sample(EN_THEMES[theme], 5)
        text = rng.choice(EN_FRAMES).format(*words)
        text += f"\n\nOrder at https://acme.coffee/{theme}?utm_source=fb {EN_TAGS[theme]}"
        posts.append(make_post(n, text, theme, reactions=(100 if theme == names[0] else 10)))
    return posts


def hebrew(per_theme: int, seed: int = 0) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    names = sorted(HE_THEMES)
    posts = []
    for n in range(per_theme * len(names)):
        theme = names[n % len(names)]
        words = [
            NIQQUD.get(w, w) if rng.random() < 0.5 else w for w in rng.sample(HE_THEMES[theme], 5)
        ]
        text = rng.choice(HE_FRAMES).format(*words) + f"\ncafeshalom.co.il/{n} {HE_TAGS[theme]}"
        posts.append(make_post(n, text, theme, reactions=10 + n))
    return posts


def theme_of(posts: list[dict[str, Any]]) -> dict[str, str]:
    return {p["external_id"]: p["theme"] for p in posts}


def assert_pure(topics: list[Topic], posts: list[dict[str, Any]]) -> dict[str, str]:
    """Every topic holds posts of one theme only; returns topic label -> theme."""
    themes = theme_of(posts)
    found = {}
    for topic in topics:
        assert topic.size == len(topic.post_ids) > 0
        kinds = {themes[i] for i in topic.post_ids}
        assert len(kinds) == 1, (topic.label, kinds)
        found[topic.label] = kinds.pop()
    return found


# --- terms -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Fresh beans, fresh bean!",
            ["fresh", "bean", "fresh", "bean", "fresh bean", "fresh bean"],
        ),
        ("Our Holiday Blend is back", ["holiday", "blend", "holiday blend"]),
        ("Roasted in 3 days at 200°C, 24h", ["roasted"]),
        ("see https://acme.coffee/x?a=1 and www.acme.com or acme.coffee/holiday", []),
        ("mail hello@acme.coffee today", ["mail"]),
        ("#HolidayBlend #2025 #Blend2025 #a", ["#holidayblend", "#blend2025"]),
        ("thanks @acmecoffee for beans", ["beans"]),  # no "bean" to fold into
        ("It's Anna's roast", ["anna", "roast", "anna roast"]),
        ("Happy Monday! Sunday in May", ["happy"]),
        ("dark-roast, cherry. Cocoa", ["dark", "roast", "cherry", "cocoa", "dark roast"]),
        ("your our about we you they", []),
    ],
)
def test_english_terms(text: str, expected: list[str]) -> None:
    assert post_terms([text])[0] == expected


@pytest.mark.parametrize(
    ("texts", "expected"),
    [
        # Prefixes come off when the bare word is in the corpus, and only then.
        (["הקפה והקפה בקפה", "קפה"], ["קפה", "קפה", "קפה"]),  # no "קפה קפה" bigram
        (["הבלנד החורפי"], ["הבלנד", "החורפי", "הבלנד החורפי"]),
        # ש+לום is no word: "שלום" stays, although "לום" is in the corpus.
        (["שלום שלום", "לום"], ["שלום", "שלום"]),
        # "מאפה" takes ה itself, so it is a word, not מ+אפה.
        (["מאפה מאפה", "המאפה אפה"], ["מאפה", "מאפה"]),
        (["המאפה אפה", "מאפה"], ["מאפה", "אפה", "מאפה אפה"]),
        # Behind two chains (ו, ב) and seen alone: "בקפה" is ב+קפה.
        (["בקפה בקפה", "וקפה קפה"], ["קפה", "קפה"]),
        # Stopwords, also behind prefixes: "ושלנו" is "שלנו", "וכשאנחנו" is "אנחנו".
        (["אנחנו שלנו ושלנו וכשאנחנו זה גם"], []),
        # "כלי" is a word, not כ+לי.
        (["כלי קפה"], ["כלי", "קפה", "כלי קפה"]),
        # Niqqud is removed; geresh and gershayim stay inside the word.
        (["חֶמְאָה ג'ינג'ר צה\"ל"], ["חמאה", "ג׳ינג׳ר", "צה״ל", "חמאה ג׳ינג׳ר", "ג׳ינג׳ר צה״ל"]),
        (["#קפה_טרי 👈 cafeshalom.co.il/winter"], ["#קפה_טרי"]),
        (["פור־אובר"], ["פור", "אובר", "פור אובר"]),
    ],
)
def test_hebrew_terms(texts: list[str], expected: list[str]) -> None:
    assert post_terms(texts)[0] == expected


def test_stopword_check() -> None:
    for word in ("your", "our", "about", "you're", "אנחנו", "שלנו", "ושלנו", "שלכם"):
        assert is_stopword(word), word
    for word in ("espresso", "croissant", "קפה", "כלי", "שלום"):
        assert not is_stopword(word), word
    assert is_stopword("about coffee")


# --- topics ------------------------------------------------------------------------------


def test_three_english_themes_are_recovered() -> None:
    posts = english(per_theme=5)  # 15 posts: at most 3 topics
    topics = find_topics(posts, score_posts(posts, None))
    assert topics.reason is None
    found = assert_pure(topics, posts)
    assert sorted(found.values()) == sorted(EN_THEMES)[:3]
    for topic in topics:
        theme = found[topic.label]
        vocab = {*EN_THEMES[theme], EN_TAGS[theme].lower()}
        # Frame words ("morning", "deserves") may place, but theme words lead.
        assert set(topic.terms[0].split()) & vocab, (topic.terms, theme)
        assert sum(bool(set(t.split()) & vocab) for t in topic.terms) >= 6, topic.terms
        assert topic.label == " / ".join(topic.terms[:3])


def test_three_hebrew_themes_are_recovered() -> None:
    posts = hebrew(per_theme=6)
    topics = find_topics(posts, None)
    found = assert_pure(topics, posts)
    assert sorted(found.values()) == ["baking", "espresso", "origin"]
    terms = {w for t in topics for term in t.terms for w in term.split()}
    assert "חמאה" in terms  # pointed and plain forms are one term
    # Prefixed forms fold into the bare word ("הקרואסון", "וחמאה" -> "קרואסון", "חמאה").
    assert not {w for w in terms if w[0] in "והב" and w[1:] in terms}
    assert all(t.mean_normalised_engagement is None for t in topics)


def test_six_themes_with_the_default_range() -> None:
    posts = english(per_theme=12, themes=6)
    topics = find_topics(posts, score_posts(posts, None))
    assert 5 <= len(topics) <= 10
    assert set(topics.explained) == {4, 5, 6, 7, 8, 9, 10}
    assert topics.coherence is not None and topics.coherence > 0.3
    found = assert_pure(topics, posts)
    assert len(set(found.values())) >= 5
    assert [t.topic_id for t in topics] == list(range(len(topics)))
    assert [t.size for t in topics] == sorted((t.size for t in topics), reverse=True)
    ids = [i for t in topics for i in t.post_ids]
    assert len(ids) == len(set(ids))  # a post is in one topic at most


@pytest.mark.parametrize(
    ("themes", "per_theme", "min_topics"), [(3, 20, 2), (4, 15, 2), (5, 12, 5), (6, 12, 2)]
)
def test_the_number_of_themes_is_found(themes: int, per_theme: int, min_topics: int) -> None:
    posts = english(per_theme=per_theme, themes=themes)
    topics = find_topics(posts, None, min_topics=min_topics)
    assert len(topics) == themes, topics.explained
    assert sorted(assert_pure(topics, posts).values()) == sorted(EN_THEMES)[:themes]


def test_no_junk_in_labels_or_terms() -> None:
    posts = english(per_theme=10, themes=6) + hebrew(per_theme=10)
    topics = find_topics(posts, None)
    assert topics
    junk = {"your", "our", "about", "we", "you", "אנחנו", "שלנו", "שלכם", "זה"}
    for topic in topics:
        for term in topic.terms:
            assert not is_stopword(term), term
            assert not set(term.split()) & junk, term
        assert not any(is_stopword(w) for w in topic.label.split(" / "))


def test_fewer_posts_fewer_topics() -> None:
    posts = english(per_theme=7, themes=6)[:20]
    topics = find_topics(posts, None)
    assert 1 <= len(topics) <= 4  # one topic per 5 posts at most
    assert max(topics.explained) == 4


@pytest.mark.parametrize("count", [0, 1, 9])
def test_too_few_posts_give_no_topics_and_a_reason(count: int) -> None:
    posts = english(per_theme=5)[:count]
    topics = find_topics(posts, None)
    assert topics == []
    assert topics.reason == f"{count} posts with words; topics need at least 10"


def test_posts_without_words_do_not_count() -> None:
    posts = english(per_theme=3)
    posts += [make_post(100 + n, "🎉 100% 👉 https://acme.coffee", "none", 1) for n in range(10)]
    posts.append(make_post(200, None, "none", 1))  # type: ignore[arg-type]
    topics = find_topics(posts, None)
    assert topics == [] and topics.reason is not None and topics.reason.startswith("9 posts")


def test_mean_engagement_per_topic() -> None:
    posts = english(per_theme=5)
    scores = score_posts(posts, followers=None)
    by_id = {s.external_id: s.normalised for s in scores}
    topics = find_topics(posts, scores)
    means: dict[str, float] = {}
    for topic in topics:
        expected = sum(by_id[i] or 0 for i in topic.post_ids) / topic.size
        assert topic.mean_normalised_engagement == pytest.approx(expected)
        means[assert_pure([topic], posts)[topic.label]] = expected
    assert means["baking"] > means["espresso"]  # the first theme got 10x the reactions
    doc = topics[0].to_json()
    assert set(doc) == {
        "topic_id",
        "label",
        "terms",
        "post_ids",
        "size",
        "mean_normalised_engagement",
    }
    json.dumps(doc, ensure_ascii=False)


def test_arguments_are_checked() -> None:
    posts = english(per_theme=5)
    with pytest.raises(ValueError, match="15 posts but 2 scores"):
        find_topics(posts, score_posts(posts[:2], None))
    with pytest.raises(ValueError, match="min_topics"):
        find_topics(posts, None, min_topics=6, max_topics=5)


def test_deterministic_in_process() -> None:
    posts = english(per_theme=10, themes=6) + hebrew(per_theme=8)
    first = [t.to_json() for t in find_topics(posts, None)]
    second = [t.to_json() for t in find_topics(posts, None)]
    assert first == second


_DUMP = """
import json
from postwriter.analysis.topics import find_topics
from tests.unit.test_analysis_topics import english, hebrew
posts = english(per_theme=10, themes=6) + hebrew(per_theme=8)
print(json.dumps([t.to_json() for t in find_topics(posts, None)], ensure_ascii=False))
"""


def test_deterministic_across_hash_seeds() -> None:
    outputs = set()
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run(
            [sys.executable, "-c", _DUMP], cwd=ROOT, env=env, capture_output=True, check=True
        )
        outputs.add(done.stdout)
    assert len(outputs) == 1


def synthetic_page(n: int, seed: int = 7) -> list[dict[str, Any]]:
    """`n` posts over 8 themes of 300 words each, Zipf-like, plus 20 random words a post
    from a 20,000-word vocabulary: a large vocabulary, as real pages have."""
    rng = random.Random(seed)
    letters = "abcdefghijklmnopqrstuvwxyz"
    vocab = ["".join(rng.choices(letters, k=rng.randint(4, 9))) for _ in range(20_000)]
    filler = split_words("our your about we you the and with this that is are for it")
    posts = []
    for i in range(n):
        theme = vocab[(i % 8) * 300 : (i % 8 + 1) * 300]
        words = [theme[min(int(rng.paretovariate(1.0)) - 1, 299)] for _ in range(25)]
        words += rng.choices(vocab, k=20) + rng.sample(filler, 8)
        rng.shuffle(words)
        post = make_post(i, " ".join(words), f"t{i % 8}", rng.randint(0, 300))
        post["published_at"] = datetime(2025, 1, 1, tzinfo=UTC) + timedelta(hours=5 * i)
        post["media"] = [{"type": "image", "url": "i"}] if i % 3 else []
        post["analysis"] = {"hooks": [{"label": "question", "confidence": 0.9}], "cta": []}
        posts.append(post)
    return posts


def test_timing_on_ten_thousand_posts(capsys: pytest.CaptureFixture[str]) -> None:
    posts = synthetic_page(10_000)
    start = time.perf_counter()
    scores = score_posts(posts, followers=50_000)
    scored = time.perf_counter()
    effects(posts, scores)
    effected = time.perf_counter()
    topics = find_topics(posts, scores)
    done = time.perf_counter()
    with capsys.disabled():
        print(
            f"\n[timing] 10,000 posts: score_posts {scored - start:.2f} s, "
            f"effects {effected - scored:.2f} s, find_topics {done - effected:.2f} s, "
            f"{len(topics)} topics, explained by k {topics.explained}, coherence {topics.coherence}"
        )
    assert len(topics) >= 5
