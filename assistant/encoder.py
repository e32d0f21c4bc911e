"""Sentence embeddings: all-MiniLM-L6-v2, whose weights come inside a PyPI package (nothing is downloaded).

The model turns a sentence into 384 numbers such that sentences meaning the same thing lie close together
("Beria was shot" and "Beria was executed": cosine 0.74; an unrelated sentence: 0.1). It is loaded once per
process (about 6 s), on first use. Where the package is not installed, ``available()`` is false and the
assistant ranks by words alone (see ``suggest.py``).
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import tempfile
import threading
from pathlib import Path

from django.conf import settings

MODEL_NAME = "all-MiniLM-L6-v2"
DIMENSIONS = 384

_lock = threading.Lock()
_model = None


def available() -> bool:
    try:
        with contextlib.redirect_stdout(io.StringIO()):  # the package announces itself on stdout
            import all_minilm_l6_v2  # noqa: F401
            import sentence_transformers  # noqa: F401
    except ImportError:
        return False
    return True


def _model_dir() -> Path:
    """The model unpacked from its package, once, into ``KB_MODEL_DIR`` (atomically: a folder is renamed in)."""
    with contextlib.redirect_stdout(io.StringIO()):
        import all_minilm_l6_v2

    zip_path = all_minilm_l6_v2.get_model_zip_path()
    stamp = f"{zip_path.stat().st_size}-{int(zip_path.stat().st_mtime)}"
    target = Path(settings.KB_MODEL_DIR) / f"{MODEL_NAME}-{stamp}"
    if not (target / "config.json").exists() and not any(target.glob("*/config.json")):
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=".unpacking-"))
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                unpacked = all_minilm_l6_v2.extract_model(str(staging))
            with contextlib.suppress(OSError):  # another process won the race: its copy is complete
                os.replace(unpacked, target)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    nested = [p.parent for p in target.glob("*/config.json")]
    return nested[0] if not (target / "config.json").exists() and nested else target


def model():
    global _model
    with _lock:
        if _model is None:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            from sentence_transformers import SentenceTransformer

            _model = SentenceTransformer(str(_model_dir()), device="cpu")
        return _model


def encode(texts: list[str]):
    """Unit vectors (float32, one row per text): their dot product is the cosine similarity."""
    import numpy as np

    if not texts:
        return np.zeros((0, DIMENSIONS), dtype=np.float32)
    vectors = model().encode(texts, batch_size=64, normalize_embeddings=True, show_progress_bar=False)
    return np.asarray(vectors, dtype=np.float32)
