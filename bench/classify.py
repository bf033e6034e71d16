"""Benchmark: the category classifier (issue 9 item 1; not a test, runs outside CI).

    .venv/bin/python bench/classify.py [--data DIR] [--folds 5] [--c 1.5] [--ngram-max 3] [--latency 500]
        [--head-chars 25] [--head-weight 0.6] [--latency-only]

Reads `messages_labeled_segmented.csv` in place (7,802 messages, 7 classes; never copied into the
repo) and writes figures (no message text) to bench/results/classify.json.

- **5-fold cross-validation**, GroupKFold by text: exact duplicate texts stay in the same fold.
  Per fold: macro-F1 and accuracy on the segmented held-out fold, and on its **raw variant**.
- **Raw variant** (the labelled file is segmented; the model must not depend on that): each
  held-out message's words are joined without spaces, and between words, with a fixed seed, we
  add punctuation (，。、！？；：, after 18 % of the words), stop words and particles (的 了 是 我 …,
  before 12 % of the words), whitespace noise (line breaks, tabs, full-width spaces, Excel's
  `_x000D_`, after 3 %), and a greeting / thanks around the message (尊敬的领导：… 谢谢！, 30 % each).
- **Training time**: `classifier.train` on one fold's training part (it fits twice: once on 80 %
  to fit the confidence's temperature, then on all) and on the whole file.
- **Prediction latency**: `CategoryModel.predict` (the triage path: label, confidence, the n-grams
  that drove it) on single raw messages, p50 / p95 / max.
- Times are given as wall time and as the process's CPU time (`time.process_time`): on a shared
  machine the CPU time is what one core spends, the wall time includes waiting for it.
- **One CPU core**: the process is pinned to one CPU (`sched_setaffinity`) and OMP / BLAS threads are
  set to 1 before numpy loads; LinearSVC (liblinear) is single-threaded.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import csv  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import random  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

PUNCT = "，，，。。、！？；："
STOP = [
    "的",
    "了",
    "是",
    "我",
    "我们",
    "在",
    "和",
    "也",
    "就",
    "都",
    "呢",
    "吧",
    "啊",
    "这个",
    "一下",
    "有",
    "被",
    "对",
]
SPACE = ["\n", "\r\n", "\t", "\u3000", " ", "_x000D_\n", "  "]
GREET = ["尊敬的领导：", "您好！", "领导您好，", "尊敬的市长："]
THANKS = ["谢谢！", "望尽快解决，谢谢。", "此致敬礼！", "盼复。"]


def raw_variant(segmented: str, rng: random.Random) -> str:
    """The message as a citizen would type it (see the module docstring)."""
    out: list[str] = []
    if rng.random() < 0.3:
        out.append(rng.choice(GREET))
    for word in segmented.split():
        if rng.random() < 0.12:
            out.append(rng.choice(STOP))
        out.append(word)
        if rng.random() < 0.18:
            out.append(rng.choice(PUNCT))
        if rng.random() < 0.03:
            out.append(rng.choice(SPACE))
    if rng.random() < 0.3:
        out.append(rng.choice(THANKS))
    return "".join(out)


def percentiles(values: list[float]) -> dict[str, float]:
    values = sorted(values)
    return {
        "n": len(values),
        "p50": round(values[len(values) // 2], 3),
        "p95": round(values[int(len(values) * 0.95) - 1], 3),
        "max": round(values[-1], 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--c", type=float, default=None)
    parser.add_argument("--ngram-max", type=int, default=None)
    parser.add_argument("--head-chars", type=int, default=None, help="title block length (0: no title block)")
    parser.add_argument("--head-weight", type=float, default=None)
    parser.add_argument("--latency", type=int, default=500, help="single-message predictions timed")
    parser.add_argument(
        "--latency-only",
        action="store_true",
        help="train on fold 1 only, time predictions and update the latency figures of the existing output",
    )
    parser.add_argument("--output", default=str(ROOT / "bench" / "results" / "classify.json"))
    args = parser.parse_args()

    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})

    import django

    django.setup()
    import numpy as np
    from sklearn.metrics import accuracy_score, f1_score
    from sklearn.model_selection import GroupKFold

    from xinfang.textmining import classifier

    path = Path(args.data) / "messages_labeled_segmented.csv"
    if not path.is_file():
        sys.exit(f"{path} not found: the benchmark needs the shared data")
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    texts = [r["text"] for r in rows]
    labels = np.array([r["category"] for r in rows])
    group_ids: dict[str, int] = {}
    groups = np.array([group_ids.setdefault(t, len(group_ids)) for t in texts])
    defaults = classifier.TrainParams()
    params = classifier.TrainParams(
        c=args.c if args.c is not None else defaults.c,
        ngram_max=args.ngram_max if args.ngram_max is not None else defaults.ngram_max,
        head_chars=args.head_chars if args.head_chars is not None else defaults.head_chars,
        head_weight=args.head_weight if args.head_weight is not None else defaults.head_weight,
    )
    rng = random.Random(2026)
    print(f"{len(texts)} messages, {len(set(labels))} classes, {len(texts) - len(group_ids)} duplicate texts; {params}")

    folds = []
    latencies: list[float] = []
    cpu_latencies: list[float] = []
    splits = list(GroupKFold(args.folds).split(texts, labels, groups))
    if args.latency_only:
        train_idx, test_idx = splits[0]
        model = classifier.train([texts[i] for i in train_idx], labels[train_idx].tolist(), params=params)
        raw_texts = [raw_variant(texts[i], rng) for i in test_idx][: args.latency]
        model.predict(raw_texts[0])  # load-time precomputation is not a prediction
        for text in raw_texts:
            t0, c0 = time.perf_counter(), time.process_time()
            model.predict(text)
            latencies.append((time.perf_counter() - t0) * 1000)
            cpu_latencies.append((time.process_time() - c0) * 1000)
        previous = json.loads(Path(args.output).read_text(encoding="utf-8"))
        previous["predict_ms"] = percentiles(latencies)
        previous["predict_cpu_ms"] = percentiles(cpu_latencies)
        previous["predict_load_avg_1m"] = round(os.getloadavg()[0], 2)
        Path(args.output).write_text(json.dumps(previous, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        print(json.dumps({k: previous[k] for k in ("predict_ms", "predict_cpu_ms", "predict_load_avg_1m")}, indent=2))
        return
    for number, (train_idx, test_idx) in enumerate(splits, 1):
        started, cpu = time.perf_counter(), time.process_time()
        model = classifier.train([texts[i] for i in train_idx], labels[train_idx].tolist(), params=params)
        train_s, train_cpu_s = time.perf_counter() - started, time.process_time() - cpu
        truth = labels[test_idx]
        seg = [lab for lab, _c in model.predict_labels([texts[i] for i in test_idx])]
        raw_texts = [raw_variant(texts[i], rng) for i in test_idx]
        raw = [lab for lab, _c in model.predict_labels(raw_texts)]
        fold = {
            "fold": number,
            "train_rows": len(train_idx),
            "test_rows": len(test_idx),
            "train_s": round(train_s, 2),
            "train_cpu_s": round(train_cpu_s, 2),
            "macro_f1": round(float(f1_score(truth, seg, average="macro")), 4),
            "accuracy": round(float(accuracy_score(truth, seg)), 4),
            "raw_macro_f1": round(float(f1_score(truth, raw, average="macro")), 4),
            "raw_accuracy": round(float(accuracy_score(truth, raw)), 4),
            "temperature": model.temperature,
        }
        folds.append(fold)
        print(fold, flush=True)
        if number == 1:
            model.predict(raw_texts[0])  # load-time precomputation is not a prediction
            for text in raw_texts[: args.latency]:
                t0, c0 = time.perf_counter(), time.process_time()
                model.predict(text)
                latencies.append((time.perf_counter() - t0) * 1000)
                cpu_latencies.append((time.process_time() - c0) * 1000)

    started, cpu = time.perf_counter(), time.process_time()
    full = classifier.train(texts, labels.tolist(), params=params)
    full_train_s, full_train_cpu_s = time.perf_counter() - started, time.process_time() - cpu

    def summary(key: str) -> dict[str, float]:
        values = [f[key] for f in folds]
        return {
            "mean": round(statistics.mean(values), 4),
            "stdev": round(statistics.stdev(values), 4) if len(values) > 1 else 0.0,
            "min": min(values),
            "max": max(values),
        }

    result = {
        "data": path.name,
        "rows": len(texts),
        "classes": sorted(set(labels.tolist())),
        "params": params.__dict__,
        "cv": "GroupKFold by exact text",
        "folds": folds,
        "macro_f1": summary("macro_f1"),
        "raw_macro_f1": summary("raw_macro_f1"),
        "accuracy": summary("accuracy"),
        "raw_accuracy": summary("raw_accuracy"),
        "train_s_full": round(full_train_s, 2),
        "train_cpu_s_full": round(full_train_cpu_s, 2),
        "train_s_fold": summary("train_s"),
        "train_cpu_s_fold": summary("train_cpu_s"),
        "predict_ms": percentiles(latencies),
        "predict_cpu_ms": percentiles(cpu_latencies),
        "features": len(full.vectorizer.vocabulary_) + (len(full.head.vocabulary_) if full.head is not None else 0),
        "versions": classifier.library_versions(),
        "cpu": {"cores_used": 1, "cores_on_machine": os.cpu_count(), "load_avg_1m": round(os.getloadavg()[0], 2)},
        "python": platform.python_version(),
    }
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    Path(args.output).write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    keys = ("macro_f1", "raw_macro_f1", "train_s_full", "train_cpu_s_full", "predict_ms", "predict_cpu_ms")
    print(json.dumps({k: result[k] for k in keys}, indent=2))


if __name__ == "__main__":
    main()
