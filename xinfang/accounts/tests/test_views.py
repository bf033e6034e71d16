"""Login, logout, lockout and session security."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse

from xinfang.accounts.roles import Role
from xinfang.core.testing import TEST_PASSWORD, make_user

pytestmark = pytest.mark.django_db


class LoginTests:
    def test_login_and_logout(self, client, mini):
        make_user((Role.RECEPTION_CLERK, mini.town_a_office), username="clerk.a")
        response = client.post(reverse("accounts:login"), {"username": "clerk.a", "password": TEST_PASSWORD})
        assert response.status_code == 302 and response.url == reverse("core:home")
        home = client.get(reverse("core:home"))
        assert "甲镇信访办" in home.content.decode()
        assert client.get(reverse("accounts:logout")).status_code == 405  # logout only by POST (CSRF)
        client.post(reverse("accounts:logout"))
        assert client.get(reverse("core:home")).status_code == 302

    def test_wrong_password_translated(self, client, mini):
        make_user(username="clerk.b")
        response = client.post(reverse("accounts:login"), {"username": "clerk.b", "password": "nope"})
        assert "用户名或密码不正确" in response.content.decode()
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        response = client.post(reverse("accounts:login"), {"username": "clerk.b", "password": "nope"})
        assert "incorrect" in response.content.decode()

    def test_lockout_after_repeated_failures(self, client, mini):
        make_user(username="clerk.c")
        for _ in range(settings.AXES_FAILURE_LIMIT):
            client.post(reverse("accounts:login"), {"username": "clerk.c", "password": "wrong"})
        response = client.post(reverse("accounts:login"), {"username": "clerk.c", "password": TEST_PASSWORD})
        assert response.status_code == 429
        assert "登录失败次数过多" in response.content.decode()
        assert client.get(reverse("core:home")).status_code == 302  # still not signed in

    def test_session_cookie_is_http_only_and_expires(self, client, mini):
        make_user(username="clerk.d")
        client.post(reverse("accounts:login"), {"username": "clerk.d", "password": TEST_PASSWORD})
        cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        assert cookie["httponly"]
        assert cookie["samesite"] == "Lax"
        assert settings.SESSION_COOKIE_AGE <= 8 * 3600

    def test_csrf_is_enforced(self, mini):
        from django.test import Client

        make_user(username="clerk.e")
        strict = Client(enforce_csrf_checks=True)
        response = strict.post(reverse("accounts:login"), {"username": "clerk.e", "password": TEST_PASSWORD})
        assert response.status_code == 403

    def test_language_switch_persists(self, client, mini):
        client.post(reverse("accounts:set_language"), {"language": "zh-hant", "next": "/"})
        page = client.get(reverse("accounts:login"))
        assert 'lang="zh-hant"' in page.content.decode()
        assert "登錄" in page.content.decode() or "登入" in page.content.decode()


class AccountSettingsTests:
    def test_language_choice_follows_the_user(self, client, mini):
        from django.test import Client

        user = make_user(username="clerk.f")
        client.force_login(user)
        client.post(reverse("accounts:set_language"), {"language": "en", "next": "/"})
        user.refresh_from_db()
        assert user.preferred_language == "en"
        other_device = Client()
        response = other_device.post(reverse("accounts:login"), {"username": "clerk.f", "password": TEST_PASSWORD})
        assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
        assert "My organisations" in other_device.get(reverse("core:home")).content.decode()

    def test_unknown_language_is_ignored(self, client, mini):
        user = make_user(username="clerk.g")
        client.force_login(user)
        client.post(reverse("accounts:set_language"), {"language": "xx", "next": "/"})
        user.refresh_from_db()
        assert user.preferred_language == ""

    def test_password_change_enforces_rules(self, client, mini):
        make_user(username="clerk.h")
        client.post(reverse("accounts:login"), {"username": "clerk.h", "password": TEST_PASSWORD})
        url = reverse("accounts:password_change")
        weak = client.post(url, {"old_password": TEST_PASSWORD, "new_password1": "12345", "new_password2": "12345"})
        assert weak.status_code == 200 and "密码" in weak.content.decode()
        good = "a-much-better-passphrase-7"
        done = client.post(url, {"old_password": TEST_PASSWORD, "new_password1": good, "new_password2": good})
        assert done.status_code == 302
        client.post(reverse("accounts:logout"))
        assert client.post(reverse("accounts:login"), {"username": "clerk.h", "password": good}).status_code == 302
