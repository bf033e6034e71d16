"""The written instruments (配套文书, regulations §7): their kinds, the placeholders each template
may use (a fixed whitelist), the fields each instrument requires (rule ids DOC-01..DOC-12) and the
project's own default wording (no national form exists)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from xinfang.accounts.roles import Action


class DocumentKind(models.TextChoices):
    ACCEPTANCE = "acceptance", _("信访事项受理告知书")
    NON_ACCEPTANCE = "non_acceptance", _("不予受理告知书")
    RECEIPT = "receipt", _("信访事项收悉告知书")
    FORWARDING = "forwarding", _("信访事项转送函")
    ASSIGNMENT = "assignment", _("信访事项交办单")
    OBJECTION = "objection", _("转送交办异议书")
    EXTENSION = "extension", _("延期办理告知书")
    HANDLING_OPINION = "handling_opinion", _("信访处理意见书")
    REVIEW_OPINION = "review_opinion", _("信访复查意见书")
    REREVIEW_OPINION = "rereview_opinion", _("信访复核意见书")
    HEARING_NOTICE = "hearing_notice", _("听证通知书")
    TERMINATION = "termination", _("信访事项终结记录")
    SUPERVISION = "supervision", _("督办单")
    DELIVERY_RECEIPT = "delivery_receipt", _("送达回证")
    MEDIATION_AGREEMENT = "mediation_agreement", _("人民调解协议书")


class Outcome(models.TextChoices):
    """XF-OPN-02: the three outcomes of a handling opinion."""

    SUPPORT = "support", _("予以支持")
    EXPLAIN = "explain", _("解释说明")
    NOT_SUPPORT = "not_support", _("不予支持")


# Every placeholder a template may use, with its label (shown in errors and in the docs).
FIELD_LABELS: dict[str, Promise] = {
    # common metadata (§7): filled from the matter and the issuing organisation when not given
    "document_number": _("文号"),
    "organisation_name": _("发文机关"),
    "issue_date": _("发文日期"),
    "matter_number": _("信访事项编号"),
    "matter_title": _("事项标题"),
    "received_date": _("收到日期"),
    "channel": _("信访渠道"),
    "petitioner_name": _("信访人姓名或名称"),
    "petitioner_address": _("信访人地址或联系方式"),
    # per instrument
    "acceptance_status": _("接收和受理情况"),
    "handling_route": _("处理途径和程序"),
    "forwarded_to": _("转送、交办的机关"),
    "time_limit": _("办理期限"),
    "query_code": _("查询码"),
    "matter_summary": _("信访事项"),
    "ground": _("理由"),
    "proper_channel": _("应当通过的途径"),
    "legal_basis": _("法律依据"),
    "destination": _("接收机关"),
    "summary": _("信访事项摘要"),
    "report_deadline": _("报送办理结果期限"),
    "reasons": _("具体理由"),
    "forwarding_body": _("转送交办机关"),
    "accepted_date": _("受理日期"),
    "original_deadline": _("原办理期限"),
    "extension_days": _("延长天数"),
    "new_deadline": _("延长后的办理期限"),
    "reason": _("延期理由"),
    "approver": _("批准人"),
    "approved_date": _("批准日期"),
    "request": _("信访请求"),
    "facts_reasons": _("事实和理由"),
    "outcome": _("处理意见"),
    "opinion": _("意见"),
    "review_route": _("请求复查的机关和期限"),
    "applicant": _("申请人"),
    "respondent": _("原办理机关"),
    "findings": _("查明的事实"),
    "rereview_route": _("请求复核的机关和期限"),
    "hearing_held": _("是否举行听证"),
    "hearing_date": _("听证时间"),
    "hearing_place": _("听证地点"),
    "termination_date": _("终结日期"),
    "final_instruments": _("据以终结的文书"),
    "issue": _("督办事项"),
    "deadline": _("办理时限"),
    "requirements": _("督办要求"),
    "served_document": _("送达的文书"),
    "recipient": _("受送达人"),
    "delivery_method": _("送达方式"),
    # 人民调解协议书 (MED-04, DOC-09; issued by xinfang.mediation)
    "case_number": _("调解案件编号"),
    "mediation_body": _("调解组织"),
    "parties": _("当事人基本情况"),
    "dispute_facts": _("纠纷的主要事实、争议事项及各方责任"),
    "agreed_terms": _("协议内容"),
    "performance": _("履行方式和期限"),
    "mediators": _("调解员"),
    "agreed_date": _("达成协议日期"),
}

COMMON_FIELDS = (
    "document_number",
    "organisation_name",
    "issue_date",
    "matter_number",
    "matter_title",
    "received_date",
    "channel",
    "petitioner_name",
    "petitioner_address",
)


@dataclass(frozen=True)
class KindSpec:
    rule: str  # the rule id whose required fields this instrument implements
    abbr: str  # the kind's abbreviation in the document number (文号)
    action: str  # the policy action the issuer needs for the organisation
    required: tuple[str, ...]
    optional: tuple[str, ...]
    body: str  # the built-in default wording (zh-hans), used when no template is saved

    @property
    def placeholders(self) -> frozenset[str]:
        return frozenset(COMMON_FIELDS + self.required + self.optional)


SPECS: dict[str, KindSpec] = {
    DocumentKind.ACCEPTANCE: KindSpec(
        "DOC-01",
        "受",
        Action.MATTER_TRIAGE,
        ("petitioner_name", "received_date", "acceptance_status", "handling_route", "time_limit"),
        ("forwarded_to", "query_code"),
        "{{ petitioner_name }}：\n\n"
        "你于{{ received_date }}通过{{ channel }}提出的信访事项（编号{{ matter_number }}）已收悉。"
        "{{ acceptance_status }}\n\n"
        "处理途径和程序：{{ handling_route }}"
        "{% if forwarded_to %}本事项已转送、交办{{ forwarded_to }}办理。{% endif %}\n\n"
        "办理期限：{{ time_limit }}。{% if query_code %}你可凭查询码{{ query_code }}查询办理进度。{% endif %}\n\n"
        "特此告知。",
    ),
    DocumentKind.NON_ACCEPTANCE: KindSpec(
        "DOC-02",
        "不受",
        Action.MATTER_TRIAGE,
        ("petitioner_name", "matter_summary", "ground", "proper_channel", "legal_basis"),
        (),
        "{{ petitioner_name }}：\n\n"
        "你于{{ received_date }}提出的信访事项：{{ matter_summary }}\n\n"
        "经审查，{{ ground }}依据{{ legal_basis }}，本机关不予受理。\n\n"
        "你可以{{ proper_channel }}\n\n特此告知。",
    ),
    DocumentKind.RECEIPT: KindSpec(
        "DOC-01",
        "收",
        Action.MATTER_TRIAGE,
        ("petitioner_name", "received_date"),
        ("query_code",),
        "{{ petitioner_name }}：\n\n"
        "你于{{ received_date }}提出的信访事项（编号{{ matter_number }}）已收悉，本机关将依法审查是否受理。"
        "{% if query_code %}你可凭查询码{{ query_code }}查询办理进度。{% endif %}\n\n特此告知。",
    ),
    DocumentKind.FORWARDING: KindSpec(
        "DOC-03",
        "转",
        Action.MATTER_TRIAGE,
        ("destination", "summary", "legal_basis"),
        (),
        "{{ destination }}：\n\n"
        "现将信访事项（编号{{ matter_number }}）转送你单位，请依法处理。\n\n"
        "事项摘要：{{ summary }}\n\n"
        "依据：{{ legal_basis }}\n\n原件材料随附。",
    ),
    DocumentKind.ASSIGNMENT: KindSpec(
        "DOC-03",
        "交",
        Action.MATTER_TRIAGE,
        ("destination", "summary", "legal_basis", "report_deadline"),
        (),
        "{{ destination }}：\n\n"
        "现将信访事项（编号{{ matter_number }}）交由你单位办理。\n\n"
        "事项摘要：{{ summary }}\n\n依据：{{ legal_basis }}\n\n"
        "请于{{ report_deadline }}前将办理结果报送本机关，并提交办结报告。",
    ),
    DocumentKind.OBJECTION: KindSpec(
        "DOC-12",
        "异",
        Action.MATTER_TRIAGE,
        ("forwarding_body", "reasons"),
        (),
        "{{ forwarding_body }}：\n\n"
        "你机关转送、交办的信访事项（编号{{ matter_number }}）不属于本机关职权范围，现提出异议。\n\n"
        "具体理由：{{ reasons }}\n\n请予核实。",
    ),
    DocumentKind.EXTENSION: KindSpec(
        "DOC-04",
        "延",
        Action.MATTER_HANDLE,
        (
            "petitioner_name",
            "matter_summary",
            "accepted_date",
            "original_deadline",
            "extension_days",
            "new_deadline",
            "reason",
            "approver",
            "approved_date",
        ),
        (),
        "{{ petitioner_name }}：\n\n"
        "你的信访事项：{{ matter_summary }}，本机关于{{ accepted_date }}受理，原办理期限至{{ original_deadline }}。\n\n"
        "因{{ reason }}，经{{ approver }}于{{ approved_date }}批准，办理期限延长{{ extension_days }}日，"
        "延长至{{ new_deadline }}。\n\n特此告知。",
    ),
    DocumentKind.HANDLING_OPINION: KindSpec(
        "DOC-05",
        "意",
        Action.MATTER_HANDLE,
        ("petitioner_name", "request", "facts_reasons", "outcome", "legal_basis"),
        ("review_route", "opinion"),
        "{{ petitioner_name }}：\n\n"
        "你于{{ received_date }}提出的信访事项（编号{{ matter_number }}）本机关已依法办理，现答复如下。\n\n"
        "一、信访请求：{{ request }}\n\n"
        "二、查明的事实和理由：{{ facts_reasons }}\n\n"
        "三、处理意见：{{ outcome }}。{% if opinion %}{{ opinion }}{% endif %}\n\n"
        "四、依据：{{ legal_basis }}\n\n"
        "如对本处理意见不服，可以自收到本意见书之日起30日内"
        "{% if review_route %}向{{ review_route }}{% else %}向本机关的上一级机关{% endif %}请求复查，并提交相关材料。",
    ),
    DocumentKind.REVIEW_OPINION: KindSpec(
        "DOC-06",
        "复查",
        Action.MATTER_HANDLE,
        ("applicant", "respondent", "request", "findings", "opinion", "legal_basis"),
        ("rereview_route",),
        "申请人：{{ applicant }}\n\n原办理机关：{{ respondent }}\n\n"
        "复查请求：{{ request }}\n\n经复查查明：{{ findings }}\n\n"
        "复查意见：{{ opinion }}。依据：{{ legal_basis }}\n\n"
        "如对本复查意见不服，可以自收到本意见书之日起30日内"
        "{% if rereview_route %}向{{ rereview_route }}{% else %}向本机关的上一级机关{% endif %}"
        "请求复核，并提交相关材料。",
    ),
    DocumentKind.REREVIEW_OPINION: KindSpec(
        "DOC-07",
        "复核",
        Action.MATTER_HANDLE,
        ("applicant", "respondent", "request", "findings", "opinion", "legal_basis", "hearing_held"),
        (),
        "申请人：{{ applicant }}\n\n被申请人：{{ respondent }}\n\n"
        "复核请求：{{ request }}\n\n经复核查明：{{ findings }}\n\n"
        "复核意见：{{ opinion }}。依据：{{ legal_basis }}\n\n听证情况：{{ hearing_held }}\n\n"
        "本复核意见为最终意见。信访人仍以同一事实和理由提出投诉请求的，不再受理。",
    ),
    DocumentKind.HEARING_NOTICE: KindSpec(
        "DOC-08",
        "听",
        Action.MATTER_HANDLE,
        ("petitioner_name", "matter_summary", "hearing_date", "hearing_place"),
        (),
        "{{ petitioner_name }}：\n\n"
        "本机关决定就你的信访事项（{{ matter_summary }}）举行听证。\n\n"
        "听证时间：{{ hearing_date }}\n\n听证地点：{{ hearing_place }}\n\n请准时参加。听证所需时间不计入复核期限。",
    ),
    DocumentKind.TERMINATION: KindSpec(
        "DOC-11",
        "终",
        Action.MATTER_HANDLE,
        ("ground", "termination_date", "final_instruments"),
        (),
        "信访事项（编号{{ matter_number }}）于{{ termination_date }}终结。\n\n"
        "终结理由：{{ ground }}\n\n据以终结的文书：{{ final_instruments }}",
    ),
    DocumentKind.SUPERVISION: KindSpec(
        "§1.15",
        "督",
        Action.MATTER_SUPERVISE,
        ("destination", "issue", "deadline"),
        ("requirements",),
        "{{ destination }}：\n\n"
        "督办事项：{{ issue }}\n\n请于{{ deadline }}前办结并报告办理情况。"
        "{% if requirements %}\n\n督办要求：{{ requirements }}{% endif %}",
    ),
    DocumentKind.DELIVERY_RECEIPT: KindSpec(
        "§7",
        "送",
        Action.MATTER_HANDLE,
        ("served_document", "recipient", "delivery_method"),
        (),
        "送达的文书：{{ served_document }}\n\n受送达人：{{ recipient }}\n\n送达方式：{{ delivery_method }}\n\n"
        "受送达人签名：＿＿＿＿＿＿＿＿　　签收日期：＿＿＿＿年＿＿月＿＿日",
    ),
    # MED-04 (人民调解法 Art. 29) / DOC-09: parties, facts and responsibilities, terms, performance.
    # Takes effect when the parties sign, seal or fingerprint it and the mediator signs and the body
    # seals it (Art. 29(2)): lines for the signatures, the seal area left empty.
    DocumentKind.MEDIATION_AGREEMENT: KindSpec(
        "MED-04",
        "调",
        Action.MEDIATION_HANDLE,
        ("case_number", "mediation_body", "parties", "dispute_facts", "agreed_terms", "performance"),
        ("mediators", "agreed_date"),
        "案件编号：{{ case_number }}\n\n"
        "当事人：\n{{ parties }}\n\n"
        "一、纠纷的主要事实、争议事项及各方当事人的责任：{{ dispute_facts }}\n\n"
        "二、经{{ mediation_body }}主持调解，当事人自愿达成如下协议：{{ agreed_terms }}\n\n"
        "三、履行协议的方式和期限：{{ performance }}\n\n"
        "本协议自各方当事人签名、盖章或者按指印，调解员签名并加盖调解组织印章之日起生效，具有法律约束力。"
        "当事人可以自本协议生效之日起三十日内共同向人民法院申请司法确认。\n\n"
        "{% if mediators %}调解员：{{ mediators }}\n\n{% endif %}"
        "当事人（签名、盖章或按指印）：＿＿＿＿＿＿＿＿　＿＿＿＿＿＿＿＿\n\n"
        "调解员（签名）：＿＿＿＿＿＿＿＿"
        "{% if agreed_date %}\n\n达成协议日期：{{ agreed_date }}{% endif %}",
    ),
}

# Filters a template may apply (anything else could reach into objects or produce markup).
ALLOWED_FILTERS = frozenset({"default", "linebreaksbr"})
ALLOWED_TAGS = frozenset({"if", "elif", "else", "endif"})
