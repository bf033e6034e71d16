"""Page-number pagination with a client-chosen page size (capped). A page size that is not a
positive whole number is refused (400 on `page_size`) instead of silently replaced by the
default; a page that does not exist answers 404 (DRF's own rule)."""

from typing import Any

from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request


class Pagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500

    def get_page_size(self, request: Request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if not raw:  # absent or empty, as an empty filter: the default
            return self.page_size
        if not (raw.isascii() and raw.isdigit()) or not raw.strip("0"):
            raise exceptions.ValidationError(
                {self.page_size_query_param: [_("每页条数必须是正整数。")]}, code="invalid"
            )
        # Digits only, so a very long number is simply more than the cap (no int() of it).
        return self.max_page_size if len(raw.lstrip("0")) > 9 else min(int(raw), self.max_page_size)

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            # Whole numbers from 1; a larger page size than the cap is served at the cap.
            parameter["schema"]["minimum"] = 1
        return parameters
