"""The widget's server, bundle and language tables, through a real aiohttp server on loopback."""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import re
import subprocess
import sys
from pathlib import Path

import brotli
import pytest
import yaml
from aiohttp.test_utils import TestClient, TestServer

from deployment import DeploymentError, load_deployment
from deployment.config import Deployment
from languages import CODES as LANGUAGES
from languages import language
from tests import run_coroutine
from web_widget.bundle import SIZE_LIMIT, STATIC, STRINGS, build, language_strings, size_report
from web_widget.server import ROUTES, create_app

ROOT = Path(__file__).resolve().parents[2]
RASA = "http://127.0.0.1:59999"


def deployment_with(**widget) -> Deployment:
    data = load_deployment().dict()
    data["widget"] = {**data["widget"], **widget}
    return Deployment.parse_obj(data)


@pytest.fixture
async def client():
    app = create_app(load_deployment(), rasa_url=RASA)
    async with TestClient(TestServer(app, host="127.0.0.1")) as test_client:
        yield test_client


def asset_names(html: str) -> list[str]:
    return re.findall(r'/assets/([\w.-]+)"', html)


async def test_pages_are_never_cached_and_carry_a_strict_csp(client):
    for path in ROUTES:
        response = await client.get(path)
        assert response.status == 200, path
        assert "no-store" in response.headers["Cache-Control"]
        csp = dict(part.split(" ", 1) for part in response.headers["Content-Security-Policy"]
                   .split("; "))
        assert csp["default-src"] == "'none'"
        assert csp["script-src"] == "'self'"
        assert csp["style-src"] == "'self'"
        assert csp["connect-src"] == RASA
        assert "unsafe" not in response.headers["Content-Security-Policy"]
        html = await response.text()
        assert not re.search(r"<script(?![^>]*\ssrc=)", html), "inline script on " + path
        assert not re.search(r"\sstyle=", html), "inline style on " + path
        assert not re.search(r"\son[a-z]+=", html), "inline handler on " + path


async def test_demo_pages_in_english_and_welsh_link_to_each_other(client):
    english = await (await client.get("/")).text()
    welsh = await (await client.get("/cy/")).text()
    assert '<html lang="en">' in english and 'href="/cy/"' in english
    assert '<html lang="cy">' in welsh and 'href="/"' in welsh
    decision_days = load_deployment().area().procedure.threshold_decision_working_days
    assert f"within {decision_days} working days" in await (await client.get("/apply")).text()


async def test_assets_have_hashed_names_and_a_long_cache(client):
    html = await (await client.get("/")).text()
    names = asset_names(html)
    assert {name.rsplit(".", 1)[1] for name in names} == {"css", "js", "svg"}
    for name in names:
        response = await client.get(f"/assets/{name}")
        assert response.status == 200
        body = await response.read()
        assert name.split(".")[1] == hashlib.sha256(body).hexdigest()[:10]
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        again = await client.get(f"/assets/{name}",
                                 headers={"If-None-Match": response.headers["ETag"]})
        assert again.status == 304
    missing = await client.get("/assets/widget.0000000000.js")
    assert missing.status == 404


