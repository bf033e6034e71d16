"""Near-duplicate fingerprints of texts: pure functions, no database (issue 9 item 2).

A text is normalised (`normalise_text`), cut into overlapping character shingles (3-grams by
default: Chinese needs no word splitting), and summarised by a MinHash signature computed with
one-permutation hashing (OPH): every shingle is hashed once (blake2b, 64 bits); the hash's low bits
pick one of `num_perm` bins and the rest is the value kept when it is the bin's minimum; empty bins
borrow from the next filled bin to the right (rotation densification, Shrivastava & Li 2014). One
hash per shingle instead of one per shingle and permutation keeps it fast in pure Python (about
0.3 ms for a 300-character letter); two texts agree on a bin with probability close to the Jaccard
similarity of their shingle sets, like classic MinHash.

LSH banding: the signature is cut into `bands` bands of `rows` values (strided); each band is hashed into one
signed 64-bit integer (stored in a bigint column). Two texts of Jaccard similarity J share at least
one band with probability 1 - (1 - J**rows)**bands (`collision_probability`). The band hashes are
keyed by the parameters, so rows written with other parameters never match (rebuild after a change).
"""

from __future__ import annotations

import hashlib
import re
import struct
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings

MAX_TEXT_CHARS = 2000  # long letters are compared on their first part (speed; repeats share their start)

_NOT_WORD = re.compile(r"[\W_]+")
_EMPTY = (1 << 64) - 1  # larger than any bin value


def normalise_text(text: str) -> str:
    """Text as compared: full-width forms folded (NFKC), Excel's `_x000D_` artefact, whitespace and
    punctuation removed, lower case. Chinese characters are kept one by one: no word splitting."""
    text = _NOT_WORD.sub("", (text or "").replace("_x000D_", ""))
    # NFKC is slow; after punctuation is gone most texts are already normalised (checked fast).
    if not unicodedata.is_normalized("NFKC", text):
        text = _NOT_WORD.sub("", unicodedata.normalize("NFKC", text))
    return text.casefold()[:MAX_TEXT_CHARS]


@dataclass(frozen=True)
class LshParams:
    """Shingle size and banding. `bands * rows` is the signature length (number of bins)."""

    shingle_size: int = 3
    bands: int = 42
    rows: int = 3

    @property
    def num_perm(self) -> int:
        return self.bands * self.rows

    @property
    def threshold(self) -> float:
        """The Jaccard similarity at which the collision curve is steepest: (1/b)**(1/r)."""
        return float((1 / self.bands) ** (1 / self.rows))

    def key(self) -> bytes:
        return f"xf-nd:{self.shingle_size}:{self.bands}:{self.rows}".encode()


# 42 bands x 3 rows (126 bins): the collision curve is steepest at Jaccard ~0.29; pairs at 0.4 are
# found 94 %, at 0.5 99.6 %; at 0.1 4 %. Chosen on messages_with_votes.csv against the brute-force
# rapidfuzz proposals (bench/duplicates.py): 32 x 4 missed 7 % of them, 42 x 3 about 1.5 %.
DEFAULTS = {"SHINGLE_SIZE": 3, "BANDS": 42, "ROWS": 3, "CANDIDATES": 30}


def setting(name: str) -> int:
    """One value of `XINFANG_NEARDUP` (a dict in settings), or its documented default."""
    configured = getattr(settings, "XINFANG_NEARDUP", {}) or {}
    return int(configured.get(name, DEFAULTS[name]))


def params_from_settings() -> LshParams:
    params = LshParams(shingle_size=setting("SHINGLE_SIZE"), bands=setting("BANDS"), rows=setting("ROWS"))
    if params.shingle_size < 1 or params.bands < 1 or params.rows < 1:
        raise ValueError("XINFANG_NEARDUP: SHINGLE_SIZE, BANDS and ROWS must be positive")
    return params


def shingles(text: str, size: int = 3) -> set[str]:
    """The character `size`-grams of an already normalised text; empty when it is shorter."""
    return {text[i : i + size] for i in range(len(text) - size + 1)}


def _hash64(value: str) -> int:
    return int.from_bytes(hashlib.blake2b(value.encode(), digest_size=8).digest(), "little")


def signature(items: Iterable[str], num_perm: int) -> tuple[int, ...]:
    """The OPH MinHash signature of a set of shingles (empty tuple for an empty set)."""
    bins = [_EMPTY] * num_perm
    for item in items:
        value = _hash64(item)
        index = value % num_perm
        rest = value // num_perm
        if rest < bins[index]:
            bins[index] = rest
    if all(b == _EMPTY for b in bins):
        return ()
    # Rotation densification: an empty bin takes the next filled bin's value plus an offset per
    # step, so that two texts with the same filled bins densify the same way.
    out = list(bins)
    for index in range(num_perm):
        if bins[index] != _EMPTY:
            continue
        step = 1
        while bins[(index + step) % num_perm] == _EMPTY:
            step += 1
        out[index] = bins[(index + step) % num_perm] + step * (_EMPTY // num_perm // (num_perm + 1))
    return tuple(out)


def band_hashes(sig: tuple[int, ...], params: LshParams) -> list[int]:
    """One signed 64-bit hash per band of a signature (empty for an empty signature)."""
    if not sig:
        return []
    hashes = []
    key = params.key()
    for band in range(params.bands):
        # Strided: band k holds bins k, k + bands, k + 2 * bands …, so that bins filled from the
        # same neighbour by densification fall into different bands (keeps bands independent).
        chunk = sig[band :: params.bands][: params.rows]
        packed = struct.pack(f"<{len(chunk)}Q", *(v & _EMPTY for v in chunk))
        digest = hashlib.blake2b(packed, digest_size=8, key=key[:64]).digest()
        hashes.append(int.from_bytes(digest, "little", signed=True))
    return hashes


def text_bands(text: str, params: LshParams | None = None) -> list[int]:
    """Band hashes of a raw text (normalised here); empty when the text has no shingle."""
    params = params or params_from_settings()
    return band_hashes(signature(shingles(normalise_text(text), params.shingle_size), params.num_perm), params)


def jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a or b else 1.0


def collision_probability(similarity: float, params: LshParams) -> float:
    """Probability that two texts of Jaccard `similarity` share at least one band."""
    return float(1 - (1 - similarity**params.rows) ** params.bands)
