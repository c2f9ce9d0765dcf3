"""Recognise login walls, block pages and challenge pages, so they fail a job with a type.

A block page, a captcha or a login form is never "a page with zero posts". `classify_page`
looks at the rendered HTML, the final URL and the HTTP status and names the error to raise.

False positives are the risk: marketing posts say "log in", "blocked" and "captcha" all the
time. So the text of posts (`article`, `[role=article]`) is never read; phrases count only
with word boundaries, and only where a site's own chrome speaks: a dialog, or a thin page
(no posts, little text); a title or heading must be the phrase itself, not contain it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from selectolax.lexbor import LexborHTMLParser

from postwriter.errors import Blocked, Challenge, LoginRequired, PostWriterError

THIN_WORDS = 400  # a page with no posts and at most this many words is "thin"
CAPTCHA_PAGE_WORDS = 120  # a captcha widget on a page this bare is the page's whole point

_POSTS = "article, [role=article]"
_INVISIBLE = "script, style, noscript, template, svg"
_DIALOGS = "[role=dialog], [role=alertdialog], [role=alert], dialog"
_HEADINGS = "h1, h2, h3, [role=heading]"

_CLOUDFLARE = (
    "#challenge-form, #challenge-running, #challenge-stage, #cf-challenge-running, "
    "#cf-please-wait, form[action*='__cf_chl']"
)
_CAPTCHA_WIDGETS = (
    ".g-recaptcha, .h-captcha, .cf-turnstile, #captcha, [data-sitekey], "
    "iframe[src*='recaptcha'], iframe[src*='hcaptcha.com'], "
    "iframe[src*='challenges.cloudflare.com'], iframe[src*='captcha']"
)
_LOGIN_FORMS = "form[action*='/login'], form[action*='/signin']"

_LOGIN_PATH = re.compile(r"^/(?:login(?:\.php)?|accounts/login|signin|sign-in)(?:/|$)", re.I)
_CHECKPOINT_PATH = re.compile(r"^/checkpoint(?:/|$)", re.I)

_SPACES = re.compile(r"\s+")
_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u05f3": "'"})
_TRIM = " \t\n.!?:;,-–—|\u200e\u200f"


def normalise(text: str) -> str:
    """Casefolded, one kind of apostrophe, single spaces."""
    return _SPACES.sub(" ", text.translate(_QUOTES)).strip().casefold()


def _exact(text: str) -> str:
    """The form titles and headings are compared in: normalised, end punctuation trimmed."""
    return normalise(text).strip(_TRIM)


def _title_head(title: str) -> str:
    """A title's part before a site-name separator (`Access denied | example.com`)."""
    for separator in (" | ", " - ", " – ", " — ", " · "):
        if separator in title:
            return title.split(separator, 1)[0].strip()
    return title


def _phrase_pattern(phrase: str) -> re.Pattern[str]:
    words = [re.escape(w) for w in normalise(phrase).split(" ")]
    return re.compile(r"(?<!\w)" + r"\s+".join(words) + r"(?!\w)")


# Exact titles, headings and dialog headings (compared after normalising).
_BLOCK_TITLES = (
    "you're temporarily blocked",
    "you've been temporarily blocked",
    "you've been blocked",
    "you have been blocked",
    "sorry, you have been blocked",
    "access denied",
    "too many requests",
    "נחסמת באופן זמני",
    "נחסמת",
    "הגישה נחסמה",
    "הגישה נדחתה",
)
_CHALLENGE_TITLES = (
    "just a moment...",
    "just a moment",
    "security check",
    "verify you are human",
    "are you a robot?",
    "בדיקת אבטחה",
    "רק רגע...",
    "אימות אבטחה",
)
_LOGIN_TITLES = (
    "log into facebook",
    "log in to facebook",
    "facebook - log in or sign up",
    "facebook – log in or sign up",
    "log in or sign up to view",
    "you must log in to continue",
    "התחברות לפייסבוק",
    "התחבר/י לפייסבוק",
    "היכנס/י לפייסבוק",
    "פייסבוק - התחברות או הרשמה",
)

