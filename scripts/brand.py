"""Draw the Home Lab brand images: a house whose body is a server rack.

Writes custom_components/homelab/brand/{icon,logo,dark_icon,dark_logo}.png and their @2x
variants, in the sizes Home Assistant's brands use (icon 256x256, @2x 512x512; logo 128 px
high, @2x 256 px). Run it after changing the mark and commit the PNGs:

    in_env python scripts/brand.py

Pillow (a Home Assistant dependency) draws everything at 4x and scales down for smooth edges.
The logo's word mark uses DejaVu Sans Bold when it is installed (it comes with Chromium).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

REPO = Path(__file__).resolve().parent.parent
BRAND_DIR = REPO / "custom_components" / "homelab" / "brand"
SUPERSAMPLE = 4
FONT_PATHS = (
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
    Path("/usr/share/fonts/dejavu/DejaVuSans-Bold.ttf"),
)
WORD_MARK = "Home Lab"

type RGBA = tuple[int, int, int, int]


@dataclass(frozen=True)
class Palette:
    """Colours of one variant (light backgrounds or dark ones)."""

    roof: RGBA
    rack: RGBA
    slot: RGBA
    led_ok: RGBA
    led_busy: RGBA
    text: RGBA


LIGHT = Palette(
    roof=(3, 155, 229, 255),
    rack=(38, 50, 56, 255),
    slot=(84, 110, 122, 255),
    led_ok=(67, 160, 71, 255),
    led_busy=(255, 179, 0, 255),
    text=(38, 50, 56, 255),
)
DARK = Palette(
    roof=(79, 195, 247, 255),
    rack=(207, 216, 220, 255),
    slot=(120, 144, 156, 255),
    led_ok=(102, 187, 106, 255),
    led_busy=(255, 202, 40, 255),
    text=(236, 239, 241, 255),
)


def draw_mark(size: int, palette: Palette) -> Image.Image:
    """The square mark: a roof over a three-unit rack, at size x size pixels."""
    big = size * SUPERSAMPLE
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)

    def px(fraction: float) -> int:
        return round(fraction * big)

    # Roof: a wide chevron with a chimney-free, rounded look.
    roof_width = px(0.075)
    draw.line(
        [(px(0.08), px(0.45)), (px(0.5), px(0.1)), (px(0.92), px(0.45))],
        fill=palette.roof,
        width=roof_width,
        joint="curve",
    )
    for x in (0.08, 0.92):  # round the chevron's ends
        r = roof_width // 2
        draw.ellipse((px(x) - r, px(0.45) - r, px(x) + r, px(0.45) + r), fill=palette.roof)

    # The rack: the house's body, three server units with status lights.
    left, right, top, bottom = px(0.2), px(0.8), px(0.4), px(0.92)
    draw.rounded_rectangle((left, top, right, bottom), radius=px(0.05), fill=palette.rack)
    unit_height = (bottom - top - px(0.08)) / 3
    for unit in range(3):
        y0 = top + px(0.04) + unit * unit_height + px(0.015)
        y1 = y0 + unit_height - px(0.03)
        draw.rounded_rectangle(
            (left + px(0.05), y0, right - px(0.05), y1), radius=px(0.02), fill=palette.slot
        )
        cy = (y0 + y1) / 2
        r = px(0.028)
        led = palette.led_busy if unit == 1 else palette.led_ok
        draw.ellipse((right - px(0.13) - r, cy - r, right - px(0.13) + r, cy + r), fill=led)
        for bar in range(3):  # drive bays
            x = left + px(0.1) + bar * px(0.07)
            draw.rounded_rectangle(
                (x, cy - px(0.03), x + px(0.035), cy + px(0.03)),
                radius=px(0.01),
                fill=palette.rack,
            )
    return image.resize((size, size), Image.Resampling.LANCZOS)


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for path in FONT_PATHS:
        if path.is_file():
            return ImageFont.truetype(str(path), size)
    return ImageFont.load_default(size)


def draw_logo(height: int, palette: Palette) -> Image.Image:
    """The mark followed by the word mark, height pixels high, trimmed to its content."""
    big = height * SUPERSAMPLE
    font = _font(round(big * 0.42))
    mark = draw_mark(height, palette).resize((big, big), Image.Resampling.LANCZOS)
    probe = ImageDraw.Draw(Image.new("RGBA", (1, 1)))
    text_box = probe.textbbox((0, 0), WORD_MARK, font=font)
    gap = round(big * 0.12)
    width = big + gap + (text_box[2] - text_box[0]) + round(big * 0.05)
    image = Image.new("RGBA", (width, big), (0, 0, 0, 0))
    image.alpha_composite(mark)
    draw = ImageDraw.Draw(image)
    text_height = text_box[3] - text_box[1]
    draw.text(
        (big + gap - text_box[0], (big - text_height) / 2 - text_box[1] + big * 0.06),
        WORD_MARK,
        font=font,
        fill=palette.text,
    )
    return image.resize((round(width / SUPERSAMPLE), height), Image.Resampling.LANCZOS)


def main() -> None:
    """Write every variant."""
    BRAND_DIR.mkdir(parents=True, exist_ok=True)
    for prefix, palette in (("", LIGHT), ("dark_", DARK)):
        for suffix, scale in (("", 1), ("@2x", 2)):
            draw_mark(256 * scale, palette).save(
                BRAND_DIR / f"{prefix}icon{suffix}.png", optimize=True
            )
            draw_logo(128 * scale, palette).save(
                BRAND_DIR / f"{prefix}logo{suffix}.png", optimize=True
            )
    for path in sorted(BRAND_DIR.glob("*.png")):
        with Image.open(path) as image:
            print(f"{path.relative_to(REPO)}: {image.width}x{image.height}")


if __name__ == "__main__":
    main()
