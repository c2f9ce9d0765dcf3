"""Terms of posts for topic finding: English and Hebrew words, hashtags and bigrams.

URLs, e-mail addresses, mentions and numbers are removed; niqqud is removed; hashtags are
kept whole; words are case-folded. Stopwords of both languages are dropped, including
through Hebrew prefixes. Hebrew prefix letters are taken off only on corpus evidence that
the rest is a word (`_resolver` has the rule); English plurals fold to a singular that
occurs on its own. Bigrams join two adjacent kept words only. `topics` has the pipeline.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from functools import cache

from postwriter.analysis.stopwords_en import STOPWORDS_EN
from postwriter.analysis.stopwords_he import STOPWORDS_HE

_NIQQUD = re.compile("[\u0591-\u05bd\u05bf\u05c1\u05c2\u05c4\u05c5\u05c7]")
_URL = re.compile(
    r"(?:https?://|www\.)\S+|\S+@\S+\.\w+|(?<![\w.])[^\W_][\w-]*(?:\.[^\W_][\w-]*)+(?:/\S*)?"
)
_HEBREW_LETTER = "\u05d0-\u05ea"
# Geresh and gershayim inside a word (ג׳ינג׳ר, צה״ל), typed as ASCII quotes or not.
_GERESH = re.compile(rf"(?<=[{_HEBREW_LETTER}])['\u05f3](?=[{_HEBREW_LETTER}])")
_GERSHAYIM = re.compile(rf"(?<=[{_HEBREW_LETTER}])[\"\u05f4](?=[{_HEBREW_LETTER}])")
_TOKEN = re.compile(r"[#@]?\w+(?:['\u05f3\u05f4]\w+)*")
_JOIN = re.compile(r"[ \t\u00a0\u202f\-\u2010\u05be]+")  # what may stand inside a bigram
_IS_HEBREW = re.compile(f"[{_HEBREW_LETTER}]")
_DIGIT_OR_UNDERSCORE = re.compile(r"[\d_]")
_BREAK = None  # in a token stream: no bigram across this point


def _prefix_chains() -> tuple[str, ...]:
    chains = {
        conj + rel + prep
        for conj in ("", "ו")
        for rel in ("", "ש", "כש", "מש")
        for prep in ("", "ה", "ב", "ל", "כ", "מ", "מה")
    }
    return tuple(sorted((c for c in chains if 0 < len(c) <= 3), key=lambda c: (len(c), c)))


_PREFIXES = _prefix_chains()
_PLAIN_PREFIXES = frozenset({"ו", "ה"})


def _is_stopword_he(word: str) -> bool:
    if word in STOPWORDS_HE:
        return True
    for chain in _PREFIXES:
        stem = word[len(chain) :]
        if not word.startswith(chain) or stem not in STOPWORDS_HE:
            continue
        # Two-letter stopwords hide in content words ("כלי" is not כ+לי): only ו, ש and ה
        # are taken for granted before them.
        if len(stem) >= 3 or chain[0] in "וש" or chain == "ה":
            return True
    return False


def _raw_tokens(text: str) -> list[str | None]:
    """Case-folded words and hashtags in order, `_BREAK` where a bigram may not span."""
    text = _NIQQUD.sub("", text).replace("\u2019", "'").replace("\u2018", "'")
    text = _URL.sub(" . ", text)
    text = _GERSHAYIM.sub("\u05f4", _GERESH.sub("\u05f3", text)).casefold()
    out: list[str | None] = []
    end = 0
    for m in _TOKEN.finditer(text):
        start = m.start()
        if out and out[-1] is not _BREAK:
            gap = text[end:start]
            if gap != " " and not _JOIN.fullmatch(gap):
                out.append(_BREAK)
        end = m.end()
        token = m.group()
        if _DIGIT_OR_UNDERSCORE.search(token):
            if token[0] == "#" and not token[1:].isdigit():
                out.extend((_BREAK, token, _BREAK))  # "#kafe_tari", "#blend2025"
            else:
                out.append(_BREAK)
        elif token[0] == "#" and len(token) > 2:
            out.extend((_BREAK, token, _BREAK))
        elif token[0] in "#@":
            out.append(_BREAK)
        else:
            if token.endswith("'s"):
                token = token[:-2]
            out.append(token if len(token) >= 2 else _BREAK)
    return out


def _prefix_splits(word: str) -> list[tuple[str, str]]:
    """(chain, stem) for each prefix chain `word` may start with, shortest chain first."""
    return [
        (c, word[len(c) :]) for c in _PREFIXES if word.startswith(c) and len(word) - len(c) >= 3
    ]


def _resolver(counts: Counter[str]) -> Callable[[str], str | None]:
    """Maps a word to its term (None: a stopword), using the corpus' own word counts."""
    # For each possible Hebrew stem, the prefix chains it is seen behind in this corpus.
    behind: defaultdict[str, set[str]] = defaultdict(set)
    for word in counts:
        if _IS_HEBREW.search(word):
            for chain, stem in _prefix_splits(word):
                behind[stem].add(chain)

    def takes_prefix(word: str, chain: str, stem: str) -> bool:
        # The stem must be seen alone: behind prefixes only, it may be a verb's root
        # ("הגיע", "מגיע", "להגיע" are not ה/מ/לה + "גיע").
        bare = counts[stem]
        if bare == 0:
            return False
        if chain in _PLAIN_PREFIXES or len(chain) > 1:
            return True  # ו and ה, and chains of two or three letters, rarely begin a noun
        # ב ל מ ש כ often do ("מאפה", "ברכה", "שלום"): the stem must be seen alone at
        # least as often as the prefixed form, or behind another chain too, and the word
        # must not take ה or ו itself ("המאפה" shows that "מאפה" is a word).
        if counts["ה" + word] or counts["ו" + word]:
            return False
        return bare >= counts[word] or len(behind[stem]) >= 2

    @cache
    def resolve(word: str) -> str | None:
        if word[0] == "#":
            return word
        if _IS_HEBREW.search(word):
            if _is_stopword_he(word):
                return None
            for chain, stem in _prefix_splits(word):
                if takes_prefix(word, chain, stem):
                    return resolve(stem)
            return word
        if word in STOPWORDS_EN:
            return None
        for suffix, repl in (("ies", "y"), ("es", ""), ("s", "")):
            stem = word[: -len(suffix)] + repl
            if (
                word.endswith(suffix)
                and not word.endswith(("ss", "us", "is"))
                and len(stem) >= 3
                and counts[stem] > 0
                and stem not in STOPWORDS_EN
            ):
                return stem
        return word

    return resolve


def post_terms(texts: Sequence[str]) -> list[list[str]]:
    """The terms of each text (unigrams then bigrams), resolved against all of `texts`."""
    streams = [_raw_tokens(t) for t in texts]
    counts = Counter(tok for s in streams for tok in s if tok is not None)
    resolve = _resolver(counts)
    docs: list[list[str]] = []
    for stream in streams:
        unigrams: list[str] = []
        bigrams: list[str] = []
        prev: str | None = None
        for token in stream:
            term = resolve(token) if token is not None else None
            if term is not None:
                unigrams.append(term)
                if prev is not None and term[0] != "#" and prev != term:
                    bigrams.append(f"{prev} {term}")
            prev = term if term is not None and term[0] != "#" else None
        docs.append(unigrams + bigrams)
    return docs


def is_stopword(term: str) -> bool:
    """Whether any word of `term` is an English or Hebrew stopword."""
    return any(
        w in STOPWORDS_EN or (_IS_HEBREW.search(w) is not None and _is_stopword_he(w))
        for w in term.split()
    )
