from django.urls import URLPattern, URLResolver, path

from .views_hotspots import hotspot_detail_view, hotspot_list_view, reply_check_view

urlpatterns: list[URLPattern | URLResolver] = [
    path("hotspots/", hotspot_list_view, name="hotspots"),
    path("hotspots/<str:key>/", hotspot_detail_view, name="hotspot_detail"),
    path("reply-check/", reply_check_view, name="reply_check"),
]
