from django.urls import URLPattern

from .views import intake, triage, workbench

app_name = "petitions"
urlpatterns: list[URLPattern] = [*workbench.urlpatterns, *intake.urlpatterns, *triage.urlpatterns]
