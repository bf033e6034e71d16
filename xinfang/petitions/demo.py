"""Demo matters: a few hundred synthetic petition matters in every state, registered and routed
through the real services (every step audited, every clock started), for `make run`. A good share
of the accepted matters then go on through handling (issue 4): classified on their tracks, with
records and hearings, extensions, opinions issued and delivered, review and re-review inside the
district, mediation, closure, follow-up tasks and evaluations (`_HandlingDemo`).

All text here is written for the project: the complaints are typical of a district's petition
work, the names are fictional, and no real message from shared data is used."""

from __future__ import annotations

import datetime
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from xinfang.accounts.models import Membership
from xinfang.accounts.roles import Role
from xinfang.notices.kinds import Outcome
from xinfang.notices.models import DeliveryMethod, Document
from xinfang.orgs.models import Function, Kind, Organisation
from xinfang.powerlist.models import MatterType

from .models import Extension, HandlingTrack, Matter, MediationReferral, Opinion, Review, Routing
from .services.intake import MatterData, PetitionerData, matter_register
from .states import (
    AgreementKind,
    Channel,
    EvaluationMethod,
    EvaluationStage,
    FollowUpKind,
    LevelDecision,
    LinkKind,
    Nature,
    NonAcceptanceGround,
    ParticipantRole,
    Principle,
    Procedure,
    RecordKind,
    ReviewStage,
    RoutingKind,
    Source,
    Status,
)

DEMO_SEED = 20261127
DEMO_KEY_PREFIX = "demo-matter-"
DISTRICT_CODE = "440115"

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗梁宋郑谢韩唐冯许邓曾彭萧蔡潘田董袁"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红梅建国志伟晓东海燕文斌"


@dataclass(frozen=True)
class Story:
    """One kind of complaint: matter type code, nature, title, request, facts and reasons."""

    matter_type: str
    nature: str
    title: str
    request: str
    facts: str
    reasons: str


STORIES: tuple[Story, ...] = (
    Story(
        "WAGE-ARREARS",
        Nature.GRIEVANCE,
        "工地拖欠农民工工资",
        "请求督促施工单位支付拖欠的工资{amount}元。",
        "本人于{month}月起在{place}附近工地做泥水工，包工头以工程款未到位为由至今未发工资。",
        "劳动报酬应当按时足额支付，多次讨要无果。",
    ),
    Story(
        "LABOUR-CONTRACT",
        Nature.GRIEVANCE,
        "公司辞退不给经济补偿",
        "请求公司依法支付解除劳动合同的经济补偿。",
        "本人在{place}一家电子厂工作四年，公司以经营困难为由口头辞退，未签书面解除协议。",
        "用人单位解除劳动合同应当依法支付经济补偿。",
    ),
    Story(
        "SOCIAL-INSURANCE",
        Nature.GRIEVANCE,
        "单位未缴纳社会保险",
        "请求责令单位补缴{month}个月社会保险费。",
        "入职以来单位一直未给本人缴纳养老和工伤保险，工资条上却有扣款。",
        "缴纳社会保险是用人单位的法定义务。",
    ),
    Story(
        "PROPERTY-MGMT",
        Nature.GRIEVANCE,
        "小区电梯长期故障物业不维修",
        "请求物业公司尽快维修电梯并公开维修资金使用情况。",
        "{place}某小区3栋电梯停运一个多月，老人上下楼困难，物业称需业主分摊费用。",
        "物业服务合同约定共用设施由物业负责维护。",
    ),
    Story(
        "HOUSING-QUALITY",
        Nature.GRIEVANCE,
        "新房交付后墙体开裂渗水",
        "请求开发商维修并赔偿损失。",
        "去年收楼的商品房客厅墙体多处开裂，雨天渗水，开发商一直推诿。",
        "房屋在保修期内，开发商应承担维修责任。",
    ),
    Story(
        "LAND-EXPROPRIATION",
        Nature.GRIEVANCE,
        "征地补偿款未足额发放",
        "请求核实并发放剩余的征地补偿款。",
        "村里{place}一带土地被征收用于道路建设，村民补偿款只发了一半，村委称资金未到位。",
        "征收土地应当依法及时足额支付补偿费用。",
    ),
    Story(
        "RURAL-LAND",
        Nature.GRIEVANCE,
        "村集体分红分配不公",
        "请求公开集体经济收益分配方案并纠正错误。",
        "今年经济社分红，本户外嫁女儿及外孙的份额被取消，村民代表会议未按程序表决。",
        "集体经济组织成员享有平等的收益分配权。",
    ),
    Story(
        "ENV-POLLUTION",
        Nature.GRIEVANCE,
        "工厂夜间偷排废气有刺鼻异味",
        "请求查处违法排污行为。",
        "{place}附近一家工厂每晚十点后排放废气，周边居民闻到刺鼻气味，孩子咳嗽。",
        "企业排放污染物应当符合国家标准。",
    ),
    Story(
        "NOISE",
        Nature.SUGGESTION,
        "建议规范广场舞音响音量",
        "建议对{place}广场的广场舞设定时间和音量限制。",
        "每晚广场舞音响声音很大，持续到十点以后，影响周边居民休息和学生学习。",
        "兼顾群众健身和居民休息的需要。",
    ),
    Story(
        "ILLEGAL-BUILDING",
        Nature.REPORT,
        "反映邻居违法加建",
        "请求依法查处邻居屋顶违法加建。",
        "{place}某户在屋顶加建两层，遮挡邻居采光，未见任何报建手续。",
        "违法建设应当依法拆除。",
    ),
    Story(
        "URBAN-MGMT",
        Nature.SUGGESTION,
        "建议增设垃圾分类投放点",
        "建议在{place}增设垃圾分类投放点并定时清运。",
        "现有垃圾点距离远，居民随意堆放，夏天气味很大。",
        "方便群众，改善环境卫生。",
    ),
    Story(
        "TRANSPORT",
        Nature.SUGGESTION,
        "建议加密公交班次",
        "建议早晚高峰加密{place}至地铁站的公交班次。",
        "早高峰一趟车要等二十多分钟，车上很挤，上班族意见很大。",
        "改善群众出行。",
    ),
    Story(
        "SOCIAL-ASSISTANCE",
        Nature.GRIEVANCE,
        "低保申请迟迟未批",
        "请求尽快审批本户最低生活保障申请。",
        "本人患病失去劳动能力，三个月前在村委提交低保申请，至今没有答复。",
        "符合条件的困难家庭应当纳入最低生活保障。",
    ),
    Story(
        "EDUCATION",
        Nature.GRIEVANCE,
        "孩子入学学位分配不合理",
        "请求重新审核孩子的入学申请。",
        "本户在{place}有房有户籍，孩子却被分配到较远的学校。",
        "应当按照招生政策就近入学。",
    ),
    Story(
        "CONSUMER",
        Nature.GRIEVANCE,
        "健身房关门预付卡无法退款",
        "请求协调退还预付卡余额{amount}元。",
        "{place}一家健身房突然停业，会员卡余额无法使用，商家联系不上。",
        "经营者应当按约定提供服务或退还预付款。",
    ),
    Story(
        "LITIGATION",
        Nature.LITIGATION,
        "法院判决后对方拒不履行",
        "请求法院强制执行判决。",
        "本人与他人借款纠纷已经法院判决，对方至今未还款，申请执行后没有进展。",
        "生效判决应当得到执行。",
    ),
    Story(
        "OFFICIAL-MISCONDUCT",
        Nature.REPORT,
        "反映村干部优亲厚友",
        "请求调查村干部在分配救助物资中的问题。",
        "村里发放救助物资时，村干部把名额给了自己亲属，真正困难的群众没有得到。",
        "干部应当公正履职。",
    ),
    Story(
        "WATER",
        Nature.GRIEVANCE,
        "暴雨后小区门口严重水浸",
        "请求疏通排水管网，解决水浸问题。",
        "每逢暴雨，{place}小区门口积水没过膝盖，居民出行困难，车辆被淹。",
        "排水设施应当及时维护。",
    ),
    Story(
        "SAFETY-HAZARD",
        Nature.REPORT,
        "出租屋消防通道被堵",
        "请求检查并整改出租屋消防安全隐患。",
        "{place}一栋出租屋楼道堆满杂物，电动车在楼道充电，消防通道被堵。",
        "存在火灾隐患，危及住户安全。",
    ),
    Story(
        "NEIGHBOUR-DISPUTE",
        Nature.GRIEVANCE,
        "邻居排水管漏水纠纷",
        "请求协调解决楼上漏水问题。",
        "楼上住户卫生间漏水导致本户天花板发霉，多次协商不成。",
        "相邻关系应当互相便利、公平合理。",
    ),
)


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def _fake_id_number(rng: random.Random) -> str:
    """An 18-character ID-number shape for the demo (birth date and sequence made up)."""
    born = f"{rng.randint(1950, 2004)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
    return f"440115{born}{rng.randint(0, 9999):04d}"


