from django.urls import URLPattern, path

from . import views

app_name = "statistics"
urlpatterns: list[URLPattern] = [
    path("", views.public_statistics_view, name="public"),
]
