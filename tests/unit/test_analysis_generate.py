"""Ideas to drafts: ranking, filling from the idea's words, variations, preview, errors."""

from __future__ import annotations

import re

import pytest

from postwriter.analysis import generate as g
from postwriter.analysis.generate import NoTemplates, fill, parse_idea, rank_templates, variations
from postwriter.analysis.templates import HOOK_LABELS, Template, matching_words, mine_templates
from postwriter.errors import InvalidRequest, NotFound
from tests.unit.test_analysis_templates import EN_POSTS, HE_POSTS, SOURCE, make_post

TEMPLATES = mine_templates(EN_POSTS + HE_POSTS, source=SOURCE)
EN = [t for t in TEMPLATES if t.language == "en"]
HE = [t for t in TEMPLATES if t.language == "he"]
LIST_EN = next(t for t in EN if t.hook == "question")
LIST_HE = next(t for t in HE if t.hook == "pain_point")
INLINE_EN = next(t for t in EN if t.hook == "announcement")

SUBSCRIPTION = "Sourdough subscription that saves busy families a trip to the bakery every morning"
CROISSANTS = "Fresh croissants without the early queue"
RICH_EN = (
    "Sourdough club that saves 2,000 customers a trip every morning, "
    "without the early queue, until Sunday"
)
SUBSCRIPTION_HE = "מנוי מחמצת שחוסך למשפחות עסוקות נסיעה למאפייה כל בוקר"
CROISSANTS_HE = "קרואסונים טריים בלי תור בבוקר"
RICH_HE = "מועדון מחמצת שחוסך ל-2,000 לקוחות נסיעה כל בוקר, בלי תור בבוקר, עד יום ראשון"
IDEAS = [
    ("AI Marketing", "en"),
    (SUBSCRIPTION, "en"),
    (CROISSANTS, "en"),
    (RICH_EN, "en"),
    ("שיווק עם AI", "he"),
    (SUBSCRIPTION_HE, "he"),
    (CROISSANTS_HE, "he"),
    (RICH_HE, "he"),
]
PLACEHOLDER = re.compile(r"\{[A-Z_]+\}")


def idea_words(text: str, idea: str) -> list[str]:
    return matching_words(text, parse_idea(idea).terms)


# ---------------------------------------------------------------- the idea


def test_parse_idea_english() -> None:
    idea = parse_idea(SUBSCRIPTION)
    assert (idea.language, idea.subject) == ("en", "Sourdough subscription")
    assert idea.claim == "saves busy families a trip to the bakery every morning"
    assert idea.claim_is_verb
    crois = parse_idea(CROISSANTS)
    assert (crois.subject, crois.pain) == ("Fresh croissants", "the early queue")
    rich = parse_idea(RICH_EN)
    assert rich.time == "until Sunday"
    assert "2,000 customers" in rich.numbers
    assert parse_idea("Weekend workshop until Sunday").subject == "Weekend workshop"
    sale = parse_idea("Spring sale: 20% off all sourdough")
    assert (sale.subject, sale.claim, sale.claim_is_verb) == (
        "Spring sale",
        "20% off all sourdough",
        False,
    )
    assert parse_idea("Our app saves 5 hours a week and doubles your reach").items == (
        "saves 5 hours a week",
        "doubles your reach",
    )


def test_parse_idea_hebrew() -> None:
    idea = parse_idea(SUBSCRIPTION_HE)
    assert idea.language == "he"
    assert idea.subject == "מנוי מחמצת"
    assert idea.claim.startswith("חוסך")
    crois = parse_idea(CROISSANTS_HE)
    assert (crois.subject, crois.pain) == ("קרואסונים טריים", "תור בבוקר")
    assert parse_idea(RICH_HE).time == "עד יום ראשון"
    assert parse_idea("עד 50% הנחה על מחמצת").time == ""


@pytest.mark.parametrize("idea", ["", "   ", "x" * 501])
def test_bad_ideas(idea: str) -> None:
    with pytest.raises(InvalidRequest) as caught:
        parse_idea(idea)
    assert caught.value.field == "idea"


# ---------------------------------------------------------------- ranking


def test_rank_prefers_similar_templates_and_explains() -> None:
    ranked = rank_templates("How to keep your bread fresh longer", TEMPLATES)
    assert ranked[0].template.hook == "how_to"
    assert ranked[0].similarity > ranked[-1].similarity
    assert any("bread" in reason for reason in ranked[0].reasons)
    assert all(r.template.language == "en" for r in ranked)
    assert [r.total for r in ranked] == sorted((r.total for r in ranked), reverse=True)
    assert rank_templates("How to keep your bread fresh longer", TEMPLATES) == ranked


