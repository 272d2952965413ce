"""client.articles: §3c's create/update/conflict/list scenario, exact requests and answers."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import httpx
import pytest

from lexoffice_auth.api import Article, ArticlePrice
from lexoffice_auth.errors import ConfigurationError, Conflict, NotFound

from .books_helpers import ART_THERME, ORG, R, assert_json_request, client, json_response, lexoffice

CREATE_BODY = (
    b'{"title":"Gas-Brennwerttherme 25 kW","type":"PRODUCT","articleNumber":"HT-GBT-25",'
    b'"gtin":"4260123456788","unitName":"St\\u00fcck",'
    b'"price":{"netPrice":3450.00,"leadingPrice":"NET","taxRate":19}}'
)
STORED = f"""{{"id":"{ART_THERME}","organizationId":"{ORG}",
"createdDate":"2025-09-01T09:14:05.211+02:00","updatedDate":"2025-09-01T09:14:05.211+02:00",
"archived":false,"title":"Gas-Brennwerttherme 25 kW","type":"PRODUCT",
"articleNumber":"HT-GBT-25","gtin":"4260123456788","unitName":"Stück",
"price":{{"netPrice":3450.00,"grossPrice":4105.50,"leadingPrice":"NET","taxRate":19}},
"version":0}}"""  # a JSON text: 3450.00 stays 3450.00, as lexoffice writes it
SUMMER = timezone(timedelta(hours=2))


def therme(**changes: object) -> Article:
    article = Article(
        title="Gas-Brennwerttherme 25 kW",
        type="PRODUCT",
        article_number="HT-GBT-25",
        gtin="4260123456788",
        unit_name="Stück",
        price=ArticlePrice(net_price=Decimal("3450.00"), leading_price="NET", tax_rate=19),
    )
    return article.model_copy(update=changes)


def result(version: int, status: int = 200) -> httpx.Response:
    return json_response(
        status,
        {
            "id": ART_THERME,
            "resourceUri": f"{R}/articles/{ART_THERME}",
            "createdDate": "2025-09-01T09:14:05.211+02:00",
            "updatedDate": "2025-09-01T09:14:05.211+02:00",
            "version": version,
        },
        Location=f"{R}/articles/{ART_THERME}",
    )


async def test_create_get_update_and_a_stale_update() -> None:
    conflict = {
        "timestamp": "2025-09-03T11:03:10.118+02:00",
        "status": 409,
        "error": "Conflict",
        "path": f"/v1/articles/{ART_THERME}",
        "traceId": "8d2f61c0a4e3",
        "message": "…",
    }
    with lexoffice() as api:
        post = api.post("/v1/articles").mock(return_value=result(0, 201))
        get = api.get(f"/v1/articles/{ART_THERME}").mock(return_value=json_response(200, STORED))
        put = api.put(f"/v1/articles/{ART_THERME}").mock(
            side_effect=[result(1), json_response(409, conflict)]
        )
        async with client() as lx:
            created = await lx.articles.create(therme(version=3))  # no version on POST
            article = await lx.articles.get(ART_THERME)
            update = therme(note="Lieferzeit 5 Werktage", version=0)
            updated = await lx.articles.update(ART_THERME, update)
            with pytest.raises(Conflict) as stale:
                await lx.articles.update(ART_THERME, update)
    assert_json_request(post.calls.last.request, "POST", f"{R}/articles", CREATE_BODY)
    assert created.id == ART_THERME and created.version == 0
    assert created.created_date == datetime(2025, 9, 1, 9, 14, 5, 211000, tzinfo=SUMMER)
    assert get.call_count == 1
    assert article.price == ArticlePrice(
        net_price=Decimal("3450.00"),
        gross_price=Decimal("4105.50"),
        leading_price="NET",
        tax_rate=Decimal(19),
    )
    assert article.archived is False and article.organization_id == ORG
    put_body = CREATE_BODY[:-1] + b',"note":"Lieferzeit 5 Werktage","version":0}'
    put_body = put_body.replace(
        b'"unitName":"St\\u00fcck",', b'"note":"Lieferzeit 5 Werktage","unitName":"St\\u00fcck",'
    ).replace(b',"note":"Lieferzeit 5 Werktage","version":0}', b',"version":0}')
    for call in put.calls:
        assert_json_request(call.request, "PUT", f"{R}/articles/{ART_THERME}", put_body)
    assert updated.version == 1
    assert stale.value.trace_id == "8d2f61c0a4e3" and stale.value.status_code == 409


async def test_read_only_fields_of_an_article_read_back_are_not_sent() -> None:
    with lexoffice() as api:
        api.get(f"/v1/articles/{ART_THERME}").mock(return_value=json_response(200, STORED))
        put = api.put(f"/v1/articles/{ART_THERME}").mock(return_value=result(1))
        async with client() as lx:
            await lx.articles.modify(ART_THERME, lambda a: setattr(a, "note", "neu"))
    sent = put.calls.last.request.content
    for read_only in (b"id", b"organizationId", b"createdDate", b"updatedDate", b"archived"):
        assert b'"' + read_only + b'"' not in sent
    # The gross price is lexoffice's computation (NET leads): read back, never sent.
    # (The number read as 3450.00 is the same JSON number written as 3450.)
    assert b'"price":{"netPrice":3450,"leadingPrice":"NET","taxRate":19}' in sent
    assert sent.endswith(b'"version":0}')


async def test_list_filters_are_sent_as_given_not_html_escaped() -> None:
    page = {
        "content": [json.loads(STORED)],
        "first": True,
        "last": True,
        "totalPages": 1,
        "totalElements": 1,
        "numberOfElements": 1,
        "size": 250,
        "number": 0,
        "sort": [{"property": "title", "direction": "ASC"}],
    }
    with lexoffice() as api:
        route = api.get("/v1/articles").mock(return_value=json_response(200, page))
        async with client() as lx:
            one = await lx.articles.list(article_number="HT-GBT-25", size=250)
            every = [
                a
                async for a in lx.articles.list(article_number="A&B <1>", gtin="1", type="SERVICE")
            ]
    first, second = (str(c.request.url) for c in route.calls)
    assert first == f"{R}/articles?articleNumber=HT-GBT-25&page=0&size=250"
    assert second == (
        f"{R}/articles?articleNumber=A%26B%20%3C1%3E&gtin=1&type=SERVICE&page=0&size=25"
    )
    assert [a.id for a in one.content] == [ART_THERME] and one.total_elements == 1
    assert [a.article_number for a in every] == ["HT-GBT-25"]


async def test_delete_and_its_errors() -> None:
    missing = {"status": 404, "error": "Not Found", "message": "Artikel nicht gefunden"}
    with lexoffice() as api:
        delete = api.delete(f"/v1/articles/{ART_THERME}").mock(
            side_effect=[httpx.Response(204), json_response(404, missing)]
        )
        async with client() as lx:
            assert await lx.articles.delete(ART_THERME) is None
            with pytest.raises(NotFound, match="Artikel nicht gefunden"):
                await lx.articles.delete(ART_THERME)
            with pytest.raises(ConfigurationError, match="size must be an int from 1 to 250"):
                lx.articles.list(size=251)
            with pytest.raises(ConfigurationError, match="not an article id"):
                await lx.articles.get("")
    assert delete.calls.last.request.headers["Authorization"] == "Bearer key"
