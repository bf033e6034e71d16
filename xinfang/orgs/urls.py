from django.urls import path

from . import views

app_name = "orgs"
urlpatterns = [
    path("", views.organisation_tree_view, name="tree"),
    path("<int:pk>/", views.organisation_detail_view, name="detail"),
]