def _attempt(step: Any, **kwargs: Any) -> Any:
    """Take a demo step in a savepoint; a step the rules refuse is simply not taken."""
    try:
        with transaction.atomic():
            return step(**kwargs)
    except (ValidationError, PermissionDenied):
        return None


def _handler(organisation: Organisation) -> Any:
    """Someone who may accept or object for the organisation (a handling officer or unit head)."""
    membership = (
        Membership.objects.filter(
            organisation=organisation, is_active=True, role__in=[Role.HANDLING_OFFICER, Role.UNIT_HEAD]
        )
        .select_related("user")
        .first()
    )
    return membership.user if membership else None


def _merge_repeats(*, now: datetime.datetime, count: int = 6) -> None:
    """A few petitioners come back about a matter still in progress at the district bureau: the
    repeat is registered (XF-REG-03) and merged into the earlier matter, not duplicated (A2)."""
    from .services.repeats import matter_link

    earlier = (
        Matter.objects.filter(
            submission_key__startswith=DEMO_KEY_PREFIX,
            status__in=[Status.ACCEPTED, Status.FORWARDED],
            registered_org__code__endswith="-XFJ",
            is_anonymous=False,
        )
        .select_related("registered_org", "registered_by")
        .order_by("pk")[:count]
    )
    for index, old in enumerate(earlier):
        key = f"{DEMO_KEY_PREFIX}repeat-{index}"
        if Matter.objects.filter(submission_key=key).exists():
            continue
        participant = old.participants.select_related("petitioner").first()
        if participant is None:
            continue
        data = MatterData(
            channel=Channel.VISIT,
            received_at=min(now, old.received_at + datetime.timedelta(days=3)),
            title=old.title,
            request=old.request,
            facts=old.facts,
            reasons=old.reasons,
            petitioners=[PetitionerData(existing=participant.petitioner)],
            oral_recorded_by=old.registered_by.display_name or old.registered_by.username,
            place_org=old.place_org,
            submission_key=key,
        )
        repeat = _attempt(matter_register, actor=old.registered_by, organisation=old.registered_org, data=data)
        if repeat is not None and repeat.status == Status.REGISTERED:
            _attempt(
                matter_link,
                actor=old.registered_by,
                matter=repeat,
                other=old,
                kind=LinkKind.IN_PROGRESS_HERE,
                reason="同一信访人就同一事项再次来访，该事项正在办理（演示数据）。",
            )


# --- Handling (issue 4) ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    """What the handling organ found for one kind of grievance, what it decided, on which basis, and
    the district department that reviews a town's opinion on it (one level above a town)."""

    findings: str
    remedy: str
    legal_basis: str
    reviewer: str  # code suffix of the district department, e.g. "RSJ" for 440115-RSJ


