"""English cues for `postwriter.analysis.classify`: (pattern, weight) per label.

Pattern syntax (compiled by `classify.compile_pattern`): words separated by spaces must
appear in that order, whole words only (never "now" inside "know" or "Snowdon"), any
whitespace between them; a trailing `*` lets a word continue ("subscrib*"); a pattern
starting with `re:` is a raw regular expression (matched case-insensitively on the
normalised text, whose quotes are straight and letters lower case). A weight is the
evidence one match adds; negative weights are counter-evidence. A label fires when its
summed evidence reaches ln 2 (confidence 0.5, see `classify`).
"""

from __future__ import annotations

Cue = tuple[str, float]

# Hooks: matched on the opening only (the sentences that start in the first 125 chars).
HOOKS: dict[str, list[Cue]] = {
    "question": [
        ("re:(?<!\\w)(?:did you know|ever wondered|ever wonder|what if|have you ever)", 0.5),
        ("re:(?<!\\w)(?:who else|which would you|would you rather)", 0.4),
    ],
    "urgency": [
        ("re:(?<!\\w)(?:today|tonight|this week(?:end)?|this month) only", 1.2),
        ("re:(?<!\\w)only (?:today|tonight|this week(?:end)?)", 1.2),
        ("last chance", 1.2),
        ("last call", 1.2),
        ("last-minute", 1.0),
        ("last minute", 0.8),
        ("last orders", 1.0),
        ("hurry", 1.0),
        ("re:(?<!\\w)(?:don't|do not) (?:miss|wait|leave it)", 1.0),
        ("re:(?<!\\w)limited (?:time|spots|places|seats|stock|edition|availability|spaces)", 1.0),
        ("re:(?<!\\w)(?:spots|places|seats|spaces)(?: \\w+){0,3} (?:are |is )?limited", 1.0),
        (
            "re:(?<!\\w)only \\d+ (?:\\w+ )?(?:left|spots|places|seats|tables|slots|dates|spaces|r"
            "ooms|tickets)",
            1.2,
        ),
        (
            "re:(?<!\\w)\\d+ (?:\\w+ )?(?:spots|places|seats|tables|slots|dates|spaces|rooms|ticke"
            "ts) (?:\\w+ )?(?:left|remaining|available)",
            1.2,
        ),
        ("re:(?<!\\w)\\d+ (?:hours|days) (?:left|only|to go)", 1.2),
        ("re:(?<!\\w)(?:for )?the next \\d+ (?:hours|days)", 1.0),
        ("re:(?<!\\w)\\d+ \\w+ only(?!\\w)", 0.8),
        ("re:(?<!\\w)while (?:they|stocks?|supplies) last", 1.2),
        ("re:(?<!\\w)(?:sell|sells|selling|sold) (?:out|fast)", 0.6),
        ("re:(?<!\\w)(?:going|go|went) (?:fast|quickly)", 0.9),
        ("re:(?<!\\w)before (?:it|they)(?:'s| is| are|'re)? ?(?:gone|goes|go)", 1.0),
        (
            "re:(?<!\\w)(?:ends|end|closes|close|closing) (?:tonight|today|tomorrow|soon|at midnig"
            "ht|on \\w+day|\\w+day)",
            1.0,
        ),
        ("re:(?<!\\w)(?:order|book|register|sign up|apply|enrol) by", 1.0),
        ("deadline", 0.8),
        ("re:(?<!\\w)(?:almost|nearly) (?:full|gone|sold out|booked)", 1.0),
        ("re:(?<!\\w)(?:this month|this week|this weekend)", 0.5),
        (
            "re:(?<!\\w)(?:free|[£$€]\\d+|\\d+ ?% off|discount|deal)[^.!?\\n]{0,60}(?:this (?:mont"
            "h|week|weekend)|until|till|through)|(?<!\\w)this (?:month|week|weekend)[^.!?\\n]{0,60"
            "}(?:free|[£$€]\\d|\\d+ ?% off|discount)",
            0.6,
        ),
        (
            "re:(?<!\\w)(?:throughout|until|till|through) (?:the end of )?(?:january|february|marc"
            "h|april|may|june|july|august|september|october|november|december|sunday|monday|tuesda"
            "y|wednesday|thursday|friday|saturday)",
            0.6,
        ),
        ("re:(?<!\\w)lock in", 0.6),
        ("re:[⏰⏳⌛]", 0.8),
        ("re:(?<!\\w)(?:early[- ]bird|flash sale)", 0.8),
        ("re:(?<!\\w)(?:left|remaining) (?:for|in|this)", 0.5),
    ],
    "social_proof": [
        (
            "re:(?<!\\w)(?:reviews?|five-star|5-star|5 star|five star|rated|testimonials?)(?!\\w)",
            1.0,
        ),
        ("re:★|⭐", 0.7),
        ("re:(?<!\\w)(?:best[- ]?sell\\w*|most popular|customer favou?rite|fan favou?rite)", 1.2),
        (
            "re:(?<!\\w)(?:almost|nearly|fully) (?:full|booked)|(?<!\\w)(?:booked up|order book)",
            0.7,
        ),
        ("re:(?<!\\w)sold out", 1.0),
        ("re:(?<!\\w)(?:usually|always) sells? out", 0.8),
        ("re:(?<!\\w)(?:award|awarded|winner|featured in|as seen (?:in|on)|trusted by)", 1.0),
        (
            "re:(?<!\\w)\\d[\\d,.]*k? (?:\\w+ )?(?:customers|clients|owners|members|people|familie"
            "s|followers|readers|subscribers|students|users|orders|sold)",
            0.9,
        ),
        (
            "re:(?<!\\w)(?:our |the )?(?:customers|clients|regulars|members) (?:love|rave|say|reor"
            "der|keep|agree|have been)",
            1.0,
        ),
        ("re:(?<!\\w)(?:reorder|you order most|order most|everyone's talking)", 1.0),
        ("re:(?<!\\w)(?:sceptical|skeptical) (?:regulars|customers)", 0.6),
        ('re:^["“][^"”]{8,}["”]', 0.8),
        ("re:(?<!\\w)(?:before|after) ?👉 ?(?:after|before)", 0.9),
        ("re:(?<!\\w)(?:wrote|said|told us) (?:on google|in a review)", 0.8),
        ("re:(?<!\\w)on google", 0.4),
    ],
    "benefit": [
        ("re:(?<!\\w)free(?!\\w)(?! at last)", 0.9),
        ("re:(?<!\\w)(?:save|saves|saving|savings)(?!\\w)", 0.8),
        ("re:\\d+ ?% off|(?<!\\w)\\d+ ?percent off", 1.0),
        ("re:(?<!\\w)(?:discount|deal|bonus|gift|perk)s?(?!\\w)", 0.7),
        ("re:(?<!\\w)(?:money back|guarantee\\w*)", 1.0),
        ("re:(?<!\\w)(?:2|two) for (?:1|one)|buy one,? get one|bogof", 1.0),
        (
            "re:(?<!\\w)no (?:more|code|minimum|card|equipment|waiting|call-out|booking|judgement|"
            "fee)",
            0.6,
        ),
        ("re:(?<!\\w)without (?:metal|the|any|a|reloading|ads|pain)", 0.5),
        (
            "re:(?<!\\w)(?:easier|faster|smoother|better|quicker|healthier|stronger|straighter|bri"
            "ghter|glowing|cleaner)(?!\\w)",
            0.5,
        ),
        ("re:(?<!\\w)(?:in half|twice the|twice as|double the)", 0.7),
        (
            "re:(?<!\\w)(?:you|patients|members|customers|clients|every child|each child) (?:\\w+ "
            ")?(?:get|gets|take home|takes home|receive|receives)(?!\\w)",
            0.7,
        ),
        ("re:(?<!\\w)fixed (?:price|fee|rate|[£$€]\\d)", 0.7),
        ("re:(?<!\\w)(?:lost|lose|dropped|drop) \\d+ ?(?:kg|kilos?|lbs?|pounds|stone)(?!\\w)", 0.8),
        ("re:(?<!\\w)(?:before anyone else|early access|first to know|first dibs)", 0.7),
        ("re:(?<!\\w)(?:made to order|personali[sz]ed|handmade|hand-made|engraved|bespoke)", 0.5),
        ("re:(?<!\\w)(?:we'll|we will) (?:fix|do|check|text|send|sort|handle|deliver|find)", 0.6),
        ("re:(?<!\\w)(?:we|they) fix", 0.6),
        ("re:(?<!\\w)(?:same day|fixed price|with you within)", 0.6),
        ("re:(?<!\\w)(?:you deserve|you'll love|for you)(?!\\w)", 0.6),
        (
            "re:(?<!\\w)(?:skip the (?:queue|line)|sorted|undo|stay put|lasts? up to|results in)",
            0.7,
        ),
        ("re:(?<!\\w)in \\d+ (?:minutes|days|weeks)", 0.4),
        ("re:(?<!\\w)(?:built|made|designed|perfect) for", 0.7),
        ("re:(?<!\\w)lock in", 0.7),
        ("re:(?<!\\w)(?:keep|keeps|lock in) (?:your|the) (?:rate|price)", 0.6),
        (
            "re:(?<!\\w)(?:most useful|good for (?:you|them)|best (?:rate|price|deal)|lowest price"
            ")",
            0.7,
        ),
        ("re:(?<!\\w)(?:included|on arrival|on us)(?!\\w)", 0.5),
        ("re:(?<!\\w)(?:forever|for life)(?!\\w)", 0.4),
        ("re:(?<!\\w)(?:give away|giving away|win (?:a|one))", 0.8),
        ("re:(?<!\\w)(?:plants? (?:a|one) tree)", 0.8),
        ("re:(?<!\\w)(?:south-facing|new kitchen|walk to)", 0.5),
        ("re:(?<!\\w)no waiting|walk-ins welcome", 0.5),
    ],
    "pain_point": [
        ("re:(?<!\\w)(?:tired|sick|fed up|bored) of", 1.2),
        (
            "re:(?<!\\w)(?:struggl\\w+|frustrat\\w+|overwhelm\\w*|stressed|stressful|annoying|nigh"
            "tmare|drowning|dreading|worried|exhausted)",
            1.0,
        ),
        (
            "re:(?<!\\w)(?:can't|cannot|can not) (?:sleep|switch off|focus|stop|find|afford|get)",
            1.0,
        ),
        ("re:(?<!\\w)(?:still haven't|haven't started|not started yet)", 0.9),
        (
            "re:(?<!\\w)(?:leaky|leaking|burst|broken|blocked|damaged|packed in|stopped working)",
            1.0,
        ),
        (
            "re:(?<!\\w)(?:pain|sore|itch\\w*|scratching|allerg\\w+|frizz\\w*|acne|breakouts?|dry "
            "patches|insomnia)",
            0.8,
        ),
        ("re:(?<!\\w)(?:mistakes?|costing you|losing|wasting|waste of|no results)", 0.8),
        (
            "re:(?<!\\w)(?:keeping you up|falling out|more than you need|fail|fails|kill|kills)(?!"
            "\\w)",
            0.8,
        ),
        ("re:(?<!\\w)(?:no more|never again)", 0.5),
        ("re:(?<!\\w)(?:fires?|danger\\w*|risk\\w*)(?!\\w)", 0.5),
        ("re:(?<!\\w)(?:stuck|problem|problems|hate|hates|😩|😫|😬)", 0.6),
        ("re:(?<!\\w)(?:don't leave it to the last minute)", 0.4),
        ("re:(?<!\\w)(?:causes? of|leading cause)", 0.5),
    ],
    "curiosity": [
        ("secret*", 1.0),
        ("re:(?<!\\w)(?:you won't believe|won't believe|you'll never guess|guess what)", 1.2),
        (
            "re:(?<!\\w)(?:here's why|the reason why|the truth about|what happened next|plot twist"
            "|wait for it)",
            1.1,
        ),
        ("re:(?<!\\w)(?:nobody|no one|no-one) (?:tells|talks|tell|talk|knows|mentions)", 1.0),
        ("re:(?<!\\w)the one (?:thing|line|word|mistake|habit|question|trick)", 1.0),
        ("re:(?<!\\w)(?:it's|it is|and it's) not (?:what|the)", 0.9),
        ("re:(?<!\\w)(?:it isn't|it's not) \\w+\\.", 0.6),
        ("re:(?<!\\w)(?:mistakes?) (?:that|most|everyone|people|you)", 0.8),
        (
            "re:(?<!\\w)(?:quietly|surprising\\w*|hidden|little crazy|something big|something new "
            "is coming|stay tuned|more on \\w+day)",
            0.8,
        ),
        ("re:👀", 0.8),
        ("re:(?<!\\w)(?:ever wondered|why do most)", 0.8),
        ("re:(?<!\\w)what if", 0.4),
        ("re:(?<!\\w)not what you'd expect", 1.0),
    ],
    "how_to": [
        ("re:(?<!\\w)how (?:to|we|i) ", 1.2),
        ("re:(?<!\\w)here's how", 1.2),
        (
            "re:(?<!\\w)(?:tips?|tutorial|step-by-step|step by step|guide|checklist|cheat sheet|wa"
            "lkthrough|lessons?)(?!\\w)",
            0.9,
        ),
        ("re:(?<!\\w)step 1", 0.8),
        (
            "re:(?<!\\w)(?:[2-9]|1\\d|20|three|four|five|six|seven|eight|nine|ten) (?:ways|things|"
            "steps|signs|rules|habits|questions|tips|ideas|mistakes|reasons) ",
            0.7,
        ),
        ("re:(?<!\\w)what to do", 0.6),
        ("re:(?<!\\w)(?:the difference between|explained)", 0.5),
        ("re:\\n\\s*(?:1[.)]|→|←|•|-) ", 0.4),
        ("re:(?<!\\w)recipe(?!\\w)", 0.3),
    ],
    "story": [
        ("re:(?<!\\w)(?:yesterday|last (?:night|week|year|month|summer|winter|weekend))", 0.8),
        ("re:(?<!\\w)this morning", 0.5),
        (
            "re:^(?:spent|found|finished|walked|made|went|took|tried|started|quit|lost|met|got)(?!"
            "\\w)",
            0.8,
        ),
        ("re:(?<!\\w)(?:\\w+ )?(?:years?|months?|weeks?) ago", 1.0),
        ("re:(?<!\\w)(?:when (?:i|we) (?:opened|started|was|were|first|began|quit|moved))", 1.1),
        (
            "re:(?<!\\w)(?:i remember|true story|back in (?:19|20)\\d\\d|back in the day|the day ("
            "?:i|we)|once upon)",
            1.0,
        ),
        (
            "re:(?<!\\w)(?:a|one) (?:customer|client|follower|couple|woman|man|lady|guy|mum|dad|st"
            "ranger) (?:walked|came|messaged|asked|told|wrote|called|sent)",
            1.1,
        ),
        (
            "re:(?<!\\w)(?:walked in|came in|asked me|told me|messaged me|handed me|sent me|wrote "
            "to me)",
            0.8,
        ),
        (
            "re:(?<!\\w)(?:i|we) (?:made|spent|quit|lost|found|finished|started|tried|learned|walk"
            "ed|ran|got|cried|had|left|opened|moved)(?!\\w)",
            0.5,
        ),
        ("re:(?<!\\w)(?:spent|found|finished|walked|made|got) (?:the|this|my|every|an?)", 0.4),
        (
            "re:(?<!\\w)(?:my|our) (?:grandmother|grandma|grandad|grandfather|dad|mum|mom|mother|f"
            "ather|son|daughter|kids|husband|wife) ",
            0.4,
        ),
        ("re:(?<!\\w)(?:kids|children) asked", 0.6),
        ("re:(?<!\\w)(?:shout ?out to|what a (?:night|day|week))", 0.8),
        ("re:(?<!\\w)(?:that was a close call|missed me)", 0.7),
        ("re:^me: ", 0.8),
        ("re:(?<!\\w)(?:that's|this is) (?:the message|what) (?:i|someone|they)", 0.5),
    ],
    "announcement": [
        ("re:(?<!\\w)new(?!\\w)", 0.4),
        (
            "re:(?:^|[.!?] )new(?::| in | on | for | from | at | arrivals| season| drop)|(?<!\\w)("
            "?:brand new|all-new|our new|our newest|new single|new menu|new collection)",
            0.8,
        ),
        (
            "re:(?<!\\w)(?:now open|we're now open|we're opening|grand opening|now available|out n"
            "ow|available now|just (?:listed|dropped|landed|launched|arrived|released))",
            1.1,
        ),
        (
            "re:(?<!\\w)(?:from today|starting today|from this month|as of today|from next week),?"
            " (?:we|you|our|there)",
            0.8,
        ),
        (
            "re:(?<!\\w)(?:launch\\w*|introducing|unveil\\w*|say hello to|meet our|coming soon|big"
            " news|exciting news|announce\\w*|restocked|back in stock)",
            1.2,
        ),
        ("re:(?<!\\w)(?:is|are|it's) (?:here|back|live|out)(?!\\w)", 1.0),
        ("re:(?<!\\w)(?:finally)(?!\\w)", 0.5),
        (
            "re:(?<!\\w)(?:we're|we are) (?:moving|hiring|opening|launching|expanding|closing|runn"
            "ing|back)",
            1.2,
        ),
        (
            "re:(?<!\\w)(?:will be closed|closed on|closed for|opening hours|new hours|will take p"
            "lace|takes place)",
            1.0,
        ),
        (
            "re:(?<!\\w)(?:giveaway|webinar|workshop|masterclass|open day|tour|course|camp|market|"
            "briefing|pop-up|mini sessions|partnership)(?!\\w)",
            0.7,
        ),
        ("re:(?<!\\w)join (?:us|our)(?!\\w)", 0.5),
        ("re:(?<!\\w)(?:starts|begins|kicks off) (?:on |this |next )?\\w+", 0.5),
        ("re:(?<!\\w)(?:lost|missing|found) (?:cat|dog|kitten|puppy|pet)", 0.9),
        (
            "re:(?<!\\w)(?:has been|have been|was|were|been|finally) approved|(?<!\\w)passed away",
            0.7,
        ),
        ("re:(?<!\\w)signed up for", 0.8),
        ("re:(?<!\\w)(?:ran|finished|completed) (?:her|his|my|their) first", 0.8),
        ("re:(?<!\\w)(?:have|has) changed", 0.7),
        ("re:(?<!\\w)find us at", 0.6),
    ],
}

