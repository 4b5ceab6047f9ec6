"""Safe photo loading: limits, orientation, cropping, and no metadata carried through."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image, ImageCms, PngImagePlugin

from campaign_kit.errors import PhotoError
from campaign_kit.render import photos
from campaign_kit.render.photos import load_photo, photo_path
from images import png_header_only

RED, BLUE = (220, 0, 0), (0, 0, 220)


def halves(size: tuple[int, int] = (400, 200)) -> Image.Image:
    """Left half red, right half blue."""
    im = Image.new("RGB", size, BLUE)
    im.paste(RED, (0, 0, size[0] // 2, size[1]))
    return im


def jpeg_with_gps_and_orientation(path: Path, orientation: int) -> None:
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010F] = "SecretCam"  # Make
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (53.0, 54.0, 0.0)
    gps[3] = "E"
    gps[4] = (27.0, 33.0, 0.0)
    halves().save(path, "JPEG", exif=exif.tobytes(), quality=95)


def close(a: tuple[int, ...], b: tuple[int, ...], tol: int = 40) -> bool:
    return all(abs(x - y) <= tol for x, y in zip(a, b, strict=False))


def test_exif_orientation_applied_and_metadata_dropped(tmp_path: Path) -> None:
    path = tmp_path / "p.jpg"
    jpeg_with_gps_and_orientation(path, 6)  # 6: displayed rotated 90° clockwise
    with Image.open(path) as raw:
        assert raw.getexif().get_ifd(0x8825)  # the fixture really carries GPS
    out = load_photo(path, (100, 200), (0.5, 0.5))
    assert out.size == (100, 200) and out.mode == "RGB"
    # Rotated clockwise, the red left half is on top.
    assert close(out.getpixel((50, 20)), RED) and close(out.getpixel((50, 180)), BLUE)
    assert out.info == {} and not out.getexif()


def test_focus_steers_the_crop(tmp_path: Path) -> None:
    path = tmp_path / "wide.png"
    halves((800, 200)).save(path)
    assert close(load_photo(path, (100, 100), (0.0, 0.5)).getpixel((50, 50)), RED)
    assert close(load_photo(path, (100, 100), (1.0, 0.5)).getpixel((50, 50)), BLUE)


def test_transparent_png_with_text_chunks(tmp_path: Path) -> None:
    path = tmp_path / "t.png"
    im = Image.new("RGBA", (50, 50), (0, 0, 0, 0))
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "/home/someone/secret/location.txt")
    im.save(path, pnginfo=info)
    out = load_photo(path, (20, 20))
    assert out.getpixel((10, 10)) == (255, 255, 255)  # transparency becomes white
    assert out.info == {}


def test_sixteen_bit_and_grey_and_cmyk(tmp_path: Path) -> None:
    p16 = tmp_path / "g16.png"
    Image.new("I;16", (40, 40), 65535).save(p16)
    assert load_photo(p16, (10, 10)).getpixel((5, 5)) == (255, 255, 255)
    cmyk = tmp_path / "c.jpg"
    Image.new("CMYK", (40, 40), (0, 0, 0, 0)).save(cmyk)
    assert load_photo(cmyk, (10, 10)).mode == "RGB"


def test_icc_profile_is_used_not_carried(tmp_path: Path) -> None:
    path = tmp_path / "icc.jpg"
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    halves().save(path, "JPEG", icc_profile=srgb)
    out = load_photo(path, (40, 20))
    assert "icc_profile" not in out.info


def test_missing_photo(tmp_path: Path) -> None:
    with pytest.raises(PhotoError, match=r"nobody\.jpg: photo not found"):
        load_photo(tmp_path / "nobody.jpg", (10, 10))


def test_directory_is_not_a_photo(tmp_path: Path) -> None:
    (tmp_path / "dir.jpg").mkdir()
    with pytest.raises(PhotoError, match=r"dir\.jpg"):
        load_photo(tmp_path / "dir.jpg", (10, 10))


def test_text_file_renamed_jpg(tmp_path: Path) -> None:
    path = tmp_path / "notes.jpg"
    path.write_text("not a photo at all\n", encoding="utf-8")
    with pytest.raises(PhotoError, match=r"notes\.jpg: not a photo"):
        load_photo(path, (10, 10))


def test_truncated_jpeg(tmp_path: Path) -> None:
    buf = io.BytesIO()
    halves((600, 600)).save(buf, "JPEG", quality=95)
    path = tmp_path / "cut.jpg"
    path.write_bytes(buf.getvalue()[: len(buf.getvalue()) // 2])
    with pytest.raises(PhotoError, match=r"cut\.jpg: photo is corrupt or truncated"):
        load_photo(path, (10, 10))


def test_gif_is_not_an_allowed_format(tmp_path: Path) -> None:
    path = tmp_path / "anim.jpg"
    Image.new("P", (10, 10)).save(path, "GIF")
    with pytest.raises(PhotoError, match="not a photo in a supported format"):
        load_photo(path, (10, 10))


def test_bomb_refused_before_decoding(tmp_path: Path) -> None:
    path = tmp_path / "bomb.png"
    path.write_bytes(png_header_only(60_000, 60_000))
    with pytest.raises(PhotoError, match=r"bomb\.png: photo is .*(too large|at most)"):
        load_photo(path, (10, 10))


def test_our_limit_is_below_pillows(tmp_path: Path) -> None:
    path = tmp_path / "big.png"
    path.write_bytes(png_header_only(9000, 6000))  # 54 MP: over our limit, under Pillow's
    with pytest.raises(PhotoError, match="at most 50,000,000"):
        load_photo(path, (10, 10))


def test_pillow_bomb_warning_becomes_photo_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "warn.png"
    Image.new("RGB", (300, 300)).save(path)
    monkeypatch.setattr(photos, "MAX_PHOTO_PIXELS", 10**12)
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 50_000)  # 90,000 px: warning range
    with pytest.raises(PhotoError, match="too large to decode safely"):
        load_photo(path, (10, 10))
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 20_000)  # over twice: Pillow's error
    with pytest.raises(PhotoError, match="too large to decode safely"):
        load_photo(path, (11, 11))


@pytest.mark.parametrize(
    "name", ["../secret.jpg", "a/b.jpg", "/etc/passwd", "a\\b.jpg", "", "..", "x\x00.jpg"]
)
def test_photo_names_cannot_leave_the_folder(tmp_path: Path, name: str) -> None:
    with pytest.raises(PhotoError):
        photo_path(tmp_path, name)


def test_photo_path_plain_name(tmp_path: Path) -> None:
    assert photo_path(tmp_path, "ablab-hanna.jpg") == tmp_path / "ablab-hanna.jpg"
