"""Bulk imports: submitting a file (checked at once), running the job (on the task worker, or in
the `transfer_import` command), and importing a clean dry run for real.

All or nothing: every row of a file is validated and written through its app's service inside ONE
transaction, each row in a savepoint of its own so that a bad row is reported and the next one is
still checked. If any row fails, or the run is a dry run, the transaction is rolled back: nothing
is written, and the job reports every failing row (row number, column, translated message) and —
for a clean dry run — what would have been created. Rows go in batches of XINFANG_IMPORT_BATCH, and
after each batch the progress is reported (see `progress.py` for where it is kept, and why).

One audit event per job ("transfer.import": kind, dry run, counts, errors, file name and SHA-256),
besides the events the row services write: for an import that commits, in the same transaction;
for a dry run or a failed import, after the rollback (so the attempt is on record)."""

from __future__ import annotations

import hashlib
import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import DataError, IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from xinfang.audit.services import audit_record
from xinfang.orgs.models import Organisation

from . import conf
from .importers import HANDLERS, ImportContext, RowError, refusal
from .models import ImportJob, ImportKind, ImportStatus
from .policies import import_require
from .progress import progress_clear, progress_write
from .readers import FileProblem, Row, Table, check_file, read_table

logger = logging.getLogger(__name__)

ProgressCallback = Callable[[int, int, int], None]  # (processed, total, errors so far)


@dataclass
class RunResult:
    """What one run found: outcome counts and row errors (the first N kept, all counted)."""

    total: int
    processed: int = 0
    counts: Counter[str] = field(default_factory=Counter)
    errors: list[dict[str, Any]] = field(default_factory=list)
    error_count: int = 0

    def add_errors(self, row: Row, errors: list[tuple[str, str]], labels: dict[str, str]) -> None:
        limit = conf.max_stored_errors()
        for column, message in errors:
            self.error_count += 1
            if len(self.errors) < limit:
                found = row.column(column) if column else None
                self.errors.append(
                    {
                        "row": row.number,
                        "column": found.header if found is not None else labels.get(column, column),
                        "letter": found.letter if found is not None else "",
                        "message": str(message),
                    }
                )


def _labels(kind: str) -> dict[str, str]:
    from .columns import COLUMNS

    return {column.name: str(column.label) for column in COLUMNS[kind]}


def _file_error(exc: FileProblem) -> ValidationError:
    return ValidationError({"file": [exc.message]}, code="file")


# --- submitting --------------------------------------------------------------------------------


def import_job_create(
    *,
    actor: Any,
    kind: str,
    organisation: Organisation | None,
    name: str,
    content: bytes,
    dry_run: bool = True,
    submission_key: str | None = None,
    language: str | None = None,
) -> tuple[ImportJob, bool]:
    """Check the file at once (type by content, size, encoding, header, row count) and store it with
    a queued job. ValidationError on "file" for a bad file, PermissionDenied for a user who may not
    import `kind` for `organisation`. The same `submission_key` (the upload form's one-time token)
    returns the job already created: a double click starts one job. Returns (job, created)."""
    if kind not in ImportKind.values:
        raise ValidationError({"kind": [_("请选择导入类型。")]})
    import_require(actor, kind, organisation)
    if submission_key:
        existing = ImportJob.objects.filter(submission_key=submission_key).first()
        if existing is not None:
            return existing, False
    try:
        rows = check_file(kind=kind, name=name, content=content)
    except FileProblem as exc:
        raise _file_error(exc) from exc
    clean_name = (name or "").replace("\\", "/").rsplit("/", 1)[-1].strip()[-200:] or "import"
    with transaction.atomic():
        job = ImportJob(
            kind=kind,
            original_name=clean_name,
            size=len(content),
            sha256=hashlib.sha256(content).hexdigest(),
            dry_run=dry_run,
            organisation=organisation,
            created_by=actor if getattr(actor, "pk", None) is not None else None,
            language=language or translation.get_language() or "zh-hans",
            submission_key=submission_key or None,
            total=max(rows, 0),
        )
        job.file.save(clean_name, ContentFile(content), save=False)
        try:
            with transaction.atomic():
                job.save()
        except IntegrityError:  # the same form sent twice at the same moment
            job.file.delete(save=False)
            if submission_key:
                return ImportJob.objects.get(submission_key=submission_key), False
            raise
    return job, True


def import_job_enqueue(job: ImportJob) -> None:
    """Hand the job to the task worker (run at once by the immediate backend in tests)."""
    from .tasks import import_job_execute

    import_job_execute.enqueue(job.pk)


def import_job_submit(**kwargs: Any) -> ImportJob:
    """`import_job_create` and, for a new job, queue it."""
    job, created = import_job_create(**kwargs)
    if created:
        import_job_enqueue(job)
        job.refresh_from_db()
    return job


@transaction.atomic
def import_job_confirm(*, actor: Any, job: ImportJob) -> tuple[ImportJob, bool]:
    """Import a clean dry run for real, from the same stored file (its SHA-256 checked again).
    Returns (the real job, whether it is new): a second click finds the job already started."""
    job = ImportJob.objects.select_for_update(of=("self",)).select_related("organisation").get(pk=job.pk)
    if not job.is_clean_dry_run:
        raise ValidationError(_("只有没有发现错误的试导入才能正式导入。"), code="not_clean")
    started = job.imports.filter(dry_run=False).exclude(status=ImportStatus.FAILED).order_by("-pk").first()
    if started is not None:
        return started, False
    import_require(actor, job.kind, job.organisation)
    _stored_content(job)  # still there, and the same bytes
    real = ImportJob.objects.create(
        kind=job.kind,
        file=job.file.name,
        original_name=job.original_name,
        size=job.size,
        sha256=job.sha256,
        dry_run=False,
        organisation=job.organisation,
        created_by=actor if getattr(actor, "pk", None) is not None else None,
        source_job=job,
        language=translation.get_language() or job.language,
        total=job.total,
    )
    return real, True


