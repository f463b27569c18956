"""The widget's web server: the assets under hashed names (cached for a year), the stable embed URL
/widget.js (revalidated on every use), and the demo host pages (never cached, strict CSP).
Assets and pages go brotli- or gzip-compressed (made once at start) to browsers that take it.
CORS answers only the origins in the deployment's `widget.allowed_origins`."""

from __future__ import annotations

import gzip
from urllib.parse import urlsplit

import brotli
import jinja2
from aiohttp import ClientSession, web

from deployment import Deployment
from languages import CODES

from .bundle import ENCODINGS, HERE, TIMEOUT_SECONDS, Asset, Bundle, build, language_strings

LONG_CACHE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
PAGE_CACHE = "no-cache, no-store, must-revalidate"
BUNDLE = web.AppKey("bundle", Bundle)
ORIGINS = web.AppKey("origins", frozenset)
PAGES = web.AppKey("pages", dict)
PAGES_ENCODED = web.AppKey("pages_encoded", dict)
CSP = web.AppKey("csp", str)

# The demo site: English and Welsh pages that mirror each other, as on a council's website.
ROUTES = {
    "/": ("en", "index", "/cy/"),
    "/apply": ("en", "apply", "/cy/gwneud-cais"),
    "/cy/": ("cy", "index", "/"),
    "/cy/gwneud-cais": ("cy", "apply", "/apply"),
}
WORDS = {
    "en": {
        "skip": "Skip to main content",
        "nav": "Main menu",
        "home_link": "Anti-social behaviour case review",
        "apply_link": "How to apply",
        "other_language": "Cymraeg",
        "footer": "This is a demonstration page for the ASB case review assistant.",
        "home": "/",
        "apply": "/apply",
    },
    "cy": {
        "skip": "Neidio i'r prif gynnwys",
        "nav": "Prif ddewislen",
        "home_link": "Adolygiad achos ymddygiad gwrthgymdeithasol",
        "apply_link": "Sut i wneud cais",
        "other_language": "English",
        "footer": "Tudalen arddangos yw hon ar gyfer cynorthwyydd yr adolygiad achos YGG.",
        "home": "/cy/",
        "apply": "/cy/gwneud-cais",
    },
}


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def content_security_policy(rasa_url: str, logo_url: str | None) -> str:
    images = "'self'"
    if logo_url and logo_url.startswith(("https://", "http://")):
        images += " " + origin_of(logo_url)
    return "; ".join([
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        f"img-src {images}",
        f"connect-src {origin_of(rasa_url)}",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ])


def render_pages(deployment: Deployment, bundle: Bundle) -> dict[str, str]:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    area = deployment.area()
    common = {
        "council": area.lead_agency.name,
        "demo_css": bundle.demo_styles.name,
        "crest": bundle.crest.name,
        "widget_js": bundle.script.name,
        "widget_integrity": bundle.script.integrity,
    }
    pages = {}
    # A plain page in each further language the deployment enables, to try the widget in it.
    for code in deployment.languages:
        if code not in WORDS:
            pages[f"/{code}/"] = env.get_template("language.html").render(
                lang=code, strings=language_strings(code), **common
            )
    for path, (lang, name, other) in ROUTES.items():
        words = WORDS[lang]
        pages[path] = env.get_template(f"{lang}/{name}.html").render(
            lang=lang,
            other_lang="cy" if lang == "en" else "en",
            decision_days=area.procedure.threshold_decision_working_days,
            words=words,
            links={"home": words["home"], "apply": words["apply"], "other_language": other},
            **common,
        )
    return pages


def chosen_encoding(request: web.Request) -> str:
    """What to send, from `Accept-Encoding` and its q-values: the coding the browser rates
    highest among br, gzip and identity, brotli first on a tie (it is smaller); `q=0` refuses a
    coding, `*` stands for any not named, identity unnamed comes last; no header: identity."""
    header = request.headers.get("Accept-Encoding")
    if not header:
        return "identity"
    rated: dict[str, float] = {}
    for part in header.split(","):
        name, *params = part.strip().split(";")
        quality = 1.0
        for param in params:
            key, _, value = param.strip().partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = min(max(float(value), 0.0), 1.0)
                except ValueError:
                    quality = 0.0
        if name.strip():
            rated[name.strip().lower()] = quality

    def rating(encoding: str) -> float:
        if encoding in rated:
            return rated[encoding]
        if "*" in rated:
            return rated["*"]
        # Identity is acceptable unless refused, but only as the last resort when not named.
        return 0.001 if encoding == "identity" else 0.0

    best = max(ENCODINGS, key=lambda encoding: (rating(encoding), -ENCODINGS.index(encoding)))
    return best if rating(best) > 0 else "identity"


def _cors(request: web.Request, response: web.StreamResponse) -> None:
    response.headers["Vary"] = "Origin, Accept-Encoding"
    origin = request.headers.get("Origin")
    if origin and origin in request.app[ORIGINS]:
        response.headers["Access-Control-Allow-Origin"] = origin


def _asset_response(request: web.Request, asset: Asset, cache: str) -> web.Response:
    """The asset, brotli or gzip as the browser takes it (made once, not per request); each
    encoding has its own ETag, as caches need."""
    encoding = chosen_encoding(request)
    etag = asset.etag if encoding == "identity" else f'{asset.etag[:-1]}-{encoding}"'
    headers = {"Cache-Control": cache, "ETag": etag}
    if request.headers.get("If-None-Match") == etag:
        response = web.Response(status=304, headers=headers)
    else:
        response = web.Response(body=asset.encoded(encoding), headers=headers)
        response.headers["Content-Type"] = asset.content_type
        if encoding != "identity":
            response.headers["Content-Encoding"] = encoding
    _cors(request, response)
    return response


