from django.http import HttpResponse
from django.urls import path

app_name = "audit"
# Placeholder until the audit event list lands (replaced by the audit work).
urlpatterns = [path("", lambda r: HttpResponse(""), name="events")]
