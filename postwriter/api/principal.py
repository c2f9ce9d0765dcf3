"""The caller's identity and role, as the API sees it (defined in postwriter.security.roles)."""

from postwriter.security.roles import ROLE_NAMES, Principal, Role

__all__ = ["ROLE_NAMES", "Principal", "Role"]
