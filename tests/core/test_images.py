"""Uploaded images: real JPEG/PNG/WebP only, size and pixel limits, metadata stripped, thumbnails made."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from core import images
from people.models import Person

pytestmark = pytest.mark.django_db


def jpeg_with_exif(size=(1200, 800)) -> bytes:
    image = Image.new("RGB", size, (120, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "SecretCameraMaker"  # Make
    exif[0x0131] = "GPS-leaking software"  # Software
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def upload(name, data, content_type="image/jpeg"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def test_real_jpeg_is_accepted_reencoded_without_metadata_and_thumbnailed():
    data = jpeg_with_exif()
    assert b"SecretCameraMaker" in data
    person = Person(name="Nikita Khrushchev", slug="nk", portrait=upload("k.jpg", data))
    person.full_clean()
    person.save()
    stored = person.portrait.read()
    assert b"SecretCameraMaker" not in stored and b"GPS-leaking" not in stored
    with Image.open(person.portrait_thumbnail) as thumb:
        assert max(thumb.size) <= max(images.THUMBNAIL_SIZE)
        assert thumb.format == "JPEG"


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("fake.jpg", b"<script>alert(1)</script> not an image at all", "not a readable image"),
        ("truncated.jpg", jpeg_with_exif()[:400], "not a readable image"),
    ],
)
def test_files_that_are_not_images_are_refused(name, data, message):
    with pytest.raises(ValidationError, match=message):
        Person(name="X", slug="x", portrait=upload(name, data)).full_clean()


def test_other_formats_are_refused_even_if_named_jpg():
    out = io.BytesIO()
    Image.new("RGB", (10, 10)).save(out, format="GIF")
    with pytest.raises(ValidationError, match="GIF images are not accepted"):
        images.validate_image_file(upload("really-a-gif.jpg", out.getvalue()))


def test_too_many_pixels_is_refused_before_decoding():
    out = io.BytesIO()
    Image.new("1", (8000, 6000)).save(out, format="PNG")  # 48 megapixels, a small file
    with pytest.raises(ValidationError, match="8000×6000 pixels"):
        images.validate_image_file(upload("bomb.png", out.getvalue(), "image/png"))


def test_too_many_bytes_is_refused():
    big = upload("big.jpg", b"\xff" * (images.MAX_BYTES + 1))
    with pytest.raises(ValidationError, match="the limit is"):
        images.validate_image_file(big)


def test_admin_refuses_a_fake_portrait_and_saves_nothing(admin_client):
    person = Person.objects.create(name="Joseph Stalin", slug="joseph-stalin")
    response = admin_client.post(
        f"/admin/people/person/{person.pk}/change/",
        {"name": "Joseph Stalin", "slug": "joseph-stalin", "portrait": upload("x.png", b"GIF89a fake", "image/png")},
    )
    assert response.status_code == 200
    assert "portrait" in response.context["adminform"].form.errors
    person.refresh_from_db()
    assert not person.portrait
