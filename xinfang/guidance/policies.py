"""Who may edit the complaint and appeal guides: the administrators of the reference data (the
power list and the classified-handling list), i.e. powerlist.manage; reading them in the admin,
org.view (every staff member). The public reads published guides without login."""

from __future__ import annotations

from xinfang.accounts.roles import Action

GUIDE_VIEW = Action.ORG_VIEW
GUIDE_MANAGE = Action.POWERLIST_MANAGE
