"""The ASGI application: ``create_app()``; and ``serve(host, port)`` to run it with uvicorn."""

from __future__ import annotations

import copy
import importlib
import logging
import os
from typing import Any

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from familyhub import __version__
from familyhub.access import check_policies_or_refuse
from familyhub.web.assets import STATIC_DIR, AssetsMissingError, build_vendor, vendor_ready
from familyhub.web.errors import install_error_handlers
from familyhub.web.security import SecurityMiddleware
from familyhub.web.settings import get_web_settings

log = logging.getLogger("familyhub.web")

# Page and API routers, in order. Each module has a ``router``; a domain's pages are added
# by putting its module here (modules not written yet are skipped, as in familyhub.cli).
ROUTER_MODULES = [
    "familyhub.web.auth_pages",
    "familyhub.web.pages",
    "familyhub.web.api",
    # Practitioners: search, the single view of a person or family, and casework actions.
    "familyhub.web.practitioner.pages",
    "familyhub.web.practitioner.api",
    # Back office: the data team, the programme team, information governance, planners.
    "familyhub.web.backoffice.data_team",
    "familyhub.web.backoffice.programme",
    "familyhub.web.backoffice.governance",
    "familyhub.web.backoffice.planner",
]


def _include_routers(app: FastAPI) -> None:
    for name in ROUTER_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name is None or not name.startswith(exc.name):
                raise
            continue
        app.include_router(module.router)


def create_app() -> FastAPI:
    """The familyhub web service for the configured database and data directory.

    Refuses to start (``PolicyFileError``, naming the file and line, and audited) when an
    access policy file does not validate.
    """
    check_policies_or_refuse(actor="web")
    settings = get_web_settings()
    if not vendor_ready():
        try:
            build_vendor()
        except (AssetsMissingError, OSError) as missing:
            log.warning("%s Pages will have no styles (run `make assets`).", missing)
    app = FastAPI(
        title=f"{settings.service_name} API",
        version=__version__,
        description="Multi-agency information sharing for children and families. Every "
        "call is decided by the access policies and recorded in the audit log.",
        openapi_url="/api/v1/openapi.json",
        docs_url=None,  # Swagger UI needs inline script, which our CSP forbids.
        redoc_url=None,
    )
    install_error_handlers(app)
    app.add_middleware(SecurityMiddleware)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    _include_routers(app)

    @app.get("/health", include_in_schema=False)
    def health() -> dict[str, str]:
        """For load balancers and tests: the process answers (no database touched)."""
        return {"status": "ok"}

    return app


def default_workers(database_url: str | None = None) -> int:
    """How many server processes ``serve`` starts unless told: one per CPU core on
    PostgreSQL (one Python process runs one request's Python at a time, so a single process
    saturates one core while the others idle); one on the embedded SQLite, which is for the
    demo and takes one writer at a time anyway."""
    from familyhub.config import get_settings

    settings = get_web_settings()
    if settings.web_workers:
        return settings.web_workers
    url = database_url or get_settings().resolved_database_url
    return 1 if url.startswith("sqlite") else max(os.cpu_count() or 1, 1)


LOG_FORMAT = "%(asctime)s %(name)s %(message)s"


def _worker_log_config() -> dict[str, Any]:
    """uvicorn's own logging configuration plus ours, for every server process."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config["formatters"]["familyhub"] = {"format": LOG_FORMAT}
    config["handlers"]["familyhub"] = {
        "class": "logging.StreamHandler",
        "formatter": "familyhub",
        "stream": "ext://sys.stderr",
    }
    config["loggers"]["familyhub"] = {
        "handlers": ["familyhub"],
        "level": "INFO",
        "propagate": False,
    }
    return config


def serve(host: str = "127.0.0.1", port: int = 8000, workers: int | None = None) -> None:
    """Serve the web service with uvicorn until interrupted, in ``workers`` processes
    (default :func:`default_workers`)."""
    import uvicorn

    settings = get_web_settings()
    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)
    count = workers or default_workers()
    options: dict[str, Any] = {
        "host": host,
        "port": port,
        "proxy_headers": True,
        "forwarded_allow_ips": settings.forwarded_allow_ips,
        # Our middleware logs each request without its query string; uvicorn's would not.
        "access_log": False,
        "server_header": False,
    }
    if count == 1:
        uvicorn.run(create_app(), **options)
        return
    # Worker processes are spawned afresh: the logging set up above does not reach them, and
    # the request log (familyhub.web) would be lost. uvicorn applies this in each worker.
    options["log_config"] = _worker_log_config()
    # Refuse here, once, rather than in every worker (which uvicorn would start again).
    check_policies_or_refuse(actor="web")
    log.info("starting %d server processes", count)
    # Each worker builds its own app (and database engine) from the same environment.
    uvicorn.run(
        "familyhub.web.app:create_app",
        factory=True,
        workers=count,
        **options,
    )