# Sentences looked for (with word boundaries) in dialogs and in the text of thin pages.
_BLOCK_SENTENCES = (
    "you're temporarily blocked",
    "you've been temporarily blocked",
    "you have been temporarily blocked",
    "it looks like you were misusing this feature by going too fast",
    "sorry, you have been blocked",
    "you've been blocked from using",
    "this website is using a security service to protect itself from online attacks",
    "you don't have permission to access",
    "נחסמת באופן זמני",
    "נראה שהשתמשת לרעה בתכונה זו",
    "נחסמת זמנית",
)
_CHALLENGE_SENTENCES = (
    "checking your browser before accessing",
    "checking if the site connection is secure",
    "verify you are human by completing the action below",
    "enable javascript and cookies to continue",
    "please complete the security check",
    "please confirm you're not a robot",
    "we need to confirm that you're a human",
    "אנחנו צריכים לוודא שאת/ה אדם",
    "יש להשלים את בדיקת האבטחה",
    "אמת/י שאת/ה אדם",
)
_LOGIN_SENTENCES = (
    "you must log in to continue",
    "you must log in first",
    "log in to continue",
    "please log in to continue",
    "עליך להתחבר כדי להמשיך",
    "יש להתחבר כדי להמשיך",
    "עליך להתחבר תחילה",
)


@dataclass(frozen=True, slots=True)
class _Phrases:
    exact: frozenset[str]
    patterns: tuple[re.Pattern[str], ...]

    @classmethod
    def of(cls, titles: Iterable[str], sentences: Iterable[str]) -> _Phrases:
        return cls(
            frozenset(_exact(t) for t in titles), tuple(_phrase_pattern(s) for s in sentences)
        )


_BLOCK = _Phrases.of(_BLOCK_TITLES, _BLOCK_SENTENCES)
_CHALLENGE = _Phrases.of(_CHALLENGE_TITLES, _CHALLENGE_SENTENCES)
_LOGIN = _Phrases.of(_LOGIN_TITLES, _LOGIN_SENTENCES)
_CLOUDFLARE_TITLES = frozenset({_exact("just a moment...")})


@dataclass(frozen=True, slots=True)
class PageVerdict:
    """What the page is: the error class to raise and a short machine-readable reason."""

    error: type[PostWriterError]
    reason: str

    @property
    def code(self) -> str:
        return self.error.code

    @property
    def penalise(self) -> bool:
        """A sign of limiting: the domain should back off (blocks and challenges)."""
        return self.error in (Blocked, Challenge)

    def exception(self, url: str) -> PostWriterError:
        """The error to raise, with a readable message; the URL's query is left out."""
        parts = urlsplit(url)
        where = f"{parts.scheme}://{parts.netloc}{parts.path}" if parts.netloc else "the page"
        what = {
            Blocked: "the site answered with a block page",
            Challenge: "the site answered with a challenge or captcha page",
            LoginRequired: "the site asks to log in",
        }.get(self.error, "the page cannot be used")
        return self.error(f"{what} ({self.reason}) at {where}")


def classify_page(html: str, url: str, status: int) -> PageVerdict | None:
    """The failure this page shows, or None for an ordinary page.

    Challenges win over blocks, blocks over login walls (a block page may carry a login
    form). HTTP 429 is a block whatever the body says, unless the body is a challenge.
    """
    page = _Page(html)
    path = urlsplit(url).path or "/"
    return _challenge(page, path) or _blocked(page, status) or _login(page, path)


