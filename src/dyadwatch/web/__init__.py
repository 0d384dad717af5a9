"""The web dashboard: server-rendered pages (Jinja2) with Vega-Lite charts drawn in the browser.

The chart libraries are vendored under ``static/vendor/`` (see its README): nothing is fetched
from elsewhere at run time, and there is no front-end build step.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

STATIC = Path(__file__).resolve().parent / "static"


def mount(app: FastAPI) -> None:
    """Add the dashboard pages and the static files to ``app``."""
    from dyadwatch.web.pages import router

    app.include_router(router)
    app.mount("/static", StaticFiles(directory=str(STATIC)), name="static")


def error_page(request: Request, status: int, code: str, message: str,
               headers: dict[str, str] | None = None) -> HTMLResponse:
    from dyadwatch.web.pages import templates

    read_only = getattr(getattr(request.app.state, "dw", None), "read_only", True)
    return templates.TemplateResponse(request, "error.html",
                                      {"status": status, "code": code, "message": message,
                                       "read_only": read_only},
                                      status_code=status, headers=headers)
