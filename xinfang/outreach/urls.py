from django.urls import URLPattern, path

from . import views

app_name = "outreach"
urlpatterns: list[URLPattern] = [
    # Public (no login).
    path("", views.public_days_view, name="days"),
    path("book/<int:pk>/", views.book_view, name="book"),
    path("book/done/", views.done_view, name="done"),
    path("booking/", views.lookup_view, name="lookup"),
    # Staff.
    path("staff/days/", views.day_list_view, name="day_list"),
    path("staff/days/new/", views.day_new_view, name="day_new"),
    path("staff/days/<int:pk>/", views.day_detail_view, name="day_detail"),
    path("staff/days/<int:pk>/publish/", views.day_publish_view, name="day_publish"),
    path("staff/bookings/<int:pk>/mark/", views.booking_mark_view, name="booking_mark"),
    path("staff/visits/", views.visit_list_view, name="visit_list"),
    path("staff/visits/new/", views.visit_new_view, name="visit_new"),
    path("staff/visits/<int:pk>/", views.visit_detail_view, name="visit_detail"),
    path("staff/items/<int:pk>/<slug:action>/", views.item_action_view, name="item_action"),
    path("staff/assignments/", views.assignment_list_view, name="assignments"),
    path("staff/assignments/<int:pk>/plan/", views.plan_view, name="plan"),
    path("staff/figures/", views.figures_view, name="figures"),
]
