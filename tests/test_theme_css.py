"""The theme's colours meet WCAG contrast for every rating tone, including tones no
fixture site happens to use (axe only sees the ones on a page)."""
import re

from conftest import ROOT
from govsite import model, views

CSS = (ROOT / "templates" / "static" / "site.css").read_text("utf-8")


def luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def variable(name: str) -> str:
    return re.search(rf"--{name}:\s*(#[0-9a-fA-F]{{6}})", CSS).group(1)


def test_every_rating_tone_keeps_text_readable():
    tones = [variable(f"tone-{n}") for n in range(5)]
    for tone in tones:
        assert contrast(variable("ink"), tone) >= 7  # AAA for the text in matrix cells and badges
        assert contrast(variable("muted"), tone) >= 4.5
    assert contrast("#ffffff", variable("brand")) >= 4.5  # header links
    assert contrast(variable("link"), variable("soft")) >= 4.5
    assert len(set(tones)) == 5  # each step looks different, though never the only cue


def test_any_number_of_ratings_spans_the_tones_from_lowest_to_highest():
    def matrix(count):
        ratings = tuple(model.Rating(max=i * 5, label=str(i)) for i in range(1, count + 1))
        levels = tuple(model.MatrixLevel(level=i, label=str(i)) for i in range(1, 6))
        return model.RiskMatrix(probability=levels, severity=levels, ratings=ratings)
    assert [views.tone(matrix(3), v) for v in (1, 6, 11)] == [0, 2, 4]
    assert [views.tone(matrix(4), v) for v in (1, 6, 11, 16)] == [0, 1, 3, 4]
    assert [views.tone(matrix(5), v) for v in (1, 6, 11, 16, 21)] == [0, 1, 2, 3, 4]
    assert views.tone(matrix(1), 3) == 0
