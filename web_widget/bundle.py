"""The widget's assets as served: the script with its configuration and language tables filled in,
the styles with the deployment's theme, each under a name that carries a hash of its content."""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import brotli
from babel import Locale
from babel.dates import parse_pattern

from deployment import Deployment
from languages import CODES, language

HERE = Path(__file__).resolve().parent
STATIC = HERE / "static"
STRINGS = HERE / "strings"
SIZE_LIMIT = 20 * 1024  # JS and CSS together, gzipped (the budget; brotli is reported)
# What the server can send, best first when a browser takes several equally (Accept-Encoding).
ENCODINGS = ("br", "gzip", "identity")
# The longest message the assistant keeps, when the deployment file does not say
# (`limits.message_characters`): the widget counts down to it and refuses more.
MESSAGE_CHARACTERS = 5000
# How long the widget waits for an answer before it gives up, says so and tries again.
TIMEOUT_SECONDS = 30
# The questions whose answers may be long get a multi-line box with a character count.
LONG_ANSWERS = ("impact", "consent_exception_reason", "accessibility_needs", "vulnerabilities",
                "victim_address")


@dataclass(frozen=True)
class Asset:
    name: str  # e.g. "widget.3f9a0c1b2d.js", served under /assets/
    body: bytes
    content_type: str

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha256(self.body).hexdigest()[:20] + '"'

    @property
    def integrity(self) -> str:
        return "sha384-" + base64.b64encode(hashlib.sha384(self.body).digest()).decode()

    @cached_property
    def gzipped(self) -> bytes:
        """The body as sent to a browser that accepts gzip (made once, the same every time)."""
        return gzip.compress(self.body, compresslevel=9, mtime=0)

    @property
    def gzipped_size(self) -> int:
        return len(self.gzipped)

    @cached_property
    def brotlied(self) -> bytes:
        """The body as sent to a browser that accepts brotli (quality 11, made once)."""
        return brotli.compress(self.body, quality=11)

    def encoded(self, encoding: str) -> bytes:
        """The bytes sent for one of ENCODINGS."""
        return {"br": self.brotlied, "gzip": self.gzipped}.get(encoding, self.body)


def hashed(stem: str, suffix: str, body: bytes, content_type: str) -> Asset:
    digest = hashlib.sha256(body).hexdigest()[:10]
    return Asset(f"{stem}.{digest}.{suffix}", body, content_type)


def language_strings(code: str) -> dict[str, str]:
    """The widget's own words (launcher, labels, errors) in one language, with the language's
    own name (`name`) and direction (`dir`) from the registry (languages/)."""
    entry = language(code)
    words = json.loads((STRINGS / f"{code}.json").read_text(encoding="utf-8"))
    return {"name": entry.own_name, **words, "dir": entry.direction}


_DATE_FIELDS = {"EEEE": "{E}", "d": "{d}", "MMMM": "{M}", "y": "{y}"}


def date_words(code: str) -> dict:
    """How the assistant writes a date in full ("Sunday, 13 September 2026"): the pattern with
    {E} {d} {M} {y}, the month and weekday names (Monday first). From Babel, as the assistant's
    are, since browsers lack some languages (Chromium has no Welsh or Punjabi dates), in the
    registry's locale for the language, as the assistant's are."""
    locale = Locale.parse(language(code).locale)
    pattern = parse_pattern(locale.date_formats["full"].pattern).format

    def field(match: re.Match) -> str:
        if match.group(1) not in _DATE_FIELDS:
            raise ValueError(f"{code}: date field {match.group(1)} is not supported")
        return _DATE_FIELDS[match.group(1)]

    return {
        "f": re.sub(r"%\((\w+)\)s", field, pattern).replace("%%", "%"),
        "M": [locale.months["format"]["wide"][m] for m in range(1, 13)],
        "E": [locale.days["format"]["wide"][d] for d in range(7)],
    }


