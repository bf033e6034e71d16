"""Pages of the public portal (no login): home, the guided petition form with its check step, the
receipt, tracking with reference and query code, evaluation, review request, the PDF of a notice;
and one staff page that hands a query code to a petitioner.

Abuse protection (issue 5 item 8): CSRF on every form (Django's middleware), rate limits per client
address and per reference (`xinfang.core.ratelimit`), a signed time-stamped form token and a
honeypot field on the petition form (`tokens`, over `xinfang.core.formguard`), attachment checks
by content and size (intake's), random public references and query codes compared in constant time
(`credentials`), one answer for every failed look-up. Access to a matter is kept in the session
for XINFANG_PORTAL_ACCESS_MINUTES after a successful look-up."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xinfang.accounts.roles import Action
from xinfang.core import ratelimit
from xinfang.core.actors import SYSTEM
from xinfang.core.formguard import honeypot_filled
from xinfang.petitions.models import Matter
from xinfang.petitions.services.handling import evaluation_record
from xinfang.petitions.services.review import review_request
from xinfang.petitions.states import (
    CLOCK_NOTICE,
    EvaluationMethod,
    EvaluationStage,
    LateReviewPolicy,
    PetitionerKind,
    ReviewStatus,
    Status,
)
from xinfang.workcalendar.selectors import clock_get

from .channels import channel_matches
from .conf import access_seconds, client_ip_header, max_attachments, rate_limit, show_similar, track_requires_phone
from .credentials import (
    PortalUnavailableError,
    grouped,
    normalise,
    portal_actor,
    registering_organisation,
)
from .forms import HONEYPOT, ConfirmForm, EvaluationForm, PetitionForm, ReviewRequestForm, TrackForm
from .selectors import (
    matter_by_credentials,
    petitioner_document,
    places,
    reception_points,
    similar_open_matters,
    track_data,
)
from .services import Submission, matter_query_code_issue, portal_submit, query_code_can_issue
from .tokens import form_token_check, form_token_issue

SESSION_ACCESS = "portal_access"
SESSION_RECEIPT = "portal_receipt"

# Intake's error keys -> fields of the petition form ("attachments" goes to the last step).
SERVICE_FIELDS = {
    "title": "title",
    "request": "request",
    "facts": "facts",
    "reasons": "reasons",
    "petitioners": "name",
    "petitioners.0.name": "name",
    "place_org": "place",
}


# --- Shared pieces ---------------------------------------------------------------------------------


def _too_many(request: HttpRequest, scope: str) -> HttpResponse:
    _count, window = rate_limit(scope)
    page = render(request, "portal/limited.html", {"minutes": max(1, window // 60)})
    return ratelimit.too_many(page, retry_after=window)


def _hit(scope: str, subject: str) -> bool:
    """Count one request of `subject` in a portal scope (XINFANG_PORTAL_RATE_LIMITS); True when
    it is over the limit."""
    limit, window = rate_limit(scope)
    return ratelimit.hit(f"portal:{scope}", subject, limit=limit, window=window)


def _over_limit(request: HttpRequest, scope: str) -> bool:
    return _hit(scope, ratelimit.client_address(request, header=client_ip_header()))


def _unavailable(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/unavailable.html", status=503)


def _error_messages(exc: ValidationError) -> dict[str | None, list[str]]:
    """A service error as {field key or None: messages}."""
    if hasattr(exc, "error_dict"):
        return {key: list(ValidationError(errors).messages) for key, errors in exc.error_dict.items()}
    return {None: list(exc.messages)}


# --- Home and privacy ------------------------------------------------------------------------------


@require_GET
def home_view(request: HttpRequest) -> HttpResponse:
    """What one can do here, the channels, the reception points with address, hours and phone
    (XF-CH-02), and where to go next."""
    try:
        bureau = registering_organisation()
    except PortalUnavailableError:
        bureau = None
    return render(request, "portal/home.html", {"bureau": bureau, "points": reception_points()})


@require_GET
def privacy_view(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/privacy.html", {"access_minutes": access_seconds() // 60})


# --- Submitting a petition -------------------------------------------------------------------------


def _edit(request: HttpRequest, form: PetitionForm, *, error: str = "", status: int = 200) -> HttpResponse:
    return render(request, "portal/submit.html", {"form": form, "error": error, "honeypot": HONEYPOT}, status=status)


def _fresh(request: HttpRequest, town_places: Any, *, new_token: bool) -> PetitionForm:
    """The petition form filled with what was posted (nothing typed is lost), unbound (no errors)."""
    initial = {key: value for key, value in request.POST.items() if key in PetitionForm.base_fields}
    initial.pop(HONEYPOT, None)
    if new_token or not initial.get("form_token"):
        initial["form_token"] = form_token_issue()
    return PetitionForm(initial=initial, places=town_places)


def _check(
    request: HttpRequest, form: PetitionForm, confirm: ConfirmForm, *, organisation: Any, status: int = 200
) -> HttpResponse:
    """The check step: other channels, similar open matters, a summary, then files and consent."""
    data = form.cleaned_data
    text = form.text()
    similar = (
        similar_open_matters(
            title=data["title"], request=data["request"], facts=data["facts"], organisation=organisation
        )
        if show_similar()
        else []
    )
    place = form.place_org()
    summary = [
        (form["petitioner_kind"].label, PetitionerKind(data["petitioner_kind"]).label),
        (form["name"].label, data["name"]),
        (form["id_number"].label, data["id_number"] or _("未填写")),
        (form["phone"].label, data["phone"]),
        (form["address"].label, data["address"]),
        (form["title"].label, data["title"]),
        (form["facts"].label, data["facts"]),
        (form["request"].label, data["request"]),
        (form["reasons"].label, data["reasons"]),
        (
            form["place"].label,
            " ".join(filter(None, [place.local_name if place else "", data["place_text"]])) or _("未填写"),
        ),
    ]
    context = {
        "form": form,
        "confirm": confirm,
        "summary": summary,
        "matches": channel_matches(text=text, problem_kind=data["problem_kind"]),
        "similar": similar,
        "show_similar": show_similar(),
        "max_attachments": max_attachments(),
        "max_bytes": settings.XINFANG_ATTACHMENT_MAX_BYTES,
        "honeypot": HONEYPOT,
    }
    return render(request, "portal/check.html", context, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def submit_view(request: HttpRequest) -> HttpResponse:
    """The guided form (steps 1-4), the check step, and the submission (issue 5 items 1 and 8)."""
    try:
        organisation = registering_organisation()
    except PortalUnavailableError:
        return _unavailable(request)
    town_places = places(organisation=organisation)
    if request.method == "GET":
        return _edit(request, PetitionForm(initial={"form_token": form_token_issue()}, places=town_places))
    step = request.POST.get("step", "check")
    if step == "edit":  # back from the check step, with everything as typed
        return _edit(request, _fresh(request, town_places, new_token=False))
    if _over_limit(request, "submit" if step == "submit" else "check"):
        return _too_many(request, "submit" if step == "submit" else "check")
    if honeypot_filled(request.POST, HONEYPOT):
        return _edit(
            request,
            _fresh(request, town_places, new_token=True),
            error=_("提交未能完成。请核对填写的内容后重新提交。"),
            status=400,
        )
    token = form_token_check(request.POST.get("form_token", ""))
    if not token.ok:
        errors = {
            "too_fast": _("提交过快。请核对填写的内容后再次提交。"),
            "expired": _("表单已超时。您填写的内容已保留，请核对后重新提交。"),
            "invalid": _("提交未能完成。请核对填写的内容后重新提交。"),
        }
        return _edit(request, _fresh(request, town_places, new_token=True), error=errors[token.problem], status=400)
    form = PetitionForm(request.POST, places=town_places)
    if not form.is_valid():
        return _edit(request, form, status=400)
    if step != "submit":
        return _check(request, form, ConfirmForm(), organisation=organisation)
    confirm = ConfirmForm(request.POST, request.FILES)
    if not confirm.is_valid():
        return _check(request, form, confirm, organisation=organisation, status=400)
    data = form.cleaned_data
    try:
        credentials = portal_submit(
            submission=Submission(
                petitioner_kind=data["petitioner_kind"],
                name=data["name"],
                id_number=data["id_number"],
                phone=data["phone"],
                address=data["address"],
                title=data["title"],
                facts=data["facts"],
                request=data["request"],
                reasons=data["reasons"],
                place=form.place_org(),
                place_text=data["place_text"],
                attachments=confirm.cleaned_data["attachments"],
                form_nonce=token.nonce,
            )
        )
    except ValidationError as exc:
        to_form = False
        for key, texts in _error_messages(exc).items():
            for text in texts:
                if key in SERVICE_FIELDS:
                    form.add_error(SERVICE_FIELDS[key], text)
                    to_form = True
                elif key == "attachments":
                    confirm.add_error("attachments", text)
                else:
                    confirm.add_error(None, text)
        if to_form:
            return _edit(request, form, status=400)
        return _check(request, form, confirm, organisation=organisation, status=400)
    if credentials.query_code is not None:
        request.session[SESSION_RECEIPT] = {
            "matter": credentials.matter.pk,
            "ref": credentials.public_ref,
            "code": credentials.query_code,
        }
    return redirect("portal:receipt")


@never_cache
@require_GET
def receipt_view(request: HttpRequest) -> HttpResponse:
    """The reference and the query code, shown once (then removed from the session); printable."""
    receipt = request.session.pop(SESSION_RECEIPT, None)
    if not isinstance(receipt, dict) or not isinstance(receipt.get("matter"), int):
        return render(request, "portal/receipt.html", {"shown": False})
    matter = Matter.objects.select_related("registered_org").filter(pk=receipt["matter"]).first()
    if matter is None:
        return render(request, "portal/receipt.html", {"shown": False})
    notice = clock_get(object_type="petitions.matter", object_id=str(matter.pk), kind=CLOCK_NOTICE)
    context = {
        "shown": True,
        "matter": matter,
        "public_ref": grouped(str(receipt["ref"])),
        "query_code": grouped(str(receipt["code"])),
        "notice_due": notice.due_date if notice else None,
    }
    return render(request, "portal/receipt.html", context)


# --- Tracking --------------------------------------------------------------------------------------


def _access(request: HttpRequest) -> int | None:
    """The matter this browser has opened with its reference and code, while the access lasts."""
    access = request.session.get(SESSION_ACCESS)
    if isinstance(access, dict) and float(access.get("until", 0)) > time.time():
        return int(access["matter"])
    if access is not None:
        del request.session[SESSION_ACCESS]
    return None


def _no_access(request: HttpRequest) -> HttpResponse:
    messages.info(
        request,
        _("请输入查询编号和查询码。为保护您的信息，查询结果页面%(minutes)d分钟后需要重新输入。")
        % {"minutes": access_seconds() // 60},
    )
    return redirect("portal:track")


@never_cache
@require_http_methods(["GET", "POST"])
def track_view(request: HttpRequest) -> HttpResponse:
    """Reference + query code (+ the phone's last four digits): one answer for every failure."""
    phone_required = track_requires_phone()
    if request.method == "GET":
        return render(request, "portal/track.html", {"form": TrackForm(phone_required=phone_required)})
    if _over_limit(request, "track"):
        return _too_many(request, "track")
    form = TrackForm(request.POST, phone_required=phone_required)
    if not form.is_valid():
        return render(request, "portal/track.html", {"form": form}, status=400)
    data = form.cleaned_data
    ref = normalise(data["public_ref"])
    if ratelimit.exhausted("portal:track_ref", ref, limit=rate_limit("track_ref")[0]):
        return _too_many(request, "track_ref")
    matter = matter_by_credentials(
        public_ref=data["public_ref"], query_code=data["query_code"], phone_last4=data["phone_last4"]
    )
    if matter is None:
        _hit("track_ref", ref)
        return render(
            request,
            "portal/track.html",
            {
                "form": TrackForm(initial={"public_ref": data["public_ref"]}, phone_required=phone_required),
                "error": _("查询编号或查询码不正确，请核对后重新输入。"),
            },
        )
    request.session.cycle_key()  # a new session key once the matter is opened
    request.session[SESSION_ACCESS] = {"matter": matter.pk, "until": time.time() + access_seconds()}
    return redirect("portal:track_detail")


def _detail(
    request: HttpRequest,
    matter_id: int,
    *,
    evaluation_form: EvaluationForm | None = None,
    review_form: ReviewRequestForm | None = None,
    status: int = 200,
) -> HttpResponse:
    view = track_data(matter_id=matter_id)
    posted_stage = evaluation_form.data.get("stage") if evaluation_form is not None else None
    evaluation_forms = [
        (
            EvaluationStage(stage).label,
            evaluation_form
            if evaluation_form is not None and posted_stage == stage
            else EvaluationForm(initial={"stage": stage}, auto_id=_evaluation_ids(stage)),
        )
        for stage in view.evaluation_stages
    ]
    # Errors of a stage that may not be evaluated (any more): shown above the forms.
    orphan_errors = (
        [str(e) for errors in evaluation_form.errors.values() for e in errors]
        if evaluation_form is not None and posted_stage not in view.evaluation_stages
        else []
    )
    offer = view.review_offer
    if offer is not None and review_form is None:
        review_form = ReviewRequestForm(bodies=offer.bodies)
    context = {
        "view": view,
        "matter": view.matter,
        "public_ref": grouped(view.matter.public_ref or ""),
        "evaluation_forms": evaluation_forms,
        "evaluation_errors": orphan_errors,
        "review_form": review_form,
        "offer": offer,
        "late_policy": settings.XINFANG_LATE_REVIEW_POLICY,
        "policies": LateReviewPolicy,
    }
    return render(request, "portal/track_detail.html", context, status=status)


@never_cache
@require_GET
def track_detail_view(request: HttpRequest) -> HttpResponse:
    matter_id = _access(request)
    if matter_id is None:
        return _no_access(request)
    return _detail(request, matter_id)


def _evaluation_ids(stage: str) -> str:
    """Field ids of one stage's form (two forms may be on the page)."""
    return f"id_{stage if stage in EvaluationStage.values else 'x'}_%s"


def _put(form: Any, exc: ValidationError) -> None:
    for key, texts in _error_messages(exc).items():
        for text in texts:
            form.add_error(key if key in form.fields and not form.fields[key].widget.is_hidden else None, text)


@require_POST
def evaluate_view(request: HttpRequest) -> HttpResponse:
    """The petitioner's own evaluation, online (XF-SAT-01/02): actor SYSTEM, method online."""
    matter_id = _access(request)
    if matter_id is None:
        return _no_access(request)
    if _over_limit(request, "action"):
        return _too_many(request, "action")
    form = EvaluationForm(request.POST, auto_id=_evaluation_ids(request.POST.get("stage", "")))
    if form.is_valid():
        try:
            evaluation_record(
                actor=SYSTEM,
                matter=Matter.objects.get(pk=matter_id),
                stage=form.cleaned_data["stage"],
                value=form.cleaned_data["value"],
                method=EvaluationMethod.ONLINE,
                comment=form.cleaned_data["comment"],
            )
        except ValidationError as exc:
            _put(form, exc)
        else:
            messages.success(request, _("感谢您的评价。"))
            return redirect("portal:track_detail")
    return _detail(request, matter_id, evaluation_form=form, status=400)


@require_POST
def review_view(request: HttpRequest) -> HttpResponse:
    """A request for review or re-review, to a body one level up, within the window (XF-REV-01/03);
    outside it the request is recorded and the configured policy applies (XF-REV-07)."""
    matter_id = _access(request)
    if matter_id is None:
        return _no_access(request)
    if _over_limit(request, "action"):
        return _too_many(request, "action")
    view = track_data(matter_id=matter_id)
    offer = view.review_offer
    if offer is None:
        messages.error(request, _("该事项当前不能在网上请求复查或复核。"))
        return _detail(request, matter_id, status=400)
    form = ReviewRequestForm(request.POST, bodies=offer.bodies)
    if not form.is_valid():
        return _detail(request, matter_id, review_form=form, status=400)
    bodies = {body.pk: body for body in offer.bodies}
    try:
        review = review_request(
            actor=portal_actor(),
            matter=view.matter,
            stage=offer.stage,
            organisation=bodies[form.cleaned_data["organisation"]],
            received_at=timezone.now(),
            request=form.cleaned_data["request"],
            late_reason=form.cleaned_data["late_reason"],
            language=settings.LANGUAGE_CODE,
        )
    except ValidationError as exc:
        _put(form, exc)
        return _detail(request, matter_id, review_form=form, status=400)
    except PermissionDenied as exc:
        form.add_error(None, str(exc))
        return _detail(request, matter_id, review_form=form, status=400)
    names = {"stage": offer.stage_label, "org": review.organisation.local_name}
    if review.status == ReviewStatus.PENDING:
        if review.is_late:
            messages.success(
                request, _("您的%(stage)s请求已提交。虽已超过期限，按照规定仍予受理，由%(org)s办理。") % names
            )
        else:
            messages.success(request, _("您的%(stage)s请求已提交，由%(org)s依法办理。") % names)
    elif Matter.objects.filter(pk=matter_id, status=Status.TERMINATED).exists():
        messages.warning(request, _("已超过%(stage)s请求期限。按照规定，逾期未请求的，该事项办理终结。") % names)
    else:
        messages.warning(request, _("已超过%(stage)s请求期限，且未说明正当理由，该请求不予受理。") % names)
    return redirect("portal:track_detail")


@never_cache
@require_GET
def document_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The PDF of a notice addressed to the petitioner, for the browser that opened the matter."""
    matter_id = _access(request)
    if matter_id is None:
        return _no_access(request)
    if _over_limit(request, "download"):
        return _too_many(request, "download")
    document = petitioner_document(matter_id=matter_id, document_id=pk)
    if document is None:
        raise Http404(_("未找到该文书。"))
    response = HttpResponse(bytes(document.pdf), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="notice-{document.pk}.pdf"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_POST
def leave_view(request: HttpRequest) -> HttpResponse:
    """Close the matter in this browser (on a shared computer)."""
    request.session.pop(SESSION_ACCESS, None)
    messages.info(request, _("已退出查询。"))
    return redirect("portal:home")


# --- Staff: hand a query code to a petitioner --------------------------------------------------------


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def staff_query_code_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Give the petitioner of a matter registered at a counter (or who lost the code) a query code,
    shown once to the clerk to print or read out (XF-SAT-02)."""
    matter = (
        Matter.objects.restrict(request.user, Action.MATTER_VIEW)
        .select_related("registered_org", "current_org")
        .filter(pk=pk)
        .first()
    )
    if matter is None:
        raise Http404(_("未找到该信访事项。"))
    if not query_code_can_issue(request.user, matter):
        raise PermissionDenied(_("您没有权限为该事项发放查询码。"))
    context: dict[str, Any] = {
        "matter": matter,
        "public_ref": grouped(matter.public_ref or ""),
    }
    if request.method == "POST":
        credentials = matter_query_code_issue(actor=request.user, matter=matter)
        context.update(
            public_ref=grouped(credentials.public_ref),
            query_code=grouped(credentials.query_code or ""),
            issued=True,
        )
    return render(request, "portal/staff_query_code.html", context)
