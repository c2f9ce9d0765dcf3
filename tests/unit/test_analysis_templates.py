"""Template mining: structure, stable ids, skeletons, scores, tone, terms; English and Hebrew."""

from __future__ import annotations

import hashlib
import json
import random
import re
from typing import Any

import pytest

from postwriter.analysis.templates import (
    Template,
    matching_words,
    mine_templates,
    segment,
    template_id,
    terms,
)

SOURCE = "facebook:sunrise-bakery"
TONE = {
    "formality": 0.4,
    "emoji_ratio": 0.05,
    "exclamation_rate": 0.4,
    "question_rate": 0.2,
    "avg_sentence_length": 9.0,
    "second_person": 0.3,
    "hashtag_density": 0.0,
    "reading_ease": 70.0,
}


def make_post(
    post_id: str,
    text: str,
    *,
    hook: str | None = None,
    cta: str | None = None,
    engagement: float | None = 1.0,
    language: str = "en",
    topic: int | None = 1,
    marketing: bool = True,
    tone: dict[str, float] | None = None,
) -> dict[str, Any]:
    """A post as the analysis consumer stores it."""
    return {
        "external_id": post_id,
        "source": SOURCE,
        "text": text,
        "metrics": {"reactions": 10},
        "published_at": "2026-11-01T10:00:00+00:00",
        "analysis": {
            "language": language,
            "clean_text": text,
            "is_marketing": {"value": marketing, "confidence": 0.9},
            "hooks": [{"label": hook, "confidence": 0.8}] if hook else [],
            "cta": [{"label": cta, "confidence": 0.7}] if cta else [],
            "tone": dict(tone or TONE),
            "engagement": {"normalised": engagement, "outlier": False},
            "topic_id": topic,
        },
    }


EN_POSTS: list[dict[str, Any]] = [
    make_post(
        "en-1",
        "Still baking bread by hand? 🍞\n\n"
        "✅ Fresh sourdough every morning\n"
        "✅ Slow fermentation for a deeper flavour\n"
        "✅ Over 2,000 customers in Tel Aviv\n\n"
        "Order now: https://bakery.example/order?utm_source=fb\n\n"
        "#sourdough #bakery",
        hook="question",
        cta="shop",
        engagement=1.8,
    ),
    make_post(
        "en-2",
        "Tired of stale bread? 🍞\n\n✅ Baked at 5 am daily\n✅ Organic flour only\n\n"
        "Order today at https://bakery.example",
        hook="question",
        cta="shop",
        engagement=1.2,
    ),
    make_post(
        "en-3",
        "How to keep bread fresh for a week\n"
        "Wrap it in cloth, not plastic.\n"
        "Freeze the slices you will not eat within two days.\n\n"
        "Read more on our blog https://bakery.example/blog",
        hook="how_to",
        cta="learn_more",
        engagement=0.9,
        topic=2,
    ),
    make_post(
        "en-4",
        "New: our weekend brunch menu! Come taste the shakshuka and warm pastries. "
        "Send us a message to book a table.",
        hook="announcement",
        cta="message",
        engagement=0.4,
        topic=3,
        tone={**TONE, "exclamation_rate": 0.1, "emoji_ratio": 0.0},
    ),
    make_post("en-5", "Happy holidays from all of us", marketing=False, engagement=3.0),
]

HE_POSTS: list[dict[str, Any]] = [
    make_post(
        "he-1",
        "נמאס לכם מלחם יבש? 🍞\n\n"
        "✅ מחמצת טרייה כל בוקר\n"
        "✅ תסיסה איטית לטעם עשיר\n"
        "✅ יותר מ-2,000 לקוחות מרוצים בתל אביב\n\n"
        "הזמינו עכשיו בקישור https://bakery.example/he",
        hook="pain_point",
        cta="shop",
        engagement=2.0,
        language="he",
    ),
    make_post(
        "he-2",
        "חדש במאפייה: בראנץ' של סוף שבוע!\nשקשוקה, מאפים טריים וקפה טוב.\nשלחו הודעה להזמנת שולחן",
        hook="announcement",
        cta="message",
        engagement=0.5,
        language="he",
        topic=3,
    ),
]


