"""What the public reads: each status of a matter and each running clock in plain words (H7;
XF-SAT-02), translated like every other string. Dates are formatted in the reader's locale."""

from __future__ import annotations

import datetime

from django.utils import formats
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from xinfang.notices.kinds import DocumentKind
from xinfang.petitions.states import (
    CLOCK_HANDLING,
    CLOCK_NOTICE,
    CLOCK_RECIPIENT_NOTICE,
    CLOCK_REREVIEW,
    CLOCK_REREVIEW_WINDOW,
    CLOCK_REVIEW,
    CLOCK_REVIEW_ACCEPT,
    CLOCK_REVIEW_WINDOW,
    CLOCK_SIMPLE_ACCEPT,
    CLOCK_SIMPLE_HANDLING,
    CLOCK_TRIAGE,
    Status,
)

STATUS_SENTENCES: dict[str, Promise] = {
    Status.REGISTERED: _("您的信访事项已登记。信访部门正在审查，将决定受理，或者转送、交办有权处理的机关。"),
    Status.FORWARDED: _("您的信访事项已转送有权处理的机关，正在等待该机关受理。"),
    Status.ASSIGNED: _("您的信访事项已交办有关机关，正在等待该机关受理。"),
    Status.OBJECTED: _("接收机关认为该事项不属于其职责范围，信访部门正在重新确定办理机关。"),
    Status.ACCEPTED: _("您的信访事项已受理，正在办理。"),
    Status.NOT_ACCEPTED: _("您的信访事项不予受理。告知书写明了理由，以及您可以向哪个机关、通过什么途径提出。"),
    Status.MERGED: _("您的信访事项与正在办理的同一事项合并办理。"),
    Status.GUIDED: _("您的信访事项应当向其他有权机关提出。告知书写明了应当向哪个机关提出。"),
    Status.IN_MEDIATION: _("您的信访事项正在调解。"),
    Status.ROUTED: _("您的信访事项已导入法定程序（如诉讼、仲裁、行政复议），由有关机关依法处理。"),
    Status.REPLIED: _("办理机关已出具处理意见。如果不服，可以在期限内请求复查。"),
    Status.IN_REVIEW: _("您的复查请求已收到，复查机关正在复查。"),
    Status.REVIEWED: _("复查机关已出具复查意见。如果不服，可以在期限内请求复核。"),
    Status.IN_REREVIEW: _("您的复核请求已收到，复核机关正在复核。"),
    Status.FINAL: _("复核机关已出具复核意见，这是最终意见；以同一事实和理由再次提出的，不再受理。"),
    Status.CONCLUDED: _("您的信访事项已办结。"),
    Status.TERMINATED: _("您的信访事项已终结。"),
    Status.WITHDRAWN: _("您的信访事项已撤回。"),
}

# Clocks the petitioner is told about, as "… by <date>". Clocks between organisations (objection,
# assignment report, follow-up) are not the petitioner's business and are left out.
CLOCK_SENTENCES: dict[str, Promise] = {
    CLOCK_TRIAGE: _("信访部门应于%(date)s前决定受理，或者转送、交办有权处理的机关。"),
    CLOCK_NOTICE: _("书面告知应于%(date)s前发出。"),
    CLOCK_RECIPIENT_NOTICE: _("书面告知应于%(date)s前发出。"),
    CLOCK_SIMPLE_ACCEPT: _("应于%(date)s前决定是否受理。"),
    CLOCK_HANDLING: _("处理意见应于%(date)s前作出。"),
    CLOCK_SIMPLE_HANDLING: _("处理意见应于%(date)s前作出。"),
    CLOCK_REVIEW_WINDOW: _("如果不服处理意见，可以在%(date)s前请求复查。"),
    CLOCK_REVIEW_ACCEPT: _("应于%(date)s前决定是否受理您的复查（复核）请求。"),
    CLOCK_REVIEW: _("复查意见应于%(date)s前作出。"),
    CLOCK_REREVIEW_WINDOW: _("如果不服复查意见，可以在%(date)s前请求复核。"),
    CLOCK_REREVIEW: _("复核意见应于%(date)s前作出（听证时间不计算在内）。"),
}
PUBLIC_CLOCK_KINDS = frozenset(CLOCK_SENTENCES)

# Instruments addressed to the petitioner, downloadable from the tracking page.
PETITIONER_DOCUMENT_KINDS: tuple[str, ...] = (
    DocumentKind.RECEIPT,
    DocumentKind.ACCEPTANCE,
    DocumentKind.NON_ACCEPTANCE,
    DocumentKind.EXTENSION,
    DocumentKind.HANDLING_OPINION,
    DocumentKind.HEARING_NOTICE,
    DocumentKind.REVIEW_OPINION,
    DocumentKind.REREVIEW_OPINION,
    DocumentKind.TERMINATION,
)


def local_date(day: datetime.date) -> str:
    """A date in the active locale's format ("2026年5月6日", "May 6, 2026")."""
    return formats.date_format(day, "DATE_FORMAT")


def status_sentence(status: str) -> str:
    return str(STATUS_SENTENCES[status])


def clock_sentence(kind: str, due: datetime.date) -> str:
    return str(CLOCK_SENTENCES[kind]) % {"date": local_date(due)}
