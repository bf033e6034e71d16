"""Who may read and edit the power list: editing (entries, matter types, recording jurisdiction
decisions) needs powerlist.manage (system administrators); reading, org.view (every staff member)."""

from __future__ import annotations

from xinfang.accounts.roles import Action

POWERLIST_VIEW = Action.ORG_VIEW
POWERLIST_MANAGE = Action.POWERLIST_MANAGE
