"""Train the category classifier (docs/classifier.md):

    manage.py textmining_train --input FILE.csv --text-column text --label-column category --output MODEL
    manage.py textmining_train --from-decided [--object-type petitions.matter] --output MODEL

`--text-column` may be repeated (the columns are joined). `--from-decided` trains on the clerks'
choices (`ClassifierChoice`) and the texts of their matters. The model is written to
`XINFANG_TEXTMINING_MODEL_DIR` as MODEL.joblib with MODEL.json (labels, SHA-256, versions); one
audit event records it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from xinfang.audit.services import audit_record
from xinfang.textmining import classifier
from xinfang.textmining.classifier_csv import CsvProblem, joined_text, read_columns
from xinfang.textmining.classifier_services import decided_training_data


class Command(BaseCommand):
    help = "Train the category classifier from a CSV file or from the clerks' decided matters."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--input", help="CSV file with text and label columns")
        parser.add_argument("--text-column", action="append", dest="text_columns", help="repeatable; joined")
        parser.add_argument("--label-column", default="category")
        parser.add_argument("--from-decided", action="store_true", help="train on the clerks' stored choices")
        parser.add_argument("--object-type", default="petitions.matter")
        parser.add_argument("--min-samples", type=int, default=20, help="refuse to train on fewer texts")
        parser.add_argument(
            "--output", default=classifier.DEFAULT_MODEL_NAME, help="model name in the models directory"
        )
        parser.add_argument("--c", type=float, default=classifier.TrainParams.c)

    def handle(self, *args: Any, **options: Any) -> None:
        if bool(options["input"]) == bool(options["from_decided"]):
            raise CommandError("give either --input FILE.csv or --from-decided")
        try:
            classifier.model_path(options["output"])
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        if options["from_decided"]:
            try:
                data = decided_training_data(object_type=options["object_type"])
            except ValidationError as exc:
                raise CommandError(" ".join(exc.messages)) from exc
            texts, labels, source = data.texts, data.labels, f"decided:{options['object_type']}"
            if data.missing:
                self.stderr.write(f"{data.missing} choice(s) whose object is gone were skipped")
        else:
            columns = options["text_columns"] or ["text"]
            try:
                _header, rows = read_columns(Path(options["input"]), [*columns, options["label_column"]])
            except (OSError, CsvProblem) as exc:
                raise CommandError(str(exc)) from exc
            texts = [joined_text(r, columns) for r in rows]
            labels = [r[options["label_column"]] for r in rows]
            source = Path(options["input"]).name
        if len(texts) < options["min_samples"]:
            raise CommandError(f"{len(texts)} texts: at least {options['min_samples']} are needed (--min-samples)")
        try:
            model = classifier.train(texts, labels, params=classifier.TrainParams(c=options["c"]))
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        model.meta["source"] = source
        with transaction.atomic():
            path = classifier.save(model, options["output"])
            audit_record(
                actor=None,
                action="textmining.model_train",
                object_type="textmining.model",
                object_id=path.stem,
                object_label=path.name,
                summary={
                    "sha256": model.sha256,
                    "samples": model.meta["samples"],
                    "labels": model.labels,
                    "source": source,
                },
            )
        self.stdout.write(
            f"{path}: {model.meta['samples']} texts, {len(model.labels)} labels, "
            f"{model.meta['train_seconds']} s, sha256 {model.sha256}"
        )
