"""Fonts, theme and saving: Chinese text and the minus sign render with the bundled CJK font, files are reproducible."""

import subprocess
import sys
import warnings

import matplotlib
import pytest
from matplotlib import font_manager

from hsc_analysis.errors import InputError
from hsc_analysis.render.figures import save_figure, themed
from hsc_analysis.render.figures.theme import new_figure

TEXT = "家校合作成效 −0.24，χ² = 12.5，β = −.31***"


def _chinese_figure():
    with themed():
        fig = new_figure(2.5)
        ax = fig.add_subplot()
        ax.plot([-3, -1, 2], [1, -2, 3])
        ax.set_title(TEXT)
        ax.set_xlabel("作答比例（%）")
    return fig


def _glyph_warnings(fig, tmp_path) -> list[str]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        save_figure(fig, tmp_path / "figure")
    return [str(w.message) for w in caught]


def test_chinese_text_and_minus_render_without_missing_glyphs(tmp_path):
    assert _glyph_warnings(_chinese_figure(), tmp_path) == []


def test_a_missing_glyph_is_detected(tmp_path):
    """The check above can fail: a character outside both fonts (CJK extension B) warns."""
    with themed():
        fig = new_figure(1.5)
        fig.add_subplot().set_title("\U00020000")
    assert any("missing from font" in message for message in _glyph_warnings(fig, tmp_path))


def test_text_is_set_in_the_bundled_cjk_font_with_a_true_minus(tmp_path):
    fig = _chinese_figure()
    ax = fig.axes[0]
    for text in (ax.title, ax.xaxis.label, *ax.get_xticklabels()):
        path = font_manager.findfont(text.get_fontproperties(), fallback_to_default=False)
        assert path.endswith("NotoSansSC-Regular.otf")
    save_figure(fig, tmp_path / "figure", formats=("png",))
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert "\N{MINUS SIGN}3" in labels
    assert not any("-" in label for label in labels)


def test_theme_leaves_global_settings_as_they_were():
    before = dict(matplotlib.rcParams)
    _chinese_figure()
    assert dict(matplotlib.rcParams) == before


def test_saved_files_are_byte_identical_on_a_rerun(tmp_path):
    fig = _chinese_figure()
    first = save_figure(fig, tmp_path / "a" / "figure")
    second = save_figure(_chinese_figure(), tmp_path / "b" / "figure")
    assert [p.suffix for p in first] == [".png", ".svg", ".pdf"]
    for a, b in zip(first, second, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.suffix


def test_the_layout_is_run_once_for_every_format_and_the_png_is_what_savefig_writes(tmp_path):
    from matplotlib.layout_engine import ConstrainedLayoutEngine

    fig = _chinese_figure()
    png, svg = save_figure(fig, tmp_path / "figure", formats=("png", "svg"))
    assert isinstance(fig.get_layout_engine(), ConstrainedLayoutEngine)  # switched back on
    plain = _chinese_figure()
    with themed():
        plain.savefig(tmp_path / "plain.png", metadata={"Software": None})
    assert png.read_bytes() == (tmp_path / "plain.png").read_bytes()
    positions = [ax.get_position().bounds for ax in fig.axes]
    assert positions == [ax.get_position().bounds for ax in plain.axes]  # the PNG's layout, kept for the SVG
    again = save_figure(_chinese_figure(), tmp_path / "again", formats=("png", "svg"))
    assert svg.read_bytes() == again[1].read_bytes()


def test_png_is_300_dpi_and_pdf_embeds_the_font(tmp_path):
    from PIL import Image

    png, _, pdf = save_figure(_chinese_figure(), tmp_path / "figure")
    with Image.open(png) as image:
        assert image.info["dpi"] == pytest.approx((300, 300), abs=0.1)
    assert b"NotoSansSC" in pdf.read_bytes()


def test_save_figure_refuses_an_unknown_format(tmp_path):
    with pytest.raises(InputError, match=r"formats got 'jpg'; allowed: png, svg, pdf"):
        save_figure(_chinese_figure(), tmp_path / "figure", formats=("png", "jpg"))


def test_command_line_starts_without_matplotlib():
    code = "import sys, hsc_analysis.cli, hsc_analysis.report; print('matplotlib' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout == "False\n"


def test_figures_leave_no_pyplot_state(example_figures):
    """Figures are built on Figure directly: none is registered with pyplot, so none accumulates."""
    from matplotlib import pyplot

    assert example_figures("teacher", "zh")
    assert pyplot.get_fignums() == []


def test_chinese_renders_when_saved_outside_the_theme(tmp_path):
    """A report may call fig.savefig itself: the texts keep the CJK font."""
    fig = _chinese_figure()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig.savefig(tmp_path / "plain.png")
    assert [str(w.message) for w in caught] == []


def test_figures_drawn_in_threads_all_get_the_theme(tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    def draw(i):
        fig = _chinese_figure()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            save_figure(fig, tmp_path / f"figure_{i}", formats=("png",))
        title = fig.axes[0].title
        return font_manager.findfont(title.get_fontproperties(), fallback_to_default=False), len(caught)

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(draw, range(8)))
    assert all(path.endswith("NotoSansSC-Regular.otf") and n == 0 for path, n in results)
