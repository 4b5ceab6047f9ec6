"""Load a photo safely and crop it to a card's photo frame.

A photo comes from outside (a phone, a relative, a news site), so it is treated as hostile:
only JPEG, PNG and WebP are decoded, its pixel count is checked from the header before any
pixel is decoded (decompression bombs), decode errors become ``PhotoError`` naming the file,
and only pixels leave this module: EXIF (GPS, camera, dates), ICC profiles, text chunks and
the file's path never reach a card.
"""

from __future__ import annotations

import io
import warnings
from functools import lru_cache
from pathlib import Path, PurePosixPath, PureWindowsPath

from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

from campaign_kit.errors import PhotoError, reading
from campaign_kit.render.typeset import cover_crop

#: The largest photo decoded, in pixels (a 48-megapixel phone photo is 8000×6000). Anything
#: larger is refused before decoding: it would cost hundreds of MB for a frame of ~0.5 MP.
MAX_PHOTO_PIXELS = 50_000_000

#: Formats the decoder may use; the roster allows .jpg, .jpeg, .png, .webp.
PHOTO_FORMATS = ("JPEG", "PNG", "WEBP")

_SRGB = ImageCms.createProfile("sRGB")


def photo_path(photo_root: Path, name: str) -> Path:
    """The file of photo ``name`` inside ``photo_root``, refusing anything that would leave it.

    Raises:
        PhotoError: the name is empty, absolute, or has a folder part or ``..``.

    """
    if (
        not name
        or name in (".", "..")
        or "\x00" in name
        or PurePosixPath(name).name != name
        or PureWindowsPath(name).name != name
    ):
        raise PhotoError(f"photo {name!r}: must be a plain file name inside {photo_root}")
    return photo_root / name


def load_photo(path: Path, size: tuple[int, int], focus: tuple[float, float] | None = None) -> Image.Image:
    """Decode ``path`` and return exactly ``size`` RGB pixels, cover-fitted around ``focus``.

    The image is turned upright by its EXIF orientation first, so ``focus`` (fractions of width
    and height) refers to the photo as people see it. The result is a new image carrying no
    metadata. Results are cached per process (file, modification time, size, focus) because
    one photo appears on five formats in three languages.

    Args:
        path: The photo file.
        size: The frame's ``(width, height)`` in pixels.
        focus: The point to keep in view, ``None`` for the default (see ``cover_crop``).

    Returns:
        A new RGB image of exactly ``size``; treat it as read-only (it is shared).

    Raises:
        PhotoError: missing, unreadable, not an image, corrupt or truncated, or too large.

    """
    with reading(path, PhotoError, missing="photo not found", unreadable="photo cannot be read"):
        stat = path.stat()
    return _load(str(path), stat.st_mtime_ns, stat.st_size, size, focus).copy()


@lru_cache(maxsize=32)
def _load(
    path: str, mtime_ns: int, file_size: int, size: tuple[int, int], focus: tuple[float, float] | None
) -> Image.Image:
    with reading(path, PhotoError, missing="photo not found", unreadable="photo cannot be read"):
        data = Path(path).read_bytes()
    try:
        with warnings.catch_warnings():
            # Pillow only warns between its own limit and twice that; make every bomb an error.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            return _decode(data, path, size, focus)
    except PhotoError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise PhotoError(f"{path}: photo is too large to decode safely") from None
    except UnidentifiedImageError:
        raise PhotoError(f"{path}: not a photo in a supported format ({', '.join(PHOTO_FORMATS)})") from None
    except (OSError, SyntaxError, ValueError, EOFError, MemoryError) as exc:
        # Pillow reports truncated and corrupt data as OSError/SyntaxError/ValueError.
        raise PhotoError(f"{path}: photo is corrupt or truncated ({exc})") from None


def _decode(data: bytes, path: str, size: tuple[int, int], focus: tuple[float, float] | None) -> Image.Image:
    im = Image.open(io.BytesIO(data), formats=PHOTO_FORMATS)
    width, height = im.size
    if width <= 0 or height <= 0:
        raise PhotoError(f"{path}: photo has no pixels")
    if width * height > MAX_PHOTO_PIXELS:
        raise PhotoError(
            f"{path}: photo is {width}×{height} pixels; at most {MAX_PHOTO_PIXELS:,} are decoded"
        )
    orientation = im.getexif().get(0x0112, 1)
    if im.format == "JPEG":
        # Let libjpeg decode at 1/2, 1/4 or 1/8 scale when the frame needs no more: much
        # faster and smaller than decoding a 12 MP photo to make a 0.3 MP frame.
        want = size if orientation < 5 else (size[1], size[0])
        scale = max(want[0] / width, want[1] / height)
        im.draft("RGB", (max(1, int(width * scale)), max(1, int(height * scale))))
    im.load()
    icc = im.info.get("icc_profile")
    im = ImageOps.exif_transpose(im)
    im = _to_srgb(im, icc)
    box = cover_crop(im.width, im.height, size[0], size[1], focus)
    framed = im.resize(size, Image.Resampling.LANCZOS, box=box, reducing_gap=3.0)
    # Only pixels go on: a fresh image has no info dict (no EXIF, ICC, text, path).
    clean = Image.new("RGB", size)
    clean.paste(framed)
    return clean


def _to_srgb(im: Image.Image, icc: bytes | None) -> Image.Image:
    if im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info):
        # Transparent areas become white rather than whatever colour hides under the alpha.
        rgba = im.convert("RGBA")
        ground = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        im = Image.alpha_composite(ground, rgba)
    if im.mode in ("I;16", "I;16B", "I;16L", "I"):
        im = im.point(lambda v: v / 256).convert("L")
    if icc and im.mode in ("RGB", "RGBA", "CMYK", "L"):
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            return ImageCms.profileToProfile(im, source, _SRGB, outputMode="RGB")  # type: ignore[return-value]
        except (ImageCms.PyCMSError, OSError, ValueError):
            pass  # a broken profile is common and harmless: fall back to a plain conversion
    return im.convert("RGB")