def compact(source: str) -> str:
    """The source without its comments, blank lines and indentation: what browsers need. Only
    whole-line comments go (`//`, and `/* */` starting a line, but never a `/*@…@*/` placeholder),
    so nothing inside a string or a regular expression is touched."""
    kept = []
    in_comment = False
    for raw in source.splitlines():
        line = raw.strip()
        if in_comment:
            in_comment = "*/" not in line
            continue
        if not line or line.startswith("//"):
            continue
        if line.startswith("/*") and not line.startswith("/*@"):
            in_comment = "*/" not in line
            continue
        kept.append(line)
    return "\n".join(kept) + "\n"


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _fill(template: str, placeholder: str, value: str) -> str:
    if template.count(placeholder) != 1:
        raise ValueError(f"{placeholder} must appear once in the widget's source")
    return template.replace(placeholder, value)


@dataclass(frozen=True)
class Bundle:
    script: Asset
    styles: Asset
    demo_styles: Asset
    crest: Asset

    @property
    def assets(self) -> dict[str, Asset]:
        return {a.name: a for a in (self.script, self.styles, self.demo_styles, self.crest)}


def message_characters(deployment: Deployment) -> int:
    """The assistant's message limit from the deployment file, else the default."""
    limits = getattr(deployment, "limits", None)
    return int(getattr(limits, "message_characters", None) or MESSAGE_CHARACTERS)


def build(
    deployment: Deployment, rasa_url: str | None = None, languages: list[str] | None = None,
    timeout_seconds: float = TIMEOUT_SECONDS,
) -> Bundle:
    """The assets for this deployment; `languages` overrides the enabled ones (size checks)."""
    widget = deployment.widget
    theme = widget.theme
    css = compact((STATIC / "widget.css").read_text(encoding="utf-8"))
    css = re.sub(r"\s*([{};,])\s*|(:)\s+", r"\1\2", css)  # no string in the styles has these
    css = _fill(css, "/*@COLOUR@*/#1d70b8", theme.colour)
    css = _fill(css, "/*@TEXT_COLOUR@*/#ffffff", theme.text_colour)
    styles = hashed("widget", "css", css.encode(), "text/css; charset=utf-8")

    codes = languages or deployment.languages
    config = {
        "rasaUrl": (rasa_url or widget.rasa_url).rstrip("/"),
        "languages": codes,
        "defaultLanguage": deployment.default_language if deployment.default_language in codes
        else codes[0],
        "exitUrl": widget.exit_url,
        "agencyName": theme.agency_name or deployment.area().lead_agency.name,
        "logoUrl": theme.logo_url,
        "css": f"/assets/{styles.name}",
        "cssIntegrity": styles.integrity,
        "messageLimit": message_characters(deployment),
        "timeoutSeconds": timeout_seconds,
        "longAnswers": list(LONG_ANSWERS),
    }
    strings = {code: {**language_strings(code), "dates": date_words(code)} for code in codes}
    source = compact((STATIC / "widget.js").read_text(encoding="utf-8"))
    source = _fill(source, "/*@CONFIG@*/ {}", _json(config))
    source = _fill(source, "/*@STRINGS@*/ {}", _json(strings))
    script = hashed("widget", "js", source.encode(), "text/javascript; charset=utf-8")

    demo_styles = hashed(
        "demo", "css", (STATIC / "demo.css").read_bytes(), "text/css; charset=utf-8"
    )
    crest = hashed("crest", "svg", (STATIC / "crest.svg").read_bytes(), "image/svg+xml")
    return Bundle(script, styles, demo_styles, crest)


def size_report(deployment: Deployment) -> dict[str, tuple[int, int]]:
    """Compressed sizes (script, styles) with every language the project ships, per encoding:
    {"gzip": (script, styles), "br": (script, styles)}."""
    bundle = build(deployment, languages=list(CODES))
    return {encoding: (len(bundle.script.encoded(encoding)), len(bundle.styles.encoded(encoding)))
            for encoding in ("gzip", "br")}
