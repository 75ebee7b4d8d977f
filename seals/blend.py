"""Seal appearances that let the page show through, as red ink on paper does.

pyHanko paints a stamp's picture in the normal blend mode: where the seal's red is opaque it
replaces whatever is under it, so the organ's name and the date under a seal turn red or
vanish. A real seal's ink darkens the paper without hiding the print. These styles paint
the picture with the Multiply blend mode (ISO 32000 § 11.3.5; allowed by PDF/A-2): white
paper under the seal becomes the seal's red, black text stays black.
"""

from __future__ import annotations

from dataclasses import dataclass

from pyhanko.pdf_utils import content, generic
from pyhanko.pdf_utils.generic import pdf_name
from pyhanko.pdf_utils.layout import BoxConstraints
from pyhanko.pdf_utils.writer import BasePdfFileWriter
from pyhanko.stamp import StaticStampStyle, TextStampStyle
from pyhanko.stamp.static import StaticContentStamp
from pyhanko.stamp.text import TextStamp

# pyHanko names the background's graphics state so; ours replaces it.
_BACKGROUND_STATE = pdf_name("/BackgroundGS")


def multiply_state(opacity: float) -> generic.DictionaryObject:
    """An ExtGState that multiplies what is painted onto what is under it."""
    value = generic.FloatObject(opacity)
    return generic.DictionaryObject(
        {
            pdf_name("/Type"): pdf_name("/ExtGState"),
            pdf_name("/BM"): pdf_name("/Multiply"),
            pdf_name("/CA"): value,
            pdf_name("/ca"): value,
        }
    )


class _MultipliedBackground:
    """Overrides BaseStamp._render_background: same picture, Multiply blend mode."""

    style: StaticStampStyle | TextStampStyle

    def _render_background(self) -> bytes:
        command = super()._render_background()  # type: ignore[misc]
        self.set_resource(  # type: ignore[attr-defined]
            category=content.ResourceType.EXT_G_STATE,
            name=_BACKGROUND_STATE,
            value=multiply_state(self.style.background_opacity),
        )
        return command


class _MultipliedStaticStamp(_MultipliedBackground, StaticContentStamp):
    pass


class _MultipliedTextStamp(_MultipliedBackground, TextStamp):
    pass


@dataclass(frozen=True)
class MultipliedPictureStyle(StaticStampStyle):
    """The seal's picture alone, multiplied onto the page."""

    def create_stamp(
        self, writer: BasePdfFileWriter, box: BoxConstraints, text_params: dict
    ) -> StaticContentStamp:
        return _MultipliedStaticStamp(writer=writer, style=self, box=box)


@dataclass(frozen=True)
class MultipliedTextStyle(TextStampStyle):
    """The seal's picture multiplied onto the page, with the stamp text drawn over it."""

    def create_stamp(
        self, writer: BasePdfFileWriter, box: BoxConstraints, text_params: dict
    ) -> TextStamp:
        return _MultipliedTextStamp(writer=writer, style=self, box=box, text_params=text_params)
