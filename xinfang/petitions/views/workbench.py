"""Views: workbench (each area of the petitions app keeps its views and urlpatterns in its own module)."""

from __future__ import annotations

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