# Questions that ask for information (or quote a customer's question) are not hooks.
QUESTION_REQUESTS: list[Cue] = [
    (
        "re:(?<!\\w)(?:does|do|can|could|has|have|is) (?:anyone|anybody|someone|somebody)(?! expla"
        "in)",
        1.5,
    ),
    ("re:(?<!\\w)(?<!before )(?<!than )(?:anyone|anybody) (?:know|else|have|got|recommend)", 1.5),
    ("re:(?<!\\w)any (?:recommendations|suggestions|ideas|tips)\\?", 1.2),
    ("re:(?<!\\w)(?:which|what) (?:bin|day|time) (?:goes|is|does)", 1.2),
    ("re:(?<!\\w)know (?:someone|anyone|anybody)\\?", 1.2),
    ("re:(?<!\\w)(?:questions?) (?:we get|we're asked|we are asked|people ask|we hear)", 1.0),
]

# Calls to action: matched on the whole post. "shop_booking" counts as "shop" unless the
# booking goes through a channel in the same sentence ("DM us to book").
CTA: dict[str, list[Cue]] = {
    "learn_more": [
        ("re:(?<!\\w)(?:learn|read|find out|discover) more", 1.3),
        ("re:(?<!\\w)read (?:it|the (?:full|whole|rest)|our|the article|the post)", 1.2),
        ("re:(?<!\\w)(?:more|full|further) (?:info|information|details)", 1.1),
        ("re:(?<!\\w)(?:full|whole) (?:guide|story|article|routine|post|menu|list|recipe)", 0.9),
        ("re:(?<!\\w)details (?:at|in|on|below|here)", 1.0),
        ("re:(?<!\\w)(?:on|in) (?:our|the) (?:blog|website|youtube|site)", 0.8),
        ("re:(?<!\\w)(?:more in|more on) our", 1.0),
        (
            "re:(?<!\\w)(?:see|check out|watch|explore) (?:the|our) (?:map|menu|full|list|video|ar"
            "ticle|guide|blog)",
            1.0,
        ),
        ("re:(?<!\\w)link in (?:the )?comments", 0.8),
        ("re:(?<!\\w)find out (?:how|why|what)", 1.0),
    ],
    "sign_up": [
        (
            "re:(?<!\\w)sign(?:ing)? ?up(?! for (?:the|our|a) (?:webinar|workshop|class|event|cour"
            "se|tour))",
            1.1,
        ),
        ("re:(?<!\\w)subscri\\w+", 1.2),
        ("re:(?<!\\w)newsletter", 1.0),
        (
            "re:(?<!\\w)join (?:the|our) (?:\\w+ ){0,2}(?:waitlist|waiting list|list|club|communit"
            "y|group|mailing list|newsletter|channel)",
            1.2,
        ),
        ("re:(?<!\\w)join (?:them|today|now|here|free)", 1.1),
        ("re:(?<!\\w)(?:wait ?list|waiting list)", 1.0),
        (
            "re:(?<!\\w)(?:free trial|start (?:your|a) (?:free )?(?:\\d+-day )?trial|create (?:an|"
            "your) account|become a member|membership)",
            1.1,
        ),
        ("re:(?<!\\w)get it here", 0.5),
        ("re:(?<!\\w)(?:one|1) (?:short )?email a (?:day|week)", 0.5),
    ],
    "shop": [
        ("re:(?<!\\w)shop (?:now|the|our|online|today|here|it)", 1.3),
        ("re:(?<!\\w)(?:buy|purchase) (?:now|it|one|yours|today|online|here|them)", 1.2),
        ("re:(?<!\\w)(?:pre-?order|add to (?:cart|basket)|checkout|in our shop|in our store)", 1.0),
        ("re:(?<!\\w)order (?:now|online|yours|today|here|ahead|a |one|your|by|them)", 1.1),
        ("re:(?<!\\w)(?:get|grab|claim) (?:yours|it|one|them|a pack)", 1.0),
        ("re:(?<!\\w)(?:use|with) code", 1.0),
        ("re:(?<!\\w)stock up", 1.0),
        ("re:(?<!\\w)try (?:both|it|them|one) in our", 1.0),
        ("re:(?<!\\w)link in bio", 0.5),
    ],
    "shop_booking": [
        (
            "re:(?<!\\w)book (?:online|now|today|yours|a table|an? \\w+ (?:check|appointment|consu"
            "ltation|session|treatment|review)|your (?:free )?(?:table|appointment|review|consulta"
            "tion|treatment|session|stay|room))",
            1.2,
        ),
        ("re:(?<!\\w)book with", 1.0),
        ("re:(?<!\\w)(?:reserve|reservations?)(?! by calling)", 0.8),
        ("re:(?<!\\w)to book(?!\\w)", 0.8),
    ],
    "comment": [
        ("re:(?<!\\w)(?:comment|comments|commenting)(?!\\w)", 0.9),
        ("re:(?<!\\w)no comment", -1.5),
        ("re:(?<!\\w)link (?:is )?in (?:the )?(?:first )?comments?", -1.0),
        ("re:(?<!\\w)(?:in|to) the comments", 0.4),
        ("re:(?<!\\w)(?:tell|let) us (?:know|in|below|what|which)", 1.1),
        (
            "re:(?<!\\w)(?:drop|leave|share|post) (?:a|an|your) (?:\\S+ )?(?:below|comment|emoji|a"
            "nswer|favou?rite|post|link|guess)",
            0.9,
        ),
        ("re:(?<!\\w)tag (?:a|the|your|two|three|\\d|someone|a friend|friends)", 1.2),
        ("re:(?<!\\w)(?:answer|reply|vote|comment) (?:below|in|here|now)", 1.2),
        ("re:(?<!\\w)vote", 0.6),
        (
            "re:(?<!\\w)(?:what do you think|what's your|which (?:one|would you)|would you rather|"
            "you can only pick one|yes or no)",
            0.8,
        ),
        ("re:👇", 0.3),
    ],
    "share": [
        ("re:(?<!\\w)(?:please )?share (?:this|it|with|the post|to your|our post|away)", 1.2),
        ("re:(?<!\\w)(?:please share|share and|spread the word|repost|pass it on to)", 1.2),
        ("re:(?<!\\w)send (?:this|it) to (?:a friend|someone|anyone)", 1.2),
        ("re:(?<!\\w)we share the news", -1.5),
    ],
    "message": [
        (
            "re:(?<!\\w)(?:message|dm|pm|inbox|whatsapp|text|email|e-mail) (?:us|me|her|him|them)("
            "?!\\w)",
            1.3,
        ),
        ("re:(?<!\\w)send (?:us|me|her|him) (?:a |an )?(?:message|dm|pm|email|note|text)", 1.3),
        ("re:(?<!\\w)dm (?:to|for)", 1.2),
        ("re:(?<!\\w)(?:get in touch|drop us a line|contact us|write to us|enquire|inquire)", 1.2),
        ("re:(?<!\\w)(?:email|e-mail) [\\w.+-]+@", 1.2),
        ("re:(?<!\\w)send me a message", 1.2),
    ],
    "register": [
        ("re:(?<!\\w)(?<!cash )register(?!\\w)", 1.2),
        ("re:(?<!\\w)registration", 1.1),
        ("re:(?<!\\w)rsvp", 1.3),
        (
            "re:(?<!\\w)(?:save|book|reserve|secure|grab) (?:your|a|my) (?:seat|spot|place|space)",
            1.2,
        ),
        ("re:(?<!\\w)get (?:your|a) tickets?", 1.2),
        ("re:(?<!\\w)tickets?(?!\\w)", 0.4),
        ("re:(?<!\\w)enrol\\w*", 1.0),
        ("re:(?<!\\w)sign up for (?:the|our|a) (?:webinar|workshop|class|event|course|tour)", 1.2),
    ],
    "download": [
        ("re:(?<!\\w)download(?! speeds?)(?!\\w)", 1.2),
        ("re:(?<!\\w)(?:free pdf|get the (?:app|guide|pdf|ebook|checklist)|install)", 1.0),
        ("re:(?<!\\w)(?:app store|google play|on ios|and android)", 0.8),
    ],
    "call": [
        ("re:(?<!\\w)call (?:us|me|now|today|the (?:office|shop|clinic|team)|\\w+ on|0|\\+)", 1.3),
        (
            "re:(?<!\\w)(?:give us a (?:call|ring)|ring (?:us|me|the)|phone (?:us|me)|by calling|c"
            "all or text|or call|on call)",
            1.2,
        ),
        ("re:(?<!\\w)call(?!\\w)(?!-out)", 0.4),
        ("re:close call", -1.0),
        ("re:📞|☎", 0.8),
    ],
    "visit": [
        ("re:(?<!\\w)(?:visit|come (?:and )?(?:visit|see)) (?:us|our|the)", 1.2),
        ("re:(?<!\\w)come (?:by|along|down|over|and|say|to|early|meet|celebrate|see)(?!\\w)", 1.1),
        ("re:(?<!\\w)come in(?:side)?(?: and| for| to|[!.,]|$)", 1.1),
        ("re:(?<!\\w)(?:pop|stop|drop|swing) (?:in|by|into|over)(?!\\w)", 1.0),
        ("re:(?<!\\w)(?:i'll|i will|i'm going to|i) (?:just )?(?:pop|stop|drop|swing)", -1.2),
        ("re:(?<!\\w)(?:find|meet) us (?:at|in|on)", 1.1),
        ("re:(?<!\\w)see you (?:at|this|there|on|tomorrow|tonight|saturday|sunday|next)", 1.0),
        ("re:(?<!\\w)join us (?:at|on|in|for)", 0.8),
        (
            "re:(?<!\\w)(?:walk-ins|walk ins|just turn up|no booking needed|in store|in-store|welc"
            "ome to attend|at our (?:booth|stall|stand|shop|store|studio))",
            1.0,
        ),
        ("re:(?<!\\w)(?:open|opened) (?:till|until) \\d", 0.4),
        ("re:(?<!\\w)try (?:it|the|them|our) .{0,40}(?:this week|at the|today)", 0.8),
        ("re:(?<!\\w)you know what to do", 0.4),
    ],
}

