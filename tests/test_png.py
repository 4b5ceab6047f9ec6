"""The card PNG encoder: lossless, metadata-free, valid chunk by chunk, deterministic."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from campaign_kit.render.png import SIGNATURE, encode_png

CHANNELS = {"L": 1, "RGB": 3, "RGBA": 4}


def chunks(png: bytes) -> list[tuple[bytes, bytes]]:
    """(type, data) of every chunk, checking each length and CRC on the way."""
    assert png.startswith(SIGNATURE)
    out, at = [], len(SIGNATURE)
    while at < len(png):
        (length,) = struct.unpack(">I", png[at : at + 4])
        kind, data = png[at + 4 : at + 8], png[at + 8 : at + 8 + length]
        (crc,) = struct.unpack(">I", png[at + 8 + length : at + 12 + length])
        assert crc == zlib.crc32(kind + data), kind
        out.append((kind, data))
        at += 12 + length
    assert at == len(png)
    return out


@st.composite
def images(draw: st.DrawFn) -> Image.Image:
    mode = draw(st.sampled_from(sorted(CHANNELS)))
    width, height = draw(st.integers(1, 40)), draw(st.integers(1, 40))
    pixels = draw(
        st.binary(min_size=width * height * CHANNELS[mode], max_size=width * height * CHANNELS[mode])
    )
    return Image.frombytes(mode, (width, height), pixels)


@settings(max_examples=150, deadline=None)
@given(images())
def test_pillow_decodes_exactly_the_pixels_encoded(image: Image.Image) -> None:
    png = encode_png(image)
    decoded = Image.open(io.BytesIO(png))
    assert decoded.mode == image.mode and decoded.size == image.size
    assert decoded.tobytes() == image.tobytes()
    assert encode_png(image) == png  # the same pixels, the same bytes


def test_only_the_three_critical_chunks_are_written() -> None:
    image = Image.new("RGB", (30, 20), (200, 30, 40))
    image.info["comment"] = "C:/Users/someone/photo.jpg"  # must not reach the file
    parts = chunks(encode_png(image))
    assert [kind for kind, _ in parts] == [b"IHDR", b"IDAT", b"IEND"]
    width, height, depth, colour, *rest = struct.unpack(">IIBBBBB", parts[0][1])
    assert (width, height, depth, colour, rest) == (30, 20, 8, 2, [0, 0, 0])


def test_rows_after_the_first_use_the_up_filter() -> None:
    image = Image.new("L", (4, 3))
    image.putdata([1, 2, 3, 4, 1, 2, 3, 4, 9, 9, 9, 9])
    idat = zlib.decompress(chunks(encode_png(image))[1][1])
    assert idat == bytes([0, 1, 2, 3, 4, 2, 0, 0, 0, 0, 2, 8, 7, 6, 5])


def test_a_flat_card_compresses_to_almost_nothing() -> None:
    assert len(encode_png(Image.new("RGB", (1080, 1350), (255, 255, 255)))) < 10_000


@pytest.mark.parametrize("mode", ["P", "1", "CMYK", "I;16"])
def test_other_modes_are_refused(mode: str) -> None:
    with pytest.raises(ValueError, match=mode):
        encode_png(Image.new(mode, (2, 2)))
