"""The category classifier (issue 9 item 1, docs/classifier.md): raw Chinese text in, a label with
a confidence and the character n-grams that drove it out.

The model is a linear SVM over TF-IDF character n-grams of the *normalised* text (NFKC, traditional
read as simplified, lower case, whitespace, punctuation and digits removed), plus a second, weighted
TF-IDF block over its first 25 characters (the title comes first): it needs no word segmentation,
so the same text cut into words, written with punctuation and line breaks, or copied from Excel
gives the same features. One text is scored without sklearn's sparse machinery (`_FastPath`, for
the triage latency), with the same numbers as the batch path. Confidence is a softmax of the decision scores with a
temperature fitted at training time on a held-out part of the training data.

Models are files in `XINFANG_TEXTMINING_MODEL_DIR` (default var/textmining/models): `NAME.joblib`
with `NAME.json` beside it (labels, SHA-256 of the joblib file, library versions, figures). Only
files inside that directory are loaded, and only when their SHA-256 matches the metadata: a joblib
file is a pickle and would run code if it came from elsewhere."""

from __future__ import annotations

import datetime
import hashlib
import json
import re
import threading
import time
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from xinfang.core.errors import ServiceError

FORMAT_VERSION = 2  # 2: LinearScores weights and the title block
MAX_CHARS = 3000  # a message longer than this is classified on its beginning (title and request come first)
MODEL_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
DEFAULT_MODEL_NAME = "category"

# Punctuation (Unicode P*/S* categories), whitespace, digits and Excel's carriage-return artefact
# are dropped: the training file has none of them, raw intake text is full of them.
_EXCEL_CR = "_x000d_"
# One compiled pass: everything that is not a letter or a number (punctuation, symbols, separators,
# controls, combining marks), the underscore, and ASCII digits (after NFKC every decimal digit is one).
_DROPPED = re.compile(r"[\W_0-9]+")


@dataclass(frozen=True)
class TrainParams:
    """Feature and model settings (the bench's figures are for the defaults)."""

    ngram_min: int = 1
    ngram_max: int = 3
    min_df: int = 2
    c: float = 1.5  # 5-fold CV with the title block: C 0.7 0.9304, 1 0.9323, 1.5 0.9332, 2 0.9329
    max_iter: int = 2000
    # Weights inverse to class frequency: the small classes (交通运输 has 500 of 7,802 messages)
    # gain more recall than the large ones lose (macro-F1 +0.4 to +0.7 points per fold).
    class_weight: str | None = "balanced"
    # A second TF-IDF block over the first characters of the normalised text (the title comes
    # first): the same n-grams count once more when they are in the title (docs/classifier.md).
    head_chars: int = 25
    head_ngram_max: int = 3
    head_weight: float = 0.6
    # "svm": LinearSVC(C); "sgd": the mean of `sgd_seeds` averaged SGDClassifiers (docs/classifier.md)
    model: str = "svm"
    sgd_alpha: float = 2e-5
    sgd_epochs: int = 30
    sgd_seeds: int = 1


@dataclass(frozen=True)
class Prediction:
    """One suggestion: the label, its confidence (0–1), the runner-up labels and the n-grams of the
    text that pushed most towards the label."""

    label: str
    confidence: float
    words: tuple[str, ...] = ()
    alternatives: tuple[tuple[str, float], ...] = ()
    source: str = "model"  # "model" or "keywords" (cold start)


@dataclass
class LinearScores:
    """The fitted linear scores `x @ coef_.T + intercept_` (one row per label), whatever trained
    them; `coef_t` is the same weights one row per feature, for the one-text path."""

    classes_: np.ndarray
    coef_: np.ndarray
    intercept_: np.ndarray

    def decision_function(self, x: Any) -> np.ndarray:
        scores = np.asarray(x @ self.coef_.T) + self.intercept_
        return scores.ravel() if scores.shape[1] == 1 else scores  # two labels: as sklearn, one column


