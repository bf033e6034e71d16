from django.urls import path

from . import views

app_name = "powerlist"
urlpatterns = [
    path("", views.power_list_view, name="list"),
    path("<int:pk>/", views.matter_type_detail_view, name="matter_type"),
]
