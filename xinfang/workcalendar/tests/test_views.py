"""The public calendar pages: the deadline calculator (plain GET and htmx) and a year's rest days."""

from __future__ import annotations

import datetime

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from xinfang.accounts.models import User

pytestmark = pytest.mark.django_db
URL = reverse("workcalendar:deadline")


class DeadlinePageTests:
    """Public: anonymous visitors are allowed (there is no denied case)."""

    def test_empty_form_without_login(self, client: Client) -> None:
        response = client.get(URL)
        assert response.status_code == 200
        html = response.content.decode()
        assert 'name="start"' in html and 'hx-get="' + URL + '"' in html
        assert "<html" in html
        assert timezone.localdate().isoformat() in html  # start defaults to today

    def test_plain_get_shows_result_and_explanation(self, client: Client) -> None:
        response = client.get(URL, {"start": "2026-09-16", "period": "15", "unit": "calendar"})
        html = response.content.decode()
        assert response.status_code == 200
        assert 'datetime="2026-10-08"' in html
        assert "民法典第二百零三条" in html
        assert "国庆节" in html
        days = (datetime.date(2026, 10, 8) - timezone.localdate()).days
        if days > 0:
            assert f"距今天还有 {days} 天" in html
        elif days < 0:
            assert f"已过期 {-days} 天" in html

    def test_htmx_gets_only_the_fragment(self, client: Client) -> None:
        response = client.get(
            URL, {"start": "2026-02-13", "period": "5", "unit": "working"}, headers={"HX-Request": "true"}
        )
        html = response.content.decode()
        assert response.status_code == 200
        assert "<html" not in html
        assert 'datetime="2026-02-27"' in html
        assert "调休上班日" in html
        assert "HX-Request" in response["Vary"]

    def test_htmx_history_restore_gets_the_whole_page(self, client: Client) -> None:
        headers = {"HX-Request": "true", "HX-History-Restore-Request": "true"}
        response = client.get(URL, {"start": "2026-02-13", "period": "5", "unit": "working"}, headers=headers)
        assert "<html" in response.content.decode()

    def test_provisional_warning(self, client: Client) -> None:
        html = client.get(URL, {"start": "2026-12-20", "period": "15", "unit": "calendar"}).content.decode()
        assert 'datetime="2027-01-04"' in html
        assert "暂定" in html

    @pytest.mark.parametrize(
        ("language", "text"),
        [("zh-hans", "期间过长"), ("en", "The period is too long")],
    )
    def test_bad_input_shows_translated_error(self, client: Client, language: str, text: str) -> None:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        response = client.get(URL, {"start": "2026-03-02", "period": "300", "unit": "month"})
        assert response.status_code == 200
        assert text in response.content.decode()

    @pytest.mark.parametrize(("language", "text"), [("zh-hans", "无法计算"), ("en", "Cannot calculate")])
    def test_bad_input_htmx_in_accept_language(self, client: Client, language: str, text: str) -> None:
        response = client.get(
            URL,
            {"start": "not-a-date", "period": "0", "unit": "calendar"},
            headers={"HX-Request": "true", "Accept-Language": language},
        )
        html = response.content.decode()
        assert text in html
        assert "alert-danger" in html

    def test_english_page(self, client: Client) -> None:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        html = client.get(URL, {"start": "2026-09-16", "period": "15", "unit": "calendar"}).content.decode()
        assert "Deadline calculator" in html
        assert "National Day" in html

    def test_unrelated_parameters_show_the_empty_form(self, client: Client) -> None:
        html = client.get(URL, {"utm_source": "x"}).content.decode()
        assert "alert-danger" not in html

    def test_post_is_not_allowed(self, client: Client) -> None:
        assert client.post(URL).status_code == 405


class YearPageTests:
    def test_official_year(self, client: Client) -> None:
        response = client.get(reverse("workcalendar:year", args=[2026]))
        html = response.content.decode()
        assert response.status_code == 200
        assert "春节" in html and "2026-02-15" in html and "2026-02-23" in html
        assert "2026-02-28" in html  # a make-up working day
        assert "正式" in html

    def test_provisional_year(self, client: Client) -> None:
        html = client.get(reverse("workcalendar:year", args=[2027])).content.decode()
        assert "暂定" in html
        assert "没有调休上班日" in html

    def test_unstored_supported_year_is_provisional(self, client: Client) -> None:
        assert "暂定" in client.get(reverse("workcalendar:year", args=[2040])).content.decode()

    @pytest.mark.parametrize("year", [1999, 2003, 2100])
    def test_unsupported_year(self, client: Client, year: int) -> None:
        assert client.get(reverse("workcalendar:year", args=[year])).status_code == 404

    def test_index_redirects_to_this_year(self, client: Client) -> None:
        response = client.get(reverse("workcalendar:index"))
        assert response.status_code == 302
        assert response["Location"].endswith(f"/calendar/{timezone.localdate().year}/")


class AdminTests:
    """Read-only admin: staff see the calendar; nobody adds or changes it there."""

    @pytest.fixture
    def admin_client(self, client: Client) -> Client:
        user = User.objects.create_superuser(username="root", password="x" * 12)
        client.force_login(user)
        return client

    def test_changelists(self, admin_client: Client) -> None:
        for name in ("calendaryear", "calendarday", "clock"):
            assert admin_client.get(reverse(f"admin:workcalendar_{name}_changelist")).status_code == 200

    def test_no_add_or_change(self, admin_client: Client) -> None:
        assert admin_client.get(reverse("admin:workcalendar_calendarday_add")).status_code == 403
        response = admin_client.post(reverse("admin:workcalendar_calendaryear_change", args=[2026]), {"status": "x"})
        assert response.status_code == 403

    def test_anonymous_is_sent_to_login(self, client: Client) -> None:
        response = client.get(reverse("admin:workcalendar_calendarday_changelist"))
        assert response.status_code == 302
