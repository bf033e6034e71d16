from django.urls import URLPattern, path

from . import views

app_name = "publicorder"
urlpatterns: list[URLPattern] = [
    path("", views.conduct_list_view, name="conduct_list"),
    path("conduct/new/", views.conduct_create_view, name="conduct_create"),
    path("conduct/<int:pk>/", views.conduct_detail_view, name="conduct_detail"),
    path("conduct/<int:pk>/evidence/", views.conduct_evidence_view, name="conduct_evidence"),
    path("evidence/<int:pk>/", views.evidence_view, name="evidence"),
    path("petitioners/<int:pk>/", views.petitioner_conduct_view, name="petitioner"),
    path("warnings/", views.warning_list_view, name="warning_list"),
    path("warnings/<int:pk>/", views.warning_detail_view, name="warning_detail"),
    path("warnings/<int:pk>/<slug:action>/", views.warning_action_view, name="warning_action"),
    path("litigation/", views.track_list_view, name="track_list"),
    path("litigation/<int:matter_pk>/", views.track_edit_view, name="track_edit"),
]
