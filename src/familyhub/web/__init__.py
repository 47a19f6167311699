"""The web service: server-rendered GOV.UK-style pages and the ``/api/v1`` JSON API.

Start it with :func:`familyhub.web.app.create_app` (an ASGI app) or
:func:`familyhub.web.app.serve` (uvicorn on a host and port).
"""