@dataclass
class CategoryModel:
    """A trained classifier with its metadata; `predict` is thread-safe (read-only).

    `vectorizer` is the fitted TF-IDF of the whole text, `head` (or None) the TF-IDF of its first
    `head_chars` characters (the title), scaled by `head_weight`; `classifier` scores their
    concatenation."""

    vectorizer: Any
    classifier: Any
    labels: list[str]
    temperature: float
    meta: dict[str, Any] = field(default_factory=dict)
    head: Any = None
    head_chars: int = 0
    head_weight: float = 0.0

    @property
    def sha256(self) -> str:
        return str(self.meta.get("sha256", ""))

    def transform(self, texts: Sequence[str], *, normalised: bool = False) -> Any:
        """The feature matrix of raw texts (batches: sklearn's vectorizers)."""
        import scipy.sparse as sp

        norm = list(texts) if normalised else [normalise(t) for t in texts]
        x = self.vectorizer.transform(norm)
        if self.head is None:
            return x
        return sp.hstack([x, self.head.transform([t[: self.head_chars] for t in norm]) * self.head_weight]).tocsr()

    def _scores(self, texts: Sequence[str], *, normalised: bool = False) -> np.ndarray:
        scores = np.asarray(self.classifier.decision_function(self.transform(texts, normalised=normalised)))
        if scores.ndim == 1:  # two labels: one column of scores for the second
            scores = np.column_stack([-scores, scores]) / 2
        return scores

    def predict_labels(self, texts: Sequence[str]) -> list[tuple[str, float]]:
        """(label, confidence) per text, for batches (the predict command, the bench)."""
        probs = softmax(self._scores(texts), self.temperature)
        best = probs.argmax(axis=1)
        return [(self.labels[i], float(probs[row, i])) for row, i in enumerate(best)]

    def predict(self, text: str, *, words: int = 8, alternatives: int = 2) -> Prediction:
        """The suggestion for one text, with the n-grams that drove it (the triage path: no
        sparse matrices, one pass over the text's n-grams)."""
        fast = self._fast()
        columns, values = fast.features(normalise(text))
        weights = fast.coef_t[columns]  # (n-grams of the text) × labels
        scores = values @ weights + fast.intercept
        if fast.binary:
            scores = np.array([-scores[0], scores[0]]) / 2
        probs = softmax(scores[np.newaxis, :], self.temperature)[0]
        order = probs.argsort()[::-1]
        best = int(order[0])
        # two labels: one column of weights, for the second
        contributions = values * (weights[:, 0] * (1 if best == 1 else -1) if fast.binary else weights[:, best])
        return Prediction(
            label=self.labels[best],
            confidence=float(probs[best]),
            words=_driving_ngrams(fast.names[columns], contributions, words),
            alternatives=tuple((self.labels[int(i)], float(probs[int(i)])) for i in order[1 : 1 + alternatives]),
        )

    def _fast(self) -> _FastPath:
        fast = getattr(self, "_fast_path", None)
        if fast is None:
            fast = _FastPath(self)
            self._fast_path = fast
        return fast


class _FastPath:
    """What `predict` needs for one text, precomputed at load: the vocabularies, idf, feature names
    and the weights one row per feature."""

    def __init__(self, model: CategoryModel) -> None:
        blocks = [(model.vectorizer, 0, 1.0)]
        if model.head is not None:
            blocks.append((model.head, model.head_chars, model.head_weight))
        self.blocks: list[tuple[dict[str, int], np.ndarray, int, int, int, int, float]] = []
        names: list[np.ndarray] = []
        offset = 0
        for vectorizer, chars, weight in blocks:
            low, high = vectorizer.ngram_range
            idf = np.asarray(vectorizer.idf_, dtype=np.float64)
            self.blocks.append((vectorizer.vocabulary_, idf, low, high, chars, offset, weight))
            names.append(vectorizer.get_feature_names_out())
            offset += len(idf)
        self.names = np.concatenate(names)
        coef = np.asarray(model.classifier.coef_, dtype=np.float64)
        self.binary = coef.shape[0] == 1
        self.coef_t = np.ascontiguousarray(coef.T)
        self.intercept = np.asarray(model.classifier.intercept_, dtype=np.float64)

    def features(self, norm: str) -> tuple[np.ndarray, np.ndarray]:
        """Column indices and TF-IDF values (sublinear tf, L2 per block) of a normalised text,
        as the vectorizers compute them."""
        all_columns, all_values = [], []
        for vocabulary, idf, low, high, chars, offset, weight in self.blocks:
            text = norm[:chars] if chars else norm
            get = vocabulary.get
            found = [
                j
                for j in map(get, [text[i : i + n] for n in range(low, high + 1) for i in range(len(text) - n + 1)])
                if j is not None
            ]
            if not found:
                continue
            columns, counts = np.unique(np.array(found, dtype=np.int64), return_counts=True)
            values = (1.0 + np.log(counts)) * idf[columns]
            values *= weight / (np.sqrt(values @ values) or 1.0)
            all_columns.append(columns + offset)
            all_values.append(values)
        if not all_columns:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        return np.concatenate(all_columns), np.concatenate(all_values)


