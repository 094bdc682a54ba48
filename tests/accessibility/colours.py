"""Colour contrast (WCAG 2.2, 1.4.3 and 1.4.11; RGAA 3.2 and 3.3), and a small reader of our stylesheets.

Pure functions, no browser: `contrast_ratio` is WCAG's formula on sRGB colours; `parse_colour` reads the
colour syntaxes our stylesheets use (#rgb, #rrggbb, #rrggbbaa, rgb()/rgba(), a few names);
`read_rules` flattens a stylesheet into (selector, declarations) rules, @media blocks included; and
`resolve` replaces `var(--x, fallback)` with the custom property's value.
"""

import re
from dataclasses import dataclass

RGB = tuple[float, float, float]  # 0–255 per channel


@dataclass(frozen=True)
class Colour:
    red: float
    green: float
    blue: float
    alpha: float = 1.0

    @property
    def rgb(self) -> RGB:
        return (self.red, self.green, self.blue)

    def over(self, background: RGB) -> RGB:
        """This colour painted over an opaque `background` (alpha compositing)."""
        return tuple(
            self.alpha * mine + (1 - self.alpha) * theirs for mine, theirs in zip(self.rgb, background, strict=True)
        )  # type: ignore[return-value]


NAMED = {"white": "#ffffff", "black": "#000000"}
# Not a colour of its own: the text or background comes from elsewhere.
NOT_A_COLOUR = {"inherit", "currentcolor", "initial", "unset", "transparent", "none", "revert"}


def parse_colour(text: str) -> Colour | None:
    """The colour written in `text`, or None for a keyword that is not one (inherit, transparent…)."""
    value = NAMED.get(text.strip().lower(), text.strip().lower())
    if value in NOT_A_COLOUR:
        return None
    if match := re.fullmatch(r"#([0-9a-f]{3,8})", value):
        digits = match.group(1)
        if len(digits) in (3, 4):
            digits = "".join(digit * 2 for digit in digits)
        if len(digits) not in (6, 8):
            raise ValueError(f"not a colour: {text!r}")
        channels = [int(digits[index : index + 2], 16) for index in range(0, len(digits), 2)]
        alpha = channels[3] / 255 if len(channels) == 4 else 1.0
        return Colour(channels[0], channels[1], channels[2], alpha)
    if match := re.fullmatch(r"rgba?\(\s*([\d.]+)[\s,]+([\d.]+)[\s,]+([\d.]+)(?:\s*[,/]\s*([\d.]+%?))?\s*\)", value):
        red, green, blue, alpha_text = match.groups()
        alpha = 1.0
        if alpha_text:
            alpha = float(alpha_text[:-1]) / 100 if alpha_text.endswith("%") else float(alpha_text)
        return Colour(float(red), float(green), float(blue), alpha)
    raise ValueError(f"not a colour: {text!r}")


def _linear(channel: float) -> float:
    value = channel / 255
    return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4


def relative_luminance(rgb: RGB) -> float:
    """WCAG's relative luminance of an sRGB colour: 0 for black, 1 for white."""
    red, green, blue = (_linear(channel) for channel in rgb)
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast_ratio(first: RGB, second: RGB) -> float:
    """WCAG's contrast ratio of two opaque colours, from 1 (same luminance) to 21 (black on white)."""
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


@dataclass(frozen=True)
class Rule:
    source: str  # file name
    selector: str
    declarations: dict[str, str]
    media: str = ""  # the enclosing @media condition, if any


def _strip_comments(css: str) -> str:
    return re.sub(r"/\*.*?\*/", "", css, flags=re.DOTALL)


def _declarations(body: str) -> dict[str, str]:
    found = {}
    for part in body.split(";"):
        name, colon, value = part.partition(":")
        if colon:
            found[name.strip().lower()] = value.strip().removesuffix("!important").strip()
    return found


def read_rules(css: str, source: str = "") -> list[Rule]:
    """Every style rule of `css`, including those inside @media (nested one level, as ours are)."""
    rules: list[Rule] = []

    def walk(text: str, media: str) -> None:
        position = 0
        while (opening := text.find("{", position)) != -1:
            prelude = text[position:opening].strip()
            depth, index = 1, opening + 1
            while depth and index < len(text):
                depth += {"{": 1, "}": -1}.get(text[index], 0)
                index += 1
            body = text[opening + 1 : index - 1]
            if prelude.startswith("@media"):
                walk(body, prelude.removeprefix("@media").strip())
            elif not prelude.startswith("@"):
                rules.append(Rule(source, " ".join(prelude.split()), _declarations(body), media))
            position = index

    walk(_strip_comments(css), "")
    return rules


def custom_properties(rules: list[Rule]) -> dict[str, str]:
    """The custom properties (`--ink: …`) set on :root."""
    found: dict[str, str] = {}
    for rule in rules:
        if rule.selector == ":root" and not rule.media:
            found |= {name: value for name, value in rule.declarations.items() if name.startswith("--")}
    return found


def resolve(value: str, properties: dict[str, str], depth: int = 0) -> str:
    """`value` with each `var(--name[, fallback])` replaced (the fallback when --name is not a :root property)."""
    if depth > 10:
        raise ValueError(f"var() too deep: {value!r}")
    match = re.search(r"var\(\s*(--[\w-]+)\s*(?:,\s*((?:[^()]|\([^()]*\))*))?\)", value)
    if not match:
        return value
    name, fallback = match.groups()
    if name in properties:
        replacement = properties[name]
    elif fallback is not None:
        replacement = fallback
    else:
        return value  # unknown without a fallback: left as is, the caller decides
    return resolve(value[: match.start()] + replacement + value[match.end() :], properties, depth + 1)


def first_colour(value: str) -> str | None:
    """The first colour written in a `background` shorthand or a `border` shorthand, if any."""
    match = re.search(r"#[0-9a-fA-F]{3,8}\b|rgba?\([^)]*\)|\b(?:white|black|transparent)\b", value)
    return match.group(0) if match else None
