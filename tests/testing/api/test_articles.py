"""Articles: create, read, versioned update, delete, filters (reference §3b.2, §3c)."""

from __future__ import annotations

from .conftest import Lx

THERME = {
    "title": "Gas-Brennwerttherme 25 kW",
    "type": "PRODUCT",
    "articleNumber": "HT-GBT-25",
    "gtin": "4260123456788",
    "unitName": "Stück",
    "price": {"netPrice": 3450.00, "leadingPrice": "NET", "taxRate": 19},
}


async def test_create_read_update_conflict_filter_delete(lx: Lx) -> None:
    response = await lx.http.post("/v1/articles", json=THERME)
    assert response.status_code == 201
    created = response.json()
    assert response.headers["location"] == created["resourceUri"]
    assert created["createdDate"] == "2025-09-01T09:14:05.211+02:00"
    assert created["version"] == 0
    path = f"/v1/articles/{created['id']}"
    article = await lx.ok("GET", path)
    assert article["price"] == {
        "netPrice": 3450.00,
        "grossPrice": 4105.50,
        "leadingPrice": "NET",
        "taxRate": 19,
    }
    changed = {**THERME, "note": "Lieferzeit 5 Werktage", "version": 0}
    assert (await lx.ok("PUT", path, json=changed))["version"] == 1
    stale = await lx.http.put(path, json=changed)
    assert stale.status_code == 409
    assert {"timestamp", "status", "error", "path", "traceId", "message"} <= set(stale.json())
    assert stale.json()["path"] == path
    page = await lx.ok("GET", "/v1/articles?articleNumber=HT-GBT-25")
    assert [a["id"] for a in page["content"]] == [created["id"]]
    assert (page["totalElements"], page["number"]) == (1, 0)
    assert (await lx.ok("GET", "/v1/articles?articleNumber=NOPE"))["content"] == []
    assert (await lx.http.delete(path)).status_code == 204
    assert (await lx.http.get(path)).status_code == 404
    assert (await lx.http.delete(path)).status_code == 404


async def test_gross_leading_price_computes_the_net_price(lx: Lx) -> None:
    body = {**THERME, "price": {"grossPrice": 80.92, "leadingPrice": "GROSS", "taxRate": 19}}
    created = await lx.ok("POST", "/v1/articles", 201, json=body)
    article = await lx.ok("GET", f"/v1/articles/{created['id']}")
    assert article["price"]["netPrice"] == 68.0


async def test_invalid_articles_are_406_with_details(lx: Lx) -> None:
    bad = {
        **THERME,
        "gtin": "4260123456789",
        "type": "THING",
        "price": {"leadingPrice": "NET", "taxRate": 16},
    }
    refused = await lx.http.post("/v1/articles", json=bad)
    assert refused.status_code == 406
    fields = {d["field"] for d in refused.json()["details"]}
    assert fields == {"gtin", "type", "price.taxRate", "price.netPrice"}


async def test_articles_page_by_title_up_to_250(lx: Lx) -> None:
    for title in ("B", "C", "A"):
        lx.fake.add_article({**THERME, "title": title})
    page = await lx.ok("GET", "/v1/articles?page=1&size=2")
    assert [a["title"] for a in page["content"]] == ["C"]
    assert (page["first"], page["last"], page["totalPages"], page["size"]) == (False, True, 2, 2)
    assert (await lx.http.get("/v1/articles?size=250")).status_code == 200
    assert (await lx.http.get("/v1/articles?size=251")).status_code == 400
    assert (await lx.http.get("/v1/articles?type=SERVICE&type=PRODUCT")).status_code == 400