FINDINGS: dict[str, Finding] = {
    "WAGE-ARREARS": Finding(
        "经向施工总承包单位和劳务分包单位调查核实，信访人在该工地务工属实，分包单位以工程款未结算为由拖欠工资。",
        "责令施工总承包单位在十五日内先行清偿拖欠的工资。",
        "《保障农民工工资支付条例》第三十条",
        "RSJ",
    ),
    "LABOUR-CONTRACT": Finding(
        "经调查，公司以经营困难为由口头解除劳动合同，未依法支付经济补偿。",
        "督促公司依法支付解除劳动合同的经济补偿；双方仍有争议的，可向劳动人事争议仲裁委员会申请仲裁。",
        "《中华人民共和国劳动合同法》第四十六条、第四十七条",
        "RSJ",
    ),
    "SOCIAL-INSURANCE": Finding(
        "经核查社会保险缴费记录，单位自信访人入职起未为其参加养老保险和工伤保险。",
        "责令用人单位限期为信访人补缴社会保险费。",
        "《中华人民共和国社会保险法》第五十八条、第八十六条",
        "RSJ",
    ),
    "PROPERTY-MGMT": Finding(
        "经现场核查，该小区3栋电梯因控制主板故障停运，物业服务企业未及时组织维修。",
        "督促物业服务企业十日内完成维修，并在小区公告栏公开专项维修资金使用情况。",
        "《物业管理条例》第三十五条",
        "ZJJ",
    ),
    "HOUSING-QUALITY": Finding(
        "经组织现场查勘，墙体开裂渗水属于保修期内的质量问题。",
        "督促开发企业在三十日内完成维修。",
        "《建设工程质量管理条例》第四十条、第四十一条",
        "ZJJ",
    ),
    "LAND-EXPROPRIATION": Finding(
        "经核查征收补偿档案，剩余补偿款已拨付至镇财政，尚未发放到户。",
        "督促在二十日内将剩余征地补偿款发放到户。",
        "《中华人民共和国土地管理法》第四十八条",
        "GZJ",
    ),
    "RURAL-LAND": Finding(
        "经核查，经济社本年度分配方案未经成员大会或成员代表会议依法表决。",
        "责成经济社依照章程重新表决分配方案，保障外嫁女及其子女的平等分配权。",
        "《中华人民共和国妇女权益保障法》第五十五条",
        "NYJ",
    ),
    "ENV-POLLUTION": Finding(
        "经夜间突击检查，该工厂废气处理设施未正常运行。",
        "已依法立案查处，责令其立即整改并恢复治理设施运行。",
        "《中华人民共和国大气污染防治法》第九十九条",
        "HBJ",
    ),
    "SOCIAL-ASSISTANCE": Finding(
        "经核查，信访人的低保申请材料已提交村委会，但未按规定报送镇街审核。",
        "责成在十个工作日内完成审核确认，符合条件的依法纳入最低生活保障。",
        "《社会救助暂行办法》第十一条",
        "MZJ",
    ),
    "EDUCATION": Finding(
        "经核查，信访人户籍和房产均在招生地段内，学位分配时因数据比对错误被调剂。",
        "已重新审核，安排至对口学校就读。",
        "《中华人民共和国义务教育法》第十二条",
        "JYJ",
    ),
    "CONSUMER": Finding(
        "经核查，该健身房已停业，经营者下落不明，信访人预付卡余额属实。",
        "已将线索移交公安机关，并指导信访人通过民事诉讼主张权利。",
        "《中华人民共和国消费者权益保护法》第五十三条",
        "SJJ",
    ),
    "WATER": Finding(
        "经排查，小区门口市政排水管网淤塞，排水能力不足。",
        "已安排清疏管网，并将管网改造列入年度计划。",
        "《城镇排水与污水处理条例》有关规定",
        "SWJ",
    ),
    "NEIGHBOUR-DISPUTE": Finding(
        "经组织双方现场查看，楼上卫生间防水层老化导致渗漏。",
        "由楼上住户负责维修防水层并承担天花板修复费用。",
        "《中华人民共和国民法典》第二百八十八条、第二百九十六条",
        "SFJ",
    ),
}
GENERIC_FINDING = Finding(
    "经调查核实，信访人反映的情况基本属实。",
    "责成有关单位依法依规处理，并向信访人做好解释工作。",
    "《信访工作条例》第三十二条",
    "ZJJ",
)
LABOUR_TYPES = frozenset({"WAGE-ARREARS", "LABOUR-CONTRACT", "SOCIAL-INSURANCE"})
MEDIABLE_TYPES = frozenset({"NEIGHBOUR-DISPUTE", "PROPERTY-MGMT", "CONSUMER", "WAGE-ARREARS", "HOUSING-QUALITY"})
RECONSIDERATION_TYPES = frozenset({"LAND-EXPROPRIATION", "SOCIAL-ASSISTANCE", "EDUCATION", "RURAL-LAND"})
REREVIEW_BODY = f"{DISTRICT_CODE}-ZFB"  # 区政府办: one level above a district department
REVIEW_REQUEST = "不服{organ}作出的信访处理意见，请求复查。理由：处理意见未解决实际问题（演示数据）。"
REREVIEW_REQUEST = "不服{organ}作出的复查意见，请求复核（演示数据）。"
REVIEW_DECISION = {
    "outcome": Outcome.NOT_SUPPORT,
    "principle": Principle.EDUCATED,
    "findings": "原处理意见认定事实清楚，适用依据正确，程序合法。",
    "opinion": "维持原处理意见。",
    "legal_basis": "《信访工作条例》第三十五条",
}
REREVIEW_DECISION = {
    "outcome": Outcome.NOT_SUPPORT,
    "principle": Principle.EDUCATED,
    "findings": "复查意见认定事实清楚，适用依据正确。",
    "opinion": "维持复查意见。本意见为复核意见，信访人以同一事实和理由再次提出的，不再受理。",
    "legal_basis": "《信访工作条例》第三十六条",
}


def _code(matter: Matter) -> str:
    return matter.matter_type.code if matter.matter_type is not None else ""


def _finding(matter: Matter) -> Finding:
    return FINDINGS.get(_code(matter), GENERIC_FINDING)


@dataclass(frozen=True)
class Scenario:
    """One way a demo matter goes on after acceptance: how many matters take it, which fit, and
    the steps (a method of `_HandlingDemo`). Whether a matter fits depends only on what does not
    change during handling (nature, type, handling organ, routing), so the same matters take the
    same scenarios on every run."""

    name: str
    quota: int
    fits: Callable[[_HandlingDemo, Matter], bool]


def _grievance(demo: _HandlingDemo, matter: Matter) -> bool:
    return matter.nature == Nature.GRIEVANCE


def _suggestion(demo: _HandlingDemo, matter: Matter) -> bool:
    return matter.nature == Nature.SUGGESTION


def _report(demo: _HandlingDemo, matter: Matter) -> bool:
    return matter.nature == Nature.REPORT


def _reviewable(demo: _HandlingDemo, matter: Matter) -> bool:
    """A town's grievance whose review body (a district department) and re-review body (the
    district government office) both have staff in the demo: the chain stays in the district."""
    return _grievance(demo, matter) and demo.review_org(matter) is not None


def _mediable(demo: _HandlingDemo, matter: Matter) -> bool:
    return _grievance(demo, matter) and _code(matter) in MEDIABLE_TYPES and demo.mediation_org(matter) is not None


def _simple(demo: _HandlingDemo, matter: Matter) -> bool:
    """XF-SIMP-03/04: a first-time, individual, forwarded (not assigned) grievance."""
    return _grievance(demo, matter) and not matter.is_group and matter.pk not in demo.assigned


def _labour(demo: _HandlingDemo, matter: Matter) -> bool:
    return _grievance(demo, matter) and _code(matter) in LABOUR_TYPES


def _reconsideration(demo: _HandlingDemo, matter: Matter) -> bool:
    return _grievance(demo, matter) and _code(matter) in RECONSIDERATION_TYPES


