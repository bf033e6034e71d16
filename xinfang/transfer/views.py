"""Import pages for staff: the upload form (kind, organisation, file, dry run), the job page with
its progress bar (htmx polling every second while the job runs) and its result (counts, row
errors, "import for real" after a clean dry run), the list of one's jobs, and the templates.
Thin: each calls one service or selector and renders.

The job pages (the list, one job, its polling fragment) do not save the session: on SQLite a
running import holds the database's write lock until it ends, and a session save
(SESSION_SAVE_EVERY_REQUEST) would wait for it, freezing the very progress bar that is meant to
move (measured: the page answers in 0.05 s instead of waiting for the import)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xinfang.core import ratelimit

from . import conf
from .columns import COLUMNS
from .forms import ImportForm, issue_token
from .importers import OUTCOME_LABELS
from .models import ImportJob, ImportKind
from .policies import import_can, import_kinds
from .selectors import import_job_get, import_job_list, import_job_progress, import_organisations
from .services import import_job_confirm, import_job_enqueue, import_job_submit
from .template_files import template_csv, template_xlsx

PAGE_SIZE = 50
TEMPLATE_TYPES = {
    "csv": ("text/csv; charset=utf-8", template_csv),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", template_xlsx),
}


def _kinds_or_403(user: Any) -> list[str]:
    kinds = import_kinds(user)
    if not kinds:
        raise PermissionDenied(_("您没有导入数据的权限。"))
    return kinds


def _without_session_save(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Skip saving the session for this response (see the module docstring); the user is read."""

    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        session = getattr(request, "session", None)
        if session is not None:
            session.save = lambda *a, **k: None  # type: ignore[method-assign]
        return response

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


def _columns_context(kinds: list[str]) -> list[dict[str, Any]]:
    return [{"kind": kind, "label": ImportKind(kind).label, "columns": COLUMNS[kind]} for kind in kinds]


@login_required
@require_http_methods(["GET", "POST"])
def import_view(request: HttpRequest) -> HttpResponse:
    """The upload form. A good file becomes a queued job and the browser goes to its page."""
    kinds = _kinds_or_403(request.user)
    organisations = import_organisations(user=request.user)
    status = 200
    limited = ""
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES, kinds=kinds, organisations=organisations)
        count, window = conf.rate_limit()
        if ratelimit.hit("transfer:import", str(request.user.pk), limit=count, window=window):
            limited = _("提交过于频繁，请%(minutes)d分钟后再试。") % {"minutes": max(1, window // 60)}
            status = 429
        elif form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                job = import_job_submit(
                    actor=request.user,
                    kind=form.cleaned_data["kind"],
                    organisation=form.cleaned_data["organisation"],
                    name=upload.name,
                    content=upload.read(conf.max_bytes() + 1),
                    dry_run=bool(form.cleaned_data["dry_run"]),
                    submission_key=form.cleaned_data["token"],
                )
            except ValidationError as exc:
                for key, messages in exc.message_dict.items():
                    form.add_error(key if key in form.fields else None, messages)
            except PermissionDenied as exc:
                form.add_error("organisation", str(exc))
            else:
                return redirect("transfer:job", pk=job.pk)
        fresh = request.POST.copy()
        fresh["token"] = issue_token()  # a fresh form; the file has to be chosen again
        form.data = fresh
    else:
        form = ImportForm(
            initial={"dry_run": True, "token": issue_token(), "kind": kinds[0]},
            kinds=kinds,
            organisations=organisations,
        )
    context = {
        "form": form,
        "kinds": _columns_context(kinds),
        "max_rows": conf.max_rows(),
        "limited": limited,
    }
    response = render(request, "transfer/import.html", context, status=status)
    if status == 429:
        response = ratelimit.too_many(response, retry_after=conf.rate_limit()[1])
    return response


def _job(request: HttpRequest, pk: int) -> ImportJob:
    try:
        return import_job_get(user=request.user, pk=pk)
    except ImportJob.DoesNotExist:
        raise Http404(_("未找到该导入任务。")) from None


def _job_context(request: HttpRequest, job: ImportJob) -> dict[str, Any]:
    processed, total, stalled = import_job_progress(job)
    percent = 100 if job.is_finished else (int(processed * 100 / total) if total else 0)
    counts = [(OUTCOME_LABELS.get(key, key), value) for key, value in (job.counts or {}).items()]
    real = job.imports.filter(dry_run=False).order_by("-pk").first() if job.dry_run else None
    return {
        "job": job,
        "processed": processed,
        "total": total,
        "percent": percent,
        "stalled": stalled,
        "counts": counts,
        "real_job": real,
        "can_confirm": job.is_clean_dry_run
        and (real is None or real.status == "failed")
        and import_can(request.user, job.kind, job.organisation),
    }


@login_required
@require_GET
@never_cache
@_without_session_save
def job_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    """One job: progress while it runs, then its result."""
    job = _job(request, pk)
    return render(request, "transfer/job.html", _job_context(request, job))


@login_required
@require_GET
@never_cache
@_without_session_save
def job_status_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress and result fragment the job page polls (htmx); a plain GET gets the page."""
    job = _job(request, pk)
    if not getattr(request, "htmx", False):
        return redirect("transfer:job", pk=job.pk)
    return render(request, "transfer/_status.html", _job_context(request, job))


@login_required
@require_POST
def job_confirm_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Import a clean dry run for real (the same stored file)."""
    job = _job(request, pk)
    try:
        real, created = import_job_confirm(actor=request.user, job=job)
    except ValidationError as exc:
        context = _job_context(request, job) | {"confirm_errors": exc.messages}
        return render(request, "transfer/job.html", context, status=400)
    except PermissionDenied as exc:
        context = _job_context(request, job) | {"confirm_errors": [str(exc)]}
        return render(request, "transfer/job.html", context, status=403)
    if created:
        import_job_enqueue(real)
    return redirect("transfer:job", pk=real.pk)


@login_required
@require_GET
@_without_session_save
def job_list_view(request: HttpRequest) -> HttpResponse:
    """The user's import jobs (every job for administrators), newest first."""
    queryset = import_job_list(user=request.user)
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "jobs": list(page.object_list),
        "can_import": bool(import_kinds(request.user)),
        "now": timezone.now(),
    }
    return render(request, "transfer/jobs.html", context)


@login_required
@require_GET
def template_view(request: HttpRequest, kind: str, fmt: str) -> HttpResponse:
    """A blank template of a kind the user may import, as CSV or XLSX (generated)."""
    if kind not in ImportKind.values or fmt not in TEMPLATE_TYPES:
        raise Http404
    if not import_can(request.user, kind):
        raise PermissionDenied(_("您没有导入数据的权限。"))
    content_type, build = TEMPLATE_TYPES[fmt]
    response = HttpResponse(build(kind), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="xinfang-import-{kind}.{fmt}"'
    return response
