"""The system itself as an actor: management commands and background jobs act as SYSTEM, which
passes every policy check and is recorded as "system" in the audit log. Views never use it."""

from __future__ import annotations


class _SystemActor:
    pk = None
    id = None
    is_authenticated = True
    is_active = True
    is_superuser = True
    is_staff = False
    is_anonymous = False

    def get_username(self) -> str:
        return "system"

    def __str__(self) -> str:
        return "system"


SYSTEM = _SystemActor()
