from django.urls import URLPattern, path

from . import views

app_name = "supervision"
urlpatterns: list[URLPattern] = [
    path("", views.order_list_view, name="orders"),
    path("orders/new/", views.order_create_view, name="order_create"),
    path("orders/<int:pk>/", views.order_detail_view, name="order_detail"),
    path("orders/<int:pk>/<slug:action>/", views.order_action_view, name="order_action"),
    path("referrals/", views.referral_list_view, name="referrals"),
    path("referrals/new/", views.referral_create_view, name="referral_create"),
    path("referrals/<int:pk>/", views.referral_detail_view, name="referral_detail"),
    path("referrals/<int:pk>/<slug:action>/", views.referral_action_view, name="referral_action"),
    path("accountability/", views.record_list_view, name="records"),
    path("accountability/new/", views.record_create_view, name="record_create"),
    path("accountability/<int:pk>/", views.record_detail_view, name="record_detail"),
    path("appointments/", views.appointment_list_view, name="appointments"),
    path("conference/", views.meeting_list_view, name="meetings"),
    path("conference/new/", views.meeting_create_view, name="meeting_create"),
    path("conference/<int:pk>/", views.meeting_detail_view, name="meeting_detail"),
    path("conference/<int:pk>/decide/", views.decision_add_view, name="decision_add"),
    path("conference/decisions/<int:pk>/follow-up/", views.decision_follow_up_view, name="decision_follow_up"),
]
