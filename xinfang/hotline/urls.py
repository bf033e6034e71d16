from django.urls import URLPattern, path

from . import views

app_name = "hotline"
urlpatterns: list[URLPattern] = [
    path("", views.order_list_view, name="list"),
    path("<int:pk>/", views.order_detail_view, name="detail"),
    path("<int:pk>/caller/", views.order_caller_view, name="caller"),
    path("<int:pk>/<slug:action>/", views.order_action_view, name="action"),
]
