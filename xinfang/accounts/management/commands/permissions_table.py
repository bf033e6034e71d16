"""Print the role × action × scope matrix as the Markdown table kept in docs/permissions.md."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from xinfang.accounts.roles import ROLE_MATRIX, Action, Role


def matrix_markdown() -> str:
    """One row per action, one column per role; a cell holds the scope code or "-"."""
    roles = list(Role)
    header = "| action | " + " | ".join(r.value for r in roles) + " |"
    rule = "|---|" + "---|" * len(roles)
    rows = [f"| {a.value} | " + " | ".join(ROLE_MATRIX.get(r, {}).get(a, "-") for r in roles) + " |" for a in Action]
    return "\n".join([header, rule, *rows])


class Command(BaseCommand):
    help = "Print the permission matrix (docs/permissions.md) from xinfang/accounts/roles.py."

    def handle(self, *args: object, **options: object) -> None:
        self.stdout.write(matrix_markdown())
