"""Across resources: the routing table, the gateway's answers, rate limit, scopes, quirks."""

from __future__ import annotations

import base64

import anyio
import httpx
import pytest

from lexoffice_auth.errors import ConfigurationError
from lexoffice_auth.testing import FakeLexoffice
from lexoffice_auth.testing.api import ROUTES

from .conftest import Lx, client_for, make_fake
from .world import CREDIT_NOTE

UNKNOWN = "00000000-0000-4000-8000-000000000000"
# What a minimal request to each endpoint answers: an unknown id is a 404, an empty body
# a 406, a collection a 200. The point: every path x method of the table is served.
_EXPECTED = {
    ("POST", "/v1/files"): 415,  # JSON instead of multipart
    ("POST", "/v1/vouchers/{id}/files"): 404,
    ("GET", "/v1/voucherlist"): 400,  # voucherType and voucherStatus are required
}


def _cases() -> list[tuple[str, str, str]]:
    cases = []
    for route in ROUTES:
        for method in route.methods:
            cases.append((method, route.pattern, route.errors))
    return cases


@pytest.mark.parametrize(("method", "pattern", "shape"), _cases())
async def test_every_route_of_the_table_is_served(
    lx: Lx, method: str, pattern: str, shape: str
) -> None:
    path = pattern.replace("{id}", UNKNOWN)
    expected = _EXPECTED.get((method, pattern))
    if expected is None:
        expected = 404 if "{id}" in pattern else 406 if method == "POST" else 200
    response = await lx.http.request(method, path, json={})
    assert response.status_code == expected, response.text
    if expected >= 400:
        body = response.json()
        assert ("IssueList" in body) == (shape == "legacy"), body


def test_the_table_serves_every_resource_of_the_reference() -> None:
    served = {(m, r.pattern) for r in ROUTES for m in r.methods}
    assert len(served) == len({(m, r.pattern) for r in ROUTES for m in r.methods})
    resources = {r.pattern.split("/")[2] for r in ROUTES}
    assert resources == {
        "articles", "contacts", "countries", "credit-notes", "delivery-notes",
        "down-payment-invoices", "dunnings", "event-subscriptions", "files", "invoices",
        "order-confirmations", "payments", "payment-conditions", "posting-categories",
        "print-layouts", "profile", "quotations", "recurring-templates", "voucherlist",
        "vouchers", "ping",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/v1/nothing"),
        ("GET", "/v2/invoices"),
        ("PUT", f"/v1/invoices/{UNKNOWN}"),
        ("DELETE", f"/v1/contacts/{UNKNOWN}"),
        ("POST", "/v1/down-payment-invoices"),
        ("GET", "/v1/invoices"),
    ],
)
async def test_unrouted_paths_and_methods_get_the_gateways_403(
    lx: Lx, method: str, path: str
) -> None:
    response = await lx.http.request(method, path)
    assert response.status_code == 403
    body = response.json()
    assert set(body) == {"message"} and "not a valid key=value pair" in body["message"]
    key = lx.http.headers["authorization"].split()[1]
    assert key not in response.text  # the real gateway echoes it; the sandbox never does
    assert lx.fake.calls["api:unknown"] == 1


def test_a_path_routes_the_same_when_asked_again_and_by_any_method() -> None:
    api = FakeLexoffice().api
    first = api.route("GET", f"/v1/contacts/{UNKNOWN}")
    assert first[0] is not None and first[2] == (UNKNOWN,)
    assert api.route("GET", f"/v1/contacts/{UNKNOWN}") == first
    put = api.route("PUT", f"/v1/contacts/{UNKNOWN}")
    assert put[0] is first[0] and put[1] is not None and put[1] is not first[1]
    assert api.route("DELETE", f"/v1/contacts/{UNKNOWN}")[1] is None  # not served
    assert api.route("GET", "/v1/nothing") == (None, None, ())
    assert api.route("GET", "/v1/nothing") == (None, None, ())
    # Many distinct ids: each still routes to its own arguments, and memory stays bounded.
    for n in range(5000):
        item = f"00000000-0000-4000-8000-{n:012d}"
        assert api.route("GET", f"/v1/invoices/{item}")[2] == (item,)
    assert len(api._routed) <= 4096


async def test_without_a_key_every_resource_is_the_gateways_401(lx: Lx) -> None:
    for path in ("/v1/articles", "/v1/countries", f"/v1/dunnings/{UNKNOWN}", "/v1/ping"):
        response = await lx.http.get(path, headers={"Authorization": "Bearer wrong"})
        assert (response.status_code, response.json()) == (401, {"message": "Unauthorized"})


