"""Who may read and edit the power list. The role matrix has no power-list actions yet: editing
(entries, matter types, recording jurisdiction decisions) is for those who maintain reference
data (org.manage: system administrators), reading for every staff member (org.view). Point
these at dedicated actions when the matrix gets them; nothing else needs to change."""

from __future__ import annotations

from xinfang.accounts.roles import Action

POWERLIST_VIEW = Action.ORG_VIEW
POWERLIST_MANAGE = Action.ORG_MANAGE
