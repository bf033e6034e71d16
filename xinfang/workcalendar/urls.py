from django.urls import path

from . import views

app_name = "workcalendar"
urlpatterns = [
    path("", views.calendar_index_view, name="index"),
    path("deadline/", views.deadline_calculate_view, name="deadline"),
    path("<int:year>/", views.calendar_year_view, name="year"),
]