def _driving_ngrams(names: np.ndarray, contributions: np.ndarray, limit: int) -> tuple[str, ...]:
    """The n-grams with the largest positive contributions, at least two characters, none inside
    another one shown (at most `limit`)."""
    positive = np.flatnonzero(contributions > 0)
    picked: list[str] = []
    for position in positive[np.argsort(-contributions[positive], kind="stable")]:
        name = str(names[position])
        if len(name) < 2:
            continue  # single characters explain nothing to a clerk
        if any(name in other for other in picked):
            continue
        picked = [other for other in picked if other not in name]
        picked.append(name)
        if len(picked) >= limit:
            break
    return tuple(picked)


# --- text ----------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _t2s() -> Any:
    import opencc

    return opencc.OpenCC("t2s")


def normalise(text: str) -> str:
    """The classifier's view of a text: NFKC, simplified script, lower case, no `_x000D_`, no
    whitespace, punctuation, symbols or digits; at most MAX_CHARS characters."""
    text = unicodedata.normalize("NFKC", text or "").lower().replace(_EXCEL_CR, "")
    return str(_t2s().convert(_DROPPED.sub("", text)[:MAX_CHARS]))


def softmax(scores: np.ndarray, temperature: float) -> np.ndarray:
    z = np.asarray(scores, dtype=np.float64) * temperature
    z -= z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return np.asarray(e / e.sum(axis=1, keepdims=True))


# --- training --------------------------------------------------------------------------------------


def _fit(texts: list[str], labels: list[str], params: TrainParams) -> CategoryModel:
    """Vectorizers and linear weights fitted on normalised texts (temperature and metadata unset)."""
    import scipy.sparse as sp
    from sklearn.feature_extraction.text import TfidfVectorizer

    def tfidf(ngram_max: int) -> Any:
        return TfidfVectorizer(
            analyzer="char",
            ngram_range=(params.ngram_min, ngram_max),
            sublinear_tf=True,
            min_df=params.min_df if len(texts) >= 50 else 1,
            dtype=np.float32,
        )

    vectorizer = tfidf(params.ngram_max)
    x = vectorizer.fit_transform(texts)
    head = None
    if params.head_chars and params.head_weight:
        head = tfidf(params.head_ngram_max)
        x = sp.hstack([x, head.fit_transform([t[: params.head_chars] for t in texts]) * params.head_weight]).tocsr()
    scores = _fit_linear(x, labels, params)
    return CategoryModel(
        vectorizer=vectorizer,
        classifier=scores,
        labels=[str(lab) for lab in scores.classes_],
        temperature=5.0,
        head=head,
        head_chars=params.head_chars if head is not None else 0,
        head_weight=params.head_weight if head is not None else 0.0,
    )


def _fit_linear(x: Any, labels: list[str], params: TrainParams) -> LinearScores:
    """LinearSVC, or the mean of `sgd_seeds` averaged SGD classifiers (modified Huber loss): a mean
    of linear models is one linear model, so prediction costs the same."""
    from sklearn.linear_model import SGDClassifier
    from sklearn.svm import LinearSVC

    if params.model == "svm":
        svm = LinearSVC(C=params.c, max_iter=params.max_iter, class_weight=params.class_weight).fit(x, labels)
        return LinearScores(
            classes_=svm.classes_,
            coef_=np.asarray(svm.coef_, dtype=np.float32),
            intercept_=np.asarray(svm.intercept_, dtype=np.float64),
        )
    coef, intercept, classes = 0.0, 0.0, None
    for seed in range(params.sgd_seeds):
        sgd = SGDClassifier(
            loss="modified_huber",
            alpha=params.sgd_alpha,
            class_weight=params.class_weight,
            average=True,
            max_iter=params.sgd_epochs,
            tol=None,
            random_state=seed,
        ).fit(x, labels)
        coef, intercept, classes = coef + sgd.coef_, intercept + sgd.intercept_, sgd.classes_
    return LinearScores(
        classes_=np.asarray(classes),
        coef_=np.asarray(coef, dtype=np.float64).astype(np.float32) / params.sgd_seeds,
        intercept_=np.asarray(intercept, dtype=np.float64) / params.sgd_seeds,
    )


