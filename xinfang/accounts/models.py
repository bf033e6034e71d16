"""Users and their memberships of organisations."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.db import models
from django.utils.translation import gettext_lazy as _

from xinfang.core.querysets import RestrictedManager, RestrictedQuerySet
from xinfang.orgs.models import Organisation

from .roles import Role


class UserManager(DjangoUserManager.from_queryset(RestrictedQuerySet)):  # type: ignore[misc]
    """Django's user manager (create_user, normalize_email …) over the restricted queryset."""

    def restrict(self, user: object, action: str) -> RestrictedQuerySet[User]:
        return self.get_queryset().restrict(user, action)  # type: ignore[attr-defined, no-any-return]


class User(AbstractUser):
    """A person who signs in: staff of an organisation, or (later) a member of the public.
    What a user may do comes from their memberships (`Membership`), never from Django groups."""

    # Users are seen through the organisations they belong to.
    restrict_org_field = "memberships__organisation"

    display_name = models.CharField(_("姓名"), max_length=60, blank=True)
    phone = models.CharField(_("手机号码"), max_length=20, blank=True)
    preferred_language = models.CharField(_("界面语言"), max_length=10, blank=True)

    objects = UserManager()  # type: ignore[misc]

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.display_name or self.username


class Membership(models.Model):
    """A user's role in one organisation. One user may hold several (e.g. grid worker and mediator)."""

    restrict_org_field = "organisation"

    user = models.ForeignKey(User, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("机构"), on_delete=models.PROTECT, related_name="memberships"
    )
    role = models.CharField(_("角色"), max_length=24, choices=Role.choices)
    title = models.CharField(_("职务"), max_length=60, blank=True)
    is_active = models.BooleanField(_("有效"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = RestrictedManager["Membership"]()

    class Meta:
        verbose_name = _("任职")
        verbose_name_plural = _("任职")
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation", "role"], name="membership_unique_role_per_org")
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.organisation} · {self.get_role_display()}"


__all__ = ["Membership", "RestrictedQuerySet", "User"]