# Each matter goes to the fitting scenario with room that has the fewest matters so far; among
# those, a narrow one (few matters fit it) before a broad one, then the first in this order. So
# every scenario gets a matter early, even in a small demo, and the quotas fill evenly.
SCENARIOS: tuple[Scenario, ...] = (
    Scenario("final", 2, _reviewable),
    Scenario("in_review", 2, _reviewable),
    Scenario("reviewed", 2, _reviewable),
    Scenario("in_rereview_hearing", 1, _reviewable),
    Scenario("routed_reconsideration", 2, _reconsideration),
    Scenario("in_mediation", 2, _mediable),
    Scenario("mediation_agreed", 2, _mediable),
    Scenario("replied_delivered", 3, _grievance),
    Scenario("concluded", 3, _grievance),
    Scenario("terminated", 1, _grievance),
    Scenario("withdrawn", 2, _grievance),
    Scenario("extension_approved", 3, _grievance),
    Scenario("concluded_dissatisfied", 1, _grievance),
    Scenario("suggestion_answered", 6, _suggestion),
    Scenario("report_handed_over", 4, _report),
    Scenario("simplified", 2, _simple),
    Scenario("routed_arbitration", 2, _labour),
    Scenario("reviewed_concluded", 1, _reviewable),
    Scenario("review_withdrawn", 1, _reviewable),
    Scenario("mediation_failed", 1, _mediable),
    Scenario("simplified_replied", 1, _simple),
    Scenario("investigating", 6, _grievance),
    Scenario("extension_requested", 2, _grievance),
    Scenario("replied_undelivered", 2, _grievance),
    Scenario("extension_refused", 1, _grievance),
    Scenario("acceptance_evaluated", 3, _grievance),
    Scenario("recusal", 1, _grievance),
    Scenario("routed_duty", 1, _grievance),
    Scenario("suggestion_studied", 3, _suggestion),
    Scenario("report_classified", 2, _report),
)
NARROW: dict[Callable[[_HandlingDemo, Matter], bool], int] = {
    _reconsideration: 0,
    _labour: 0,
    _mediable: 0,
    _reviewable: 1,
    _simple: 1,
}


def _scenario_for(demo: _HandlingDemo, matter: Matter, filled: list[int]) -> int | None:
    """The index of the scenario `matter` takes, or None when no scenario with room fits it."""
    fitting = [
        (filled[index], NARROW.get(scenario.fits, 2), index)
        for index, scenario in enumerate(SCENARIOS)
        if filled[index] < scenario.quota and scenario.fits(demo, matter)
    ]
    return min(fitting)[2] if fitting else None


