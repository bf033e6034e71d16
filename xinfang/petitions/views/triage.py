"""Views: triage and routing. Each action is a page with one form (GET) that posts back to itself;
the triage page gathers the decision forms of a registered matter, the routing page the
recipient's and the bureau's forms. Views check who may act (403), call one service, and put its
errors next to the fields (a double submit finds the state changed and says so)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xinfang.accounts.policies import require, user_can
from xinfang.accounts.roles import Action
from xinfang.core.errors import put_errors
from xinfang.textmining.classifier_views import suggestion_context

from ..forms_triage import (
    AcceptHereForm,
    AssignForm,
    CorrectReceivedForm,
    ForwardForm,
    GuideForm,
    NotAcceptForm,
    NoticeForm,
    ObjectionDecideForm,
    RoutingAcceptForm,
    RoutingObjectForm,
    RoutingReceivedForm,
    TriageForm,
    UrgentForm,
)
from ..models import Matter, Routing
from ..selectors_routing import (
    matter_clock_rows,
    matter_for_action,
    matters_to_triage,
    routing_for_action,
    routing_inbox,
    routing_objections,
    routing_reroute_choices,
    routing_target_choices,
    triage_proposal,
)
from ..services.intake import matter_correct_received_at
from ..services.notices import notice_give, notice_kinds_for
from ..services.routing import (
    matter_assign,
    matter_forward,
    objection_due,
    routing_accept,
    routing_mark_received,
    routing_object,
    routing_objection_decide,
)
from ..services.triage import (
    matter_accept_here,
    matter_flag_urgent,
    matter_guide_elsewhere,
    matter_not_accept,
    matter_triage,
    organisation_area,
    urgent_report_targets,
)
from ..states import RoutingOutcome, Status

TEMPLATE_DIR = "petitions/triage"


# --- Helpers -----------------------------------------------------------------------------------


def _posted(request: HttpRequest) -> Any:
    """The submitted data, or None for a GET (an empty POST, e.g. "accept", is still a submission)."""
    return request.POST if request.method == "POST" else None


def _matter(request: HttpRequest, pk: int) -> Matter:
    try:
        return matter_for_action(user=request.user, pk=pk)
    except Matter.DoesNotExist as exc:
        raise Http404 from exc


def _routing(request: HttpRequest, pk: int) -> Routing:
    try:
        return routing_for_action(user=request.user, pk=pk)
    except Routing.DoesNotExist as exc:
        raise Http404 from exc


def matter_page_url(matter: Matter) -> str:
    """The workbench's matter page when it exists, else the triage page."""
    try:
        return reverse("petitions:matter_detail", args=[matter.pk])
    except NoReverseMatch:
        return reverse("petitions:triage_matter", args=[matter.pk])


def _run(form: forms.Form, call: Callable[[], Any]) -> bool:
    """Call the service; True on success, False with the errors put on the form."""
    try:
        call()
    except ValidationError as exc:  # ServiceError included: e.g. the matter has moved on
        put_errors(form, exc)
        return False
    return True


def _may_triage(request: HttpRequest, matter: Matter) -> None:
    require(request.user, Action.MATTER_TRIAGE, matter.current_org)


