from django.urls import URLPattern

from .views import handling, intake, triage, workbench

app_name = "petitions"
urlpatterns: list[URLPattern] = [
    *workbench.urlpatterns,
    *intake.urlpatterns,
    *triage.urlpatterns,
    *handling.urlpatterns,
]
