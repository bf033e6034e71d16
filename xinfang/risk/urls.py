from django.urls import URLPattern, path

from . import views

app_name = "risk"
urlpatterns: list[URLPattern] = [
    path("", views.decision_list_view, name="list"),
    path("lists/new/", views.list_create_view, name="list_create"),
    path("lists/<int:list_pk>/add/", views.decision_add_view, name="add"),
    path("flags/", views.flag_list_view, name="flags"),
    path("flags/<int:pk>/resolve/", views.flag_resolve_view, name="flag_resolve"),
    path("documents/<int:pk>/", views.document_view, name="document"),
    path("<int:pk>/", views.decision_detail_view, name="detail"),
    path("<int:pk>/<slug:action>/", views.decision_action_view, name="action"),
]
