from django.urls import URLPattern, path

from . import analysis, views

app_name = "grid"
urlpatterns: list[URLPattern] = [
    path("", views.event_list_view, name="list"),
    path("report/", views.event_report_view, name="report"),
    path("map/", views.grid_map_view, name="map"),
    path("analysis/", analysis.analysis_view, name="analysis"),
    path("events/<int:pk>/", views.event_detail_view, name="detail"),
    path("events/<int:pk>/<slug:action>/", views.event_action_view, name="action"),
]