def _action_page(
    request: HttpRequest,
    *,
    matter: Matter,
    form: forms.Form,
    title: str,
    submit: str,
    action_url: str,
    extra: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    context = {
        "matter": matter,
        "form": form,
        "title": title,
        "submit": submit,
        "action_url": action_url,
        "matter_url": matter_page_url(matter),
        **(extra or {}),
    }
    return render(request, f"{TEMPLATE_DIR}/action.html", context, status=status)


def _matter_action(
    request: HttpRequest,
    pk: int,
    *,
    form_class: type[forms.Form],
    url_name: str,
    title: Any,
    submit: Any,
    success: Any,
    call: Callable[[Matter, dict[str, Any]], Any],
    form_kwargs: Callable[[Matter], dict[str, Any]] | None = None,
    extra: Callable[[Matter], dict[str, Any]] | None = None,
) -> HttpResponse:
    """One triage action on a matter: 403 unless the user triages where the matter is held."""
    matter = _matter(request, pk)
    _may_triage(request, matter)
    kwargs = form_kwargs(matter) if form_kwargs else {}
    form = form_class(_posted(request), **kwargs)
    if request.method == "POST" and form.is_valid() and _run(form, lambda: call(matter, form.cleaned_data)):
        messages.success(request, str(success))
        return redirect(matter_page_url(matter))
    return _action_page(
        request,
        matter=matter,
        form=form,
        title=str(title),
        submit=str(submit),
        action_url=reverse(f"petitions:{url_name}", args=[matter.pk]),
        extra=extra(matter) if extra else None,
    )


# --- Lists -------------------------------------------------------------------------------------


@login_required
def triage_list_view(request: HttpRequest) -> HttpResponse:
    """Matters waiting for the triage decision, soonest due first (XF-TRI-01)."""
    if not user_can(request.user, Action.MATTER_TRIAGE):
        raise PermissionDenied
    return render(request, f"{TEMPLATE_DIR}/list.html", {"matters": matters_to_triage(user=request.user)})


@login_required
def routing_inbox_view(request: HttpRequest) -> HttpResponse:
    """Routings to accept or object to (recipient) and objections to decide (bureau)."""
    can_handle = user_can(request.user, Action.MATTER_HANDLE)
    can_triage = user_can(request.user, Action.MATTER_TRIAGE)
    if not (can_handle or can_triage):
        raise PermissionDenied
    context = {
        "routings": routing_inbox(user=request.user) if can_handle else [],
        "objections": routing_objections(user=request.user) if can_triage else [],
        "can_handle": can_handle,
        "can_triage": can_triage,
    }
    return render(request, f"{TEMPLATE_DIR}/routing_inbox.html", context)


# --- The triage page ---------------------------------------------------------------------------


def _triage_form(matter: Matter, data: Any = None) -> TriageForm:
    area = organisation_area(matter.current_org)
    initial = {
        "level": matter.level_decision or None,
        "nature": matter.nature or None,
        "matter_type": matter.matter_type_id,
        "note": matter.triage_note,
        "reported_names": matter.reported_names,
        "reported_orgs": list(matter.reported_orgs.values_list("pk", flat=True)),
        "reported_users": list(matter.reported_users.values_list("pk", flat=True)),
    }
    return TriageForm(data, initial=initial, area=area)


@login_required
def triage_matter_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The matter's summary, the power list's proposal, and the decision forms (三个区分清楚)."""
    matter = _matter(request, pk)
    _may_triage(request, matter)
    targets = list(routing_target_choices(matter=matter))
    proposal = triage_proposal(matter=matter)
    first_allowed = next(
        (c.organisation.pk for c in proposal.candidates if c.organisation.pk in proposal.allowed_ids), None
    )
    context = {
        "matter": matter,
        "matter_url": matter_page_url(matter),
        "is_open": matter.status == Status.REGISTERED,
        "is_triaged": bool(matter.level_decision and matter.nature),
        "clocks": list(matter_clock_rows(matter=matter)),
        "proposal": proposal,
        "triage_form": _triage_form(matter),
        "forward_form": ForwardForm(targets=targets, initial={"to_org": first_allowed}),
        "assign_form": AssignForm(targets=targets, initial={"to_org": first_allowed}),
        "accept_form": AcceptHereForm(),
        "not_accept_form": NotAcceptForm(),
        "guide_form": GuideForm(),
        "urgent_form": UrgentForm(),
        "urgent_targets": urgent_report_targets(organisation=matter.current_org),
        "notice_kinds": notice_kinds_for(user=request.user, matter=matter),
        "category_suggestion": suggestion_context(  # textmining: category suggestion (docs/classifier.md)
            object_type="petitions.matter",
            object_id=matter.pk,
            org=matter.current_org,
            text=f"{matter.title}\n{matter.request}\n{matter.facts}",
            area=matter.place_org or organisation_area(matter.current_org),
            at=matter.received_at,
            next_url=request.path,
        ),
    }
    return render(request, f"{TEMPLATE_DIR}/matter.html", context)


@login_required
def triage_record_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Record level, nature, matter type and who is reported (XF-TRI-01/02, XF-CLS-03)."""
    matter = _matter(request, pk)
    _may_triage(request, matter)
    form = _triage_form(matter, _posted(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data

        def call() -> None:
            matter_triage(
                actor=request.user,
                matter=matter,
                level=data["level"],
                nature=data["nature"],
                matter_type=data["matter_type"],
                note=data["note"],
                reported_users=data["reported_users"],
                reported_orgs=data["reported_orgs"],
                reported_names=data["reported_names"],
            )

        if _run(form, call):
            messages.success(request, _("已记录层级和性质。"))
            return redirect("petitions:triage_matter", pk=matter.pk)
    return _action_page(
        request,
        matter=matter,
        form=form,
        title=_("三个区分：层级和性质"),
        submit=_("保存"),
        action_url=reverse("petitions:triage_record", args=[matter.pk]),
    )


def _proposal_for(matter: Matter) -> Any:
    proposal = triage_proposal(matter=matter)
    return proposal.candidates if proposal.available else None


@login_required
def routing_forward_view(request: HttpRequest, pk: int) -> HttpResponse:
    """转送 (XF-TRI-01(a)(b), XF-TRI-02)."""
    return _matter_action(
        request,
        pk,
        form_class=ForwardForm,
        url_name="routing_forward",
        title=gettext_lazy("转送"),
        submit=gettext_lazy("转送"),
        success=gettext_lazy("已转送。"),
        form_kwargs=lambda m: {"targets": routing_target_choices(matter=m)},
        call=lambda m, d: matter_forward(
            actor=request.user,
            matter=m,
            to_org=d["to_org"],
            basis=d["basis"],
            note=d["note"],
            sent_at=d["sent_at"],
            electronic=d["electronic"],
            late_reason=d["late_reason"],
            proposal=_proposal_for(m),
        ),
    )


@login_required
def routing_assign_view(request: HttpRequest, pk: int) -> HttpResponse:
    """交办 with the report deadline (XF-TRI-01(c), D5)."""
    return _matter_action(
        request,
        pk,
        form_class=AssignForm,
        url_name="routing_assign",
        title=gettext_lazy("交办"),
        submit=gettext_lazy("交办"),
        success=gettext_lazy("已交办。"),
        form_kwargs=lambda m: {"targets": routing_target_choices(matter=m)},
        call=lambda m, d: matter_assign(
            actor=request.user,
            matter=m,
            to_org=d["to_org"],
            report_due=d["report_due"],
            basis=d["basis"],
            note=d["note"],
            sent_at=d["sent_at"],
            electronic=d["electronic"],
            late_reason=d["late_reason"],
            proposal=_proposal_for(m),
        ),
    )


@login_required
def triage_accept_view(request: HttpRequest, pk: int) -> HttpResponse:
    """本机关受理."""
    return _matter_action(
        request,
        pk,
        form_class=AcceptHereForm,
        url_name="triage_accept",
        title=gettext_lazy("本机关受理"),
        submit=gettext_lazy("受理"),
        success=gettext_lazy("已受理。请在15日内书面告知信访人。"),
        call=lambda m, d: matter_accept_here(
            actor=request.user, matter=m, note=d["note"], late_reason=d["late_reason"]
        ),
    )


@login_required
def triage_not_accept_view(request: HttpRequest, pk: int) -> HttpResponse:
    """不予受理 (XF-LEG-01, DOC-02)."""
    return _matter_action(
        request,
        pk,
        form_class=NotAcceptForm,
        url_name="triage_not_accept",
        title=gettext_lazy("不予受理"),
        submit=gettext_lazy("不予受理"),
        success=gettext_lazy("已决定不予受理。请书面告知信访人理由和应当提出的途径。"),
        call=lambda m, d: matter_not_accept(
            actor=request.user,
            matter=m,
            ground=d["ground"],
            proper_channel=d["proper_channel"],
            legal_basis=d["legal_basis"],
            late_reason=d["late_reason"],
        ),
    )


@login_required
def triage_guide_view(request: HttpRequest, pk: int) -> HttpResponse:
    """告知向有权机关提出 (XF-NOT-01, XF-TRI-02)."""
    return _matter_action(
        request,
        pk,
        form_class=GuideForm,
        url_name="triage_guide",
        title=gettext_lazy("告知向有权机关提出"),
        submit=gettext_lazy("确定"),
        success=gettext_lazy("已记录。请书面告知信访人向有权机关提出。"),
        call=lambda m, d: matter_guide_elsewhere(
            actor=request.user,
            matter=m,
            proper_channel=d["proper_channel"],
            legal_basis=d["legal_basis"],
            late_reason=d["late_reason"],
        ),
    )


@login_required
def triage_correct_received_view(request: HttpRequest, pk: int) -> HttpResponse:
    """更正收到时间: the clocks that start from receipt are recomputed (CNT-08)."""
    return _matter_action(
        request,
        pk,
        form_class=CorrectReceivedForm,
        url_name="triage_correct_received",
        title=gettext_lazy("更正收到时间"),
        submit=gettext_lazy("保存"),
        success=gettext_lazy("收到时间已更正，相关期限已重新计算。"),
        call=lambda m, d: matter_correct_received_at(
            actor=request.user, matter=m, received_at=d["received_at"], reason=d["reason"]
        ),
    )


@login_required
def triage_urgent_view(request: HttpRequest, pk: int) -> HttpResponse:
    """重大紧急事项：标记并上报 (XF-URG-01/02)."""
    return _matter_action(
        request,
        pk,
        form_class=UrgentForm,
        url_name="triage_urgent",
        title=gettext_lazy("标记为重大紧急事项并上报"),
        submit=gettext_lazy("标记并上报"),
        success=gettext_lazy("已标记为重大紧急事项，上报记录已保存。"),
        call=lambda m, d: matter_flag_urgent(actor=request.user, matter=m, reason=d["reason"]),
        extra=lambda m: {"urgent_targets": urgent_report_targets(organisation=m.current_org)},
    )


# --- Notices -----------------------------------------------------------------------------------


@login_required
def notice_give_view(request: HttpRequest, pk: int) -> HttpResponse:
    """书面告知 (XF-NOT-01..03): the kinds offered are those the user may give now."""
    matter = _matter(request, pk)
    kinds = notice_kinds_for(user=request.user, matter=matter)
    if not kinds:  # no notice this user may give on this matter now
        raise PermissionDenied
    form = NoticeForm(_posted(request), kinds=kinds)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if _run(
            form,
            lambda: notice_give(
                actor=request.user,
                matter=matter,
                kind=data["kind"],
                method=data["method"],
                content=data["content"],
                given_at=data["given_at"],
                late_reason=data["late_reason"],
            ),
        ):
            messages.success(request, _("已记录书面告知。"))
            return redirect(matter_page_url(matter))
    return _action_page(
        request,
        matter=matter,
        form=form,
        title=_("书面告知信访人"),
        submit=_("记录告知"),
        action_url=reverse("petitions:notice_give", args=[matter.pk]),
        extra={"notices": matter.notices.select_related("issuing_org").order_by("given_at")},
    )


# --- Routing: the recipient and the bureau -----------------------------------------------------


@login_required
def routing_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    """One routing with the forms the user may use: accept, object, record receipt (recipient),
    decide the objection (bureau)."""
    routing = _routing(request, pk)
    matter = routing.matter
    pending = routing.outcome == RoutingOutcome.PENDING
    is_recipient = user_can(request.user, Action.MATTER_HANDLE, routing.to_org)
    is_sender = user_can(request.user, Action.MATTER_TRIAGE, routing.from_org)
    context = {
        "routing": routing,
        "matter": matter,
        "matter_url": matter_page_url(matter),
        "objection_due": objection_due(matter=matter, routing=routing),
        "clocks": list(matter_clock_rows(matter=matter)),
        "accept_form": RoutingAcceptForm() if pending and is_recipient else None,
        "object_form": RoutingObjectForm() if pending and is_recipient else None,
        "received_form": RoutingReceivedForm() if pending and (is_recipient or is_sender) else None,
        "notice_kinds": notice_kinds_for(user=request.user, matter=matter),
        "decide_form": ObjectionDecideForm(targets=routing_reroute_choices(routing=routing))
        if routing.outcome == RoutingOutcome.OBJECTED and is_sender
        else None,
    }
    return render(request, f"{TEMPLATE_DIR}/routing_detail.html", context)


def _routing_action(
    request: HttpRequest,
    pk: int,
    *,
    form_class: type[forms.Form],
    url_name: str,
    title: Any,
    submit: Any,
    success: Any,
    check: Callable[[Routing], None],
    call: Callable[[Routing, dict[str, Any]], Any],
    form_kwargs: Callable[[Routing], dict[str, Any]] | None = None,
) -> HttpResponse:
    routing = _routing(request, pk)
    check(routing)
    form = form_class(_posted(request), **(form_kwargs(routing) if form_kwargs else {}))
    if request.method == "POST" and form.is_valid() and _run(form, lambda: call(routing, form.cleaned_data)):
        messages.success(request, str(success))
        return redirect("petitions:routing_detail", pk=routing.pk)
    return _action_page(
        request,
        matter=routing.matter,
        form=form,
        title=str(title),
        submit=str(submit),
        action_url=reverse(f"petitions:{url_name}", args=[routing.pk]),
        extra={"routing": routing, "objection_due": objection_due(matter=routing.matter, routing=routing)},
    )


def _recipient(request: HttpRequest) -> Callable[[Routing], None]:
    return lambda routing: require(request.user, Action.MATTER_HANDLE, routing.to_org)


def _sender(request: HttpRequest) -> Callable[[Routing], None]:
    return lambda routing: require(request.user, Action.MATTER_TRIAGE, routing.from_org)


def _recipient_or_sender(request: HttpRequest) -> Callable[[Routing], None]:
    def check(routing: Routing) -> None:
        if not user_can(request.user, Action.MATTER_TRIAGE, routing.from_org):
            require(request.user, Action.MATTER_HANDLE, routing.to_org)

    return check


@login_required
def routing_accept_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The recipient accepts (受理)."""
    return _routing_action(
        request,
        pk,
        form_class=RoutingAcceptForm,
        url_name="routing_accept",
        title=gettext_lazy("受理"),
        submit=gettext_lazy("受理"),
        success=gettext_lazy("已受理。请在收到之日起15日内书面告知信访人。"),
        check=_recipient(request),
        call=lambda r, d: routing_accept(actor=request.user, routing=r),
    )


@login_required
def routing_object_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The recipient objects within 5 working days (XF-NOT-03)."""
    return _routing_action(
        request,
        pk,
        form_class=RoutingObjectForm,
        url_name="routing_object",
        title=gettext_lazy("提出异议"),
        submit=gettext_lazy("提出异议"),
        success=gettext_lazy("已提出异议，等待转送机关核实。"),
        check=_recipient(request),
        call=lambda r, d: routing_object(actor=request.user, routing=r, reason=d["reason"]),
    )


@login_required
def routing_received_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Record or correct the receipt; the recipient's clocks are recomputed from it."""
    return _routing_action(
        request,
        pk,
        form_class=RoutingReceivedForm,
        url_name="routing_received",
        title=gettext_lazy("登记收到时间"),
        submit=gettext_lazy("保存"),
        success=gettext_lazy("已登记收到时间，期限已重新计算。"),
        check=_recipient_or_sender(request),
        call=lambda r, d: routing_mark_received(actor=request.user, routing=r, received_at=d["received_at"]),
    )


@login_required
def routing_decide_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The bureau decides an objection (XF-NOT-03, DOC-12)."""
    return _routing_action(
        request,
        pk,
        form_class=ObjectionDecideForm,
        url_name="routing_decide",
        title=gettext_lazy("处理异议"),
        submit=gettext_lazy("确定"),
        success=gettext_lazy("已处理异议。"),
        check=_sender(request),
        form_kwargs=lambda r: {"targets": routing_reroute_choices(routing=r)},
        call=lambda r, d: routing_objection_decide(
            actor=request.user,
            routing=r,
            upheld=d["upheld"],
            note=d["note"],
            reroute_to=d["reroute_to"],
            reroute_kind=d["reroute_kind"],
            reroute_basis=d["reroute_basis"],
            reroute_report_due=d["reroute_report_due"],
        ),
    )


urlpatterns: list[URLPattern] = [
    path("triage/", triage_list_view, name="triage_list"),
    path("<int:pk>/triage/", triage_matter_view, name="triage_matter"),
    path("<int:pk>/triage/record/", triage_record_view, name="triage_record"),
    path("<int:pk>/triage/forward/", routing_forward_view, name="routing_forward"),
    path("<int:pk>/triage/assign/", routing_assign_view, name="routing_assign"),
    path("<int:pk>/triage/accept/", triage_accept_view, name="triage_accept"),
    path("<int:pk>/triage/not-accept/", triage_not_accept_view, name="triage_not_accept"),
    path("<int:pk>/triage/guide/", triage_guide_view, name="triage_guide"),
    path("<int:pk>/triage/urgent/", triage_urgent_view, name="triage_urgent"),
    path("<int:pk>/triage/received-at/", triage_correct_received_view, name="triage_correct_received"),
    path("<int:pk>/notices/new/", notice_give_view, name="notice_give"),
    path("routings/", routing_inbox_view, name="routing_inbox"),
    path("routings/<int:pk>/", routing_detail_view, name="routing_detail"),
    path("routings/<int:pk>/accept/", routing_accept_view, name="routing_accept"),
    path("routings/<int:pk>/object/", routing_object_view, name="routing_object"),
    path("routings/<int:pk>/received/", routing_received_view, name="routing_received"),
    path("routings/<int:pk>/decide/", routing_decide_view, name="routing_decide"),
]