def by_hook(templates: list[Template], hook: str) -> Template:
    return next(t for t in templates if t.hook == hook)


# ---------------------------------------------------------------- segmenting


def test_segment_keeps_headline_emoji_and_drops_hashtag_line() -> None:
    parts = segment(str(EN_POSTS[0]["text"]))
    assert parts.headline == "Still baking bread by hand? 🍞"
    assert parts.shape == "list"
    assert parts.proof is True
    assert parts.cta is not None and parts.cta.startswith("Order now")
    assert all("#" not in line for line in parts.body_lines)


def test_segment_one_line_post_splits_into_sentences() -> None:
    parts = segment(str(EN_POSTS[3]["text"]))
    assert parts.inline
    assert parts.headline == "New: our weekend brunch menu!"
    assert parts.body_lines == ["Come taste the shakshuka and warm pastries."]
    assert parts.cta == "Send us a message to book a table."


def test_segment_hebrew() -> None:
    parts = segment(str(HE_POSTS[1]["text"]))
    assert parts.headline == "חדש במאפייה: בראנץ' של סוף שבוע!"
    assert parts.cta == "שלחו הודעה להזמנת שולחן"
    assert parts.shape == "single_paragraph"


# ---------------------------------------------------------------- mining


def test_only_marketing_posts_form_templates_grouped_by_structure() -> None:
    templates = mine_templates(EN_POSTS, source=SOURCE)
    assert len(templates) == 3
    question = by_hook(templates, "question")
    assert question.posts == 2
    assert question.example_post_ids == ("en-1", "en-2")  # best engagement first
    assert question.structure == {
        "language": "en",
        "hook": "question",
        "body": "list",
        "proof": True,
        "cta": "shop",
    }
    assert all("en-5" not in t.example_post_ids for t in templates)


def test_template_ids_are_stable_and_derived_from_the_structure() -> None:
    first = mine_templates(EN_POSTS + HE_POSTS, source=SOURCE)
    shuffled = list(EN_POSTS + HE_POSTS)
    random.Random(7).shuffle(shuffled)
    second = mine_templates(shuffled, source=SOURCE)
    assert [t.template_id for t in first] == [t.template_id for t in second]
    assert first == second
    for template in first:
        assert re.fullmatch(r"[0-9a-f]{16}", template.template_id)
        canonical = json.dumps(template.structure, sort_keys=True, separators=(",", ":"))
        digest = hashlib.sha256(f"{SOURCE}\0{canonical}".encode()).hexdigest()[:16]
        assert template.template_id == digest == template_id(SOURCE, template.structure)
    # a new post of the same structure changes the template, never its id
    text = "Still waiting?\n- Warm rolls\n- 300 happy customers\nOrder at https://x.example"
    more = [*EN_POSTS, make_post("en-9", text, hook="question", cta="shop", engagement=0.1)]
    again = mine_templates(more, source=SOURCE)
    assert {t.template_id for t in again} == {t.template_id for t in first if t.language == "en"}
    assert by_hook(again, "question").posts == 3
    other = mine_templates(EN_POSTS, source="facebook:another-page")
    assert not {t.template_id for t in other} & {t.template_id for t in first}


def test_skeleton_has_only_placeholders_and_the_page_markup() -> None:
    templates = mine_templates(EN_POSTS + HE_POSTS, source=SOURCE)
    question = by_hook(templates, "question")
    assert question.skeleton == ("{HOOK} 🍞\n\n✅ {BENEFIT}\n✅ {BENEFIT}\n✅ {PROOF}\n\n{CTA}")
    assert by_hook(templates, "how_to").skeleton == "{HOOK}\n\n{BENEFIT}\n{BENEFIT}\n\n{CTA}"
    inline = next(t for t in templates if t.hook == "announcement" and t.language == "en")
    assert inline.skeleton == "{HOOK} {BENEFIT} {CTA}"
    for template in templates:
        words = re.sub(r"\{(HOOK|BENEFIT|PROOF|CTA)\}", "", template.skeleton)
        assert not re.search(r"[^\W\d_]", words), template.skeleton  # no words of the posts
        assert "{HOOK}" in template.skeleton