async def test_the_embed_url_serves_the_current_script_and_is_revalidated(client):
    html = await (await client.get("/")).text()
    script_name = next(n for n in asset_names(html) if n.endswith(".js"))
    hashed = await (await client.get(f"/assets/{script_name}")).read()
    response = await client.get("/widget.js")
    assert await response.read() == hashed
    assert response.headers["Cache-Control"] == "no-cache"
    assert response.headers["Content-Type"].startswith("text/javascript")
    again = await client.get("/widget.js", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status == 304


async def test_the_script_is_pinned_by_subresource_integrity(client):
    html = await (await client.get("/")).text()
    tag = re.search(r'<script src="/assets/([^"]+)" integrity="([^"]+)"', html)
    body = await (await client.get(f"/assets/{tag.group(1)}")).read()
    assert tag.group(2) == "sha384-" + base64.b64encode(hashlib.sha384(body).digest()).decode()


async def test_cors_answers_only_the_allowed_origins(client):
    allowed = load_deployment().widget.allowed_origins[0]
    ok = await client.get("/widget.js", headers={"Origin": allowed})
    assert ok.headers["Access-Control-Allow-Origin"] == allowed
    assert ok.headers["Vary"] == "Origin, Accept-Encoding"
    other = await client.get("/widget.js", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in other.headers
    preflight = await client.options("/widget.js", headers={
        "Origin": allowed, "Access-Control-Request-Method": "GET"})
    assert preflight.status == 204
    assert preflight.headers["Access-Control-Allow-Origin"] == allowed
    refused = await client.options("/widget.js", headers={
        "Origin": "https://evil.example", "Access-Control-Request-Method": "GET"})
    assert "Access-Control-Allow-Origin" not in refused.headers


async def test_pages_for_further_languages_are_right_to_left_where_needed():
    deployment = load_deployment().copy(update={"languages": ["en", "cy", "ar", "pl"]})
    async with TestClient(TestServer(create_app(deployment, RASA), host="127.0.0.1")) as client:
        arabic = await (await client.get("/ar/")).text()
        polish = await (await client.get("/pl/")).text()
        assert '<html lang="ar" dir="rtl">' in arabic
        assert language_strings("ar")["title"] in arabic
        assert '<html lang="pl" dir="ltr">' in polish
        assert (await client.get("/ur/")).status == 404


def bundle_parts(deployment: Deployment, rasa_url: str = RASA) -> tuple[dict, dict]:
    source = build(deployment, rasa_url=rasa_url).script.body.decode()
    config = json.loads(re.search(r"var CONFIG = (\{.*?\});\n", source).group(1))
    strings = json.loads(re.search(r"var STRINGS = (\{.*?\});\n", source).group(1))
    return config, strings


def test_the_script_carries_the_deployment_and_only_the_enabled_languages():
    deployment = deployment_with(exit_url="https://www.example.org/weather").copy(
        update={"languages": ["en", "cy", "ur"]})
    config, strings = bundle_parts(deployment, rasa_url="https://chat.anytown.example/")
    assert config["rasaUrl"] == "https://chat.anytown.example"
    assert config["exitUrl"] == "https://www.example.org/weather"
    assert config["languages"] == ["en", "cy", "ur"]
    assert config["agencyName"] == deployment.area().lead_agency.name
    assert sorted(strings) == ["cy", "en", "ur"]
    css = build(deployment).styles
    assert config["css"] == f"/assets/{css.name}" and config["cssIntegrity"] == css.integrity


def test_the_theme_sets_the_styles_defaults():
    styles = build(deployment_with(theme={"colour": "#00703c", "text_colour": "#000000"})).styles
    text = styles.body.decode()
    assert "var(--asbw-colour,#00703c)" in text and "var(--asbw-text-colour,#000000)" in text


def test_every_language_table_has_every_key_in_its_own_words():
    english = language_strings("en")
    for code in LANGUAGES:
        table = language_strings(code)
        assert set(table) == set(english), code
        assert all(value.strip() for value in table.values()), code
        # The language's own name and direction are the registry's, never the table's own.
        assert (table["name"], table["dir"]) == (language(code).own_name, language(code).direction)
        assert not {"name", "dir"} & set(json.loads((STRINGS / f"{code}.json").read_text("utf-8")))
        if code != "en":
            same = [k for k in english if k not in ("dir",) and table[k] == english[k]]
            assert not same, f"{code} copies English for {same}"


def test_script_and_styles_fit_the_size_budget():
    sizes = size_report(load_deployment())
    script, styles = sizes["gzip"]
    assert script + styles <= SIZE_LIMIT
    deployment = load_deployment().copy(update={"languages": list(LANGUAGES)})
    bundle = build(deployment)
    assert script == len(gzip.compress(bundle.script.body, compresslevel=9))
    assert sizes["br"][0] == len(bundle.script.brotlied)
    assert brotli.decompress(bundle.script.brotlied) == bundle.script.body
    assert sum(sizes["br"]) < script + styles


def test_the_size_command_prints_the_figure_and_fails_only_above_the_limit():
    run = subprocess.run([sys.executable, "-m", "web_widget", "size"], cwd=ROOT,
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    sizes = size_report(load_deployment())
    assert f"= {sum(sizes['gzip'])} B gzipped on the wire" in run.stdout
    assert f"= {sum(sizes['br'])} B brotli on the wire" in run.stdout


@pytest.mark.parametrize("code", LANGUAGES)
def test_the_reference_message_names_the_widgets_record_button(code):
    """What the assistant says after sending points to "Save or print my answers" by the
    widget's own label in that language, and still tells other channels to write it down."""
    from assistant.actions.messages import render

    said = render(code, "submitted", reference="ASB-2026-ABC123", spelt="A S B")
    assert language_strings(code)["record"] in said
    assert "ASB-2026-ABC123" in said
    assert "screenshot" not in said.lower()


def test_the_source_builds_no_markup_from_strings():
    source = (STATIC / "widget.js").read_text()
    for unsafe in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(",
                   "new Function", ".style."):
        assert unsafe not in source, unsafe


@pytest.mark.parametrize("widget, key", [
    ({"allowed_origins": ["www.anytown.example"]}, "widget.allowed_origins"),
    ({"rasa_url": "localhost:5005"}, "widget.rasa_url"),
    ({"theme": {"colour": "blue"}}, "widget.theme.colour"),
])
def test_a_wrong_widget_setting_names_its_key(tmp_path, widget, key):
    data = yaml.safe_load((ROOT / "deployment.example.yml").read_text())
    data["widget"] = widget
    path = tmp_path / "deployment.yml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(DeploymentError, match=re.escape(key)):
        load_deployment(path)


DECODE = {"gzip": gzip.decompress, "br": brotli.decompress, None: lambda body: body}


@pytest.mark.parametrize("accept, sent", [
    ("gzip, deflate, br", "br"),  # what Chromium sends: brotli first
    ("br", "br"),
    ("gzip", "gzip"),
    ("gzip, deflate", "gzip"),
    ("gzip;q=1.0, br;q=0.5", "gzip"),  # the browser's own preference wins
    ("gzip;q=0, br", "br"),
    ("br;q=0, gzip", "gzip"),
    ("BR;Q=0.8, GZIP;Q=0.9", "gzip"),
    ("*", "br"),
    ("*;q=0, gzip", "gzip"),
    ("br;q=0, gzip;q=0", None),
    ("identity", None),
    ("identity;q=1, gzip;q=0.5", None),
    ("deflate", None),
    ("", None),
])
async def test_assets_and_pages_go_compressed_as_the_browser_asks(accept, sent):
    deployment = load_deployment()
    app = create_app(deployment, rasa_url=RASA)
    async with TestClient(TestServer(app, host="127.0.0.1"), auto_decompress=False) as client:
        html = (await (await client.get("/", headers={"Accept-Encoding": "identity"})).read())
        bundle = build(deployment, rasa_url=RASA)
        for name in asset_names(html.decode()):
            plain = await client.get(f"/assets/{name}", headers={"Accept-Encoding": "identity"})
            packed = await client.get(f"/assets/{name}", headers={"Accept-Encoding": accept})
            body, wire = await plain.read(), await packed.read()
            assert "Content-Encoding" not in plain.headers
            assert packed.headers.get("Content-Encoding") == sent
            assert "Accept-Encoding" in packed.headers["Vary"]
            assert DECODE[sent](wire) == body
            assert int(packed.headers["Content-Length"]) == len(wire)
            # Each encoding has its own ETag, and each revalidates to a 304.
            assert (packed.headers["ETag"] != plain.headers["ETag"]) == (sent is not None)
            again = await client.get(f"/assets/{name}", headers={
                "Accept-Encoding": accept, "If-None-Match": packed.headers["ETag"]})
            assert again.status == 304
            other = await client.get(f"/assets/{name}", headers={
                "Accept-Encoding": "gzip" if sent == "br" else "br",
                "If-None-Match": packed.headers["ETag"]})
            assert other.status == 200  # another encoding's ETag does not match
            if name.endswith(".js"):
                assert len(wire) == len(bundle.script.encoded(sent or "identity"))
                if sent:
                    assert len(wire) < len(body) / 2
        embed = await client.get("/widget.js", headers={"Accept-Encoding": accept})
        assert embed.headers.get("Content-Encoding") == sent
        assert DECODE[sent](await embed.read()) == bundle.script.body
        page = await client.get("/cy/", headers={"Accept-Encoding": accept})
        assert page.headers.get("Content-Encoding") == sent
        assert "Accept-Encoding" in page.headers["Vary"]
        assert '<html lang="cy">' in DECODE[sent](await page.read()).decode()
        assert "Content-Security-Policy" in page.headers


def test_the_size_check_measures_the_bytes_on_the_wire():
    from web_widget.server import wire_sizes

    deployment = load_deployment()
    assert run_coroutine(wire_sizes(deployment)) == size_report(deployment)
