from django.urls import URLPattern, URLResolver, path

from . import views

app_name = "legalservices"
urlpatterns: list[URLPattern | URLResolver] = [
    # Public (no login).
    path("", views.catalogue_view, name="catalogue"),
    path("points/<int:pk>/", views.point_view, name="point"),
    path("request/", views.request_view, name="request"),
    path("request/done/", views.done_view, name="done"),
    path("status/", views.status_view, name="status"),
    # Staff.
    path("staff/", views.inbox_view, name="staff_inbox"),
    path("staff/new/", views.staff_new_view, name="staff_new"),
    path("staff/new/slip/", views.staff_slip_view, name="staff_slip"),
    path("staff/<int:pk>/", views.detail_view, name="staff_detail"),
    path("staff/<int:pk>/<slug:action>/", views.action_view, name="staff_action"),
]
