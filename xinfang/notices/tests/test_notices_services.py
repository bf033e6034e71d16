"""Services of the written instruments: templates (placeholder whitelist), required fields per
kind (DOC-01, DOC-02, DOC-04, DOC-05, ...), numbering without gaps, voiding, delivery, audit."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from xinfang.audit.models import AuditEvent
from xinfang.notices.kinds import SPECS, DocumentKind
from xinfang.notices.models import Delivery, Document, DocumentStatus, DocumentTemplate, NumberSeries
from xinfang.notices.services import (
    delivery_record,
    document_issue,
    document_void,
    number_allocate,
    pattern_validate,
    template_save,
)

from .conftest import ACCEPTANCE, HANDLING_OPINION

pytestmark = pytest.mark.django_db


def _accept(world, **overrides):
    return document_issue(
        actor=world.clerk,
        kind=DocumentKind.ACCEPTANCE,
        organisation=world.mini.petition_bureau,
        matter=world.matter,
        context={**ACCEPTANCE, **overrides},
    )


class TemplatePlaceholderTests:
    def test_unknown_placeholders_are_refused_and_listed(self, world):
        body = "{{ petitioner_name }}：{{ id_number }}{% if secret %}x{% endif %}"
        with pytest.raises(ValidationError) as exc:
            template_save(
                actor=world.admin, kind=DocumentKind.ACCEPTANCE, body=body, valid_from=datetime.date(2026, 1, 1)
            )
        message = " ".join(exc.value.message_dict["body"])
        assert "id_number" in message and "secret" in message
        assert "未知的占位符" in message
        assert not DocumentTemplate.objects.exists()

    def test_tags_and_filters_outside_the_whitelist_are_refused(self, world):
        for body in ("{% load static %}{{ matter_number }}", "{{ matter_number|upper }}", "{% include 'x' %}"):
            with pytest.raises(ValidationError):
                template_save(
                    actor=world.admin, kind=DocumentKind.ACCEPTANCE, body=body, valid_from=datetime.date(2026, 1, 1)
                )

    def test_a_saved_template_is_versioned_used_and_audited(self, world):
        body = "{{ petitioner_name }}：自定义受理告知{{ acceptance_status }}{{ handling_route }}{{ time_limit }}"
        first = template_save(
            actor=world.admin, kind=DocumentKind.ACCEPTANCE, body=body, valid_from=datetime.date(2026, 1, 1)
        )
        second = template_save(
            actor=world.admin, kind=DocumentKind.ACCEPTANCE, body=body + "。", valid_from=datetime.date(2026, 1, 1)
        )
        assert (first.version, second.version) == (1, 2)
        document = _accept(world)
        assert document.template_version == 2 and "自定义受理告知" in document.body
        assert AuditEvent.objects.filter(action="document_template.save").count() == 2

    def test_only_administrators_edit_templates(self, world):
        with pytest.raises(PermissionDenied):
            template_save(
                actor=world.clerk,
                kind=DocumentKind.ACCEPTANCE,
                body="{{ matter_number }}",
                valid_from=datetime.date(2026, 1, 1),
            )

    def test_default_bodies_pass_their_own_whitelist(self):
        from xinfang.notices.rendering import template_validate

        for kind, spec in SPECS.items():
            template_validate(kind, spec.body)


class RequiredFieldsTests:
    def test_doc_01_acceptance_needs_status_route_and_time_limit(self, world):
        with pytest.raises(ValidationError) as exc:
            _accept(world, handling_route="", time_limit="")
        message = " ".join(exc.value.message_dict["context"])
        assert "DOC-01" in message and "处理途径和程序" in message and "办理期限" in message
        assert not Document.objects.exists() and not NumberSeries.objects.filter(last__gt=0).exists()

    def test_doc_02_non_acceptance_needs_ground_proper_channel_and_legal_basis(self, world):
        with pytest.raises(ValidationError) as exc:
            document_issue(
                actor=world.clerk,
                kind=DocumentKind.NON_ACCEPTANCE,
                organisation=world.mini.petition_bureau,
                matter=world.matter,
                context={"petitioner_name": "张三", "matter_summary": "工资"},
            )
        message = " ".join(exc.value.message_dict["context"])
        assert "DOC-02" in message
        for label in ("理由", "应当通过的途径", "法律依据"):
            assert label in message

    def test_doc_03_assignment_needs_report_deadline(self, world):
        with pytest.raises(ValidationError) as exc:
            document_issue(
                actor=world.clerk,
                kind=DocumentKind.ASSIGNMENT,
                organisation=world.mini.petition_bureau,
                matter=world.matter,
                context={"destination": "测试区住建局", "summary": "工资", "legal_basis": "《信访工作条例》第二十二条"},
            )
        assert "DOC-03" in str(exc.value) and "报送办理结果期限" in str(exc.value)

    def test_doc_04_extension_needs_reason_new_deadline_and_approver(self, world):
        context = {
            "petitioner_name": "张三",
            "matter_summary": "工资",
            "accepted_date": "2026年9月1日",
            "original_deadline": "2026年10月31日",
            "extension_days": "30",
        }
        with pytest.raises(ValidationError) as exc:
            document_issue(
                actor=world.handler,
                kind=DocumentKind.EXTENSION,
                organisation=world.mini.housing_bureau,
                matter=world.housing_matter,
                context=context,
            )
        message = str(exc.value)
        assert "DOC-04" in message
        for label in ("延期理由", "延长后的办理期限", "批准人", "批准日期"):
            assert label in message

    def test_doc_04_extension_beyond_30_days_is_refused(self, world):
        context = {
            "petitioner_name": "张三",
            "matter_summary": "工资",
            "accepted_date": "2026年9月1日",
            "original_deadline": "2026年10月31日",
            "extension_days": "31",
            "new_deadline": "2026年12月1日",
            "reason": "需要补充调查",
            "approver": "李局长",
            "approved_date": "2026年10月20日",
        }
        with pytest.raises(ValidationError, match="XF-DL-01"):
            document_issue(
                actor=world.handler,
                kind=DocumentKind.EXTENSION,
                organisation=world.mini.housing_bureau,
                matter=world.housing_matter,
                context=context,
            )

    def test_doc_05_handling_opinion_needs_request_facts_outcome_and_basis(self, world):
        with pytest.raises(ValidationError) as exc:
            document_issue(
                actor=world.handler,
                kind=DocumentKind.HANDLING_OPINION,
                organisation=world.mini.housing_bureau,
                matter=world.housing_matter,
                context={"petitioner_name": "张三"},
            )
        message = str(exc.value)
        assert "DOC-05" in message
        for label in ("信访请求", "事实和理由", "处理意见", "法律依据"):
            assert label in message

    def test_doc_05_outcome_is_one_of_three_xf_opn_02(self, world):
        with pytest.raises(ValidationError, match="XF-OPN-02"):
            document_issue(
                actor=world.handler,
                kind=DocumentKind.HANDLING_OPINION,
                organisation=world.mini.housing_bureau,
                matter=world.housing_matter,
                context={**HANDLING_OPINION, "outcome": "partly"},
            )

    def test_doc_05_issued_with_outcome_label_and_review_route(self, world):
        document = document_issue(
            actor=world.handler,
            kind=DocumentKind.HANDLING_OPINION,
            organisation=world.mini.housing_bureau,
            matter=world.housing_matter,
            context=HANDLING_OPINION,
        )
        assert "予以支持" in document.body and "30日内" in document.body and "请求复查" in document.body

    def test_placeholders_the_kind_does_not_use_are_refused(self, world):
        with pytest.raises(ValidationError, match="id_number"):
            _accept(world, id_number="440115199001011234")

    def test_policy_actor_must_act_for_the_organisation(self, world):
        with pytest.raises(PermissionDenied):
            document_issue(
                actor=world.outsider,
                kind=DocumentKind.ACCEPTANCE,
                organisation=world.mini.petition_bureau,
                matter=world.matter,
                context=ACCEPTANCE,
            )
        with pytest.raises(PermissionDenied):  # a triage clerk cannot issue a handling opinion
            document_issue(
                actor=world.clerk,
                kind=DocumentKind.HANDLING_OPINION,
                organisation=world.mini.petition_bureau,
                matter=world.matter,
                context=HANDLING_OPINION,
            )

    def test_the_issuer_must_hold_the_matter(self, world):
        with pytest.raises(ValidationError):
            document_issue(
                actor=world.clerk,
                kind=DocumentKind.ACCEPTANCE,
                organisation=world.mini.petition_bureau,
                matter=world.housing_matter,
                context=ACCEPTANCE,
            )


class NumberingTests:
    def test_numbers_follow_the_pattern_without_gaps_and_void_is_kept(self, world):
        year = timezone.localdate().year
        first = _accept(world)
        second = _accept(world)
        assert first.number == f"测试区信访局信受〔{year}〕1号"
        assert second.number == f"测试区信访局信受〔{year}〕2号"
        document_void(actor=world.clerk, document=second, reason="文字错误，重新出具")
        third = _accept(world)
        assert third.sequence == 3  # the void number is never reused
        second.refresh_from_db()
        assert second.status == DocumentStatus.VOID and second.void_reason == "文字错误，重新出具"
        assert list(Document.objects.order_by("sequence").values_list("sequence", flat=True)) == [1, 2, 3]

    def test_a_failed_issue_gives_the_number_back(self, world):
        _accept(world)
        with pytest.raises(ValidationError):
            _accept(world, time_limit="")
        assert _accept(world).sequence == 2

    def test_series_per_organisation_kind_and_year(self, world):
        _accept(world)
        document = document_issue(
            actor=world.clerk,
            kind=DocumentKind.NON_ACCEPTANCE,
            organisation=world.mini.petition_bureau,
            matter=world.matter,
            context={
                "petitioner_name": "张三",
                "matter_summary": "工资",
                "ground": "该事项应当通过劳动仲裁解决。",
                "proper_channel": "向测试区劳动人事争议仲裁委员会申请仲裁。",
                "legal_basis": "《信访工作条例》第三十一条",
            },
        )
        assert document.sequence == 1 and "信不受" in document.number
        assert NumberSeries.objects.count() == 2

    def test_configured_pattern_is_used_and_carried_into_the_next_year(self, world):
        _accept(world)
        series = NumberSeries.objects.get()
        series.pattern = "{org_short}受〔{year}〕{seq:03d}号"
        series.save()
        assert "〕002号" in _accept(world).number
        from django.db import transaction

        with transaction.atomic():
            next_year, seq, number = number_allocate(
                organisation=world.mini.petition_bureau, kind=DocumentKind.ACCEPTANCE, year=series.year + 1
            )
        assert (seq, next_year.pattern) == (1, series.pattern) and number.endswith("〕001号")

    def test_bad_patterns_are_refused(self):
        for pattern in ("{org_short}{year}", "{name}{seq}", "{seq"):
            with pytest.raises(ValidationError):
                pattern_validate(pattern)
        pattern_validate("{org_short}信{kind_abbr}〔{year}〕{seq}号")


class VoidAndDeliveryTests:
    def test_void_needs_a_reason_and_happens_once(self, world):
        document = _accept(world)
        with pytest.raises(ValidationError):
            document_void(actor=world.clerk, document=document, reason=" ")
        document_void(actor=world.clerk, document=document, reason="错误")
        with pytest.raises(ValidationError):
            document_void(actor=world.clerk, document=document, reason="再次")
        with pytest.raises(PermissionDenied):
            document_void(actor=world.outsider, document=_accept(world), reason="x")

    def test_delivery_is_recorded_and_audited_without_the_recipient_name(self, world):
        document = document_issue(
            actor=world.handler,
            kind=DocumentKind.HANDLING_OPINION,
            organisation=world.mini.housing_bureau,
            matter=world.housing_matter,
            context=HANDLING_OPINION,
        )
        delivery = delivery_record(
            actor=world.handler,
            document=document,
            method="hand",
            delivered_at=timezone.now(),
            recipient="张三",
            note="本人签收送达回证",
        )
        assert Delivery.objects.get() == delivery
        event = AuditEvent.objects.get(action="document.deliver")
        assert event.object_id == str(delivery.pk) and "张三" not in str(event.summary)

    def test_bad_delivery_is_refused(self, world):
        document = _accept(world)
        with pytest.raises(ValidationError) as exc:
            delivery_record(
                actor=world.clerk,
                document=document,
                method="pigeon",
                delivered_at=timezone.now() + datetime.timedelta(days=1),
                recipient="",
                note="",
            )
        assert {"method", "recipient", "delivered_at"} <= set(exc.value.message_dict)

    def test_void_documents_are_not_delivered(self, world):
        document = document_issue(
            actor=world.handler,
            kind=DocumentKind.HANDLING_OPINION,
            organisation=world.mini.housing_bureau,
            matter=world.housing_matter,
            context=HANDLING_OPINION,
        )
        document_void(actor=world.handler, document=document, reason="错误")
        with pytest.raises(ValidationError):
            delivery_record(
                actor=world.handler, document=document, method="post", delivered_at=timezone.now(), recipient="张三"
            )


class AuditTests:
    def test_issue_and_void_are_audited_without_personal_data(self, world):
        document = _accept(world)
        event = AuditEvent.objects.get(action="document.issue")
        assert event.object_id == str(document.pk) and event.org_id == world.mini.petition_bureau.pk
        assert event.summary["number"] == document.number and event.summary["pdf_sha256"] == document.pdf_sha256
        assert "张三" not in str(event.summary)
        document_void(actor=world.clerk, document=document, reason="错误")
        assert AuditEvent.objects.filter(action="document.void", object_id=str(document.pk)).exists()

    def test_issue_stores_snapshot_code_and_hash(self, world):
        import hashlib

        document = _accept(world)
        assert len(document.verification_code) == 16 and document.verification_code.isalnum()
        assert hashlib.sha256(bytes(document.pdf)).hexdigest() == document.pdf_sha256
        assert document.context["matter_number"] == world.matter.number
        assert document.context["document_number"] == document.number


class TemplateAdminTests:
    def test_admin_saves_through_the_service_and_shows_placeholder_errors(self, client, world):
        from django.urls import reverse

        from xinfang.accounts.roles import Role
        from xinfang.core.testing import make_user

        client.force_login(make_user((Role.SYSTEM_ADMIN, world.mini.district), is_staff=True))
        url = reverse("admin:notices_documenttemplate_add")
        bad = client.post(
            url, {"kind": "acceptance", "language": "zh-hans", "valid_from": "2026-01-01", "body": "{{ x }}"}
        )
        assert bad.status_code == 200 and "未知的占位符" in bad.text
        good = client.post(
            url,
            {"kind": "acceptance", "language": "zh-hans", "valid_from": "2026-01-01", "body": "{{ matter_number }}"},
        )
        assert good.status_code == 302
        assert DocumentTemplate.objects.get().version == 1
        assert AuditEvent.objects.filter(action="document_template.save").exists()

    def test_admin_is_closed_to_non_administrators(self, client, world):
        from django.urls import reverse

        client.force_login(world.outsider)
        assert client.get(reverse("admin:notices_documenttemplate_add")).status_code in (302, 403)


class DocumentAdminVisibilityTests:
    def test_xf_cls_03_the_admin_list_hides_documents_of_a_matter_reporting_on_the_reader(self, client, world):
        """The admin lists documents through their matter, as the API does: a head of the petition
        bureau named as reported never sees the documents of that report (XF-CLS-03)."""
        from django.urls import reverse

        from xinfang.accounts.roles import Role
        from xinfang.core.testing import make_user

        head = make_user((Role.BUREAU_HEAD, world.mini.petition_bureau), is_staff=True)
        client.force_login(head)
        document = _accept(world)
        url = reverse("admin:notices_document_changelist")
        assert document.number in client.get(url).text
        world.matter.reported_users.add(head)
        assert document.number not in client.get(url).text
        assert client.get(reverse("admin:notices_document_change", args=[document.pk])).status_code in (302, 404)