def _stored_content(job: ImportJob) -> bytes:
    try:
        with job.file.open("rb") as stream:
            content = stream.read()
    except (OSError, ValueError) as exc:
        raise ValidationError(_("找不到上传的文件，请重新上传。"), code="missing") from exc
    if hashlib.sha256(content).hexdigest() != job.sha256:
        raise ValidationError(_("上传的文件已被改动，请重新上传。"), code="changed")
    return content


# --- running -----------------------------------------------------------------------------------


def _audit(job: ImportJob) -> None:
    audit_record(
        actor=job.created_by,
        action="transfer.import",
        target=job,
        object_label=f"{job.kind} · {job.original_name}",
        org_id=job.organisation_id,
        summary={
            "after": {
                "kind": job.kind,
                "dry_run": job.dry_run,
                "status": job.status,
                "rows": job.total,
                "counts": job.counts,
                "errors": job.error_count,
                "file": job.original_name,
                "sha256": job.sha256,
                "source_job": job.source_job_id,
            }
        },
    )


def _finish(job: ImportJob, *, status: str, result: RunResult | None = None, problem: str = "") -> None:
    """Record the outcome on the job and its audit event (in the caller's transaction)."""
    job.status = status
    job.finished_at = timezone.now()
    job.problem = problem
    if result is not None:
        job.total = result.total
        job.processed = result.processed
        job.counts = dict(sorted(result.counts.items()))
        job.errors = result.errors
        job.error_count = result.error_count
    job.save()
    _audit(job)


def _batches(rows: list[Row], size: int) -> list[list[Row]]:
    return [rows[start : start + size] for start in range(0, len(rows), size)]


def _run_rows(job: ImportJob, table: Table, on_progress: ProgressCallback | None) -> RunResult:
    """Every row through its service, batch by batch, inside the caller's transaction."""
    handler = HANDLERS[job.kind]
    context = ImportContext(actor=job.created_by, kind=job.kind, organisation=job.organisation, sha256=job.sha256)
    labels = _labels(job.kind)
    result = RunResult(total=len(table.rows))
    for batch in _batches(table.rows, conf.batch_size()):
        for row in batch:
            try:
                with transaction.atomic():
                    outcomes = handler(context, row)
            except RowError as exc:
                result.add_errors(row, exc.errors, labels)
            except PermissionDenied as exc:
                result.add_errors(row, refusal(exc).errors, labels)
            except (IntegrityError, DataError):  # a value the service let through but the database refused
                logger.warning("import job %s: row %s refused by the database", job.pk, row.number, exc_info=True)
                result.add_errors(row, [("", _("本行与已有数据冲突，无法写入。"))], labels)
            else:
                result.counts.update(outcomes)
        result.processed += len(batch)
        progress_write(job.pk, processed=result.processed, total=result.total, errors=result.error_count)
        if on_progress is not None:
            on_progress(result.processed, result.total, result.error_count)
    return result


def import_job_run(*, job_id: int, on_progress: ProgressCallback | None = None) -> ImportJob:
    """Run a queued job (see the module docstring). A job that is not queued any more (taken by
    another worker, or finished) is returned as it is. Never raises for bad input: the job ends
    done or failed, with its problem or row errors."""
    taken = ImportJob.objects.filter(pk=job_id, status=ImportStatus.QUEUED).update(
        status=ImportStatus.RUNNING, started_at=timezone.now()
    )
    job = ImportJob.objects.select_related("organisation", "created_by", "source_job").get(pk=job_id)
    if not taken:
        return job
    with translation.override(job.language):
        try:
            return _run(job, on_progress)
        finally:
            progress_clear(job.pk)


def _run(job: ImportJob, on_progress: ProgressCallback | None) -> ImportJob:
    progress_write(job.pk, processed=0, total=job.total, errors=0)
    if job.created_by is None:  # the account was removed while the job waited
        return _fail(job, _("提交导入的账号已不存在，没有写入任何数据。"))
    try:
        content = _stored_content(job)
        table = read_table(kind=job.kind, name=job.original_name, content=content)
    except ValidationError as exc:
        return _fail(job, " ".join(exc.messages))
    except FileProblem as exc:
        return _fail(job, exc.message)
    job.total = len(table.rows)
    progress_write(job.pk, processed=0, total=job.total, errors=0)
    if on_progress is not None:
        on_progress(0, job.total, 0)
    result: RunResult | None = None
    try:
        with transaction.atomic():
            import_require(job.created_by, job.kind, job.organisation)
            result = _run_rows(job, table, on_progress)
            if result.error_count == 0 and not job.dry_run:
                _finish(job, status=ImportStatus.DONE, result=result)  # commits with the rows
                return job
            transaction.set_rollback(True)  # a dry run, or rows with errors: nothing is written
    except PermissionDenied as exc:
        return _fail(job, str(exc))
    except Exception:
        logger.exception("import job %s failed", job.pk)
        return _fail(job, _("导入时发生意外错误，没有写入任何数据。请联系系统管理员。"))
    assert result is not None
    status = ImportStatus.DONE if result.error_count == 0 else ImportStatus.FAILED
    with transaction.atomic():
        _finish(job, status=status, result=result)
    return job


def _fail(job: ImportJob, problem: str, result: RunResult | None = None) -> ImportJob:
    with transaction.atomic():
        _finish(job, status=ImportStatus.FAILED, result=result, problem=problem)
    return job
