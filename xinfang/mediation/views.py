"""Staff pages of mediation: the case inbox (restricted, filters, clock badges, paginated), one case
with its parties, session log and the actions the user may take now (each one service call), a
phone-sized form for a walk-in application, and the network directory. A case the user may not see
is a 404; a user without mediation.handle anywhere gets 403."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from xinfang.accounts.policies import user_can
from xinfang.accounts.roles import Action
from xinfang.core.errors import put_errors
from xinfang.core.ids import id_from_text

from . import selectors, services
from .forms import (
    AgreeForm,
    DirectoryFilterForm,
    FailForm,
    FulfilmentForm,
    JcApplyForm,
    JcResultForm,
    ListFilterForm,
    MediatorsForm,
    PartyForm,
    ReasonForm,
    ResultReturnForm,
    SessionForm,
    WalkInForm,
)
from .models import MediationCase, MediationParty, Mediator
from .states import OPEN_STATUSES, OUTSIDE_SOURCES, TRANSITIONS, CaseStatus, PartyRole, SourceKind

PAGE_SIZE = 50


def _check_handler(user: Any) -> None:
    if not user_can(user, Action.MEDIATION_HANDLE):
        raise PermissionDenied(_("您没有权限办理调解案件。"))


@login_required
def case_list_view(request: HttpRequest) -> HttpResponse:
    """The cases of the user's organisations, newest first, with their clocks (due soon: the
    reminder; overdue)."""
    _check_handler(request.user)
    form = ListFilterForm(request.GET or None)
    chosen = form.filters()
    today = timezone.localdate()
    due_by: datetime.date | None = None
    if chosen["due"] == "overdue":
        due_by = today - datetime.timedelta(days=1)
    elif chosen["due"] == "soon":
        due_by = today + datetime.timedelta(days=5)
    queryset = selectors.case_list(
        user=request.user, status=chosen["status"], source_kind=chosen["source_kind"], q=chosen["q"], due_by=due_by
    )
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    items = list(page.object_list)
    badges = selectors.case_clock_badges(items, today=today)
    for item in items:
        item.badges = badges.get(item.pk, [])  # type: ignore[attr-defined]
    return render(request, "mediation/list.html", {"form": form, "page": page, "items": items})


def _case(request: HttpRequest, pk: int) -> MediationCase:
    _check_handler(request.user)
    try:
        return selectors.case_get(user=request.user, pk=pk)
    except MediationCase.DoesNotExist:
        raise Http404(_("未找到该调解案件。")) from None


def _mediators(case: MediationCase) -> Any:
    return Mediator.objects.filter(body__organisation=case.organisation_id, is_active=True).order_by("name")


def _offered(case: MediationCase, forms: dict[str, Any]) -> dict[str, Any]:
    status = case.status
    offered: dict[str, Any] = {}
    if CaseStatus.ACCEPTED in TRANSITIONS[status]:
        offered["accept"] = forms.get("accept") or MediatorsForm(mediators=_mediators(case), prefix="accept")
        offered["refuse"] = forms.get("refuse") or ReasonForm(prefix="refuse")
    if status in (CaseStatus.ACCEPTED, CaseStatus.IN_SESSION):
        offered["session"] = forms.get("session") or SessionForm(mediators=_mediators(case), prefix="session")
        offered["agree"] = forms.get("agree") or AgreeForm(prefix="agree")
        offered["fail"] = forms.get("fail") or FailForm(prefix="fail")
    if status in OPEN_STATUSES:
        offered["party"] = forms.get("party") or PartyForm(prefix="party")
    if status in (CaseStatus.AGREED, CaseStatus.NOT_FULFILLED):
        offered["fulfilment"] = forms.get("fulfilment") or FulfilmentForm(prefix="fulfilment")
    if status in services.JC_STATUSES:
        if case.agreement_document_id is None:
            offered["issue"] = True
        if case.jc_applied_at is None:
            offered["jc_apply"] = forms.get("jc_apply") or JcApplyForm(prefix="jc_apply")
        elif not case.jc_result:
            offered["jc_result"] = forms.get("jc_result") or JcResultForm(prefix="jc_result")
    if case.source_kind in OUTSIDE_SOURCES and case.ended_at is not None and case.result_returned_at is None:
        offered["result_return"] = forms.get("result_return") or ResultReturnForm(prefix="result_return")
    return offered


def _detail_page(
    request: HttpRequest, case: MediationCase, forms: dict[str, Any] | None = None, status: int = 200
) -> HttpResponse:
    context = {
        "c": case,
        "actions": _offered(case, forms or {}),
        "parties": list(case.parties.all()),
        "sessions": list(case.sessions.all()),
        "badges": selectors.case_clock_badges([case], include_stopped=True).get(case.pk, []),
        "party_open": case.status in OPEN_STATUSES,
    }
    return render(request, "mediation/detail.html", context, status=status)


@login_required
def case_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail_page(request, _case(request, pk))


def _party(case: MediationCase, data: dict[str, Any], post: Any) -> MediationParty:
    party_id = id_from_text(post.get("party_id"))
    party = case.parties.filter(pk=party_id).first() if party_id else None
    if party is None:
        raise ValidationError(_("请选择当事人。"))
    return party


ACTIONS: dict[str, tuple[Any, Callable[[Any, MediationCase, dict[str, Any], Any], Any]]] = {
    "accept": (
        MediatorsForm,
        lambda u, c, d, p: services.mediation_case_accept(actor=u, case=c, mediators=d["mediators"]),
    ),
    "refuse": (ReasonForm, lambda u, c, d, p: services.mediation_case_refuse(actor=u, case=c, reason=d["reason"])),
    "session": (
        SessionForm,
        lambda u, c, d, p: services.mediation_session_record(
            actor=u, case=c, held_at=d["held_at"], place=d["place"], notes=d["notes"], mediators=d["mediators"]
        ),
    ),
    "agree": (
        AgreeForm,
        lambda u, c, d, p: services.mediation_agree(
            actor=u, case=c, facts=d["facts"], terms=d["terms"], performance=d["performance"]
        ),
    ),
    "fail": (
        FailForm,
        lambda u, c, d, p: services.mediation_fail(
            actor=u, case=c, reason=d["reason"], routes_notice=d["routes_notice"]
        ),
    ),
    "fulfilment": (
        FulfilmentForm,
        lambda u, c, d, p: services.mediation_fulfilment_record(
            actor=u, case=c, fulfilled=d["fulfilled"], note=d["note"]
        ),
    ),
    "jc_apply": (
        JcApplyForm,
        lambda u, c, d, p: services.mediation_jc_apply(actor=u, case=c, applied_on=d["applied_on"], court=d["court"]),
    ),
    "jc_result": (
        JcResultForm,
        lambda u, c, d, p: services.mediation_jc_result_record(
            actor=u, case=c, result=d["result"], result_on=d["result_on"], note=d["note"]
        ),
    ),
    "issue": (None, lambda u, c, d, p: services.mediation_agreement_issue(actor=u, case=c)),
    "result_return": (
        ResultReturnForm,
        lambda u, c, d, p: services.mediation_result_return(
            actor=u, case=c, returned_on=d["returned_on"], note=d["note"]
        ),
    ),
    "party": (
        PartyForm,
        lambda u, c, d, p: services.mediation_party_add(
            actor=u,
            case=c,
            data=services.PartyData(name=d["name"], role=d["role"], phone=d["phone"]),
            consent_recorded=d["consent_recorded"],
        ),
    ),
    "consent": (None, lambda u, c, d, p: services.mediation_party_consent_record(actor=u, party=_party(c, d, p))),
    "party_refuse": (None, lambda u, c, d, p: services.mediation_party_refuse(actor=u, party=_party(c, d, p))),
}
DONE_MESSAGES = {
    "accept": lambda: _("已受理。"),
    "refuse": lambda: _("已不予受理。"),
    "session": lambda: _("已记录调解情况。"),
    "agree": lambda: _("已记录调解协议。"),
    "fail": lambda: _("已终止调解，并告知当事人其他救济途径。"),
    "fulfilment": lambda: _("已记录履行回访情况。"),
    "jc_apply": lambda: _("已记录司法确认申请。"),
    "jc_result": lambda: _("已记录司法确认结果。"),
    "issue": lambda: _("已出具调解协议书。"),
    "result_return": lambda: _("已记录向来源机关反馈结果。"),
    "party": lambda: _("已增加当事人。"),
    "consent": lambda: _("已记录当事人同意调解。"),
    "party_refuse": lambda: _("已记录当事人拒绝调解，调解终止。"),
}


@login_required
@require_POST
def case_action_view(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """One action on a case: 404 unless the user may see it, then the service (which checks the
    right to act and the state)."""
    if action not in ACTIONS:
        raise Http404
    case = _case(request, pk)
    form_class, call = ACTIONS[action]
    form = None
    if form_class is MediatorsForm or form_class is SessionForm:
        form = form_class(request.POST, mediators=_mediators(case), prefix=action)
    elif form_class is not None:
        form = form_class(request.POST, prefix=action)
    if form is not None and not form.is_valid():
        return _detail_page(request, case, {action: form}, status=400)
    try:
        call(request.user, case, form.cleaned_data if form is not None else {}, request.POST)
    except ValidationError as exc:
        fields = set(getattr(exc, "error_dict", {}))
        if form is None or not fields & set(form.fields):
            messages.error(request, " ".join(exc.messages))
            return redirect("mediation:detail", pk=pk)
        put_errors(form, exc)
        return _detail_page(request, case, {action: form}, status=400)
    messages.success(request, DONE_MESSAGES[action]())
    return redirect("mediation:detail", pk=pk)


@login_required
def case_agreement_pdf_view(request: HttpRequest, pk: int) -> FileResponse:
    case = _case(request, pk)
    if case.agreement_document is None:
        raise Http404(_("尚未出具调解协议书。"))
    from io import BytesIO

    return FileResponse(
        BytesIO(bytes(case.agreement_document.pdf)),
        content_type="application/pdf",
        filename=f"{case.number}.pdf",
    )


@login_required
def case_new_view(request: HttpRequest) -> HttpResponse:
    """A walk-in application (当事人申请) from a phone-sized form."""
    _check_handler(request.user)
    bodies = selectors.bodies_for(user=request.user)
    form = WalkInForm(request.POST or None, bodies=bodies)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            case = services.mediation_case_open(
                actor=request.user,
                organisation=d["body"].organisation,
                body=d["body"],
                source_kind=SourceKind.WALK_IN,
                parties=[
                    services.PartyData(
                        name=d["applicant_name"],
                        role=PartyRole.APPLICANT,
                        phone=d["applicant_phone"],
                        id_number=d["applicant_id_number"],
                        address=d["applicant_address"],
                    ),
                    services.PartyData(
                        name=d["respondent_name"],
                        role=PartyRole.RESPONDENT,
                        phone=d["respondent_phone"],
                        address=d["respondent_address"],
                    ),
                ],
                summary=d["summary"],
                category=d["category"],
                consent_recorded=d["consent_recorded"],
            )
        except ValidationError as exc:
            put_errors(form, exc)
        else:
            messages.success(request, _("已登记调解申请 %(number)s。") % {"number": case.number})
            return redirect("mediation:detail", pk=case.pk)
    return render(request, "mediation/new.html", {"form": form}, status=400 if form.errors else 200)


@login_required
def directory_view(request: HttpRequest) -> HttpResponse:
    """The mediation network: bodies by organisation, with their mediators and specialities."""
    if not user_can(request.user, Action.ORG_VIEW):
        raise PermissionDenied(_("您没有权限查看调解组织。"))
    form = DirectoryFilterForm(request.GET or None)
    chosen = form.cleaned_data if form.is_bound and form.is_valid() else {"kind": "", "q": ""}
    queryset = selectors.body_list(user=request.user, kind=chosen["kind"], q=chosen["q"])
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "mediation/directory.html", {"form": form, "page": page, "items": list(page.object_list)})
