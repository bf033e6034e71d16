"""API plumbing that the apps' `apis.py` build on: error format, pagination, idempotency keys,
ETags, the restricted-queryset base views and the schema class (architecture.md, docs/api.md)."""
