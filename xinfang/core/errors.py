"""Errors that services raise. Views turn them into translated messages; nothing is half-written
because services raise before (or roll back) their single transaction."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError

__all__ = ["PermissionDenied", "ServiceError", "ValidationError"]


class ServiceError(ValidationError):
    """A business rule refused the action. The message is translated and may cite a rule id."""
