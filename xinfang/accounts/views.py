"""Sign in and out, change password, choose the interface language. Django's views, with our
forms and templates; the language choice follows the user to every device."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.urls import reverse_lazy
from django.utils.translation import check_for_language
from django.views.i18n import set_language as django_set_language

from .forms import LoginForm
from .models import User


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        response = super().form_valid(form)
        language = form.get_user().preferred_language
        if language and check_for_language(language):
            response.set_cookie(settings.LANGUAGE_COOKIE_NAME, language, samesite="Lax")
        return response


class LogoutView(auth_views.LogoutView):
    pass


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:password_change_done")


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "accounts/password_change_done.html"


def set_language(request: HttpRequest) -> HttpResponse:
    """Django's set_language, remembering the choice on the signed-in user's account."""
    response = django_set_language(request)
    language = request.POST.get("language", "")
    user = request.user
    if request.method == "POST" and user.is_authenticated and check_for_language(language):
        User.objects.filter(pk=user.pk).update(preferred_language=language)
    return response