def _challenge(page: _Page, path: str) -> PageVerdict | None:
    if _CHECKPOINT_PATH.match(path):
        return PageVerdict(Challenge, "checkpoint")
    if page.tree is None:
        return None
    if _exact(page.title) in _CLOUDFLARE_TITLES:
        return PageVerdict(Challenge, "cloudflare")
    if page.tree.css_first(_CLOUDFLARE) is not None or page.has_script_marker("_cf_chl_opt"):
        return PageVerdict(Challenge, "cloudflare")
    bare = page.thin and page.words <= CAPTCHA_PAGE_WORDS
    if bare and page.tree.css_first(_CAPTCHA_WIDGETS) is not None:
        return PageVerdict(Challenge, "captcha")
    if page.says(_CHALLENGE):
        return PageVerdict(Challenge, "challenge_page")
    return None


def _blocked(page: _Page, status: int) -> PageVerdict | None:
    if status == 429:
        return PageVerdict(Blocked, "http_429")
    if page.tree is not None and page.says(_BLOCK):
        return PageVerdict(Blocked, "block_page")
    return None


def _login(page: _Page, path: str) -> PageVerdict | None:
    if _LOGIN_PATH.match(path):
        return PageVerdict(LoginRequired, "login_url")
    if page.tree is None or page.has_posts:
        return None
    tree = page.tree
    facebook_form = tree.css_first("form#login_form") is not None or (
        tree.css_first("input[name=email]") is not None
        and tree.css_first("input[name=pass]") is not None
    )
    generic_form = page.thin and (
        tree.css_first(_LOGIN_FORMS) is not None
        or tree.css_first("input[type=password]") is not None
    )
    if facebook_form or generic_form:
        return PageVerdict(LoginRequired, "login_form")
    if page.says(_LOGIN):
        return PageVerdict(LoginRequired, "login_page")
    return None


class _Page:
    """The parts of a page the rules read, computed once."""

    def __init__(self, html: str) -> None:
        self.tree: LexborHTMLParser | None = LexborHTMLParser(html) if html.strip() else None
        self.title = ""
        self.has_posts = False
        self.thin = False
        self.words = 0
        self._scripts: list[str] = []
        self._headings: list[str] = []
        self._dialogs: list[str] = []
        self._dialog_headings: list[str] = []
        self._text = ""
        if self.tree is not None:
            self._read(self.tree)

    def _read(self, tree: LexborHTMLParser) -> None:
        title = tree.css_first("title")
        self.title = normalise(title.text()) if title is not None else ""
        self._scripts = [s.text() for s in tree.css("script") if not s.attributes.get("src")]
        # Only the site's own chrome is read from here on: invisible nodes and posts go.
        # Innermost first, so no node is freed twice when matches nest.
        for node in reversed(tree.css(_INVISIBLE)):
            node.decompose()
        posts = tree.css(_POSTS)
        self.has_posts = bool(posts)
        for node in reversed(posts):
            node.decompose()
        body = tree.body
        self._text = normalise(body.text(separator=" ")) if body is not None else ""
        self.words = len(self._text.split())
        self.thin = not self.has_posts and self.words <= THIN_WORDS
        self._headings = [_exact(h.text(separator=" ")) for h in tree.css(_HEADINGS)]
        dialogs = tree.css(_DIALOGS)
        self._dialogs = [normalise(d.text(separator=" ")) for d in dialogs]
        self._dialog_headings = [
            _exact(h.text(separator=" ")) for d in dialogs for h in d.css(_HEADINGS)
        ]

    def has_script_marker(self, marker: str) -> bool:
        return any(marker in script for script in self._scripts)

    def says(self, phrases: _Phrases) -> bool:
        """A dialog heading or sentence matches; or, on a thin page, the title, a heading or
        a sentence of the text does."""
        exact, patterns = phrases.exact, phrases.patterns
        if any(h in exact for h in self._dialog_headings):
            return True
        if any(p.search(d) for p in patterns for d in self._dialogs):
            return True
        if not self.thin:
            return False
        if _exact(_title_head(self.title)) in exact or _exact(self.title) in exact:
            return True
        if any(h in exact for h in self._headings):
            return True
        return any(p.search(self._text) for p in patterns)
