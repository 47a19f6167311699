"""OpenID Connect sign-in, end to end against a real provider started on 127.0.0.1.

familyhub's side is not mocked: it fetches the provider's discovery document and keys over
HTTP, exchanges the code with PKCE and client credentials, and checks the signed ID token.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from html import unescape
from urllib.parse import urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from familyhub.access.models import User
from familyhub.audit.models import AuditEvent
from familyhub.db import unit_of_work
from familyhub.web.settings import get_web_settings
from tests.integration.web.oidc_provider import Account, TestProvider, running
from tests.integration.web.support import make_user

pytestmark = pytest.mark.oidc

HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')
ALICE = Account(subject="entra-oid-0001", email="alice.ward@northmoor.example", name="Alice Ward")
STRANGER = Account(subject="entra-oid-0999", email="stranger@elsewhere.example", name="Stranger")


@pytest.fixture
def provider(web_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[TestProvider]:
    with running(TestProvider(accounts=[ALICE, STRANGER])) as op:
        monkeypatch.setenv("FAMILYHUB_OIDC_ISSUER", op.issuer)
        monkeypatch.setenv("FAMILYHUB_OIDC_CLIENT_ID", op.client_id)
        monkeypatch.setenv("FAMILYHUB_OIDC_CLIENT_SECRET", op.client_secret)
        monkeypatch.setenv("FAMILYHUB_OIDC_DISPLAY_NAME", "Northmoor Council account")
        get_web_settings.cache_clear()
        yield op
        get_web_settings.cache_clear()


def _via_provider(client: TestClient, account: Account) -> str:
    """Start at familyhub, pick ``account`` at the provider; return the callback path+query."""
    start = client.get("/sign-in/oidc")
    assert start.status_code == 302
    authorize_url = start.headers["location"]
    page = httpx.get(authorize_url)
    fields = {name: unescape(value) for name, value in HIDDEN.findall(page.text)}
    assert fields["code_challenge_method"] == "S256"
    assert fields["nonce"]
    fields["account"] = account.subject
    back = httpx.post(urlsplit(authorize_url)._replace(query="").geturl(), data=fields)
    assert back.status_code == 302
    callback = urlsplit(back.headers["location"])
    assert callback.netloc == "testserver"
    return f"{callback.path}?{callback.query}"


def _refusals() -> list[AuditEvent]:
    with unit_of_work() as session:
        return list(
            session.scalars(
                select(AuditEvent).where(
                    AuditEvent.action == "auth.sign_in", AuditEvent.decision == "refused"
                )
            )
        )


def test_sign_in_page_offers_the_council_account(
    client: TestClient, provider: TestProvider
) -> None:
    page = client.get("/sign-in")
    assert "Sign in with Northmoor Council account" in page.text


def test_first_sign_in_links_by_email_and_later_ones_by_subject(
    client: TestClient, provider: TestProvider
) -> None:
    user = make_user("alice.ward", email=ALICE.email, password=None, display_name="Alice Ward")
    done = client.get(_via_provider(client, ALICE))
    assert done.status_code == 303
    assert done.headers["location"] == "/purpose"
    with unit_of_work() as session:
        linked = session.get(User, user.id)
        assert linked is not None
        assert (linked.oidc_issuer, linked.oidc_subject) == (provider.issuer, ALICE.subject)
    # Change the email at the council: the link by (issuer, subject) still signs her in.
    with unit_of_work() as session:
        linked = session.get(User, user.id)
        assert linked is not None
        linked.email = "a.ward@northmoor.example"
    client.cookies.clear()
    again = client.get(_via_provider(client, ALICE))
    assert again.headers["location"] == "/purpose"
    form = client.get("/purpose")
    assert "Alice Ward" in form.text


def test_an_identity_with_no_account_here_is_refused_clearly(
    client: TestClient, provider: TestProvider
) -> None:
    refused = client.get(_via_provider(client, STRANGER))
    assert refused.status_code == 400
    assert "Your council account is not set up for this service" in refused.text
    [event] = _refusals()
    assert event.details["reason"] == "no_linked_account"


@pytest.mark.parametrize(
    "misbehaviour", ["wrong_audience", "wrong_nonce", "wrong_issuer", "expired", "forged_signature"]
)
def test_a_bad_id_token_is_refused(
    client: TestClient, provider: TestProvider, misbehaviour: str
) -> None:
    make_user("alice.ward", email=ALICE.email, password=None)
    provider.misbehave = misbehaviour
    refused = client.get(_via_provider(client, ALICE))
    assert refused.status_code == 400
    assert "We could not sign you in with Northmoor Council account" in refused.text
    assert client.get("/").headers["location"] == "/sign-in"
    [event] = _refusals()
    assert event.details["reason"] in {"id_token_invalid", "wrong_issuer"}


def test_a_callback_replayed_or_with_a_changed_state_is_refused(
    client: TestClient, provider: TestProvider
) -> None:
    make_user("alice.ward", email=ALICE.email, password=None)
    callback = _via_provider(client, ALICE)
    tampered = re.sub(r"state=[^&]+", "state=forged", callback)
    assert client.get(tampered).status_code == 400
    # The flow was spent by the failed attempt: the genuine callback cannot be used now.
    assert client.get(callback).status_code == 400
    reasons = [event.details["reason"] for event in _refusals()]
    assert reasons == ["state_mismatch", "no_flow"]
