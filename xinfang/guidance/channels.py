"""What the guidance map says about each legal channel, in plain words, and where it looks for the
receiving bodies. Keyed by `HandlingTrack.code` (the code identifies a track in configuration; its
name, receiving body, time limit and legal basis come from the row itself, so an administrator's
edit shows on the map at once). A track the table does not know still appears, with its own
`guidance` text. Sources: regulations.md §1.10 (XF-CLS-*), §4 (REC, LIT, ARB, CIV, DIS, MED, AID)."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from xinfang.orgs.models import Function

# Plain-language "what to do" per track. Time limits stored on the track (petitioner_period) are
# shown from the data, not repeated here; limits the track table does not hold are cited from §4.
ADVICE: dict[str, Promise] = {
    "petition": _(
        "其他诉求：可以写信、走访或者网上提出信访事项。受理后一般60日内办结并出具处理意见书；"
        "不服的，收到后30日内可以请求复查。"
    ),
    "suggestion": _("对工作的意见和建议：有关机关研究论证后答复，合理可行的予以采纳。"),
    "report": _(
        "检举控告党员干部、公职人员违纪违法：向纪检监察机关反映，提倡实名。检举控告内容依法保密，不会告诉被反映人。"
    ),
    "litigation": _(
        "民事纠纷可以向人民法院起诉，诉讼时效一般为3年；对行政行为不服的，一般在知道之日起6个月内提起行政诉讼。"
        "已有判决的，上诉、申请再审、申请执行都有期限，请及时办理。"
    ),
    "procuratorial": _(
        "认为生效裁判确有错误、公安机关应当立案而不立案，或者司法工作人员办案违法的，可以向人民检察院控告、申诉或者申请监督。"
    ),
    "arbitration": _("合同约定了仲裁的纠纷，向约定的仲裁委员会申请仲裁。"),
    "labour_arbitration": _(
        "劳动争议可以先申请调解；调解组织收到申请15日内未达成协议的，可以向劳动人事争议仲裁委员会申请仲裁。"
    ),
    "admin_reconsideration": _(
        "对行政机关的处罚、决定等不服的，可以申请行政复议，由复议机关的行政复议机构（一般设在司法行政部门）办理。"
    ),
    "admin_procedure": _("需要行政机关作出许可、确认、裁决、处罚等决定的，按该行政程序向有权机关申请。"),
    "party_appeal": _("党员对党组织作出的处理不服的，按党内规定申诉或者申请复审。"),
    "duty_performance": _(
        "请求行政机关查处违法行为、保护人身和财产权利的，有权机关依法履行职责或者答复；"
        "申请后2个月内不履行的，可以提起行政诉讼。"
    ),
    "people_mediation": _(
        "邻里、家庭等民间纠纷可以申请人民调解，不收费，一般在一个月内调结；"
        "达成调解协议后30日内，双方可以共同向人民法院申请司法确认。"
    ),
    "legal_aid": _(
        "经济困难或者符合法定条件的，可以申请法律援助，援助机构7日内作出决定；"
        "离起诉、仲裁或者复议期限不足7日的，可以先行援助。"
    ),
    "other_statutory": _("依法有专门程序的，按该程序办理；信访部门会告诉您向哪个机关提出。"),
}

# The functions of the bodies that receive each track, looked up in the map's area (the town and
# the district). Tracks not listed find their bodies by the receiving-body name only.
TRACK_FUNCTIONS: dict[str, tuple[str, ...]] = {
    "petition": (Function.PETITION_BUREAU,),
    "report": (Function.DISCIPLINE,),
    "party_appeal": (Function.DISCIPLINE,),
    "litigation": (Function.COURT,),
    "procuratorial": (Function.PROCURATORATE,),
    "admin_reconsideration": (Function.JUSTICE,),
    "people_mediation": (Function.MEDIATION,),
    "legal_aid": (Function.JUSTICE,),
}

# A receiving-body name shorter than this is too general to look departments up by name.
MIN_BODY_NAME = 4