async def test_the_token_bucket_covers_the_new_resources() -> None:
    fake = make_fake(rate_limit=2.0)
    async with client_for(fake) as http:
        statuses = [(await http.get("/v1/countries")).status_code for _ in range(3)]
        assert statuses == [200, 200, 429]
        fake.advance(0.5)
        assert (await http.get("/v1/print-layouts")).status_code == 200


async def test_scopes_are_enforced_for_the_new_endpoints() -> None:
    fake = make_fake(enforce_api_scopes=True)
    narrow = fake.mint_tokens(scopes=["openid", "articles.read"])["access_token"]
    async with fake.client(base_url=fake.api_base) as http:
        headers = {"Authorization": f"Bearer {narrow}"}
        assert (await http.get("/v1/articles", headers=headers)).status_code == 200
        denied = await http.post("/v1/articles", json={}, headers=headers)
        assert denied.status_code == 403 and "articles.write" in denied.json()["message"]
        assert (await http.get("/v1/countries", headers=headers)).status_code == 403


async def test_quirk_stale_version_406(lx: Lx) -> None:
    for quirks, status in ((None, 409), ({"stale_version_406"}, 406)):
        fake = make_fake(quirks=quirks)
        cid = fake.add_contact()
        aid = fake.add_article()
        async with client_for(fake) as http:
            contact = (await http.get(f"/v1/contacts/{cid}")).json()
            stale = await http.put(f"/v1/contacts/{cid}", json={**contact, "version": 5})
            assert stale.status_code == status
            article = (await http.get(f"/v1/articles/{aid}")).json()
            stale_article = await http.put(f"/v1/articles/{aid}", json={**article, "version": 5})
            assert stale_article.status_code == status
        if status == 406:
            for response in (stale, stale_article):
                assert response.json()["IssueList"][0]["source"] == "version"


async def test_quirk_rate_limit_500() -> None:
    fake = make_fake(rate_limit=2.0, quirks=["rate_limit_500"])
    async with client_for(fake) as http:
        statuses = [(await http.get("/v1/ping")) for _ in range(3)]
    assert [r.status_code for r in statuses] == [200, 200, 500]
    assert "rate limit" in statuses[-1].json()["message"].lower()


async def test_quirk_file_accept_json_base64() -> None:
    for quirks, status in ((frozenset(), 406), (frozenset({"file_accept_json_base64"}), 200)):
        fake = make_fake(quirks=quirks)
        inv = fake.add_invoice()
        async with client_for(fake) as http:
            got = await http.get(f"/v1/invoices/{inv}/file", headers={"Accept": "application/json"})
        assert got.status_code == status
        if status == 200:
            assert base64.b64decode(got.json()).startswith(b"%PDF-")


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"quirks": {"gremlins"}}, "unknown quirks: gremlins"),
        ({"quirks": "rate_limit_500"}, "not a string"),
        ({"features": {"x-rechnung"}}, "unknown features: x-rechnung"),
    ],
)
def test_unknown_quirks_and_features_are_configuration_errors(
    options: dict[str, object], message: str
) -> None:
    with pytest.raises(ConfigurationError, match=message):
        FakeLexoffice(**options)  # type: ignore[arg-type]


async def test_event_subscriptions_take_any_https_url_and_record_foreign_deliveries(
    lx: Lx,
) -> None:
    url = "https://erp.schneider-heiztechnik.de/hooks/lexware"
    body = {"eventType": "credit-note.created", "callbackUrl": url}
    created = await lx.http.post("/v1/event-subscriptions", json=body)
    assert created.status_code == 201
    assert created.headers["location"] == created.json()["resourceUri"]
    assert (await lx.http.post("/v1/event-subscriptions", json=body)).status_code == 409
    plain_http = {**body, "callbackUrl": "http://erp.example/hooks"}
    assert (await lx.http.post("/v1/event-subscriptions", json=plain_http)).status_code == 406
    await lx.ok("POST", "/v1/credit-notes", 201, json=CREDIT_NOTE)
    assert await lx.fake.await_deliveries(5)
    (delivery,) = lx.fake.deliveries
    assert (delivery.url, delivery.status_code, delivery.error) == (url, None, "not a loopback URL")


@pytest.mark.parametrize("anyio_backend", ["asyncio", "trio"])
async def test_concurrent_creates_get_distinct_numbers(anyio_backend: str) -> None:
    fake = make_fake()
    results: list[httpx.Response] = []
    async with client_for(fake) as http:

        async def create() -> None:
            results.append(await http.post("/v1/credit-notes?finalize=true", json=CREDIT_NOTE))

        async with anyio.create_task_group() as tg:
            for _ in range(10):
                tg.start_soon(create)
        numbers = [
            (await http.get(f"/v1/credit-notes/{r.json()['id']}")).json()["voucherNumber"]
            for r in results
        ]
    assert sorted(numbers) == [f"GS{n:04d}" for n in range(1, 11)]
