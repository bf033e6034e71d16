from django.urls import URLPattern, URLResolver

from .urls_classify import urlpatterns as classify_urlpatterns
from .urls_hotspots import urlpatterns as hotspots_urlpatterns

app_name = "textmining"
urlpatterns: list[URLPattern | URLResolver] = [*classify_urlpatterns, *hotspots_urlpatterns]
