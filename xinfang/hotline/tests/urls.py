"""The project's URLs plus the hotline pages, for the view tests until config/urls.py mounts them
at /hotline/ (then this adds nothing)."""

from django.urls import URLPattern, URLResolver, include, path

from config.urls import urlpatterns as project_urlpatterns

urlpatterns: list[URLPattern | URLResolver] = list(project_urlpatterns)
if not any(getattr(p, "namespace", None) == "hotline" for p in urlpatterns):
    urlpatterns.append(path("hotline/", include("xinfang.hotline.urls")))