class _HandlingDemo:
    """Takes the accepted demo matters on through the handling and review services. Each step is a
    savepoint; a step the services refuse is reported in `refused` (the demo never bends a rule)."""

    def __init__(self) -> None:
        self.today = timezone.localdate()
        self.refused: list[str] = []
        self.handled = 0
        self.nth = 0
        self.scenarios: dict[str, int] = {}
        self._members: dict[tuple[int, tuple[str, ...]], Any] = {}
        self._reviewers: dict[tuple[int, str], Organisation | None] = {}
        self._mediation: dict[int, Organisation | None] = {}
        self.tracks = {t.code: t for t in HandlingTrack.objects.filter(is_active=True)}
        self.rereview_body = Organisation.objects.filter(code=REREVIEW_BODY, is_active=True).first()
        self.assigned = set(
            Routing.objects.filter(
                kind=RoutingKind.ASSIGN, matter__submission_key__startswith=DEMO_KEY_PREFIX
            ).values_list("matter_id", flat=True)
        )

    # --- people and bodies ------------------------------------------------------------------------

    def member(self, organisation: Organisation | None, *roles: str) -> Any:
        """The first active member of `organisation` with one of `roles`, in the order given."""
        if organisation is None:
            return None
        key = (organisation.pk, roles)
        if key not in self._members:
            found = None
            for role in roles:
                m = (
                    Membership.objects.filter(organisation=organisation, role=role, is_active=True)
                    .select_related("user")
                    .order_by("user__username")
                    .first()
                )
                if m is not None:
                    found = m.user
                    break
            self._members[key] = found
        return self._members[key]

    def officer(self, organisation: Organisation | None) -> Any:
        return self.member(organisation, Role.HANDLING_OFFICER, Role.UNIT_HEAD)

    def head(self, organisation: Organisation | None) -> Any:
        return self.member(organisation, Role.UNIT_HEAD)

    def review_org(self, matter: Matter) -> Organisation | None:
        """The district department that reviews the town's opinion (by the matter's type), if the
        handling organ is a town's and both it and the re-review body have staff in the demo."""
        from .services.review import legal_organ, review_bodies

        handling = matter.handling_org
        if handling is None:
            return None
        wanted = f"{DISTRICT_CODE}-{_finding(matter).reviewer}"
        key = (handling.pk, wanted)
        if key not in self._reviewers:
            found = None
            if legal_organ(handling).kind in (Kind.TOWN, Kind.STREET) and self.officer(self.rereview_body):
                body = next((b for b in review_bodies(handling) if b.code == wanted), None)
                if body is not None and self.officer(body) is not None:
                    found = body
            self._reviewers[key] = found
        return self._reviewers[key]

    def mediation_org(self, matter: Matter) -> Organisation | None:
        """The people's mediation committee of the handling organ's area (town or district)."""
        handling = matter.handling_org
        if handling is None or handling.parent_id is None:
            return None
        if handling.parent_id not in self._mediation:
            org = (
                Organisation.objects.filter(parent_id=handling.parent_id, function=Function.MEDIATION, is_active=True)
                .order_by("code")
                .first()
            )
            self._mediation[handling.parent_id] = org if self.member(org, Role.MEDIATOR) is not None else None
        return self._mediation[handling.parent_id]

    # --- steps ------------------------------------------------------------------------------------

    def step(self, subject: Matter, service: Callable[..., Any], /, **kwargs: Any) -> Any:
        """Take one step through a real service in a savepoint; a refusal is reported, not hidden."""
        try:
            with transaction.atomic():
                return service(**kwargs)
        except (ValidationError, PermissionDenied) as exc:
            messages = getattr(exc, "messages", None) or [str(exc)]
            self.refused.append(f"{subject.number} {service.__name__}: {'；'.join(str(m) for m in messages)}")
            return None

    @staticmethod
    def fresh(matter: Matter) -> Matter:
        return Matter.objects.select_related("current_org", "handling_org", "matter_type", "track").get(pk=matter.pk)

    def classify(self, matter: Matter, code: str, **kwargs: Any) -> Matter | None:
        from .services.handling import matter_classify

        track = self.tracks.get(code)
        if track is None:
            self.refused.append(f"{matter.number}: no active track {code!r}")
            return None
        done = self.step(
            matter, matter_classify, actor=self.officer(matter.current_org), matter=matter, track=track, **kwargs
        )
        return self.fresh(matter) if done is not None else None

    def record(self, matter: Matter, kind: str, summary: str, **kwargs: Any) -> Any:
        from .services.handling import handling_record_add

        kwargs.setdefault("occurred_on", self.today)
        matter = self.fresh(matter)  # the review and re-review bodies record their own steps
        return self.step(
            matter,
            handling_record_add,
            actor=self.officer(matter.current_org),
            matter=matter,
            kind=kind,
            summary=summary,
            **kwargs,
        )

    def opinion(self, matter: Matter, outcome: str) -> Opinion | None:
        from .services.handling import opinion_issue

        finding = _finding(matter)
        if outcome == Outcome.SUPPORT:
            text, principle = f"信访人的请求符合有关规定，予以支持。{finding.remedy}", Principle.RESOLVED
        elif outcome == Outcome.EXPLAIN:
            text = f"信访人的诉求有一定合理性，但缺乏相应依据，已向信访人解释有关政策。同时，{finding.remedy}"
            principle = Principle.EDUCATED
        else:
            text, principle = "信访人的请求缺乏事实依据，不予支持。", Principle.EDUCATED
        return self.step(
            matter,
            opinion_issue,
            actor=self.officer(matter.current_org),
            matter=self.fresh(matter),
            outcome=outcome,
            principle=principle,
            request=matter.request,
            facts_reasons=f"信访人反映：{matter.facts}{matter.reasons}\n经查：{finding.findings}",
            opinion=text,
            legal_basis=finding.legal_basis,
        )

    def deliver(self, matter: Matter, opinion: Opinion, method: str) -> Opinion | None:
        from .services.handling import opinion_deliver

        participant = matter.participants.select_related("petitioner").first()
        recipient = participant.petitioner.name if participant is not None else "信访人"
        # The delivery may not be earlier than the issue of the opinion (taken just now).
        return self.step(
            matter,
            opinion_deliver,
            actor=self.officer(opinion.organisation),
            opinion=opinion,
            method=method,
            delivered_at=timezone.now(),
            recipient=recipient,
            note="演示数据",
        )

    def replied(self, matter: Matter, outcome: str, method: str | None) -> Opinion | None:
        """Petition track, an investigation, the handling opinion and (with `method`) its delivery."""
        classified = self.classify(matter, "petition")
        if classified is None:
            return None
        self.record(classified, RecordKind.INVESTIGATION, "到现场调查核实，听取信访人和有关单位的意见。")
        opinion = self.opinion(classified, outcome)
        if opinion is None or method is None:
            return opinion
        return self.deliver(classified, opinion, method)

    def request_review(self, matter: Matter, stage: str) -> Review | None:
        from .services.review import review_request

        matter = self.fresh(matter)
        if stage == ReviewStage.REVIEW:
            body, text = self.review_org(matter), REVIEW_REQUEST
            organ = matter.handling_org
        else:
            body, text = self.rereview_body, REREVIEW_REQUEST
            organ = matter.review_org
        assert body is not None and organ is not None
        return self.step(
            matter,
            review_request,
            actor=self.officer(body),
            matter=matter,
            stage=stage,
            organisation=body,
            received_at=timezone.now(),
            request=text.format(organ=organ.name),
        )

    def decide(self, matter: Matter, review: Review) -> Opinion | None:
        from .services.review import review_decide

        decision = REVIEW_DECISION if review.stage == ReviewStage.REVIEW else REREVIEW_DECISION
        return self.step(matter, review_decide, actor=self.officer(review.organisation), review=review, **decision)

    def reviewed(self, matter: Matter, method: str) -> Opinion | None:
        """Handling opinion (not supported) delivered, review requested and decided, delivered."""
        if self.replied(matter, Outcome.NOT_SUPPORT, DeliveryMethod.SMS) is None:
            return None
        review = self.request_review(matter, ReviewStage.REVIEW)
        if review is None:
            return None
        self.record(matter, RecordKind.INTERVIEW, "复查机关约谈信访人，听取其不服原处理意见的理由。")
        opinion = self.decide(matter, review)
        if opinion is None:
            return None
        return self.deliver(matter, opinion, method)

    def conclude(self, matter: Matter, note: str) -> Matter | None:
        from .services.handling import matter_conclude

        matter = self.fresh(matter)
        return self.step(matter, matter_conclude, actor=self.officer(matter.current_org), matter=matter, note=note)

    def withdraw(self, matter: Matter, reason: str) -> Matter | None:
        from .services.handling import matter_withdraw

        matter = self.fresh(matter)
        return self.step(matter, matter_withdraw, actor=self.officer(matter.current_org), matter=matter, reason=reason)

    def evaluate(self, matter: Matter, stage: str, *, dissatisfied: bool = False, method: str = "") -> Any:
        from .services.handling import evaluation_record, satisfaction_scale

        values = [value for value, _label, bad in satisfaction_scale() if bad == dissatisfied]
        if not values:
            self.refused.append(f"{matter.number}: the satisfaction scale has no such value")
            return None
        matter = self.fresh(matter)
        return self.step(
            matter,
            evaluation_record,
            actor=self.officer(matter.handling_org),
            matter=matter,
            stage=stage,
            value=values[0],
            method=method or EvaluationMethod.PHONE,
            comment="电话回访记录（演示数据）。" if not dissatisfied else "认为问题没有真正解决（演示数据）。",
        )

    def follow_up(self, matter: Matter, kind: str, text: str, *, close: bool) -> Any:
        """A follow-up task for the handling organ, assigned to its officer (XF-END-01/02)."""
        from .services.handling import follow_up_close, follow_up_create

        matter = self.fresh(matter)
        organisation = matter.handling_org
        if organisation is None:
            self.refused.append(f"{matter.number}: no handling organ for the follow-up")
            return None
        assignee = self.officer(organisation)
        task = self.step(
            matter,
            follow_up_create,
            actor=self.head(matter.handling_org) or self.officer(matter.handling_org),
            matter=matter,
            kind=kind,
            organisation=organisation,
            description=text,
            due_date=self.today + datetime.timedelta(days=20),
            assignee=assignee,
        )
        if task is not None and close and assignee is not None:
            self.step(
                matter, follow_up_close, actor=assignee, task=task, result="已上门走访，信访人表示理解（演示数据）。"
            )
        return task

    def mediate(self, matter: Matter) -> MediationReferral | None:
        from .services.handling import mediation_refer

        classified = self.classify(matter, "petition")
        if classified is None:
            return None
        return self.step(
            classified,
            mediation_refer,
            actor=self.officer(classified.current_org),
            matter=classified,
            mediation_org=self.mediation_org(classified),
            consent_recorded=True,
            note="双方当事人同意调解（演示数据）。",
        )

    def mediation_result(self, matter: Matter, referral: MediationReferral, *, agreement: str) -> Any:
        from .services.handling import mediation_result_record

        mediator = self.member(referral.mediation_org, Role.MEDIATOR)
        return self.step(
            matter,
            mediation_result_record,
            actor=mediator,
            referral=referral,
            agreed=bool(agreement),
            agreement_kind=agreement,
            result="双方达成协议，当场履行（演示数据）。" if agreement else "双方分歧较大，未达成协议（演示数据）。",
        )

    def extension(self, matter: Matter, decision: bool | None) -> Extension | None:
        from .services.handling import extension_decide, extension_request

        classified = self.classify(matter, "petition")
        if classified is None:
            return None
        self.record(classified, RecordKind.CONSULTATION, "涉及多个部门职责，组织会商研判。")
        extension = self.step(
            classified,
            extension_request,
            actor=self.officer(classified.current_org),
            matter=classified,
            days=30,
            reason="涉及多个部门，需要进一步调查核实和协调（演示数据）。",
        )
        if extension is None or decision is None:
            return extension
        return self.step(
            classified,
            extension_decide,
            actor=self.head(classified.current_org),
            extension=extension,
            approve=decision,
            note="同意延期。" if decision else "事实已基本查清，应在原期限内办结。",
        )

    # --- scenarios --------------------------------------------------------------------------------

    def run(self, scenario: str, matter: Matter, nth: int) -> None:
        """Take `matter` through `scenario`; `nth` (0, 1 …: its place among the scenario's matters)
        varies the details (delivery method, kind of agreement, hearing or not) deterministically."""
        self.nth = nth
        getattr(self, f"_{scenario}")(matter)
        self.handled += 1
        self.scenarios[scenario] = self.scenarios.get(scenario, 0) + 1

    def _suggestion_answered(self, m: Matter) -> None:
        if self.classify(m, "suggestion") is not None:
            self.conclude(m, "建议已研究论证，部分采纳并答复信访人（第二十九条，演示数据）。")

    def _suggestion_studied(self, m: Matter) -> None:
        self.classify(m, "suggestion", note="已转有关部门研究论证（演示数据）。")

    def _report_handed_over(self, m: Matter) -> None:
        if self.classify(m, "report", receiving_body="广州市南沙区纪委监委") is not None:
            self.conclude(m, "已按检举控告程序移交纪检监察机关处理（第三十条，演示数据）。")

    def _report_classified(self, m: Matter) -> None:
        self.classify(m, "report", receiving_body="广州市南沙区纪委监委")

    def _routed_reconsideration(self, m: Matter) -> None:
        # The petitioner's own 60-day limit (D18); one of them close, so the workbench warns.
        days = 45 if self.nth % 2 else 10
        self.classify(
            m,
            "admin_reconsideration",
            receiving_body="广州市南沙区人民政府（行政复议机关）",
            petitioner_deadline=self.today + datetime.timedelta(days=days),
            note="已告知信访人向行政复议机关申请行政复议（演示数据）。",
        )

    def _routed_arbitration(self, m: Matter) -> None:
        classified = self.classify(
            m,
            "labour_arbitration",
            receiving_body="广州市南沙区劳动人事争议仲裁委员会",
            petitioner_deadline=self.today + datetime.timedelta(days=300),
            note="已告知信访人申请劳动人事争议仲裁的途径和期限（演示数据）。",
        )
        if classified is not None and self.nth % 2:
            self.conclude(classified, "已导入劳动人事争议仲裁程序，信访程序办结（演示数据）。")

    def _routed_duty(self, m: Matter) -> None:
        classified = self.classify(m, "duty_performance", receiving_body=m.current_org.name)
        if classified is not None:
            self.conclude(classified, "已依法履行职责并答复信访人（第三十一条第五项，演示数据）。")

    def _terminated(self, m: Matter) -> None:
        from .services.handling import matter_terminate

        classified = self.classify(m, "litigation", receiving_body="广州市南沙区人民法院")
        if classified is None:
            return
        done = self.step(
            classified,
            matter_terminate,
            actor=self.officer(classified.current_org),
            matter=classified,
            ground="涉法涉诉事项已经人民法院依法终结（第三十七条第三款，演示数据）。",
        )
        if done is not None:
            self.follow_up(
                classified,
                FollowUpKind.ASSISTANCE,
                "信访人生活困难，协助申请司法救助（演示数据）。",
                close=False,
            )

    def _investigating(self, m: Matter) -> None:
        classified = self.classify(m, "petition")
        if classified is not None:
            self.record(classified, RecordKind.INVESTIGATION, "调取有关材料，走访周边群众核实情况。")
            self.record(classified, RecordKind.INTERVIEW, "约谈信访人，听取其陈述的事实和理由。")

    def _recusal(self, m: Matter) -> None:
        classified = self.classify(m, "petition")
        if classified is not None:
            self.record(classified, RecordKind.RECUSAL, "原承办人与信访人系近亲属，申请回避，改由其他工作人员承办。")
            self.record(classified, RecordKind.CONSULTATION, "组织有关部门会商研判处理方案。")

    def _acceptance_evaluated(self, m: Matter) -> None:
        if self.classify(m, "petition") is not None:
            self.evaluate(m, EvaluationStage.ACCEPTANCE)

    def _simplified(self, m: Matter) -> Matter | None:
        from .services.handling import matter_procedure_set

        classified = self.classify(m, "petition")
        if classified is None:
            return None
        return self.step(
            classified,
            matter_procedure_set,
            actor=self.officer(classified.current_org),
            matter=classified,
            procedure=Procedure.SIMPLIFIED,
            reason="诉求简单明了、事实清楚，适用简易办理（演示数据）。",
            paper_requested=False,
        )

    def _simplified_replied(self, m: Matter) -> None:
        if self._simplified(m) is None:
            return
        opinion = self.opinion(m, Outcome.SUPPORT)
        if opinion is not None:
            self.deliver(m, opinion, DeliveryMethod.ONLINE)  # XF-SIMP-07: no paper asked for

    def _extension_requested(self, m: Matter) -> None:
        self.extension(m, None)

    def _extension_approved(self, m: Matter) -> None:
        self.extension(m, True)

    def _extension_refused(self, m: Matter) -> None:
        self.extension(m, False)

    def _replied_undelivered(self, m: Matter) -> None:
        self.replied(m, Outcome.EXPLAIN, None)

    def _replied_delivered(self, m: Matter) -> None:
        self.replied(m, Outcome.SUPPORT, DeliveryMethod.SMS)

    def _concluded(self, m: Matter) -> None:
        method = (DeliveryMethod.HAND, DeliveryMethod.SMS, DeliveryMethod.ONLINE)[self.nth % 3]
        if self.replied(m, Outcome.EXPLAIN, method) is None:
            return
        if self.conclude(m, "处理意见书已送达，信访人表示接受（演示数据）。") is not None:
            self.evaluate(m, EvaluationStage.HANDLING)

    def _concluded_dissatisfied(self, m: Matter) -> None:
        if self.replied(m, Outcome.NOT_SUPPORT, DeliveryMethod.POST) is None:
            return
        if self.conclude(m, "处理意见书已邮寄送达（演示数据）。") is not None:
            self.evaluate(m, EvaluationStage.HANDLING, dissatisfied=True)

    def _withdrawn(self, m: Matter) -> None:
        classified = self.classify(m, "petition")
        if classified is not None:
            self.withdraw(classified, "信访人书面申请撤回，称已与对方自行协商解决（演示数据）。")

    def _in_mediation(self, m: Matter) -> None:
        self.mediate(m)

    def _mediation_agreed(self, m: Matter) -> None:
        referral = self.mediate(m)
        if referral is not None:
            agreement = AgreementKind.MEDIATION if self.nth % 2 else AgreementKind.SETTLEMENT
            self.mediation_result(m, referral, agreement=agreement)

    def _mediation_failed(self, m: Matter) -> None:
        referral = self.mediate(m)
        if referral is not None:
            self.mediation_result(m, referral, agreement="")

    def _in_review(self, m: Matter) -> None:
        if self.replied(m, Outcome.NOT_SUPPORT, DeliveryMethod.SMS) is not None:
            self.request_review(m, ReviewStage.REVIEW)

    def _review_withdrawn(self, m: Matter) -> None:
        if self.replied(m, Outcome.NOT_SUPPORT, DeliveryMethod.SMS) is None:
            return
        if self.request_review(m, ReviewStage.REVIEW) is not None:
            self.withdraw(m, "信访人在复查期间撤回复查请求（演示数据）。")

    def _reviewed(self, m: Matter) -> None:
        self.reviewed(m, DeliveryMethod.SMS)

    def _reviewed_concluded(self, m: Matter) -> None:
        if self.reviewed(m, DeliveryMethod.ONLINE) is not None:
            self.conclude(m, "复查意见书已送达，信访人未再提出异议（演示数据）。")

    def _in_rereview_hearing(self, m: Matter) -> None:
        if self.reviewed(m, DeliveryMethod.SMS) is None:
            return
        if self.request_review(m, ReviewStage.REREVIEW) is None:
            return
        # XF-REV-05: the hearing days are not counted in the 30-day re-review period; the notice
        # (DOC-08) goes to the petitioner.
        start = self.today + datetime.timedelta(days=7)
        self.record(
            m,
            RecordKind.HEARING,
            "案情复杂，举行复核听证，邀请人大代表、律师和群众代表参加。",
            occurred_on=start,
            end_date=start + datetime.timedelta(days=1),
            place="广州市南沙区信访局听证室",
            participants="信访人、原办理机关、复查机关、听证员三名",
            issue_notice=True,
        )

    def _final(self, m: Matter) -> None:
        if self.reviewed(m, DeliveryMethod.SMS) is None:
            return
        review = self.request_review(m, ReviewStage.REREVIEW)
        if review is None:
            return
        if self.nth % 2:
            self.record(
                m,
                RecordKind.HEARING,
                "举行复核听证，听取信访人、原办理机关和复查机关的意见。",
                place="广州市南沙区信访局听证室",
                participants="信访人、原办理机关、复查机关、听证员三名",
            )
        opinion = self.decide(m, review)
        if opinion is None:
            return
        self.deliver(m, opinion, DeliveryMethod.HAND)
        self.evaluate(m, EvaluationStage.HANDLING, method=EvaluationMethod.PAPER)
        self.follow_up(
            m,
            FollowUpKind.CONFLICT_RESOLUTION,
            "复核终结后继续做好矛盾化解工作，定期回访（第三十七条，演示数据）。",
            close=bool(self.nth % 2),
        )
        self.follow_up(
            m,
            FollowUpKind.ASSISTANCE,
            "信访人家庭生活困难，协助申请临时救助（第三十七条第二款，演示数据）。",
            close=False,
        )