def test_rank_topic_fit() -> None:
    topics = [
        {"topic_id": 3, "label": "brunch", "terms": ["brunch", "shakshuka", "weekend"]},
        {"topic_id": 1, "terms": [["bread", 0.9], ["sourdough", 0.8]]},
    ]
    ranked = rank_templates("weekend shakshuka", EN, topics=topics)
    top = ranked[0]
    assert top.template.hook == "announcement"
    assert top.topic_fit == 1.0
    assert any("topic 3 (brunch)" in reason for reason in top.reasons)


def test_rank_engagement_breaks_ties() -> None:
    ranked = rank_templates("AI Marketing", EN)
    assert all(r.similarity == 0 for r in ranked)
    assert ranked[0].template.template_id == LIST_EN.template_id  # the best-scoring structure


def test_rank_hebrew() -> None:
    ranked = rank_templates(SUBSCRIPTION_HE, TEMPLATES)
    assert [r.template.language for r in ranked] == ["he", "he"]
    assert ranked[0].template.template_id == LIST_HE.template_id
    assert any("מחמצת" in reason for reason in ranked[0].reasons)


def test_no_templates_is_409_with_what_to_do() -> None:
    with pytest.raises(NoTemplates) as caught:
        rank_templates("AI Marketing", [])
    error = caught.value
    assert (error.code, error.http_status) == ("no_templates", 409)
    assert "scrape a page and let analysis finish, then try again" in error.message
    with pytest.raises(NoTemplates, match="no he templates"):
        rank_templates(SUBSCRIPTION_HE, EN)
    with pytest.raises(NoTemplates):
        g.adgen("AI Marketing", [])
    with pytest.raises(NoTemplates):
        variations("AI Marketing", [], 2)


def test_unknown_template_is_404() -> None:
    with pytest.raises(NotFound) as caught:
        g.get_template(TEMPLATES, "0000000000000000")
    assert caught.value.http_status == 404
    assert caught.value.field == "template_id"
    with pytest.raises(NotFound):
        g.adgen("AI Marketing", TEMPLATES, template_id="nope")
    assert g.get_template(TEMPLATES, LIST_HE.template_id) == LIST_HE


# ---------------------------------------------------------------- filling


@pytest.mark.parametrize(("idea", "language"), IDEAS)
def test_every_placeholder_filled_and_idea_words_present(idea: str, language: str) -> None:
    for template in [t for t in TEMPLATES if t.language == language]:
        for hook in HOOK_LABELS:
            draft = fill(template, idea, hook_type=hook, link="https://bakery.example/x")
            assert not PLACEHOLDER.search(draft.text), draft.text
            first_line = draft.text.split("\n")[0]
            assert idea_words(first_line, idea), (hook, first_line)
            assert parse_idea(idea).subject in draft.text or parse_idea(idea).pain in draft.text
            assert "What if" not in draft.text
            checks = {c.name: c.status for c in draft.checks}
            assert checks["placeholders"] == "pass"
            assert checks["idea_fit"] in {"pass", "warn"}
            assert checks["restricted_words"] == "pass"
            assert draft.language == language


@pytest.mark.parametrize(("idea", "language"), [(RICH_EN, "en"), (RICH_HE, "he")])
def test_each_hook_type_is_built_from_the_idea(idea: str, language: str) -> None:
    template = LIST_EN if language == "en" else LIST_HE
    hooks = {h: fill(template, idea, hook_type=h) for h in HOOK_LABELS}
    assert {h: d.hook_type for h, d in hooks.items()} == {h: h for h in HOOK_LABELS}
    first = {h: d.text.split("\n")[0] for h, d in hooks.items()}
    assert len(set(first.values())) == len(HOOK_LABELS)  # ten different openings
    if language == "en":
        assert first["question"].startswith("Still stuck with the early queue?")
        assert first["urgency"].startswith("Until Sunday: Sourdough club")
        assert first["social_proof"].startswith("2,000 customers and counting: Sourdough club")
        assert first["number"].startswith("Sourdough club: saves 2,000 customers")
        assert first["how_to"].startswith("How Sourdough club saves")
    else:
        assert first["pain_point"].startswith("נמאס לכם מתור בבוקר?")
        assert first["urgency"].startswith("עד יום ראשון: מועדון מחמצת")
        assert first["announcement"].startswith("חדש: מועדון מחמצת")


def test_benefit_comes_from_the_idea_then_from_posts_sharing_its_words() -> None:
    draft = fill(LIST_EN, SUBSCRIPTION, hook_type="question")
    lines = draft.text.split("\n")
    assert (
        "✅ Sourdough subscription saves busy families a trip to the bakery every morning" in lines
    )
    assert "✅ Fresh sourdough every morning" in lines  # a post line sharing "sourdough"
    assert "Organic flour only" not in draft.text  # shares nothing with the idea
    assert any("from the idea" in note for note in draft.explanation)


