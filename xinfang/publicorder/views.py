"""Staff pages of the order app: conduct records (list, new, one record with its evidence, one
petitioner's records), cluster warnings (list, one warning with the matters behind it, acknowledge
and close), litigation tracks (list, open or change the level of a matter). Without the right
anywhere: 403; a row outside the user's scope: 404."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from xinfang.accounts.policies import user_can
from xinfang.accounts.roles import Action
from xinfang.core.errors import put_errors
from xinfang.orgs.models import Kind, Organisation
from xinfang.petitions.models import Matter, Petitioner
from xinfang.petitions.selectors import petitioner_display_name
from xinfang.petitions.services.personal_data import mask_id_number, mask_phone

from . import policies, selectors, services
from .forms import ConductFilterForm, ConductForm, EvidenceForm, LevelForm, NoteForm, WarningFilterForm
from .models import ClusterWarning, ConductEvidence, ConductRecord
from .states import LITIGATION_LEVEL_HELP, LitigationLevel

PAGE_SIZE = 50
PLACE_KINDS = (Kind.TOWN, Kind.STREET, Kind.VILLAGE, Kind.COMMUNITY, Kind.GRID)


def _check_manager(user: Any) -> None:
    if not policies.may_manage_order(user):
        raise PermissionDenied(_("您没有权限查看信访秩序记录和聚集预警。"))


def _page(request: HttpRequest, queryset: Any) -> Any:
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


# --- Conduct records ------------------------------------------------------------------------------


@login_required
def conduct_list_view(request: HttpRequest) -> HttpResponse:
    _check_manager(request.user)
    form = ConductFilterForm(request.GET or None)
    kind = form.cleaned_data["kind"] if form.is_bound and form.is_valid() else ""
    page = _page(request, selectors.conduct_list(user=request.user, kind=kind))
    return render(request, "publicorder/conduct_list.html", {"form": form, "page": page, "items": list(page)})


def _recording_orgs(user: Any) -> Any:
    ids = [
        m.organisation_id
        for m in user.memberships.filter(is_active=True).select_related("organisation")
        if user_can(user, Action.ORDER_MANAGE, m.organisation)
    ]
    return Organisation.objects.filter(pk__in=ids, is_active=True).order_by("path")


def _places(orgs: Any) -> Any:
    """The places in the areas of the recording organisations (a department: its government's)."""
    roots = [o.parent.path if o.kind == Kind.DEPARTMENT and o.parent else o.path for o in orgs]
    qs = Organisation.objects.filter(kind__in=PLACE_KINDS, is_active=True, is_external=False).order_by("path")
    condition = Q()
    for root in roots:
        condition |= Q(path__startswith=root)
    return qs.filter(condition) if roots else qs.none()


@login_required
def conduct_create_view(request: HttpRequest) -> HttpResponseBase:
    """A new record; from a matter page (?matter=<pk>) the matter and its petitioners are offered."""
    _check_manager(request.user)
    matter = None
    if request.GET.get("matter", "").isdigit():
        matter = (
            Matter.objects.restrict(request.user, Action.MATTER_VIEW)
            .prefetch_related("participants__petitioner")
            .filter(pk=int(request.GET["matter"]))
            .first()
        )
    petitioners = [p.petitioner for p in matter.participants.all()] if matter else []
    organisations = _recording_orgs(request.user)
    initial = {"matter_numbers": matter.number if matter else "", "organisation": organisations.first()}
    form = ConductForm(
        request.POST or None,
        request.FILES or None,
        organisations=organisations,
        places=_places(list(organisations.select_related("parent"))),
        petitioners=petitioners,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        numbers = data["matter_numbers"]
        matters = list(Matter.objects.restrict(request.user, Action.MATTER_VIEW).filter(number__in=numbers))
        chosen = {str(pk) for pk in data.get("petitioners", [])}
        try:
            if len(matters) != len(set(numbers)):
                raise ValidationError({"matter_numbers": _("未找到编号对应的信访事项，或您无权查看。")})
            record = services.conduct_record(
                actor=request.user,
                organisation=data["organisation"],
                data=services.ConductData(
                    kind=data["kind"],
                    occurred_at=data["occurred_at"],
                    place_org=data["place_org"],
                    place_text=data["place_text"],
                    description=data["description"],
                    responses=data["responses"],
                    matters=matters,
                    petitioners=[p for p in petitioners if str(p.pk) in chosen],
                    response_note=data["response_note"],
                    police_unit=data["police_unit"],
                    police_handed_at=data["police_handed_at"],
                    police_note=data["police_note"],
                    other_persons=data["other_persons"],
                ),
                files=data["attachments"],
            )
        except ValidationError as exc:
            put_errors(form, exc)
        else:
            messages.success(request, _("已记录。"))
            return redirect("publicorder:conduct_detail", pk=record.pk)
    status = 400 if form.is_bound and form.errors else 200
    context = {"form": form, "matter": matter, "title": _("记录信访秩序情况")}
    return render(request, "publicorder/conduct_form.html", context, status=status)


def _petitioner_rows(petitioners: Any) -> list[dict[str, Any]]:
    return [
        {
            "pk": p.pk,
            "name": petitioner_display_name(p),
            "id_number": mask_id_number(p.id_number),
            "phone": mask_phone(p.phone),
        }
        for p in petitioners
    ]


def _record(request: HttpRequest, pk: int) -> ConductRecord:
    _check_manager(request.user)
    try:
        return selectors.conduct_get(user=request.user, pk=pk)
    except ConductRecord.DoesNotExist:
        raise Http404(_("未找到该记录。")) from None


@login_required
def conduct_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    record = _record(request, pk)
    form = EvidenceForm() if user_can(request.user, Action.ORDER_MANAGE, record.organisation) else None
    return _conduct_page(request, record, form)


def _conduct_page(request: HttpRequest, record: ConductRecord, form: Any, status: int = 200) -> HttpResponse:
    context = {"record": record, "petitioners": _petitioner_rows(record.petitioners.all()), "evidence_form": form}
    return render(request, "publicorder/conduct_detail.html", context, status=status)


@login_required
@require_POST
def conduct_evidence_view(request: HttpRequest, pk: int) -> HttpResponseBase:
    record = _record(request, pk)
    form = EvidenceForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.conduct_evidence_add(actor=request.user, record=record, files=form.cleaned_data["attachments"])
        except ValidationError as exc:
            put_errors(form, exc)
        else:
            messages.success(request, _("已添加证据材料。"))
            return redirect("publicorder:conduct_detail", pk=record.pk)
    return _conduct_page(request, record, form, status=400)


@login_required
def evidence_view(request: HttpRequest, pk: int) -> FileResponse:
    _check_manager(request.user)
    try:
        evidence: ConductEvidence = selectors.evidence_get(user=request.user, pk=pk)
    except ConductEvidence.DoesNotExist:
        raise Http404(_("未找到该材料。")) from None
    return FileResponse(evidence.file.open("rb"), filename=evidence.original_name, content_type=evidence.content_type)


@login_required
def petitioner_conduct_view(request: HttpRequest, pk: int) -> HttpResponse:
    """One petitioner's conduct records (masked personal data; the full view is on the petitioner
    page, logged)."""
    _check_manager(request.user)
    try:
        petitioner = selectors.petitioner_get(user=request.user, pk=pk)
    except Petitioner.DoesNotExist:
        raise Http404(_("未找到该信访人，或您无权查看。")) from None
    page = _page(request, selectors.conduct_list(user=request.user, petitioner=petitioner))
    context = {"person": _petitioner_rows([petitioner])[0], "page": page, "items": list(page)}
    return render(request, "publicorder/petitioner.html", context)


# --- Cluster warnings ------------------------------------------------------------------------------


@login_required
def warning_list_view(request: HttpRequest) -> HttpResponse:
    _check_manager(request.user)
    form = WarningFilterForm(request.GET or {"status": "live"})
    status = kind = ""
    if form.is_valid():
        status, kind = form.cleaned_data["status"], form.cleaned_data["kind"]
    page = _page(request, selectors.warning_list(user=request.user, status=status, kind=kind))
    labels = selectors.theme_labels()
    items = list(page)
    for w in items:
        w.display_label = selectors.warning_label(w, labels)  # type: ignore[attr-defined]
    return render(request, "publicorder/warning_list.html", {"form": form, "page": page, "items": items})


def _warning(request: HttpRequest, pk: int) -> ClusterWarning:
    try:
        return selectors.warning_get(user=request.user, pk=pk)
    except ClusterWarning.DoesNotExist:
        raise Http404(_("未找到该预警。")) from None


@login_required
def warning_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    _check_manager(request.user)
    warning = _warning(request, pk)
    warning.display_label = selectors.warning_label(warning, selectors.theme_labels())  # type: ignore[attr-defined]
    page = _page(request, selectors.warning_matters(user=request.user, warning=warning))
    context = {
        "warning": warning,
        "page": page,
        "matters": list(page),
        "actions": policies.warning_actions(request.user, warning),
        "note_form": NoteForm(),
    }
    return render(request, "publicorder/warning_detail.html", context)


@login_required
@require_POST
def warning_action_view(request: HttpRequest, pk: int, action: str) -> HttpResponseBase:
    _check_manager(request.user)
    warning = _warning(request, pk)
    if action not in ("acknowledge", "close"):
        raise Http404
    form = NoteForm(request.POST)
    if form.is_valid():
        service = services.warning_acknowledge if action == "acknowledge" else services.warning_close
        try:
            service(actor=request.user, warning=warning, note=form.cleaned_data["note"])
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("已保存。"))
    else:
        messages.error(request, _("请填写处理情况。"))
    return redirect("publicorder:warning_detail", pk=warning.pk)


# --- Litigation-related matters (four levels) ----------------------------------------------------


@login_required
def track_list_view(request: HttpRequest) -> HttpResponse:
    if not policies.may_view_tracks(request.user):
        raise PermissionDenied(_("您没有权限查看涉法涉诉信访事项。"))
    level = request.GET.get("level", "")
    level = level if level in LitigationLevel.values else ""
    page = _page(request, selectors.track_list(user=request.user, level=level))
    context = {"page": page, "items": list(page), "level": level, "levels": LitigationLevel.choices}
    return render(request, "publicorder/track_list.html", context)


def _responsible_orgs() -> Any:
    return (
        Organisation.objects.filter(is_active=True)
        .exclude(kind__in=[Kind.GRID, Kind.VILLAGE, Kind.COMMUNITY])
        .order_by("path")
    )


@login_required
def track_edit_view(request: HttpRequest, matter_pk: int) -> HttpResponseBase:
    """Put a litigation-related matter on the four-level model, or change its level."""
    try:
        matter = (
            Matter.objects.restrict(request.user, Action.MATTER_VIEW)
            .select_related("current_org", "registered_org")
            .get(pk=matter_pk)
        )
    except Matter.DoesNotExist:
        raise Http404(_("没有找到该信访事项，或您无权查看。")) from None
    if not policies.may_track(request.user, matter):
        raise PermissionDenied(_("您没有权限调整该事项的办理层级，或该事项不属于涉法涉诉类（XF-HDL-03）。"))
    track = selectors.track_for_matter(user=request.user, matter=matter)
    initial: dict[str, Any] = {}
    if track is not None:
        initial = {
            "level": track.level,
            "responsible_org": track.responsible_org,
            "responsible_person": track.responsible_person,
            "joint_orgs": list(track.joint_orgs.all()),
        }
    form = LevelForm(request.POST or None, organisations=_responsible_orgs(), initial=initial)
    if request.method == "POST" and form.is_valid():
        data = services.LevelData(
            level=form.cleaned_data["level"],
            responsible_org=form.cleaned_data["responsible_org"],
            responsible_person=form.cleaned_data["responsible_person"],
            reason=form.cleaned_data["reason"],
            joint_orgs=list(form.cleaned_data["joint_orgs"]),
        )
        try:
            if track is None:
                services.litigation_track_open(actor=request.user, matter=matter, data=data)
            else:
                services.litigation_level_change(actor=request.user, track=track, data=data)
        except ValidationError as exc:
            put_errors(form, exc)
        else:
            messages.success(request, _("已保存办理层级。"))
            return redirect("petitions:matter_detail", pk=matter.pk)
    status = 400 if form.is_bound and form.errors else 200
    context = {
        "form": form,
        "matter": matter,
        "track": track,
        "help": [(LitigationLevel(k).label, v) for k, v in LITIGATION_LEVEL_HELP.items()],
    }
    return render(request, "publicorder/track_form.html", context, status=status)
