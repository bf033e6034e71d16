from django.urls import path

from . import views

app_name = "notices"
urlpatterns = [
    path("verify/", views.verify_view, name="verify"),
    path("verify/<str:code>/", views.verify_code_view, name="verify_code"),
    path("<int:pk>/pdf/", views.document_pdf_view, name="pdf"),
]