def _handling_load() -> _HandlingDemo:
    """Take accepted demo matters on through handling. Which matters take which scenario depends
    only on what stays fixed (the matters ever accepted, in key order, and their nature, type and
    handling organ), and a matter is taken on only while it is still accepted and unclassified:
    a second run writes nothing."""
    demo = _HandlingDemo()
    candidates = [
        m
        for m in Matter.objects.filter(
            submission_key__startswith=DEMO_KEY_PREFIX, accepted_at__isnull=False, handling_org__isnull=False
        )
        .select_related("current_org", "handling_org", "matter_type", "track")
        .order_by("submission_key")
        if demo.officer(m.handling_org) is not None
    ]
    filled = [0] * len(SCENARIOS)
    for matter in candidates:
        index = _scenario_for(demo, matter, filled)
        if index is None:
            continue  # stays accepted, waiting for its handling
        filled[index] += 1
        if matter.status == Status.ACCEPTED and matter.track_id is None:
            demo.run(SCENARIOS[index].name, matter, filled[index] - 1)
    return demo


@dataclass
class DemoResult:
    created: int
    by_status: dict[str, int]
    handled: int = 0  # matters taken on through handling in this run
    scenarios: dict[str, int] = field(default_factory=dict)  # how many took each scenario
    documents: int = 0  # instruments issued in this run (each a rendered PDF)
    refused: list[str] = field(default_factory=list)  # handling steps the services refused