def test_hook_that_uses_the_claim_does_not_repeat_it_in_the_body() -> None:
    draft = fill(LIST_EN, SUBSCRIPTION, hook_type="benefit")
    assert draft.text.count("saves busy families") == 1


def test_bare_subject_gets_a_flagged_frame_never_unrelated_post_lines() -> None:
    draft = fill(LIST_EN, "AI Marketing")
    assert "AI Marketing" in draft.text.split("\n")[2]
    for unrelated in ("Fresh sourdough", "Slow fermentation", "Organic flour", "Baked at 5"):
        assert unrelated not in draft.text
    fit = next(c for c in draft.checks if c.name == "idea_fit")
    assert fit.status == "warn"
    assert "add one" in fit.message


def test_proof_from_earlier_posts_is_flagged() -> None:
    draft = fill(LIST_EN, SUBSCRIPTION)
    assert "Over 2,000 customers in Tel Aviv" in draft.text
    fit = next(c for c in draft.checks if c.name == "idea_fit")
    assert fit.status == "warn" and "check it still holds" in fit.message


def test_no_proof_means_no_proof_line() -> None:
    bare = Template.from_json({**LIST_EN.to_json(), "phrases": []})
    draft = fill(bare, SUBSCRIPTION, hook_type="question", cta_type="comment")
    assert draft.text.count("✅") == 1
    assert any("proof: none" in note for note in draft.explanation)


def test_hebrew_fill() -> None:
    draft = fill(LIST_HE, SUBSCRIPTION_HE, hook_type="question", link="https://bakery.example/he")
    assert draft.text.split("\n")[0] == "מחפשים מנוי מחמצת? 🍞"
    assert "✅ מנוי מחמצת חוסך למשפחות עסוקות נסיעה למאפייה כל בוקר" in draft.text
    assert "https://bakery.example/he" in draft.text
    assert draft.cta_type == "shop"
    counted = fill(LIST_HE, "AI marketing שיווק", hook_type="number")
    assert counted.hook_type in {"number", "benefit"}
    latin = fill(LIST_HE, "שיווק עם AI", hook_type="benefit")
    assert latin.text.startswith("להפיק יותר משיווק עם AI")


def test_hebrew_prefix_before_latin_gets_a_hyphen() -> None:
    draft = fill(LIST_HE, "AI לעסקים קטנים שחוסך שעות, וגם מביא לקוחות חדשים", hook_type="number")
    assert draft.text.split("\n")[0].startswith("2 סיבות לבחור ב-AI")


def test_cta_and_link() -> None:
    shop = fill(LIST_EN, SUBSCRIPTION, link="https://bakery.example/sub")
    assert shop.cta_type == "shop"
    assert shop.text.endswith("https://bakery.example/sub")
    assert {c.name: c.status for c in shop.checks}["link_for_cta"] == "pass"
    unlinked = fill(LIST_EN, SUBSCRIPTION)
    assert {c.name: c.status for c in unlinked.checks}["link_for_cta"] == "fail"
    none = fill(LIST_EN, SUBSCRIPTION, cta_type="none")
    assert none.cta_type is None
    assert none.text.split("\n")[-1].startswith("✅")


def test_template_without_cta_gets_one_when_asked() -> None:
    posts = [
        make_post("n1", "Big news!\n\nWe open a second bakery next month.", hook="announcement")
    ]
    template = mine_templates(posts, source=SOURCE)[0]
    assert "{CTA}" not in template.skeleton
    plain = fill(template, SUBSCRIPTION)
    assert plain.cta_type is None
    asked = fill(template, SUBSCRIPTION, cta_type="comment")
    assert asked.text.split("\n")[-1].startswith("Tell us in the comments")


def test_inline_template_stays_one_line() -> None:
    draft = fill(INLINE_EN, SUBSCRIPTION)
    assert "\n" not in draft.text
    assert draft.text.startswith("New: Sourdough subscription.")
    assert {c.name: c.status for c in draft.checks}["hook_first_125"] == "pass"


def test_tone_exclamation_follows_the_template() -> None:
    loud = fill(LIST_EN, "AI Marketing", hook_type="announcement")  # exclamation_rate 0.4
    quiet = fill(INLINE_EN, "AI Marketing", hook_type="announcement")  # exclamation_rate 0.1
    assert loud.text.split("\n")[0].startswith("New: AI Marketing!")
    assert quiet.text.startswith("New: AI Marketing.")


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"hook_type": "fomo"}, "hook"),
        ({"cta_type": "buy_now"}, "cta"),
        ({"link": "javascript:alert(1)"}, "link"),
        ({"link": "https://"}, "link"),
    ],
)
def test_fill_rejects_bad_options(kwargs: dict[str, str], field: str) -> None:
    with pytest.raises(InvalidRequest) as caught:
        fill(LIST_EN, "AI Marketing", **kwargs)
    assert caught.value.field == field


