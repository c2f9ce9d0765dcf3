"""Everything a scrape consumer needs, built once inside the running loop."""

from __future__ import annotations

from dataclasses import dataclass

from postwriter.browser.pool import BrowserPool
from postwriter.messaging.broker import Broker
from postwriter.politeness.ratelimit import DomainRateLimiter
from postwriter.politeness.robots import RobotsCache
from postwriter.security.egress import EgressPolicy
from postwriter.security.keyring import KeyRing
from postwriter.services.events import EventSink
from postwriter.services.page_scraper import PageScraper
from postwriter.services.robots_fetch import robots_fetcher
from postwriter.services.scrape import Scraper
from postwriter.sessions.vault import SessionVault
from postwriter.settings import Settings
from postwriter.storage.database import Database


@dataclass(frozen=True, slots=True)
class Politeness:
    limiter: DomainRateLimiter
    robots: RobotsCache

    async def purge(self) -> None:
        await self.limiter.purge()
        await self.robots.purge()


def build_vault(settings: Settings, db: Database) -> SessionVault:
    return SessionVault(db, KeyRing.from_config(settings.keys, settings.keys_file))


def build_politeness(settings: Settings, db: Database, policy: EgressPolicy) -> Politeness:
    limiter = DomainRateLimiter(
        db.db["politeness"],
        per_minute=settings.rate_per_minute,
        per_hour=settings.rate_per_hour,
        backoff_min_s=settings.backoff_min_s,
        backoff_max_s=settings.backoff_max_s,
    )
    robots = RobotsCache(db.db["robots"], robots_fetcher(policy))
    return Politeness(limiter, robots)


async def build_scraper(
    settings: Settings, db: Database, broker: Broker, pool: BrowserPool
) -> tuple[Scraper, Politeness]:
    policy = EgressPolicy(settings.egress_allow)
    politeness = build_politeness(settings, db, policy)
    await politeness.limiter.ensure_indexes()
    vault = build_vault(settings, db)
    await vault.ensure_indexes()
    pages = PageScraper(
        settings,
        db,
        pool,
        policy,
        limiter=politeness.limiter,
        robots=politeness.robots,
        vault=vault,
    )
    scraper = Scraper(settings, db, EventSink(db, broker), pages)
    return scraper, politeness
