"""Staff pages of major decisions and their risk assessment: the yearly list, one decision with its
assessment rounds, steps and documents and the outcomes its level permits, a form per action (each a
service call), and the review flags. Without `risk.manage` anywhere: 403; a decision outside the
user's scope: 404."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from xinfang.accounts.policies import organisation_scope
from xinfang.accounts.roles import Action
from xinfang.core.errors import put_errors
from xinfang.orgs.models import Organisation

from . import policies, selectors, services
from .forms import (
    ConcludeForm,
    DecideForm,
    DecisionForm,
    FilterForm,
    ListCreateForm,
    ReassessForm,
    ResolveForm,
    StepForm,
)
from .models import DecisionList, MajorDecision, ReviewFlag, StepDocument
from .states import RISK_LEVEL_HELP, Outcome, RiskLevel, permitted_outcomes

PAGE_SIZE = 50


def _check_viewer(user: Any) -> None:
    if not policies.may_view_risk(user):
        raise PermissionDenied(_("您没有权限查看重大决策社会稳定风险评估。"))


def _outcome_table() -> list[dict[str, Any]]:
    """What each level permits (settings), for the pages."""
    return [
        {
            "level": level,
            "label": level.label,
            "help": RISK_LEVEL_HELP[level],
            "outcomes": [Outcome(o).label for o in permitted_outcomes(level)],
        }
        for level in RiskLevel
    ]


@login_required
def decision_list_view(request: HttpRequest) -> HttpResponseBase:
    """The decisions on the lists the user may see, by year and status."""
    _check_viewer(request.user)
    years = selectors.decision_list_years(user=request.user)
    form = FilterForm(request.GET or None, years=years)
    year = status = None
    if form.is_bound and form.is_valid():
        year, status = form.cleaned_data["year"], form.cleaned_data["status"]
    queryset = selectors.decision_list(user=request.user, year=year, status=status or "")
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    items = list(page.object_list)
    for item in items:
        rounds = getattr(item, "current_rounds", [])
        item.current = rounds[0] if rounds else None  # type: ignore[attr-defined]
    lists = list(
        selectors.list_visible(request.user).select_related("organisation").order_by("-year", "organisation__path")[:20]
    )
    context = {
        "form": form,
        "page": page,
        "items": items,
        "lists": lists,
        "can_create": bool(_list_orgs(request.user).exists()),
    }
    return render(request, "risk/list.html", context)


def _list_orgs(user: Any) -> Any:
    """Governments where the user may open a list."""
    scope = organisation_scope(user, Action.RISK_MANAGE)
    qs = Organisation.objects.filter(kind__in=services.LIST_KINDS, is_external=False, is_active=True)
    if not scope.everything:
        qs = qs.filter(pk__in=scope.organisation_ids())
    return qs.order_by("path")


@login_required
def list_create_view(request: HttpRequest) -> HttpResponseBase:
    _check_viewer(request.user)
    organisations = _list_orgs(request.user)
    form = ListCreateForm(request.POST or None, organisations=organisations)
    if request.method == "POST" and form.is_valid():
        try:
            services.decision_list_create(
                actor=request.user,
                organisation=form.cleaned_data["organisation"],
                year=form.cleaned_data["year"],
                title=form.cleaned_data["title"],
            )
        except ValidationError as exc:
            put_errors(form, exc)
        else:
            messages.success(request, _("已建立年度重大决策事项目录。"))
            return redirect("risk:list")
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "risk/form.html", {"form": form, "title": _("建立年度重大决策事项目录")}, status=status)


@login_required
def decision_add_view(request: HttpRequest, list_pk: int) -> HttpResponseBase:
    _check_viewer(request.user)
    try:
        decision_list: DecisionList = (
            selectors.list_visible(request.user).select_related("organisation").get(pk=list_pk)
        )
    except DecisionList.DoesNotExist:
        raise Http404(_("未找到该目录。")) from None
    form = DecisionForm(request.POST or None, area=decision_list.organisation)
    if request.method == "POST" and form.is_valid():
        data = services.DecisionData(**form.cleaned_data)
        try:
            decision = services.decision_add(actor=request.user, decision_list=decision_list, data=data)
        except ValidationError as exc:
            put_errors(form, exc)
        else:
            messages.success(request, _("已列入目录。"))
            return redirect("risk:detail", pk=decision.pk)
    status = 400 if form.is_bound and form.errors else 200
    context = {"form": form, "title": _("新增决策事项"), "subtitle": decision_list.title}
    return render(request, "risk/form.html", context, status=status)


def _decision(request: HttpRequest, pk: int) -> MajorDecision:
    _check_viewer(request.user)
    try:
        return selectors.decision_get(user=request.user, pk=pk)
    except MajorDecision.DoesNotExist:
        raise Http404(_("未找到该决策事项。")) from None


@login_required
def decision_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    decision = _decision(request, pk)
    current = selectors.current_assessment(decision)
    context = {
        "d": decision,
        "current": current,
        "rounds": list(decision.assessments.all()),
        "flags": list(decision.review_flags.all()),
        "actions": policies.decision_actions(request.user, decision),
        "can_resolve": policies.may_decide(request.user, decision),
        "table": _outcome_table(),
        "permitted": [Outcome(o).label for o in permitted_outcomes(current.level)] if current and current.level else [],
    }
    return render(request, "risk/detail.html", context)


ACTION_TITLES: dict[str, Callable[[], str]] = {
    "step": lambda: _("记录评估环节"),
    "conclude": lambda: _("作出评估结论"),
    "reassess": lambda: _("重新评估"),
    "decide": lambda: _("登记决策结果"),
}
DONE_MESSAGES: dict[str, Callable[[], str]] = {
    "step": lambda: _("已记录评估环节。"),
    "conclude": lambda: _("已作出评估结论。"),
    "reassess": lambda: _("已启动重新评估。"),
    "decide": lambda: _("已登记决策结果。"),
}


def _action_form(action: str, decision: MajorDecision, request: HttpRequest) -> Any:
    data = request.POST if request.method == "POST" else None
    if action == "step":
        return StepForm(data, request.FILES if data is not None else None)
    if action == "conclude":
        return ConcludeForm(data)
    if action == "reassess":
        return ReassessForm(data)
    current = selectors.current_assessment(decision)
    return DecideForm(data, permitted=permitted_outcomes(current.level) if current else [])


def _call(action: str, actor: Any, decision: MajorDecision, d: dict[str, Any]) -> Any:
    if action == "step":
        data = services.StepData(kind=d["kind"], date=d["date"], text=d["text"], documents=d["documents"])
        return services.assessment_step_record(actor=actor, decision=decision, data=data)
    if action == "conclude":
        return services.assessment_conclude(
            actor=actor, decision=decision, level=d["level"], measures=d["measures"], conclusion=d["conclusion"]
        )
    if action == "reassess":
        return services.assessment_start(actor=actor, decision=decision, reason=d["reason"])
    return services.decision_decide(
        actor=actor, decision=decision, outcome=d["outcome"], note=d["note"], measures=d["measures"]
    )


@login_required
def decision_action_view(request: HttpRequest, pk: int, action: str) -> HttpResponseBase:
    """The form of one action (GET) and its service call (POST)."""
    if action not in ACTION_TITLES:
        raise Http404
    decision = _decision(request, pk)
    if action not in policies.decision_actions(request.user, decision):
        raise PermissionDenied(_("现在不能对该决策事项执行此操作。"))
    form = _action_form(action, decision, request)
    if request.method == "POST" and form.is_valid():
        try:
            _call(action, request.user, decision, form.cleaned_data)
        except ValidationError as exc:
            put_errors(form, exc)
        else:
            messages.success(request, DONE_MESSAGES[action]())
            return redirect("risk:detail", pk=pk)
    current = selectors.current_assessment(decision)
    context = {
        "form": form,
        "title": ACTION_TITLES[action](),
        "subtitle": f"{decision.reference} {decision.title}",
        "d": decision,
        "current": current,
        "action": action,
        "table": _outcome_table() if action in ("conclude", "decide") else [],
        "multipart": action == "step",
    }
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "risk/action.html", context, status=status)


@login_required
def document_view(request: HttpRequest, pk: int) -> FileResponse:
    _check_viewer(request.user)
    try:
        document: StepDocument = selectors.document_get(user=request.user, pk=pk)
    except StepDocument.DoesNotExist:
        raise Http404(_("未找到该材料。")) from None
    return FileResponse(document.file.open("rb"), filename=document.original_name, content_type=document.content_type)


@login_required
def flag_list_view(request: HttpRequest) -> HttpResponse:
    """Review flags: open ones first (?all=1 for resolved ones too)."""
    _check_viewer(request.user)
    show_all = request.GET.get("all") == "1"
    page = Paginator(selectors.flag_list(user=request.user, open_only=not show_all), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "risk/flags.html", {"page": page, "items": list(page.object_list), "show_all": show_all})


@login_required
@require_POST
def flag_resolve_view(request: HttpRequest, pk: int) -> HttpResponseBase:
    _check_viewer(request.user)
    try:
        flag: ReviewFlag = selectors.flag_get(user=request.user, pk=pk)
    except ReviewFlag.DoesNotExist:
        raise Http404(_("未找到该复核提示。")) from None
    form = ResolveForm(request.POST)
    if form.is_valid():
        try:
            services.review_flag_resolve(
                actor=request.user,
                flag=flag,
                resolution=form.cleaned_data["resolution"],
                reassess=form.cleaned_data["reassess"],
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("已处理复核提示。"))
    else:
        messages.error(request, _("请填写复核处理意见。"))
    return redirect(reverse("risk:detail", args=[flag.decision_id]) + "#flags")
