from django.urls import URLPattern, path

from . import views

app_name = "mediation"
urlpatterns: list[URLPattern] = [
    path("", views.case_list_view, name="list"),
    path("new/", views.case_new_view, name="new"),
    path("network/", views.directory_view, name="directory"),
    path("<int:pk>/", views.case_detail_view, name="detail"),
    path("<int:pk>/agreement.pdf", views.case_agreement_pdf_view, name="agreement_pdf"),
    path("<int:pk>/<slug:action>/", views.case_action_view, name="action"),
]
