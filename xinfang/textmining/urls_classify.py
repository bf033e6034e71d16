from django.urls import URLPattern, URLResolver, path

from . import classifier_views

urlpatterns: list[URLPattern | URLResolver] = [
    path("classify/choose/", classifier_views.classify_choose_view, name="classify_choose"),
    path("classify/mappings/", classifier_views.classify_mappings_view, name="classify_mappings"),
    path(
        "classify/mappings/<int:pk>/delete/",
        classifier_views.classify_mapping_delete_view,
        name="classify_mapping_delete",
    ),
]
