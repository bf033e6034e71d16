from django.http import HttpResponse
from django.urls import path

app_name = "workcalendar"
# Placeholder until the deadline calculator lands (replaced by the workcalendar work).
urlpatterns = [path("deadline/", lambda r: HttpResponse(""), name="deadline")]