def demo_matters_load(*, count: int = 300, now: datetime.datetime | None = None) -> DemoResult:
    """Register `count` demo matters and move them into every state. Idempotent: a matter whose
    demo key exists is not registered again, and a step already taken is not repeated."""
    from xinfang.powerlist.routing import powerlist_propose

    from .services.notices import notice_give
    from .services.routing import matter_assign, matter_forward, routing_accept, routing_object
    from .services.triage import (
        matter_accept_here,
        matter_flag_urgent,
        matter_guide_elsewhere,
        matter_not_accept,
        matter_triage,
    )

    now = now or timezone.now()
    rng = random.Random(DEMO_SEED)  # noqa: S311 - reproducible demo data, not security
    district = Organisation.objects.filter(code=DISTRICT_CODE, kind=Kind.DISTRICT).first()
    if district is None:
        raise LookupError("the demo district is not loaded: run `manage.py demo_district` first")
    offices = list(
        Organisation.objects.filter(
            function=Function.PETITION_BUREAU, is_active=True, path__startswith=district.path
        ).order_by("path")
    )
    clerks: dict[int, Any] = {}
    for office in offices:
        m = (
            Membership.objects.filter(organisation=office, role=Role.RECEPTION_CLERK, is_active=True)
            .select_related("user")
            .order_by("user__username")
            .first()
        )
        if m is not None:
            clerks[office.pk] = m.user
    offices = [o for o in offices if o.pk in clerks]
    types = {t.code: t for t in MatterType.objects.all()}
    villages = list(
        Organisation.objects.filter(kind__in=[Kind.VILLAGE, Kind.COMMUNITY], path__startswith=district.path)
    )
    created = 0
    with transaction.atomic():
        for n in range(count):
            key = f"{DEMO_KEY_PREFIX}{n:04d}"
            office = offices[0] if n % 3 == 0 else rng.choice(offices)
            clerk = clerks[office.pk]
            area = office.parent or district
            local = [v for v in villages if v.path.startswith(area.path)] or villages
            place = rng.choice(local)
            story = rng.choice(STORIES)
            days_ago = rng.choice([0, 1, 2, 3, 4, 5, 6, 8, 10, 12, 14, 20, 30, 45])
            received = now - datetime.timedelta(days=days_ago, hours=rng.randint(0, 6), minutes=rng.randint(0, 59))
            fill = {"place": place.name, "amount": rng.choice([3200, 8600, 12000, 26500]), "month": rng.randint(2, 9)}
            group = n % 25 == 7
            channel = rng.choice([Channel.VISIT, Channel.VISIT, Channel.LETTER, Channel.PHONE, Channel.ONLINE])
            petitioners = [
                PetitionerData(
                    name=_name(rng),
                    id_number=_fake_id_number(rng),
                    phone=f"1380000{rng.randint(0, 9999):04d}",
                    address=f"{place.name}{rng.randint(1, 99)}号",
                    role=ParticipantRole.REPRESENTATIVE if group else ParticipantRole.PETITIONER,
                )
                for _ in range(3 if group else 1)
            ]
            anonymous = story.nature == Nature.REPORT and n % 4 == 0
            data = MatterData(
                channel=Channel.VISIT if group else channel,
                source=Source.PORTAL if channel == Channel.ONLINE else Source.COUNTER,
                received_at=received,
                title=story.title,
                request=story.request.format(**fill),
                facts=story.facts.format(**fill),
                reasons=story.reasons,
                petitioners=[] if anonymous else petitioners,
                is_anonymous=anonymous,
                nature_hint=story.nature,
                place_org=place,
                oral_recorded_by=clerk.display_name or clerk.username
                if channel in (Channel.VISIT, Channel.PHONE) or group
                else "",
                group_size=rng.randint(8, 30) if group else 1,
                submission_key=key,
            )
            existing = Matter.objects.filter(submission_key=key).first()
            matter = existing or matter_register(actor=clerk, organisation=office, data=data)
            if existing is None:
                created += 1
            if matter.status != Status.REGISTERED:
                continue
            late = "材料不全，补正后分流（演示数据）"
            plan = n % 20
            if plan < 3:
                continue  # stays to triage
            matter_type = types.get(story.matter_type)
            level = LevelDecision.OUTSIDE if plan == 3 else LevelDecision.THIS_LEVEL
            matter = matter_triage(
                actor=clerk, matter=matter, level=level, nature=story.nature, matter_type=matter_type
            )
            if story.nature == Nature.LITIGATION:
                _attempt(
                    matter_not_accept,
                    actor=clerk,
                    matter=matter,
                    ground=NonAcceptanceGround.LITIGATION,
                    proper_channel="向作出判决的人民法院申请强制执行，或向区委政法委反映执行问题。",
                    legal_basis="《信访工作条例》第二十条第二款、第二十二条第二款",
                    late_reason=late,
                )
                continue
            if plan == 3:
                _attempt(
                    matter_guide_elsewhere,
                    actor=clerk,
                    matter=matter,
                    proper_channel="向市场监督管理部门投诉，或者向人民法院起诉。",
                    legal_basis="《信访工作条例》第二十三条第一款",
                    late_reason=late,
                )
                continue
            if plan == 4:
                _attempt(matter_accept_here, actor=clerk, matter=matter, late_reason=late)
                continue
            today = timezone.localdate(now)
            proposals = powerlist_propose(matter_type=matter_type, area=place, on_date=today) if matter_type else []
            scope = (office.parent or district).path
            targets = [p.organisation for p in proposals if p.organisation.path.startswith(scope)]
            if not targets:
                # A town office handles what the list gives to the district through its own
                # comprehensive governance centre (属地管理).
                targets = list(
                    Organisation.objects.filter(
                        parent=office.parent, function=Function.GOVERNANCE_CENTRE, is_active=True
                    )[:1]
                )
            if not targets:
                continue
            sent_at = min(now, received + datetime.timedelta(days=1))
            if plan in (5, 6):
                routing = _attempt(
                    matter_assign,
                    actor=clerk,
                    matter=matter,
                    to_org=targets[0],
                    report_due=today + datetime.timedelta(days=30),
                    basis="《信访工作条例》第二十二条第一款第三项",
                    sent_at=sent_at,
                    late_reason=late,
                    proposal=proposals,
                )
            else:
                routing = _attempt(
                    matter_forward,
                    actor=clerk,
                    matter=matter,
                    to_org=targets[0],
                    basis="属地管理、分级负责，谁主管、谁负责",
                    sent_at=sent_at,
                    late_reason=late,
                    proposal=proposals,
                )
            handler = _handler(targets[0])
            if routing is None or handler is None or plan < 7:
                continue
            if plan == 7:
                _attempt(
                    routing_object,
                    actor=handler,
                    routing=routing,
                    reason="该事项不属于本单位职责，应由属地镇街处理（演示数据）。",
                )
            elif plan >= 10:
                _attempt(routing_accept, actor=handler, routing=routing)
                if plan % 2 == 0:
                    _attempt(
                        notice_give,
                        actor=handler,
                        matter=Matter.objects.get(pk=matter.pk),
                        kind="receipt",
                        method="sms",
                        late_reason=late,
                    )
            if n % 37 == 11:
                _attempt(
                    matter_flag_urgent,
                    actor=clerk,
                    matter=Matter.objects.get(pk=matter.pk),
                    reason="人数较多，有群体性事件苗头（演示数据）。",
                )
        _merge_repeats(now=now)
    documents_before = Document.objects.count()
    with transaction.atomic():
        handling = _handling_load()
    by_status: dict[str, int] = {}
    for status in Matter.objects.filter(submission_key__startswith=DEMO_KEY_PREFIX).values_list("status", flat=True):
        by_status[status] = by_status.get(status, 0) + 1
    return DemoResult(
        created=created,
        by_status=by_status,
        handled=handling.handled,
        scenarios=handling.scenarios,
        documents=Document.objects.count() - documents_before,
        refused=handling.refused,
    )


__all__ = ["FINDINGS", "SCENARIOS", "STORIES", "DemoResult", "demo_matters_load"]
