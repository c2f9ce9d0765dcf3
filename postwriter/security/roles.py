"""Who is calling: an API key's identity and role. Roles nest: each includes those below it."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum


class Role(IntEnum):
    """viewer reads; analyst also generates; operator also runs jobs, schedules, dead letters
    and recipes; admin also manages keys, sessions, webhooks and reads the audit log."""

    VIEWER = 1
    ANALYST = 2
    OPERATOR = 3
    ADMIN = 4

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, value: str) -> Role:
        try:
            return cls[value.upper()]
        except KeyError:
            raise ValueError(f"unknown role {value!r}") from None


ROLE_NAMES = tuple(r.label for r in Role)


@dataclass(frozen=True, slots=True)
class Principal:
    key_id: str
    role: Role
    name: str
    # Requests per minute for this key.
    rate_per_minute: int

    @property
    def id(self) -> str:
        """A stable, non-secret name fit for logs and ownership fields."""
        return f"key:{self.key_id}"

    def allows(self, needed: Role) -> bool:
        return self.role >= needed