# Evidence that a post promotes something, and that it does not (whole post).
MARKETING: list[Cue] = [
    ("re:[£$€₪]\\s?\\d|\\d\\s?(?:[£$€₪]|usd|eur|gbp)(?!\\w)", 0.8),
    ("re:\\d+ ?% (?:off|discount)|(?<!\\w)(?:sale|discount|deal|offer|promo|coupon)s?(?!\\w)", 0.9),
    (
        "re:(?<!\\w)(?:our|my) (?:new|latest|bestsell\\w*|customers|clients|menu|shop|store|studio"
        "|clinic|salon|team|course|app|box|range|collection|serum|cream|class|classes|program|prog"
        "ramme|services?|treatment|products?|pendants|presets?)",
        0.6,
    ),
    ("re:(?<!\\w)(?:we're open|we are open|open (?:till|until|today)|opening hours)", 0.3),
    ("re:(?<!\\w)(?:we|i) (?:fix|offer|deliver|compare|make|bake|sell|ship|do your|check)", 0.6),
    ("re:(?<!\\w)free(?!\\w)(?! at last)", 0.5),
    ("re:(?<!\\w)(?:new patients|members|customers) get", 0.6),
    (
        "re:(?<!\\w)(?:buy|order|menu|price|prices|in stock|collection|products?|delivery|shipping"
        "|booking|tastings?|taste|users|customers|clients|treats|honey|serum|course)(?!\\w)",
        0.4,
    ),
    ("re:(?<!\\w)(?:more on \\w+day|stay tuned|coming soon|something big)", 0.6),
    (
        "re:(?<!\\w)(?:spaces|spots|places|slots|tables|seats|dates) (?:\\w+ )?(?:left|available)",
        0.6,
    ),
    (
        "re:(?<!\\w)new (?:single|album|ep|book|collection|menu|product|range|flavou?r|season)(?!"
        "\\w)",
        0.6,
    ),
    ("re:(?<!\\w)our(?!\\w)", 0.3),
]
NOT_MARKETING: list[Cue] = [
    (
        "re:(?<!\\w)(?:passed away|rest in peace|rip|condolences|our thoughts are with|deeply sadd"
        "ened|great sadness|memorial|funeral)(?!\\w)",
        2.0,
    ),
    (
        "re:(?<!\\w)(?:happy (?:birthday|diwali|christmas|easter|hanukkah|new year|eid|holidays|mo"
        "ther's day|father's day))",
        1.2,
    ),
    ("re:(?<!\\w)(?:does|do|can|could|has) (?:anyone|anybody|someone)(?! explain)", 1.5),
    ("re:(?<!\\w)(?:anyone|anybody) (?:know|else|have|recommend)", 1.5),
    ("re:(?<!\\w)(?:lost|missing) (?:cat|dog|kitten|puppy|pet)", 2.0),
    ("re:(?<!\\w)(?:we're hiring|we are hiring|now hiring|job opening|vacancy)", 1.5),
    ("re:(?<!\\w)(?:donate|fundrais\\w*|raised £|raised \\$|charity)", 1.5),
    ("re:(?<!\\w)(?:will be closed|closed on|closed for|new opening hours)", 0.8),
    ("re:(?<!\\w)my (?:dad|mum|mom|son|daughter|kids|husband|wife|knees|grandad)", 0.5),
    (
        "re:(?<!\\w)(?:annual general meeting|agm|committee|residents' association|residents assoc"
        "iation|pta|volunteers)(?!\\w)",
        0.8,
    ),
]
