"""Organisations over the API (read-only: the tree is kept by administrators in the admin and by
`orgs.services`). Reads go through `Organisation.objects.restrict(user, "org.view")`."""

from __future__ import annotations

from rest_framework import serializers

from xinfang.accounts.roles import Action
from xinfang.core.api.filters import FilterSet, IntegerFilter
from xinfang.core.api.views import RestrictedReadOnlyViewSet

from .models import Organisation, ReceptionPoint


class ReceptionPointSerializer(serializers.ModelSerializer[ReceptionPoint]):
    class Meta:
        model = ReceptionPoint
        fields = ["id", "name", "address", "hours", "phone"]


class OrganisationSerializer(serializers.ModelSerializer[Organisation]):
    local_name = serializers.CharField(read_only=True, help_text="The name in the request's language.")

    class Meta:
        model = Organisation
        fields = [
            "id",
            "parent",
            "name",
            "local_name",
            "short_name",
            "name_en",
            "code",
            "division_code",
            "kind",
            "function",
            "level",
            "depth",
            "is_external",
            "is_active",
            "successor",
            "phone",
            "email",
            "address",
            "website",
            "updated_at",
        ]


class OrganisationFilter(FilterSet):
    under = IntegerFilter(method="filter_under", help_text="Only this organisation and those below it.")

    class Meta:
        model = Organisation
        fields = ["parent", "kind", "function", "level", "is_active", "is_external", "code"]

    def filter_under(self, queryset, name, value):  # type: ignore[no-untyped-def]
        root = Organisation.objects.filter(pk=value).only("path").first()
        return queryset.filter(path__startswith=root.path) if root else queryset.none()


class OrganisationApi(RestrictedReadOnlyViewSet):
    """The organisations the caller may view, in tree order."""

    queryset = Organisation.objects.all().order_by("path")
    restrict_action = Action.ORG_VIEW
    serializer_class = OrganisationSerializer
    filterset_class = OrganisationFilter
    ordering_fields = ["path", "name", "code", "level", "sort_order"]


ROUTES = [("organisations", OrganisationApi, "organisation")]
