"""Hebrew words that never name a topic, compiled for PostWriter's topic finder.

Written without niqqud, as posts are (the tokeniser removes niqqud before it looks here).
The topic finder also tries each word with its one-letter prefixes (ו, ה, ב, ל, מ, ש, כ)
taken off, so "ושלנו" and "כשאנחנו" are found through "שלנו" and "אנחנו"; forms are listed
here in full only where the prefix letter belongs to the word ("שלנו", "לנו", "מה").
"""

from __future__ import annotations


def _words(*groups: str) -> frozenset[str]:
    return frozenset(w for group in groups for w in group.split())


STOPWORDS_HE = _words(
    # personal pronouns
    """אני אתה את הוא היא אנחנו אנו אתם אתן הם הן""",
    # possessives ("our", "your", ...)
    """שלי שלך שלו שלה שלנו שלכם שלכן שלהם שלהן""",
    # prepositions with a pronoun suffix
    """לי לך לו לה לנו לכם לכן להם להן
    אותי אותך אותו אותה אותנו אתכם אותכם אותם אותן
    בי בך בו בה בנו בכם בהם בהן
    עליי עלי עליך עליו עליה עלינו עליכם עליהם עליהן
    אליי אלי אליך אליו אליה אלינו אליכם אליהם
    איתי איתך איתו איתה איתנו איתכם איתם אתנו
    ממני ממך ממנו ממנה מכם מהם מהן
    אצלי אצלך אצלו אצלה אצלנו אצלכם אצלם
    בשבילי בשבילך בשבילו בשבילה בשבילנו בשבילכם בשבילם""",
    # prepositions and particles
    """של על אל עם אצל בין לפני אחרי אחר מול ליד תחת מתחת מעל בלי ללא עד מן מאז לגבי
    בשביל עבור דרך כמו בתוך לתוך מתוך כלפי למען בגלל בזכות לקראת""",
    # conjunctions and connectives
    """או אבל אך כי אם גם רק אלא כך ככה אז כאשר כש כדי למרות אפילו בעוד ואילו
    וגם אולם לפיכך""",
    # demonstratives and determiners
    """זה זאת זו זהו זוהי אלה אלו הזה הזאת הזו האלה האלו ההוא ההיא ההם ההן
    כל כולם כולן כולנו כולכם כולו כולה הכל הכול שום מספר איזה איזו אילו
    בזה לזה מזה כזה כזאת בכל לכל מכל ככל""",
    # question words
    """מה מי איך למה מדוע מתי איפה היכן לאן מאיפה כמה האם""",
    # to be, to have, negation
    """יש אין היה הייתה היתה היו יהיה תהיה יהיו להיות הייתי היינו לא בל כן""",
    # adverbs of degree, time and place
    """מאוד ממש יותר פחות הכי די קצת הרבה כבר עוד שוב עדיין תמיד אף פעם פעמים
    עכשיו היום מחר אתמול כעת כאן פה שם הנה אולי בדיוק פשוט בעצם כמעט בערך
    ביותר יחד ביחד לבד רוב""",
    # verbs and nouns too common to mean anything on their own
    """עושה עושים לעשות עשינו אומר אומרים לומר רוצה רוצים לקבל מקבלים לתת נותנים
    בואו בוא תבואו יכול יכולה יכולים אפשר צריך צריכה צריכים דבר דברים משהו מישהו
    לראות לשאול יודע יודעת יודעים הגיע הגיעה הגיעו מוזמן מוזמנת מוזמנים תוך החל""",
    # time words, days and months: when a post went out is an engagement effect, not a topic
    """יום ימים שבוע שבועות חודש חודשים שנה שנים שעה שעות דקה דקות סוף
    ראשון שני שלישי רביעי חמישי שישי שבת
    ינואר פברואר מרץ אפריל מאי יוני יולי אוגוסט ספטמבר אוקטובר נובמבר דצמבר""",
    # marketing and social-media filler
    """לחצו לחץ הקישור קישור בקישור לינק בביו ביו שתפו תייגו תגיבו עקבו הודעה
    בפרטי פרטים חדש חדשה חדשים חדשות חינם תגובה תגובות""",
    # number words
    """אחד אחת שניים שתיים שתי שלושה שלוש ארבעה ארבע חמישה חמש ראשונה""",
    # thanks and greetings
    """תודה תודות בבקשה היי""",
)