def test_score_is_mean_engagement_and_none_safe() -> None:
    templates = mine_templates(EN_POSTS, source=SOURCE)
    question = by_hook(templates, "question")
    assert question.score == pytest.approx(1.5)
    assert question.support == pytest.approx(2 / 5)
    assert [t.score for t in templates] == sorted((t.score or 0 for t in templates), reverse=True)
    unscored = mine_templates(
        [make_post("x", "Big news!\nWe moved.", hook="announcement", engagement=None)],
        source=SOURCE,
    )
    assert unscored[0].score is None
    assert unscored[0].support == 0.0
    mixed = mine_templates(
        [
            make_post("a", "Hi!\nOne.", hook="announcement", engagement=None),
            make_post("b", "Yo!\nTwo.", hook="announcement", engagement=2.0),
        ],
        source=SOURCE,
    )
    assert mixed[0].score == 2.0 and mixed[0].posts == 2
    unmeasured = make_post("u", "Hi!\nThree.", hook="announcement", topic=None)
    unmeasured["analysis"]["engagement"] = None  # the engagement scorer found no figures
    assert mine_templates([unmeasured], source=SOURCE)[0].score is None


def test_tone_topics_terms_and_phrases() -> None:
    templates = mine_templates(EN_POSTS, source=SOURCE)
    question = by_hook(templates, "question")
    assert question.tone == TONE
    assert question.topic_ids == (1,)
    words = dict(question.terms)
    assert "sourdough" in words and "bread" in words
    assert not {"the", "https", "example", "utm_source", "fb"} & words.keys()
    assert abs(sum(w * w for w in words.values()) - 1) < 0.01
    kinds = {(p.kind, p.text) for p in question.phrases}
    assert ("benefit", "Fresh sourdough every morning") in kinds
    assert ("proof", "Over 2,000 customers in Tel Aviv") in kinds
    assert question.emojis[0] in {"✅", "🍞"}


def test_hebrew_templates_and_terms() -> None:
    templates = mine_templates(HE_POSTS, source=SOURCE)
    pain = by_hook(templates, "pain_point")
    assert pain.language == "he"
    assert pain.skeleton == "{HOOK} 🍞\n\n✅ {BENEFIT}\n✅ {BENEFIT}\n✅ {PROOF}\n\n{CTA}"
    assert "מחמצת" in dict(pain.terms)
    # a one-letter prefix ("במבצע" meets "מבצע"); final letters are folded
    assert "מבצע" in terms("במבצע")
    assert matching_words("מאפים טריים", terms("לחמים טריים")) == ["טריים"]
    assert terms("של את על") == []


def test_english_terms() -> None:
    assert terms("The Posts about #AIMarketing, bakeries and Sourdough!") == [
        "post",
        "aimarketing",
        "bakery",
        "sourdough",
    ]
    assert terms("see https://shop.example/sourdough?utm=1") == ["see"]


def test_json_round_trip_is_mongodb_safe() -> None:
    for template in mine_templates(EN_POSTS + HE_POSTS, source=SOURCE):
        doc = template.to_json()
        assert Template.from_json(json.loads(json.dumps(doc, ensure_ascii=False))) == template

        def keys(value: Any) -> list[str]:
            if isinstance(value, dict):
                return [k for k, v in value.items() for k in [k, *keys(v)]]
            if isinstance(value, list):
                return [k for v in value for k in keys(v)]
            return []

        assert not [k for k in keys(doc) if "." in k or k.startswith("$")]


def test_posts_without_analysis_are_skipped() -> None:
    posts: list[dict[str, Any]] = [
        {"external_id": "z", "text": "Buy now!"},
        {"external_id": "y", "text": "", "analysis": {"is_marketing": True, "clean_text": ""}},
    ]
    assert mine_templates(posts, source=SOURCE) == []
