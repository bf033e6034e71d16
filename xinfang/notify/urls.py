from django.urls import URLPattern, path

from . import views

app_name = "notify"
urlpatterns: list[URLPattern] = [
    path("", views.notification_list_view, name="list"),
    path("badge/", views.notification_badge_view, name="badge"),
    path("<int:pk>/read/", views.notification_read_view, name="read"),
    path("read-all/", views.notification_read_all_view, name="read_all"),
]
