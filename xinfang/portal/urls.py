from django.urls import URLPattern, URLResolver, path

from . import views

app_name = "portal"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.home_view, name="home"),
    path("privacy/", views.privacy_view, name="privacy"),
    path("submit/", views.submit_view, name="submit"),
    path("submit/receipt/", views.receipt_view, name="receipt"),
    path("track/", views.track_view, name="track"),
    path("track/matter/", views.track_detail_view, name="track_detail"),
    path("track/evaluate/", views.evaluate_view, name="evaluate"),
    path("track/review/", views.review_view, name="review"),
    path("track/documents/<int:pk>/", views.document_view, name="document"),
    path("track/leave/", views.leave_view, name="leave"),
    path("staff/matters/<int:pk>/query-code/", views.staff_query_code_view, name="staff_query_code"),
]