async def embed_script(request: web.Request) -> web.Response:
    """The stable URL a council puts in its script tag: always revalidated, so a new release
    reaches every page at once, and a 304 costs a few bytes."""
    return _asset_response(request, request.app[BUNDLE].script, REVALIDATE)


async def asset(request: web.Request) -> web.Response:
    found = request.app[BUNDLE].assets.get(request.match_info["name"])
    if found is None:
        raise web.HTTPNotFound(text="No such file.", headers={"Cache-Control": REVALIDATE})
    return _asset_response(request, found, LONG_CACHE)


async def preflight(request: web.Request) -> web.Response:
    response = web.Response(status=204)
    _cors(request, response)
    if "Access-Control-Allow-Origin" in response.headers:
        response.headers["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
        response.headers["Access-Control-Max-Age"] = "86400"
    return response


async def page(request: web.Request) -> web.Response:
    headers = {"Cache-Control": PAGE_CACHE, "Content-Security-Policy": request.app[CSP],
               "Vary": "Accept-Encoding", "Content-Type": "text/html; charset=utf-8"}
    encoding = chosen_encoding(request)
    if encoding != "identity":
        headers["Content-Encoding"] = encoding
    return web.Response(body=request.app[PAGES_ENCODED][request.path][encoding], headers=headers)


async def no_icon(request: web.Request) -> web.Response:
    """Browsers ask for /favicon.ico on every page; the demo has none."""
    return web.Response(status=204, headers={"Cache-Control": LONG_CACHE})


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"}, headers={"Cache-Control": REVALIDATE})


async def readyz(request: web.Request) -> web.Response:
    """Ready: the script and the pages are built (they are, once the server answers). The widget
    server has no database and calls nothing: the browser talks to Rasa itself, so Rasa being
    down is no reason to stop serving the script that tells the user so."""
    built = bool(request.app[BUNDLE].script and request.app[PAGES])
    return web.json_response({"status": "ok" if built else "not built"},
                             status=200 if built else 503, headers={"Cache-Control": "no-store"})


def encoded_page(html: str) -> dict[str, bytes]:
    """A page's bytes in each of ENCODINGS, made once at start."""
    body = html.encode()
    return {"identity": body, "gzip": gzip.compress(body, compresslevel=9, mtime=0),
            "br": brotli.compress(body, quality=11)}


@web.middleware
async def security_headers(request: web.Request, handler) -> web.StreamResponse:
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        response = exc
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    if isinstance(response, web.HTTPException):
        raise response
    return response


def create_app(
    deployment: Deployment, rasa_url: str | None = None, languages: list[str] | None = None,
    timeout_seconds: float = TIMEOUT_SECONDS,
) -> web.Application:
    """The widget's server; `languages` overrides the enabled ones in the script (size check),
    `timeout_seconds` how long the widget waits for an answer (tests shorten it)."""
    rasa_url = rasa_url or deployment.widget.rasa_url
    bundle = build(deployment, rasa_url=rasa_url, languages=languages,
                   timeout_seconds=timeout_seconds)
    app = web.Application(middlewares=[security_headers])
    app[BUNDLE] = bundle
    app[ORIGINS] = frozenset(deployment.widget.allowed_origins)
    app[PAGES] = render_pages(deployment, bundle)
    app[PAGES_ENCODED] = {path: encoded_page(html) for path, html in app[PAGES].items()}
    app[CSP] = content_security_policy(rasa_url, deployment.widget.theme.logo_url)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/favicon.ico", no_icon)
    app.router.add_get("/widget.js", embed_script)
    app.router.add_get("/assets/{name}", asset)
    app.router.add_route("OPTIONS", "/widget.js", preflight)
    app.router.add_route("OPTIONS", "/assets/{name}", preflight)
    for path in app[PAGES]:
        app.router.add_get(path, page)
    return app


async def wire_sizes(deployment: Deployment) -> dict[str, tuple[int, int]]:
    """The bytes of the script and the styles (every language included) as the server sends
    them, per encoding: {"gzip": (script, styles), "br": (script, styles)}, each fetched from a
    loopback port by a client that takes only that encoding and counted without decompressing
    (a browser sending `Accept-Encoding: gzip, deflate, br` gets the "br" ones)."""
    app = create_app(deployment, languages=list(CODES))
    bundle = app[BUNDLE]
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    sizes: dict[str, tuple[int, int]] = {}
    try:
        async with ClientSession(auto_decompress=False) as session:
            for encoding in ("gzip", "br"):
                sent = []
                for asset in (bundle.script, bundle.styles):
                    async with session.get(f"http://127.0.0.1:{port}/assets/{asset.name}",
                                           headers={"Accept-Encoding": encoding}) as response:
                        response.raise_for_status()
                        if response.headers.get("Content-Encoding") != encoding:
                            raise RuntimeError(f"{asset.name} was not sent as {encoding}")
                        sent.append(len(await response.read()))
                sizes[encoding] = (sent[0], sent[1])
    finally:
        await runner.cleanup()
    return sizes
