"""Classify the texts of a CSV file with a trained model (docs/classifier.md):

    manage.py textmining_predict --model MODEL --input FILE.csv --text-column text --output OUT.csv

`--text-column` may be repeated (the columns are joined). OUT.csv has the input's columns plus
`predicted` and `confidence` (UTF-8 with BOM, so that Excel opens it). MODEL is a name in
`XINFANG_TEXTMINING_MODEL_DIR`; files elsewhere, or whose SHA-256 differs from their metadata, are
refused."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from xinfang.textmining import classifier
from xinfang.textmining.classifier_csv import CsvProblem, joined_text, read_columns

BATCH = 500


class Command(BaseCommand):
    help = "Add predicted category and confidence columns to a CSV file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--model", default=classifier.DEFAULT_MODEL_NAME)
        parser.add_argument("--input", required=True)
        parser.add_argument("--text-column", action="append", dest="text_columns", help="repeatable; joined")
        parser.add_argument("--output", required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            model = classifier.load(options["model"])
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        columns = options["text_columns"] or ["text"]
        try:
            header, rows = read_columns(Path(options["input"]), columns)
        except (OSError, CsvProblem) as exc:
            raise CommandError(str(exc)) from exc
        out_header = [*header, *(c for c in ("predicted", "confidence") if c not in header)]
        with Path(options["output"]).open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=out_header, extrasaction="ignore")
            writer.writeheader()
            for start in range(0, len(rows), BATCH):
                chunk = rows[start : start + BATCH]
                for row, (label, confidence) in zip(
                    chunk, model.predict_labels([joined_text(r, columns) for r in chunk]), strict=True
                ):
                    writer.writerow({**row, "predicted": label, "confidence": f"{confidence:.4f}"})
        self.stdout.write(f"{options['output']}: {len(rows)} rows classified with {model.meta.get('sha256', '')[:12]}")