def test_fill_is_deterministic() -> None:
    for idea, _ in IDEAS:
        assert g.adgen(idea, TEMPLATES, n=3) == g.adgen(idea, TEMPLATES, n=3)


# ---------------------------------------------------------------- variations and preview


@pytest.mark.parametrize(("idea", "language"), IDEAS)
def test_variations_change_hook_and_cta_and_keep_tone_and_topic(idea: str, language: str) -> None:
    ranked = rank_templates(idea, TEMPLATES)
    drafts = variations(idea, ranked, 5, link="https://bakery.example/v")
    template = ranked[0].template
    assert len(drafts) == 5
    assert len({d.hook_type for d in drafts}) == 5
    assert len({d.cta_type for d in drafts}) == 5
    assert len({d.text for d in drafts}) == 5
    for draft in drafts:
        assert draft.template_id == template.template_id
        assert draft.tone == template.tone
        assert draft.language == language
        assert idea_words(draft.text, idea)
    if template.hook != "none":
        assert drafts[0].hook_type == template.hook
    assert drafts[0].cta_type == template.cta
    assert variations(idea, ranked, 5, link="https://bakery.example/v") == drafts


def test_variations_without_link_prefer_ctas_that_need_none() -> None:
    ranked = rank_templates(SUBSCRIPTION, EN)
    drafts = variations(SUBSCRIPTION, ranked, 4)
    assert drafts[0].cta_type == "shop"  # the template's own, kept as the A version
    assert {d.cta_type for d in drafts[1:]} <= {"comment", "message", "share", "call"}


def test_variations_ten_are_all_different() -> None:
    ranked = rank_templates(RICH_EN, EN)
    drafts = variations(RICH_EN, ranked, 10)
    assert len({(d.hook_type, d.cta_type) for d in drafts}) == 10
    assert len({d.text for d in drafts}) == 10


@pytest.mark.parametrize("n", [0, 11, -1])
def test_variations_bounds(n: int) -> None:
    with pytest.raises(InvalidRequest) as caught:
        variations("AI Marketing", rank_templates("AI Marketing", EN), n)
    assert caught.value.field == "vars"


def test_number_hook_is_skipped_when_the_idea_has_no_number() -> None:
    ranked = rank_templates("AI Marketing", EN)
    drafts = variations("AI Marketing", ranked, 10)
    assert "number" not in {d.hook_type for d in drafts}
    assert "social_proof" in {d.hook_type for d in drafts}  # the page's own proof line
    forced = fill(INLINE_EN, "AI Marketing", hook_type="number")
    assert forced.hook_type == "benefit"
    assert any("nothing to work with" in c.message for c in forced.checks)


def test_preview_shows_idea_template_text_and_why() -> None:
    ranked, drafts = g.adgen(SUBSCRIPTION, TEMPLATES, n=2, link="https://bakery.example/p")
    text = g.preview(SUBSCRIPTION, ranked, drafts)
    assert text.startswith(f"Idea: {SUBSCRIPTION}\n")
    assert "subject 'Sourdough subscription'" in text
    assert ranked[0].template.template_id in text
    for reason in ranked[0].reasons:
        assert reason in text
    for draft in drafts:
        for line in draft.text.split("\n"):
            assert f"| {line}".rstrip() in text
    assert "A. template" in text and "B. template" in text
    assert "why: hook:" in text
    assert "pass placeholders" in text


def test_adgen_with_template_id() -> None:
    ranked, drafts = g.adgen(SUBSCRIPTION_HE, TEMPLATES, n=2, template_id=LIST_HE.template_id)
    assert [r.template.template_id for r in ranked] == [LIST_HE.template_id]
    assert all(d.template_id == LIST_HE.template_id for d in drafts)
    assert drafts[0].to_json()["status"] in {"pass", "warn", "fail"}


def test_a_numbered_slot_left_empty_drops_its_line() -> None:
    from postwriter.analysis.drafting import _render

    skeleton = "{HOOK}\n\n1. {BENEFIT}\n2. {PROOF}\n3. {BENEFIT}\n- {BENEFIT}\n\n{CTA}"
    values = {"HOOK": ["Hi"], "BENEFIT": ["fast"], "PROOF": ["4.9 stars"], "CTA": ["Go"]}
    assert _render(skeleton, values) == "Hi\n\n1. fast\n2. 4.9 stars\n\nGo"
