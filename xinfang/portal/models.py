"""The portal's service account, as a proxy of the user model (no table of its own).

Online petitions need a user to be registered by (`Matter.registered_by`, `Review.recorded_by`,
`Document.issued_by` are foreign keys to users), so the portal has one account, "portal": an
unusable password (nobody signs in with it), active, no memberships. When the portal acts for a
member of the public — registering the petition, recording a review request — it acts as a
`PortalAccount` loaded for that one call, which passes the policy checks as the system does
(`is_superuser` set on that object only) and is recorded under its own name in the audit log. The
flag never reaches the database: `save()` refuses."""

from __future__ import annotations

from typing import Any

from xinfang.accounts.models import User


class PortalAccount(User):
    """The portal's service account acting for the public (see the module docstring)."""

    class Meta:
        proxy = True
        app_label = "portal"
        default_permissions = ()

    def save(self, *args: Any, **kwargs: Any) -> None:
        raise RuntimeError("the portal's acting account is never saved; change the user through accounts.services")
