"""The locust users of ``bench_web_load``: practitioners opening person views and searching.

Each simulated practitioner signs in through the real forms, states the safeguarding
purpose, then opens person pages (``GET /people/<id>``) and searches (``POST /search``:
a misspelt name, or a date of birth) in the proportion ``FAMILYHUB_LOAD_VIEW_WEIGHT`` to
``FAMILYHUB_LOAD_SEARCH_WEIGHT``. What to ask for comes from the JSON file named by
``FAMILYHUB_LOAD_PLAN`` (written by bench_web_load): accounts, person ids and names.
Between requests each practitioner pauses for a random time in ``FAMILYHUB_LOAD_THINK``
("MIN,MAX" seconds) to read what came back.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
from typing import Any

from locust import HttpUser, between, task

PLAN: dict[str, Any] = json.loads(open(os.environ["FAMILYHUB_LOAD_PLAN"]).read())  # noqa: SIM115
ACCOUNTS = itertools.cycle(PLAN["accounts"])
THINK = tuple(float(s) for s in os.environ.get("FAMILYHUB_LOAD_THINK", "0,0.2").split(","))
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
SESSION = re.compile(r"__Host-familyhub-session=([^;]*)")


def _typo(name: str) -> str:
    """Two inner letters swapped, as people mistype: 'Olivia' -> 'Oilvia'."""
    return name[0] + name[2] + name[1] + name[3:] if len(name) > 3 else name


class Practitioner(HttpUser):
    wait_time = between(*THINK)

    def on_start(self) -> None:
        # requests keeps Secure cookies off plain HTTP; a browser on 127.0.0.1 sends them,
        # so the session cookie is carried by hand (as benchmarks/bench_web.py does).
        self.cookie = ""
        self.csrf = ""
        username, password = next(ACCOUNTS)
        page = self._send("GET", "/sign-in", name="sign in")
        self._send(
            "POST",
            "/sign-in",
            name="sign in",
            data={"username": username, "password": password, "csrf_token": self._csrf(page)},
        )
        form = self._send("GET", "/purpose", name="sign in")
        self._send(
            "POST",
            "/purpose",
            name="sign in",
            data={"purpose": "safeguarding", "csrf_token": self._csrf(form)},
        )

    def _csrf(self, response: Any) -> str:
        found = CSRF.search(response.text)
        return found.group(1) if found else ""

    def _send(self, method: str, path: str, *, name: str, **kwargs: Any) -> Any:
        headers = {"Cookie": f"__Host-familyhub-session={self.cookie}"} if self.cookie else {}
        response = self.client.request(
            method, path, name=name, headers=headers, allow_redirects=False, **kwargs
        )
        found = SESSION.search(response.headers.get("set-cookie", ""))
        if found:
            self.cookie = found.group(1)
        return response

    def _measured(self, method: str, path: str, *, name: str, **kwargs: Any) -> None:
        """One timed request; anything but 200 (a redirect to sign in, a 403) is an error."""
        headers = {"Cookie": f"__Host-familyhub-session={self.cookie}"}
        with self.client.request(
            method, path, name=name, headers=headers, allow_redirects=False,
            catch_response=True, **kwargs,
        ) as response:  # fmt: skip
            if response.status_code == 200:
                self.csrf = self._csrf(response) or self.csrf
                response.success()
            else:
                response.failure(f"{name}: HTTP {response.status_code}")

    @task(int(os.environ.get("FAMILYHUB_LOAD_VIEW_WEIGHT", "3")))
    def person_view(self) -> None:
        person_id = random.choice(PLAN["person_ids"])
        self._measured("GET", f"/people/{person_id}", name="person view")

    @task(int(os.environ.get("FAMILYHUB_LOAD_SEARCH_WEIGHT", "1")))
    def search(self) -> None:
        given, family, dob = random.choice(PLAN["people"])
        if not self.csrf:
            self.csrf = self._csrf(self._send("GET", "/search", name="search form"))
        if random.random() < 0.5:
            data, name = {"name": f"{_typo(given)} {family}", "date_of_birth": dob}, "search: name"
        else:
            data, name = {"date_of_birth": dob}, "search: date of birth"
        self._measured("POST", "/search", name=name, data={**data, "csrf_token": self.csrf})
