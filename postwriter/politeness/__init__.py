"""Politeness shared by every consumer: per-domain rate limit and backoff, robots.txt, and
typed failures for block, challenge and login pages. See docs/politeness.md."""

from postwriter.politeness.domains import domain_key, host_of
from postwriter.politeness.pages import PageVerdict, classify_page
from postwriter.politeness.ratelimit import DomainRateLimiter, DomainState
from postwriter.politeness.robots import RobotsCache

__all__ = [
    "DomainRateLimiter",
    "DomainState",
    "PageVerdict",
    "RobotsCache",
    "classify_page",
    "domain_key",
    "host_of",
]
