"""Hebrew phrase bank for the generator, the same shape as phrases_en.py.

Imperatives are in the plural ("הירשמו", "שתפו"), the usual form of Hebrew marketing posts.
A one-letter prefix written before a slot ("מ{pain}", "ב{subject}") is joined to the slot's
text by the generator: directly before a Hebrew word, with a hyphen before Latin letters or
digits ("ב-AI").
"""

from __future__ import annotations

LANGUAGE = "he"

_STOPWORDS_TEXT = """
    של את על עם זה זו זאת זהו אני אתה אתם אתן את הוא היא הם הן אנחנו אנו לא כן גם כל מה מי
    איך למה כי אם או אבל רק עוד כבר יש אין היה היתה הייתה היו להיות יהיה יותר פחות מאוד אז
    כמו לכם לכן לך לנו להם שלנו שלכם שלך שלי שלו שלה שלהם הזה הזאת הזו האלה אלה אלו בין
    אחרי לפני עד כדי אחד אחת כאן פה שם כך ככה מתי איפה אשר בו בה בהם לו לה אותו אותה אותם
    אותנו אתכם עכשיו היום ממש הכי
    """
STOPWORDS: frozenset[str] = frozenset(_STOPWORDS_TEXT.split())

PAIN_CUES: tuple[str, ...] = (
    "נמאס לכם מ",
    "נמאס מ",
    "במקום",
    "בלי",
    "מתקשים עם",
    "מתקשים ב",
)

RELATIVE_CUES: tuple[str, ...] = ("אשר",)
# Verbs that start a claim, also with the relative prefix ש ("שחוסך").
VERB_CUES: tuple[str, ...] = (
    "עוזר",
    "עוזרת",
    "חוסך",
    "חוסכת",
    "מאפשר",
    "מאפשרת",
    "נותן",
    "נותנת",
    "מביא",
    "מביאה",
    "הופך",
    "הופכת",
    "מגדיל",
    "מגדילה",
    "מכפיל",
    "מכפילה",
    "בונה",
    "כותב",
    "כותבת",
    "מוצא",
    "מוצאת",
)

TIME_CUES: tuple[str, ...] = (
    "עד",
    "רק היום",
    "היום",
    "מחר",
    "השבוע",
    "הערב",
    "החודש",
    "בסוף השבוע",
)

PROOF_CUES: tuple[str, ...] = (
    "לקוחות",
    "משתמשים",
    "ביקורות",
    "ממליצים",
    "המלצה",
    "המלצות",
    "כוכבים",
    "דירוג",
    "פרס",
    "אומרים",
    "סיפרה",
    "סיפר",
)
SOCIAL_CUES: tuple[str, ...] = ("לקוחות", "משתמשים", "ביקורות", "ממליצים", "המלצות", "דירוג")

CTA_CUES: tuple[str, ...] = (
    "לחצו",
    "הקליקו",
    "קישור",
    "בקישור",
    "הירשמו",
    "הרשמו",
    "הצטרפו",
    "הזמינו",
    "קנו",
    "רכשו",
    "הורידו",
    "הגיבו",
    "כתבו",
    "שתפו",
    "תייגו",
    "שלחו",
    "הודעה",
    "התקשרו",
    "חייגו",
    "בקרו",
    "קפצו",
    "לפרטים",
    "פרטים",
)

ITEM_SEPARATORS: tuple[str, ...] = (", ", "; ", " וגם ")

HOOKS: dict[str, dict[str, str]] = {
    "question": {
        "pain_gerund": "עדיין {pain}?",
        "pain": "עדיין {pain}?",
        "default": "מחפשים {subject}?",
    },
    "number": {
        "number_claim": "{subject}: {claim}",
        "count": "{count} סיבות לבחור ב{subject}",
    },
    "urgency": {
        "time": "{time}: {subject}",
        "default": "אל תפספסו: {subject}",
    },
    "social_proof": {
        "number": "כבר {number}: {subject}",
        "line": "{subject}: {line}",
    },
    "benefit": {
        "claim": "{subject} {claim}",
        "default": "להפיק יותר מ{subject}",
    },
    "pain_point": {
        "pain": "נמאס לכם מ{pain}?",
        "default": "{subject}, בלי כאב ראש",
    },
    "curiosity": {"default": "מה שרוב האנשים לא יודעים על {subject}"},
    "how_to": {
        "verb_claim": "איך {subject} {claim}",
        "pain_gerund": "איך להיפטר מ{pain}",
        "pain": "איך להיפטר מ{pain}",
        "default": "איך להתחיל עם {subject}",
    },
    "story": {"default": "הסיפור מאחורי {subject}"},
    "announcement": {"default": "חדש: {subject}"},
}

BENEFIT_FRAMES: tuple[str, ...] = (
    "ככה {subject} יכול לעבוד בשבילכם",
    "תראו את {subject} בפעולה",
)

CTA: dict[str, tuple[str, ...]] = {
    "learn_more": ("לכל הפרטים על {subject}", "רוצים לדעת עוד על {subject}? הפרטים כאן"),
    "sign_up": ("הירשמו ונסו את {subject}", "הירשמו עוד היום"),
    "shop": ("הזמינו עכשיו", "לרכישת {subject}"),
    "comment": ("ספרו לנו בתגובות: מה הייתם עושים עם {subject}?",),
    "share": ("שתפו עם מי שצריך {subject}",),
    "message": ("שלחו לנו הודעה ונספר לכם על {subject}",),
    "register": ("הירשמו ושמרו את המקום שלכם",),
    "download": ("הורידו בחינם", "הורידו את המדריך"),
    "call": ("התקשרו אלינו לשיחה על {subject}",),
    "visit": ("בואו לבקר ולראות את {subject}",),
}

LINK_LEAD = "👈"
