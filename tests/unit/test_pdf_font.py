"""Where the PDF report's Japanese font comes from, without matplotlib."""

from __future__ import annotations

import sys

import pytest

from app.exports import pdf


@pytest.fixture(autouse=True)
def fresh_lookup():
    pdf.font_path.cache_clear()
    yield
    pdf.font_path.cache_clear()


def test_the_font_is_found_without_importing_matplotlib():
    path = pdf.font_path()
    assert "matplotlib" not in sys.modules
    assert path.endswith("ipaexg.ttf")
    with open(path, "rb") as font:
        assert font.read(4) == b"\x00\x01\x00\x00"  # TrueType outlines, not CFF


def test_an_operator_may_name_the_font_file(monkeypatch, tmp_path):
    chosen = tmp_path / "ipaexg.ttf"
    chosen.write_bytes(b"\x00\x01\x00\x00")
    monkeypatch.setenv("FUSEN_PDF_FONT", str(chosen))
    assert pdf.font_path() == str(chosen)


def test_a_missing_font_says_how_to_install_it(monkeypatch, tmp_path):
    monkeypatch.setenv("FUSEN_PDF_FONT", str(tmp_path / "none.ttf"))
    with pytest.raises(RuntimeError, match="FUSEN_PDF_FONT"):
        pdf.font_path()
    monkeypatch.delenv("FUSEN_PDF_FONT")
    monkeypatch.setattr(pdf, "SYSTEM_FONTS", ())
    monkeypatch.setattr(pdf, "FONT_PACKAGES", ())
    with pytest.raises(RuntimeError, match="fonts-ipaexfont-gothic"):
        pdf.font_path()
