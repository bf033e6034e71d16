"""Demo matters: a few hundred synthetic petition matters in every state, registered and routed
through the real services (every step audited, every clock started), for `make run`.

All text here is written for the project: the complaints are typical of a district's petition
work, the names are fictional, and no real message from shared data is used."""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from xinfang.accounts.models import Membership
from xinfang.accounts.roles import Role
from xinfang.orgs.models import Function, Kind, Organisation
from xinfang.powerlist.models import MatterType

from .models import Matter
from .services.intake import MatterData, PetitionerData, matter_register
from .states import Channel, LevelDecision, LinkKind, Nature, NonAcceptanceGround, ParticipantRole, Source, Status

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


@dataclass
class DemoResult:
    created: int
    by_status: dict[str, int]


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
    by_status: dict[str, int] = {}
    for status in Matter.objects.filter(submission_key__startswith=DEMO_KEY_PREFIX).values_list("status", flat=True):
        by_status[status] = by_status.get(status, 0) + 1
    return DemoResult(created=created, by_status=by_status)


__all__ = ["STORIES", "DemoResult", "demo_matters_load"]
