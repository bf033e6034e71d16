"""Rebuild the near-duplicate index (textmining.NearDupBand) from the stored texts:

    manage.py neardup_rebuild [--type petitions.matter] [--batch-size 1000]

For upgrades (matters registered before the index existed) and after changing
`XINFANG_NEARDUP` (shingle size, bands, rows). The object types and where their texts come from
are listed in `XINFANG_NEARDUP_SOURCES` (textmining imports no workflow app). Each type is rebuilt
in one transaction (all or nothing) with one audit event; a progress bar (tqdm) goes to stderr."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils.module_loading import import_string
from tqdm import tqdm

from xinfang.audit.services import audit_record
from xinfang.textmining.minhash import params_from_settings
from xinfang.textmining.services import neardup_forget, neardup_index_many


class Command(BaseCommand):
    help = "Rebuild the near-duplicate index (MinHash LSH bands) from the stored texts."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--type", action="append", dest="types", help="object type (default: every source)")
        parser.add_argument("--batch-size", type=int, default=1000)

    def handle(self, *args: Any, **options: Any) -> None:
        sources: dict[str, str] = getattr(settings, "XINFANG_NEARDUP_SOURCES", {})
        types = options["types"] or list(sources)
        unknown = [t for t in types if t not in sources]
        if unknown:
            raise CommandError(f"unknown object type(s) {unknown}; known: {sorted(sources)}")
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be positive")
        params = params_from_settings()
        stream = getattr(self.stderr, "_out", self.stderr)
        for object_type in types:
            total, batches = import_string(sources[object_type])(batch_size=options["batch_size"])
            objects = rows = 0
            with transaction.atomic():
                removed = neardup_forget(object_type=object_type)
                with tqdm(total=total, unit="doc", file=stream, desc=object_type) as bar:
                    for batch in batches:
                        rows += neardup_index_many(object_type=object_type, documents=batch, params=params)
                        objects += len(batch)
                        bar.update(len(batch))
                audit_record(
                    actor=None,
                    action="textmining.neardup_rebuild",
                    object_type=object_type,
                    summary={
                        "before": {"rows": removed},
                        "after": {"objects": objects, "rows": rows, "bands": params.bands, "rows_per": params.rows},
                    },
                )
            self.stdout.write(f"{object_type}: {objects} indexed, {rows} band rows")
