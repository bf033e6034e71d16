from django.urls import URLPattern

app_name = "publicorder"
urlpatterns: list[URLPattern] = []
