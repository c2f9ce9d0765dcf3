"""Typed application keys: every resource lives on the app, never in a global."""

from __future__ import annotations

from aiohttp import web

from postwriter.messaging.broker import Broker
from postwriter.security.egress import EgressPolicy
from postwriter.services.events import EventSink
from postwriter.sessions.vault import SessionVault
from postwriter.settings import Settings
from postwriter.storage.database import Database

from .hub import EventHub

SETTINGS = web.AppKey("settings", Settings)
DATABASE = web.AppKey("database", Database)
BROKER = web.AppKey("broker", Broker)
EVENTS = web.AppKey("events", EventSink)
HUB = web.AppKey("hub", EventHub)
POLICY = web.AppKey("policy", EgressPolicy)
VAULT = web.AppKey("vault", SessionVault)
PRINCIPAL = web.RequestKey("principal", str)
