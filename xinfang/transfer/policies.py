"""Who may import what: matters and petitioners need matter.register at the organisation they are
imported for (the counter's permission); the power list needs powerlist.manage. Jobs are seen by
the user who started them, and all of them by system administrators (`IMPORT_ADMIN`)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from xinfang.accounts.policies import user_can
from xinfang.accounts.roles import Action
from xinfang.orgs.models import Organisation

from .models import ImportKind

IMPORT_ACTIONS: dict[str, str] = {
    ImportKind.MATTERS: Action.MATTER_REGISTER,
    ImportKind.PETITIONERS: Action.MATTER_REGISTER,
    ImportKind.POWERLIST: Action.POWERLIST_MANAGE,
}
# Whoever holds this action everywhere (system administrators) sees every import job.
IMPORT_ADMIN = Action.USER_MANAGE


def needs_organisation(kind: str) -> bool:
    """Matters and petitioners are imported for one organisation; the power list is district-wide."""
    return kind != ImportKind.POWERLIST


def import_can(user: Any, kind: str, organisation: Organisation | None = None) -> bool:
    """May `user` import `kind` (for `organisation`; with none: anywhere)?"""
    action = IMPORT_ACTIONS.get(kind)
    if action is None:
        return False
    if organisation is None and needs_organisation(kind):
        return user_can(user, action)
    return user_can(user, action, organisation)


def import_require(user: Any, kind: str, organisation: Organisation | None) -> None:
    """PermissionDenied (translated) unless the user may import `kind` for `organisation`."""
    if needs_organisation(kind) and organisation is None:
        raise PermissionDenied(_("请选择导入的机构。"))
    if not import_can(user, kind, organisation):
        raise PermissionDenied(
            _("您没有权限导入%(kind)s。") % {"kind": ImportKind(kind).label}
            if organisation is None
            else _("您没有权限为“%(org)s”导入%(kind)s。") % {"org": organisation.name, "kind": ImportKind(kind).label}
        )


def import_kinds(user: Any) -> list[str]:
    """The kinds the user may import somewhere (the upload form's choices; the nav entry)."""
    return [kind for kind in ImportKind.values if import_can(user, kind)]
