from django.urls import URLPattern, URLResolver, path

from . import views

app_name = "guidance"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.map_view, name="map"),
    path("map.pdf", views.map_pdf_view, name="map_pdf"),
    path("guides/", views.guides_view, name="guides"),
    path("guides/<slug:slug>/", views.guide_view, name="guide"),
]
