"""Choices of the order app: the conduct of 条例 Art. 26 (XF-BEH-01), the lawful responses of staff
(XF-BEH-02), warning kinds and states, and the court's four-level model of litigation-related
matters (O3)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ConductKind(models.TextChoices):
    """The six kinds of conduct petitioners must not engage in (条例 Art. 26, XF-BEH-01)."""

    GATHERING = "gathering", _("非法聚集、围堵冲击机关、拦截公务车辆、堵塞阻断交通")
    DANGEROUS_ARTICLES = "dangerous_articles", _("携带危险物品、管制器具")
    VIOLENCE = "violence", _("侮辱殴打威胁工作人员、非法限制他人人身自由、毁坏财物")
    LINGERING = "lingering", _("在信访接待场所滞留滋事、将生活不能自理的人弃留在信访接待场所")
    INCITEMENT = "incitement", _("煽动串联胁迫诱使幕后操纵他人信访、以信访为名借机敛财")
    OTHER = "other", _("其他扰乱公共秩序、妨害国家和公共安全的行为")


class ResponseKind(models.TextChoices):
    """What was done about it (XF-BEH-02): staff dissuade, criticise or educate; serious disorder is
    handed to the police, who decide on-site measures and penalties. The system only records."""

    DISSUADE = "dissuade", _("劝阻")
    CRITICISE = "criticise", _("批评")
    EDUCATE = "educate", _("教育")
    POLICE = "police", _("移交公安机关依法处置")


class WarningKind(models.TextChoices):
    """What the matters of a warning have in common."""

    THEME = "theme", _("同一类问题")
    PLACE = "place", _("同一地点")
    NAME = "name", _("同一单位")


class WarningStatus(models.TextChoices):
    OPEN = "open", _("待处理")
    ACKNOWLEDGED = "acknowledged", _("已知悉")
    CLOSED = "closed", _("已关闭")


# A warning still being followed: at most one per cluster key.
LIVE_WARNING_STATUSES = (WarningStatus.OPEN, WarningStatus.ACKNOWLEDGED)


class LitigationLevel(models.TextChoices):
    """The court's four-level model for litigation-related petitions (O3)."""

    FIRST = "first", _("首次办理")
    MAIN = "main", _("主办")
    LEADER = "leader", _("领导督办")
    JOINT = "joint", _("联合办理")


LITIGATION_LEVEL_HELP = {
    LitigationLevel.FIRST: _("信访（诉讼服务）部门首次办理：登记、释法明理、导入诉讼程序。"),
    LitigationLevel.MAIN: _("案件承办部门主办：审查原案，依法作出处理。"),
    LitigationLevel.LEADER: _("院领导督办跟踪：明确督办领导，定期听取办理情况。"),
    LitigationLevel.JOINT: _("重点案件联合办理：多个部门或机关共同办理。"),
}
