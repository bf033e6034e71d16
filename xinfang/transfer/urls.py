from django.urls import URLPattern, path

from . import views

app_name = "transfer"
urlpatterns: list[URLPattern] = [
    path("import/", views.import_view, name="import"),
    path("import/jobs/", views.job_list_view, name="jobs"),
    path("import/jobs/<int:pk>/", views.job_detail_view, name="job"),
    path("import/jobs/<int:pk>/status/", views.job_status_view, name="job_status"),
    path("import/jobs/<int:pk>/confirm/", views.job_confirm_view, name="job_confirm"),
    path("import/templates/<slug:kind>.<slug:fmt>", views.template_view, name="template"),
]
