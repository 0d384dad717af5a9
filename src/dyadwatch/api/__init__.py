"""The REST API (FastAPI): ``create_app(db_path, read_only=True, ...)``; see ``api.app``."""

from dyadwatch.api.app import create_app

__all__ = ["create_app"]
