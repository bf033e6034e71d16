from django.urls import URLPattern

app_name = "powerlist"
urlpatterns: list[URLPattern] = []
