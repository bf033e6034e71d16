from django.urls import URLPattern, path

from . import views

app_name = "dashboards"
urlpatterns: list[URLPattern] = [
    path("", views.dashboard_view, name="dashboard"),
    path("oversight/", views.oversight_view, name="oversight"),
]
