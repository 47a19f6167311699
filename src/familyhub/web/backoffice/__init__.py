"""Back-office pages: the data team, the programme team, information governance, planners.

Each module has a ``router`` listed in ``familyhub.web.app.ROUTER_MODULES`` and registers
its starting pages on the home page. Routes parse the request, ask the decision point, call
the domain's service and render; what is shared lives in :mod:`.common`.
"""