def _fit_temperature(scores: np.ndarray, truth: np.ndarray) -> float:
    """The softmax temperature with the lowest log-loss on held-out decision scores."""
    best, best_loss = 1.0, float("inf")
    for temperature in (0.5, 1, 1.5, 2, 3, 4, 5, 6, 8, 10, 12, 15, 20):
        probs = softmax(scores, temperature)
        loss = -float(np.mean(np.log(np.clip(probs[np.arange(len(truth)), truth], 1e-12, 1))))
        if loss < best_loss:
            best, best_loss = float(temperature), loss
    return best


def train(
    texts: Sequence[str], labels: Sequence[str], *, params: TrainParams | None = None, seed: int = 0
) -> CategoryModel:
    """Train on raw texts and their labels (at least two labels, two texts each). The confidence's
    temperature is fitted on a fifth of the data first (a separate fit), then the model is fitted on
    all of it."""
    params = params or TrainParams()
    cleaned = [normalise(t) for t in texts]
    pairs = [(t, str(lab).strip()) for t, lab in zip(cleaned, labels, strict=True) if t and str(lab).strip()]
    label_set = sorted({lab for _t, lab in pairs})
    if len(label_set) < 2:
        raise ServiceError(_("训练数据至少需要两个分类。"))
    counts = dict.fromkeys(label_set, 0)
    for _t, lab in pairs:
        counts[lab] += 1
    if min(counts.values()) < 2:
        raise ServiceError(_("每个分类至少需要两条训练文本。"))
    started = time.perf_counter()
    xs = [t for t, _lab in pairs]
    ys = np.array([lab for _t, lab in pairs])
    temperature = 5.0
    if len(pairs) >= 100:
        rng = np.random.default_rng(seed)
        held = rng.random(len(pairs)) < 0.2
        part = _fit([x for x, h in zip(xs, held, strict=True) if not h], list(ys[~held]), params)
        scores = part._scores([x for x, h in zip(xs, held, strict=True) if h], normalised=True)
        index = {lab: i for i, lab in enumerate(part.labels)}
        if len(index) == len(label_set) > 2:
            temperature = _fit_temperature(scores, np.array([index[lab] for lab in ys[held]]))
    model = _fit(xs, list(ys), params)
    model.temperature = temperature
    model.meta = {
        "format": FORMAT_VERSION,
        "labels": model.labels,
        "counts": counts,
        "samples": len(pairs),
        "temperature": temperature,
        "params": params.__dict__,
        "train_seconds": round(time.perf_counter() - started, 2),
        "trained_at": timezone.now().isoformat(),
        "versions": library_versions(),
    }
    return model


def library_versions() -> dict[str, str]:
    import joblib
    import scipy
    import sklearn

    return {
        "scikit-learn": sklearn.__version__,
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "joblib": joblib.__version__,
    }


# --- files ---------------------------------------------------------------------------------------


def model_dir() -> Path:
    configured = getattr(settings, "XINFANG_TEXTMINING_MODEL_DIR", None)
    if configured:
        return Path(configured)
    return Path(getattr(settings, "VAR_DIR", Path(settings.BASE_DIR) / "var")) / "textmining" / "models"


