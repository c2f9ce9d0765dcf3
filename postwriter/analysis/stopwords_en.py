"""English words that never name a topic, compiled for PostWriter's topic finder.

Grouped by kind so a reader can check what is here and why. Words are lower case, with
a straight apostrophe (the tokeniser turns a curly one into a straight one). Besides the
usual function words, the list holds the pronouns and determiners that headed the old
tool's topics ("your", "our", "about") and the filler of marketing posts ("click",
"link", "today", "new") that occurs on every page whatever it sells.
"""

from __future__ import annotations


def _words(*groups: str) -> frozenset[str]:
    return frozenset(w for group in groups for w in group.split())


STOPWORDS_EN = _words(
    # personal, possessive, reflexive and other pronouns
    """i me my mine myself we us our ours ourselves you your yours yourself yourselves
    he him his himself she her hers herself it its itself they them their theirs
    themselves one ones oneself someone somebody something anyone anybody anything
    everyone everybody everything noone nobody nothing none who whom whose what which
    that this these those whoever whatever whichever""",
    # determiners and quantifiers
    """a an the some any each every either neither all both half many much more most
    few fewer less least several such other another own same lot lots plenty enough
    no not only""",
    # prepositions and particles
    """about above across after against along amid among around as at before behind
    below beneath beside besides between beyond by down during except for from in inside
    into like near of off on onto out outside over past per since than through
    throughout till to toward towards under underneath unlike until up upon via with
    within without""",
    # conjunctions and connectives
    """and or but nor so yet if then else because though although while whereas whether
    unless once also too instead however therefore thus hence otherwise meanwhile
    anyway moreover furthermore""",
    # to be, to have, to do, modals
    """am is are was were be been being isn't aren't wasn't weren't have has had having
    haven't hasn't hadn't do does did doing done don't doesn't didn't will would shall
    should can could may might must ought won't wouldn't shan't shouldn't can't cannot
    couldn't mightn't mustn't""",
    # contractions
    """i'm i've i'll i'd you're you've you'll you'd he's he'll he'd she's she'll she'd
    it's it'll it'd we're we've we'll we'd they're they've they'll they'd that's
    that'll there's here's what's who's where's when's why's how's let's y'all""",
    # question words, place and time adverbs
    """how when where why here there now today tonight tomorrow yesterday soon
    later ago already still ever never always often sometimes usually again just
    even very really quite rather almost maybe perhaps probably actually simply
    literally basically totally definitely truly pretty well back away""",
    # verbs too common to mean anything on their own
    """get gets got getting gotten go goes going gone went come comes coming came make
    makes making made take takes taking took give gives giving gave let lets see sees
    seeing saw seen say says said know knows knew think thinks want wants need needs
    try tries use uses used put keep keeps look looks looking find found tell told feel felt
    start starts started help helps send ask asked left
    thing things way ways stuff kind sort bit time times day days week weeks month months
    year years hour hours minute minutes""",
    # days and months ("may" is with the modals): when a post went out is an engagement
    # effect, not a topic
    """monday tuesday wednesday thursday friday saturday sunday weekend weekends
    mon tue tues wed thu thur thurs fri sat
    january february march april june july august september october november december""",
    # marketing and social-media filler
    """click tap link bio check visit follow share comment comments tag dm message inbox post
    posts page available free pm""",
    # ordinals, common adjectives and number words
    """first second third last next top best better good great big little new old
    two three four five six seven eight nine ten hundred thousand million""",
    # interjections and chat spellings
    """oh ok okay yes yeah yep hey hi hello wow lol omg thanks thank please pls plz
    u ur im ive dont cant wont didnt doesnt isnt thats theres""",
)
