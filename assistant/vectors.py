"""The public claims' embeddings: computed once per claim, kept while its statement stays, read as one matrix."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F, Q

from sources.models import Claim

from . import encoder
from .models import ClaimVector

BATCH = 512


def stale_claims():
    """Public claims with no vector, or whose vector was computed from other words (a statement edited since)."""
    return Claim.objects.filter(is_public=True).filter(Q(vector__isnull=True) | ~Q(vector__statement=F("statement")))


def refresh(progress=None) -> int:
    """Encode every stale public claim; returns how many. Each batch is written in a transaction of its own."""
    import numpy as np

    done = 0
    while True:
        batch = list(stale_claims().order_by("pk").values_list("pk", "statement")[:BATCH])
        if not batch:
            return done
        vectors = encoder.encode([statement for _, statement in batch]).astype(np.float16)
        with transaction.atomic():
            ClaimVector.objects.filter(claim_id__in=[pk for pk, _ in batch]).delete()
            ClaimVector.objects.bulk_create(
                ClaimVector(claim_id=pk, model=encoder.MODEL_NAME, statement=statement, vector=vector.tobytes())
                for (pk, statement), vector in zip(batch, vectors, strict=True)
            )
        done += len(batch)
        if progress:
            progress(done)


_memo: dict[str, tuple] = {}


def public_matrix():
    """(claim ids, unit vectors as float32 rows) of every public claim, refreshed first.

    Kept in this process until the next write to the knowledge base (the ``ANY`` cache tag, read where the
    data is read: inside a transaction that changed claims it differs), so that an admin worker reads the
    100,000 vectors once, not on every page.
    """
    from caching import tags as T
    from caching.versioning import current_version

    version = current_version(T.ANY)
    if version not in _memo:
        refresh()
        _memo.clear()
        _memo[version] = _read()
    return _memo[version]


def _read():
    import numpy as np

    rows = ClaimVector.objects.filter(claim__is_public=True, model=encoder.MODEL_NAME).order_by("pk")
    ids, blobs = [], []
    for pk, blob in rows.values_list("pk", "vector").iterator(chunk_size=5000):
        ids.append(pk)
        blobs.append(bytes(blob))
    if not ids:
        return np.zeros(0, dtype=np.int64), np.zeros((0, encoder.DIMENSIONS), dtype=np.float32)
    matrix = np.frombuffer(b"".join(blobs), dtype=np.float16).reshape(len(ids), encoder.DIMENSIONS)
    return np.asarray(ids, dtype=np.int64), matrix.astype(np.float32)