def model_path(name: str) -> Path:
    """`NAME.joblib` inside the models directory; any other name or path is refused."""
    stem = name[: -len(".joblib")] if name.endswith(".joblib") else name
    if not MODEL_NAME_RE.match(stem) or ".." in stem:
        raise ServiceError(
            _("模型名称只能使用字母、数字、点、下划线和连字符；模型只从模型目录 %(dir)s 加载。") % {"dir": model_dir()}
        )
    return model_dir() / f"{stem}.joblib"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def save(model: CategoryModel, name: str) -> Path:
    """Write `NAME.joblib` and `NAME.json` (SHA-256 of the first) into the models directory."""
    import joblib

    path = model_path(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "vectorizer": model.vectorizer,
        "classifier": model.classifier,
        "labels": model.labels,
        "temperature": model.temperature,
        "head": model.head,
        "head_chars": model.head_chars,
        "head_weight": model.head_weight,
    }
    tmp = path.with_suffix(".joblib.tmp")
    joblib.dump(payload, tmp, compress=3)
    meta = {**model.meta, "sha256": _sha256(tmp), "saved_at": datetime.datetime.now(datetime.UTC).isoformat()}
    tmp.replace(path)
    path.with_suffix(".json").write_text(json.dumps(meta, ensure_ascii=False, indent=2), encoding="utf-8")
    model.meta = meta
    _cache.clear()
    return path


_cache: dict[tuple[str, float], CategoryModel] = {}
_cache_lock = threading.Lock()


def load(name: str = DEFAULT_MODEL_NAME) -> CategoryModel:
    """The model `NAME` of the models directory, checked against its metadata (SHA-256, format,
    scikit-learn version); cached per process until the file changes."""
    import joblib

    path = model_path(name)
    meta_path = path.with_suffix(".json")
    if not path.is_file() or not meta_path.is_file():
        raise ServiceError(_("模型目录中没有模型 %(name)s。") % {"name": path.name})
    key = (str(path), path.stat().st_mtime)
    with _cache_lock:
        cached = _cache.get(key)
    if cached is not None:
        return cached
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    if _sha256(path) != meta.get("sha256"):
        raise ServiceError(_("模型文件 %(name)s 与其元数据中的 SHA-256 不符，拒绝加载。") % {"name": path.name})
    if meta.get("format") != FORMAT_VERSION:
        raise ServiceError(_("模型文件 %(name)s 的格式版本不受支持，请重新训练。") % {"name": path.name})
    trained_with = meta.get("versions", {}).get("scikit-learn")
    if trained_with != library_versions()["scikit-learn"]:
        raise ServiceError(
            _("模型 %(name)s 由 scikit-learn %(version)s 训练，与当前版本不同，请重新训练。")
            % {"name": path.name, "version": trained_with}
        )
    payload = joblib.load(path)
    model = CategoryModel(
        vectorizer=payload["vectorizer"],
        classifier=payload["classifier"],
        labels=list(payload["labels"]),
        temperature=float(payload["temperature"]),
        meta=meta,
        head=payload.get("head"),
        head_chars=int(payload.get("head_chars", 0)),
        head_weight=float(payload.get("head_weight", 0.0)),
    )
    with _cache_lock:
        _cache.clear()
        _cache[key] = model
    return model


def load_if_present(name: str = DEFAULT_MODEL_NAME) -> CategoryModel | None:
    """The model, or None when there is none yet (cold start). A file that fails its checks is an
    error, not a silent cold start."""
    path = model_path(name)
    if not path.is_file():
        return None
    return load(name)


# --- cold start ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class KeywordLabel:
    """A label of the cold-start classifier: a matter type's code, name and keywords."""

    label: str
    name: str
    keywords: tuple[str, ...]


def keyword_predict(text: str, labels: Sequence[KeywordLabel], *, limit: int = 2) -> Prediction | None:
    """Cold start: the label whose keywords (and name) occur most in the text, each occurrence
    weighted by the keyword's length (a longer keyword is more specific); confidence is the label's
    share of all the scores. None when no keyword occurs."""
    norm = normalise(text)
    scored: list[tuple[float, str, tuple[str, ...]]] = []
    for entry in labels:
        matched = tuple(k for k in entry.keywords if normalise(k) and normalise(k) in norm)
        score = float(sum(len(normalise(k)) * min(norm.count(normalise(k)), 3) for k in matched))
        name = normalise(entry.name)
        if name and name in norm:
            score += 2 * len(name)
            matched = (entry.name, *matched)
        if score:
            scored.append((score, entry.label, matched))
    if not scored:
        return None
    scored.sort(key=lambda item: -item[0])
    total = sum(score for score, _label, _m in scored)
    best_score, best_label, matched = scored[0]
    return Prediction(
        label=best_label,
        confidence=best_score / total,
        words=matched[:8],
        alternatives=tuple((lab, s / total) for s, lab, _m in scored[1 : 1 + limit]),
        source="keywords",
    )
