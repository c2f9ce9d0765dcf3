"""English phrase bank for the generator: CTA lines, hook frames and the cue words it reads.

Hook frames always carry the idea's own words in a slot ({subject}, {pain}, {claim}, {time},
{number}, {count}); nothing here is used without them. CTA lines are the only complete
phrases, and most of them name the idea's subject too. See docs/generation.md.
"""

from __future__ import annotations

LANGUAGE = "en"

_STOPWORDS_TEXT = """
    a an the and or but if then than so as of at by for from in into on onto to with within
    without about above after again against all am any are aren't be because been before being
    below between both can cannot could did do does doing down during each few further had has
    have having he her here hers herself him himself his how i i'm im is isn't it it's its itself
    just me more most my myself no nor not now off once only other our ours ourselves out over
    own same she should some such that that's their theirs them themselves there these they
    this those through too under until up very was we we're were what when where which while
    who whom why will would you you're your yours yourself yourselves yet also get got let let's
    one two new via per us de la le every much many
    """
STOPWORDS: frozenset[str] = frozenset(_STOPWORDS_TEXT.split())

# Words after which the idea names a problem: "an AI scheduler without manual posting".
PAIN_CUES: tuple[str, ...] = (
    "tired of",
    "sick of",
    "fed up with",
    "struggling with",
    "struggle with",
    "no more",
    "instead of",
    "without",
    "stop",
)

# Words that end the subject of a sentence idea; the rest is its claim.
RELATIVE_CUES: tuple[str, ...] = ("that", "which", "who")
VERB_CUES: tuple[str, ...] = (
    "helps",
    "saves",
    "lets",
    "makes",
    "gives",
    "cuts",
    "boosts",
    "brings",
    "turns",
    "doubles",
    "grows",
    "keeps",
    "finds",
    "writes",
    "builds",
    "delivers",
)

# Words after which the idea names a deadline: "until Sunday", "this week".
TIME_CUES: tuple[str, ...] = (
    "until",
    "till",
    "ends",
    "this week",
    "this weekend",
    "this month",
    "today",
    "tonight",
    "tomorrow",
)

# Words that make a line proof (with digits, quotes and stars, see templates.py).
PROOF_CUES: tuple[str, ...] = (
    "customers",
    "clients",
    "users",
    "members",
    "reviews",
    "rated",
    "stars",
    "testimonial",
    "trusted",
    "award",
    "says",
    "said",
)
# The subset that makes a line brand-level social proof, usable for any idea.
SOCIAL_CUES: tuple[str, ...] = ("customers", "clients", "users", "members", "reviews", "rated")

# Words that make a line a call to action.
CTA_CUES: tuple[str, ...] = (
    "click",
    "tap",
    "link",
    "sign up",
    "signup",
    "register",
    "join",
    "book",
    "order",
    "shop",
    "buy",
    "download",
    "comment",
    "share",
    "tag",
    "message",
    "dm",
    "call",
    "visit",
    "learn more",
    "read more",
    "find out",
    "details",
)

# Joins between the items of a claim: "saves 5 hours and doubles your reach".
ITEM_SEPARATORS: tuple[str, ...] = (", ", " and ", "; ")

# Hook frames by type. Keys name what the idea must provide; "default" needs only a subject.
HOOKS: dict[str, dict[str, str]] = {
    "question": {
        "pain_gerund": "Still {pain}?",
        "pain": "Still stuck with {pain}?",
        "default": "Looking for {subject}?",
    },
    "number": {
        "number_claim": "{subject}: {claim}",
        "count": "{count} reasons to choose {subject}",
    },
    "urgency": {
        "time": "{time}: {subject}",
        "default": "Don't miss {subject}",
    },
    "social_proof": {
        "number": "{number} and counting: {subject}",
        "line": "{subject}: {line}",
    },
    "benefit": {
        "claim": "{subject} {claim}",
        "default": "Get more out of {subject}",
    },
    "pain_point": {
        "pain": "Tired of {pain}?",
        "default": "{subject}, minus the headache",
    },
    "curiosity": {"default": "What most people miss about {subject}"},
    "how_to": {
        "verb_claim": "How {subject} {claim}",
        "pain_gerund": "How to stop {pain}",
        "pain": "How to avoid {pain}",
        "default": "How to get started with {subject}",
    },
    "story": {"default": "The story behind {subject}"},
    "announcement": {"default": "New: {subject}"},
}

# Last resort for {BENEFIT} when the idea is a bare subject and no post of the template
# shares a word with it. The draft then carries a warning asking for a concrete benefit.
BENEFIT_FRAMES: tuple[str, ...] = (
    "Here is what {subject} can do for you",
    "See {subject} at work",
)

# Calls to action by CTA type. {subject} is the idea's subject.
CTA: dict[str, tuple[str, ...]] = {
    "learn_more": ("Learn more about {subject}", "Read the details on {subject}"),
    "sign_up": ("Sign up and try {subject}", "Sign up today"),
    "shop": ("Shop {subject} now", "Order yours today"),
    "comment": ("Tell us in the comments: what would you do with {subject}?",),
    "share": ("Share this with someone who needs {subject}",),
    "message": ("Send us a message to ask about {subject}",),
    "register": ("Register to save your spot",),
    "download": ("Download it free", "Download the guide"),
    "call": ("Call us to talk about {subject}",),
    "visit": ("Visit us and see {subject} for yourself",),
}

LINK_LEAD = "👉"
