"""The FastAPI application: state, security middleware and the one error shape.

``create_app(db_path, read_only=True)`` serves the REST API under ``/api`` (OpenAPI schema at
``/openapi.json``) and the dashboard at ``/``.

Security defaults (issue 8): read-only unless ``read_only=False``; even then every write needs a
bearer token made by ``dyadwatch token create`` (stored hashed); no CORS headers unless origins
are listed; request bodies above ``max_body_bytes`` are refused with 413 before a handler reads
them; every query is parameterised (``dyadwatch.store.dyads``).

Every 4xx and 5xx of the API is ``{"error": {"code", "message", "detail"}}``; dashboard pages
render the same code and message as HTML.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dyadwatch.config import Options
from dyadwatch.errors import DyadwatchError, InputError, StoreError
from dyadwatch.store import Store

log = logging.getLogger(__name__)

# 2 MiB: a news page's HTML is rarely above 1 MiB once scripts are counted; the ingest endpoint
# takes one document per request. Larger batches belong to `dyadwatch ingest`.
DEFAULT_MAX_BODY = 2 * 1024 * 1024

STATUS_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
                405: "method_not_allowed", 409: "conflict", 413: "payload_too_large",
                415: "unsupported_media_type", 422: "validation_error", 500: "internal"}


class ApiError(Exception):
    """An error answer of the API (raised by routes, rendered by ``_error_response``)."""

    def __init__(self, status: int, code: str, message: str, detail: Any = None,
                 headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.detail = status, code, message, detail
        self.headers = headers or {}


@dataclass
class AppState:
    db_path: str
    read_only: bool
    store: Store
    options: Options
    allow_private_webhooks: bool = False
    write_lock: threading.Lock = field(default_factory=threading.Lock)
    monitor: Any = None  # a dyadwatch.monitor.Monitor running in this process (serve --monitor)

    def cursor(self) -> Iterator[Any]:
        """A connection of its own for one request (DuckDB connections are not shared by threads)."""
        cur = self.store.conn.cursor()
        try:
            yield cur
        finally:
            cur.close()


def open_store(db_path: str | Path, read_only: bool) -> Store:
    """Open the database; a read-only server whose database lacks a shipped migration first
    applies it (briefly read-write), so that it can serve a database made by an older version."""
    path = str(db_path)
    if Path(path).is_dir():  # a `dyadwatch batch` output directory: DuckDB views on its Parquet
        from dyadwatch.store import open_store as open_any

        return open_any(path, read_only=True)
    if not read_only or path == ":memory:":
        return Store(path)
    if not Path(path).exists():
        raise StoreError("no such database; create it with `dyadwatch ingest`", source=path)
    store = Store(path, read_only=True)
    if _pending_migrations(store):
        store.close()
        Store(path).close()  # migrates
        store = Store(path, read_only=True)
    return store


def _pending_migrations(store: Store) -> bool:
    import duckdb

    from dyadwatch.store import migrations

    try:
        done = {r[0] for r in store.conn.execute("SELECT version FROM schema_migrations").fetchall()}
    except duckdb.Error:  # no schema table yet: everything is pending
        return True
    return any(v not in done for v, _ in migrations())


def create_app(db_path: str | Path, *, read_only: bool = True, cors_origins: tuple[str, ...] = (),
               max_body_bytes: int = DEFAULT_MAX_BODY, options: Options | None = None,
               allow_private_webhooks: bool = False, dashboard: bool = True,
               monitor_config: str | Path | None = None) -> FastAPI:
    """The API (and the dashboard unless ``dashboard=False``) over the database at ``db_path``.

    ``monitor_config``: also run ``dyadwatch.monitor`` on that sources.toml in a thread of this
    process, writing the same store under the API's write lock (a DuckDB file has one writing
    process; this is how the API and the monitor share one). API writes still need
    ``read_only=False`` and a token."""
    from dyadwatch.api import routes

    watcher = None
    if monitor_config is not None:
        from dyadwatch.monitor import load_config

        cfg = load_config(monitor_config)  # a bad file fails here, before the server starts
    store = open_store(db_path, read_only and monitor_config is None)

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI):
        thread = None
        if watcher is not None:
            thread = threading.Thread(target=watcher.run, name="dyadwatch-monitor", daemon=True)
            thread.start()
        yield
        if watcher is not None:
            watcher.stop()
            thread.join(60)
            watcher.close()
        store.close()

    # No /docs or /redoc: FastAPI's documentation pages load their scripts from a CDN, which the
    # content security policy (and a closed network) refuses. The schema is at /openapi.json.
    app = FastAPI(title="dyadwatch", version="0.1.0", lifespan=lifespan, docs_url=None, redoc_url=None,
                  description="Evidence-linked political event data about country pairs: "
                              "documents, events, stories, dyad series, alerts and watchlists.",
                  responses={422: {"model": routes.models.ErrorBody}})
    app.state.dw = AppState(str(db_path), read_only, store, options or Options(),
                            allow_private_webhooks)
    if monitor_config is not None:
        from dyadwatch.monitor import Monitor

        watcher = Monitor(store, cfg, lock=app.state.dw.write_lock)
        app.state.dw.monitor = watcher
    _install_errors(app)
    app.include_router(routes.router, prefix="/api")
    if dashboard:
        from dyadwatch.web import mount

        mount(app)
    if cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=list(cors_origins),
                           allow_methods=["GET", "POST", "DELETE"],
                           allow_headers=["Authorization", "Content-Type"])
    app.add_middleware(BodyLimit, max_bytes=max_body_bytes)
    app.add_middleware(SecurityHeaders)

    return app


SERVE_ENV = "DYADWATCH_SERVE"  # settings of `dyadwatch serve --workers N` for its worker processes


def app_from_env() -> FastAPI:
    """The read-only app of one worker process of `dyadwatch serve --workers N`."""
    import json
    import os

    cfg = json.loads(os.environ[SERVE_ENV])
    return create_app(cfg["db"], read_only=True, cors_origins=tuple(cfg["cors"]),
                      max_body_bytes=int(cfg["max_body"]),
                      allow_private_webhooks=bool(cfg["allow_private_webhooks"]))


# --- errors -------------------------------------------------------------------------------------
def error_body(code: str, message: str, detail: Any = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "detail": detail}}


def _error_response(request: Request, status: int, code: str, message: str, detail: Any = None,
                    headers: dict[str, str] | None = None):
    if not request.url.path.startswith("/api") and request.url.path not in ("/openapi.json",):
        from dyadwatch.web import error_page

        return error_page(request, status, code, message, headers)
    return JSONResponse(error_body(code, message, jsonable_encoder(detail)), status_code=status,
                        headers=headers)


def _validation_detail(exc: RequestValidationError) -> list[dict[str, Any]]:
    # The offending input is left out: it may be large or hold a secret.
    return [{"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")}
            for e in exc.errors()]


def _install_errors(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api(request: Request, exc: ApiError):
        return _error_response(request, exc.status, exc.code, exc.message, exc.detail, exc.headers)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        code = STATUS_CODES.get(exc.status_code, "error")
        message = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ")
        return _error_response(request, exc.status_code, code, message, None,
                               getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError):
        return _error_response(request, 422, "validation_error",
                               "the request does not match the API schema", _validation_detail(exc))

    @app.exception_handler(InputError)
    async def _input(request: Request, exc: InputError):
        return _error_response(request, 400, "bad_request", exc.message,
                               {"parameter": exc.source or None, "reason": exc.reason})

    @app.exception_handler(DyadwatchError)
    async def _domain(request: Request, exc: DyadwatchError):
        log.error("request %s failed: %s", request.url.path, exc)
        return _error_response(request, 500, exc.reason or "internal", str(exc))

    @app.exception_handler(Exception)
    async def _crash(request: Request, exc: Exception):
        log.exception("unexpected error on %s", request.url.path)
        return _error_response(request, 500, "internal", "an unexpected error occurred; see the "
                                                         "server log")


# --- middleware ---------------------------------------------------------------------------------
class BodyLimit:
    """Refuse request bodies above ``max_bytes`` with 413, by Content-Length or while streaming.
    The body is read here (it is at most ``max_bytes``) and replayed to the application."""

    def __init__(self, app: ASGIApp, max_bytes: int):
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            await self._refuse(scope, receive, send)
            return
        chunks, size, more = [], 0, True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await self._refuse(scope, receive, send)
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        resp = JSONResponse(error_body("payload_too_large",
                                       f"the request body is larger than {self.max_bytes} bytes",
                                       {"max_bytes": self.max_bytes}), status_code=413,
                            headers={"Connection": "close"})
        await resp(scope, receive, send)


# Vega compiles its expressions with Function(), hence 'unsafe-eval'; vega-embed sets inline
# styles. Everything else comes from this server.
CSP = ("default-src 'self'; script-src 'self' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data: blob:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
       "form-action 'self'")


class SecurityHeaders:
    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers") or [])
                headers += [(b"x-content-type-options", b"nosniff"),
                            (b"referrer-policy", b"same-origin"),
                            (b"x-frame-options", b"DENY"),
                            (b"content-security-policy", CSP.encode())]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
