"""Typed application keys: every resource lives on the app, never in a global."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from postwriter.messaging.broker import Broker
from postwriter.security.egress import EgressPolicy
from postwriter.security.roles import Principal
from postwriter.services.events import EventSink
from postwriter.sessions.vault import SessionVault
from postwriter.settings import Settings
from postwriter.storage.database import Database

from .hub import EventHub
from .openapi import Operation

SETTINGS = web.AppKey("settings", Settings)
DATABASE = web.AppKey("database", Database)
BROKER = web.AppKey("broker", Broker)
EVENTS = web.AppKey("events", EventSink)
HUB = web.AppKey("hub", EventHub)
POLICY = web.AppKey("policy", EgressPolicy)
VAULT = web.AppKey("vault", SessionVault)
PRINCIPAL = web.RequestKey("principal", Principal)
# Set by the validation middleware from the OpenAPI document: typed query and JSON body.
QUERY = web.RequestKey("query", dict[str, Any])
BODY = web.RequestKey("body", dict[str, Any])
OPERATION = web.RequestKey("operation", Operation)
