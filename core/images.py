"""Uploaded images (portraits, figures): accepted only if they really are JPEG, PNG or WebP.

Checked by decoding with Pillow, never by the file name: a file must open, have
a format in ``ALLOWED_FORMATS``, be at most ``MAX_BYTES`` long and
``MAX_PIXELS`` big (decompression bombs are refused before decoding), and
decode completely. Accepted images are re-encoded, which drops EXIF, GPS and
any other metadata, and get a thumbnail for the pages.
"""

import io
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from PIL import Image, ImageOps

ALLOWED_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
MAX_BYTES = 10 * 1024 * 1024  # 10 MB
MAX_PIXELS = 40_000_000  # 40 megapixels
THUMBNAIL_SIZE = (480, 480)

HELP = f"JPEG, PNG or WebP, at most {MAX_BYTES // (1024 * 1024)} MB and {MAX_PIXELS // 1_000_000} megapixels."


def validate_image_file(upload) -> None:
    """Raise ValidationError unless the upload decodes as an allowed, reasonably sized image."""
    if upload is None:
        return
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_BYTES:
        raise ValidationError(f"The image is {size / 1024 / 1024:.1f} MB; the limit is {HELP}", code="image_size")
    position = upload.tell() if hasattr(upload, "tell") else 0
    try:
        upload.seek(0)
        with Image.open(upload) as image:
            if image.format not in ALLOWED_FORMATS:
                raise ValidationError(f"{image.format} images are not accepted: {HELP}", code="image_format")
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise ValidationError(f"The image is {width}×{height} pixels; the limit is {HELP}", code="image_pixels")
            image.load()  # decode everything: a truncated or corrupt file fails here
    except ValidationError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ValidationError(f"The image is too large to decode safely: {HELP}", code="image_bomb") from exc
    except Exception as exc:
        raise ValidationError(f"This file is not a readable image: {HELP}", code="image_invalid") from exc
    finally:
        upload.seek(position)


def _encode(image: Image.Image, fmt: str) -> bytes:
    out = io.BytesIO()
    if fmt == "JPEG" and image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    options = {"JPEG": {"quality": 88, "optimize": True}, "PNG": {"optimize": True}, "WEBP": {"quality": 88}}
    image.save(out, format=fmt, **options[fmt])  # no exif=, no pnginfo=: metadata is dropped
    return out.getvalue()


def reencode(upload, stem: str) -> tuple[ContentFile, ContentFile]:
    """(the image re-encoded without metadata, its thumbnail), both named after ``stem``."""
    upload.seek(0)
    with Image.open(upload) as original:
        fmt = original.format
        image = ImageOps.exif_transpose(original)  # keep the visible orientation, then drop the EXIF
        image.load()
        clean = ContentFile(_encode(image, fmt), name=f"{stem}.{ALLOWED_FORMATS[fmt]}")
        thumb = image.copy()
        thumb.thumbnail(THUMBNAIL_SIZE)
        thumbnail = ContentFile(_encode(thumb, fmt), name=f"{stem}-thumb.{ALLOWED_FORMATS[fmt]}")
    return clean, thumbnail


def stem_for(name: str, fallback: str) -> str:
    stem = Path(name or "").stem
    return "".join(c if c.isalnum() or c in "-_" else "-" for c in stem)[:80] or fallback
