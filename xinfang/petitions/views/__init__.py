"""Thin HTML views of petition matters, one module per area: intake, triage and routing, workbench."""
