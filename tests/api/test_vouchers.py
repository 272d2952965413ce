"""client.vouchers: §3c's create/get/attach/update scenario, files kept on update, the rules."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

import httpx
import pytest

from lexoffice_auth.api import FileUpload, Voucher, VoucherItem
from lexoffice_auth.errors import ConfigurationError, Conflict, InvalidBody

from .books_helpers import (
    FILE,
    ORG,
    VCH,
    WARENVERKAEUFE,
    R,
    assert_json_request,
    client,
    compact,
    json_response,
    lexoffice,
    multipart_parts,
    part_bytes,
)

CREATE_BODY = compact(
    """{"type":"salesinvoice","voucherNumber":"KA-2025-0915","voucherDate":"2025-09-15",
    "dueDate":"2025-09-15",
    "totalGrossAmount":172.50,"totalTaxAmount":22.50,"taxType":"gross","useCollectiveContact":true,
    "contactName":"Barverkauf Ladengeschäft","remark":"Tagesumsatz Ersatzteile 15.09.2025",
    "voucherItems":[
     {"amount":119.00,"taxAmount":19.00,"taxRatePercent":19,
     "categoryId":"8f8664a8-fd86-11e1-a21f-0800200c9a66"},
     {"amount":53.50,"taxAmount":3.50,"taxRatePercent":7,
     "categoryId":"8f8664a8-fd86-11e1-a21f-0800200c9a66"}]}"""
).replace("ä".encode(), b"\\u00e4")  # the client writes ASCII JSON


def a_voucher(**changes: Any) -> Voucher:
    """§3c's cash-sales voucher (gross, two tax rates)."""
    fields: dict[str, Any] = {
        "type": "salesinvoice",
        "voucher_number": "KA-2025-0915",
        "voucher_date": date(2025, 9, 15),
        "due_date": "2025-09-15",
        "total_gross_amount": Decimal("172.50"),
        "total_tax_amount": Decimal("22.50"),
        "tax_type": "gross",
        "use_collective_contact": True,
        "contact_name": "Barverkauf Ladengeschäft",
        "remark": "Tagesumsatz Ersatzteile 15.09.2025",
        "voucher_items": [
            VoucherItem(
                amount=Decimal("119.00"),
                tax_amount=Decimal("19.00"),
                tax_rate_percent=Decimal(19),
                category_id=WARENVERKAEUFE,
            ),
            VoucherItem(
                amount=Decimal("53.50"),
                tax_amount=Decimal("3.50"),
                tax_rate_percent=Decimal(7),
                category_id=WARENVERKAEUFE,
            ),
        ],
    }
    fields.update(changes)
    return Voucher(**fields)


def stored(version: int, files: list[str]) -> dict[str, Any]:
    """The voucher as GET answers it: dates as timestamps, read-only fields, files."""
    body = json.loads(CREATE_BODY)
    body.update(
        id=VCH,
        organizationId=ORG,
        createdDate="2025-09-15T18:02:11.000+02:00",
        updatedDate="2025-09-15T18:02:11.000+02:00",
        voucherStatus="open",
        voucherDate="2025-09-15T00:00:00.000+02:00",
        dueDate="2025-09-15T00:00:00.000+02:00",
        files=files,
        version=version,
    )
    return body


def action(version: int) -> httpx.Response:
    return json_response(
        200,
        {
            "id": VCH,
            "resourceUri": f"{R}/vouchers/{VCH}",
            "createdDate": "2025-09-15T18:02:11.000+02:00",
            "updatedDate": "2025-09-16T09:00:00.000+02:00",
            "version": version,
        },
    )


def put_body(version: int, files: list[str]) -> bytes:
    """What a PUT of the stored voucher sends: writable fields, dates as days, files, version."""
    head, tail = b'{"type":"salesinvoice",', b"]}"
    assert CREATE_BODY.startswith(head) and CREATE_BODY.endswith(tail)
    middle = CREATE_BODY[len(head) : -len(tail)]
    ids = ",".join(f'"{f}"' for f in files)
    return (
        head
        + b'"voucherStatus":"open",'
        + middle
        + f'],"files":[{ids}],"version":{version}}}'.encode()
    )


async def test_create_sends_the_exact_body_without_version_and_get_reads_timestamps() -> None:
    created = json_response(
        201,
        {
            "id": VCH,
            "resourceUri": f"{R}/vouchers/{VCH}",
            "createdDate": "2025-09-15T18:02:11.000+02:00",
            "updatedDate": "2025-09-15T18:02:11.000+02:00",
            "version": 1,
        },
        Location=f"{R}/vouchers/{VCH}",
    )
    with lexoffice() as api:
        post = api.post("/v1/vouchers").mock(return_value=created)
        get = api.get(f"/v1/vouchers/{VCH}").mock(return_value=json_response(200, stored(1, [])))
        async with client() as lx:
            result = await lx.vouchers.create(a_voucher(version=7, id="ignored"))
            voucher = await lx.vouchers.get(VCH)
    assert_json_request(post.calls.last.request, "POST", f"{R}/vouchers", CREATE_BODY)
    assert result.id == VCH and result.version == 1
    assert get.calls.last.request.headers["Accept"] == "application/json"
    assert voucher.voucher_status == "open" and voucher.version == 1 and voucher.files == []
    assert voucher.voucher_date == date(2025, 9, 15) == voucher.due_date
    assert voucher.total_gross_amount == Decimal("172.50")
    assert voucher.voucher_items is not None
    assert [i.amount for i in voucher.voucher_items] == [Decimal("119.00"), Decimal("53.50")]


async def test_upload_file_sends_only_the_file_part() -> None:
    receipt = b"%PDF-1.4 kassenbon"
    with lexoffice() as api:
        route = api.post(f"/v1/vouchers/{VCH}/files").mock(
            return_value=json_response(202, {"id": FILE})
        )
        async with client() as lx:
            uploaded = await lx.vouchers.upload_file(
                VCH, receipt, filename="kassenbon-2025-09-15.pdf"
            )
            with pytest.raises(ConfigurationError, match="5 MB"):
                await lx.vouchers.upload_file(VCH, b"%PDF-" + bytes(6 * 2**20), filename="x.pdf")
            with pytest.raises(ConfigurationError, match="not a voucher id"):
                await lx.vouchers.upload_file("a/b", receipt, filename="x.pdf")
    assert uploaded == FileUpload(id=FILE)
    assert route.call_count == 1
    parts = multipart_parts(route.calls.last.request)
    assert list(parts) == ["file"]
    assert parts["file"].get_filename() == "kassenbon-2025-09-15.pdf"
    assert parts["file"].get_content_type() == "application/pdf"
    assert part_bytes(parts["file"]) == receipt


async def test_update_keeps_the_attached_files_of_the_current_voucher() -> None:
    with lexoffice() as api:
        get = api.get(f"/v1/vouchers/{VCH}").mock(
            return_value=json_response(200, stored(2, [FILE]))
        )
        put = api.put(f"/v1/vouchers/{VCH}").mock(return_value=action(3))
        async with client() as lx:
            # A voucher built afresh knows no files: lexoffice would delete FILE.
            result = await lx.vouchers.update(VCH, a_voucher(voucher_status="open", version=2))
    assert result.version == 3 and get.call_count == 1
    assert_json_request(put.calls.last.request, "PUT", f"{R}/vouchers/{VCH}", put_body(2, [FILE]))


async def test_update_adds_new_file_ids_to_the_kept_ones_in_order() -> None:
    other = "0f0f0f0f-0000-4000-8000-000000000001"
    with lexoffice() as api:
        api.get(f"/v1/vouchers/{VCH}").mock(return_value=json_response(200, stored(2, [FILE])))
        put = api.put(f"/v1/vouchers/{VCH}").mock(return_value=action(3))
        async with client() as lx:
            await lx.vouchers.update(
                VCH, a_voucher(voucher_status="open", version=2, files=[other])
            )
    assert json.loads(put.calls.last.request.content)["files"] == [other, FILE]


async def test_detach_files_sends_exactly_the_files_given_and_no_get() -> None:
    with lexoffice() as api:
        put = api.put(f"/v1/vouchers/{VCH}").mock(side_effect=[action(3), action(4)])
        async with client() as lx:
            await lx.vouchers.update(
                VCH, a_voucher(voucher_status="open", version=2), detach_files=True
            )
            await lx.vouchers.update(
                VCH, a_voucher(voucher_status="open", version=3, files=[FILE]), detach_files=True
            )
            with pytest.raises(ConfigurationError, match="detach_files must be True or False"):
                await lx.vouchers.update(VCH, a_voucher(), detach_files="yes")  # type: ignore[arg-type]
    first, second = put.calls
    assert_json_request(first.request, "PUT", f"{R}/vouchers/{VCH}", put_body(2, []))
    assert json.loads(second.request.content)["files"] == [FILE]


async def test_modify_keeps_files_with_one_get_and_retries_a_stale_version() -> None:
    stale = httpx.Response(409)  # lexoffice's body for a stale voucher is not documented
    with lexoffice() as api:
        get = api.get(f"/v1/vouchers/{VCH}").mock(
            side_effect=[
                json_response(200, stored(2, [FILE])),
                json_response(200, stored(3, [FILE, "aa"])),
            ]
        )
        put = api.put(f"/v1/vouchers/{VCH}").mock(side_effect=[stale, action(4)])

        def change(voucher: Voucher) -> None:
            voucher.remark = "geprüft"
            voucher.files = []  # modify keeps them anyway; detaching is update's business

        async with client() as lx:
            result = await lx.vouchers.modify(VCH, change)
    assert result.version == 4
    assert get.call_count == 2 and put.call_count == 2  # one GET per attempt, no more
    sent = [json.loads(c.request.content) for c in put.calls]
    assert [(b["version"], b["files"], b["remark"]) for b in sent] == [
        (2, [FILE], "geprüft"),
        (3, [FILE, "aa"], "geprüft"),
    ]
    assert all("id" not in b and "organizationId" not in b and "createdDate" not in b for b in sent)
    assert sent[0]["voucherDate"] == "2025-09-15"


async def test_a_stale_update_is_a_conflict_with_the_legacy_body() -> None:
    legacy = {"IssueList": [{"i18nKey": "conflict", "source": "version", "type": "conflict"}]}
    with lexoffice() as api:
        api.get(f"/v1/vouchers/{VCH}").mock(return_value=json_response(200, stored(3, [FILE])))
        api.put(f"/v1/vouchers/{VCH}").mock(return_value=json_response(409, legacy))
        async with client() as lx:
            with pytest.raises(Conflict) as caught:
                await lx.vouchers.update(VCH, a_voucher(version=2))
    assert caught.value.status_code == 409
    assert caught.value.details[0]["field"] == "version"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"tax_type": "net", "voucher_status": "unchecked"},
            "unchecked voucher with tax_type 'net'",
        ),
        ({"total_gross_amount": Decimal("172.49")}, "total_gross_amount is 172.49 but .* 172.50"),
        ({"total_tax_amount": Decimal("22.5001")}, "total_tax_amount is 22.5001 but .* 22.50"),
        ({"tax_type": "net"}, r"total_gross_amount is 172.50 but .* 195.00 \(tax_type 'net'\)"),
    ],
)
async def test_lexoffices_certain_rules_are_checked_before_sending(
    changes: dict[str, Any], message: str
) -> None:
    with lexoffice():
        async with client() as lx:
            with pytest.raises(ConfigurationError, match=message):
                await lx.vouchers.create(a_voucher(**changes))
            with pytest.raises(ConfigurationError, match=message):
                await lx.vouchers.update(VCH, a_voucher(**changes), detach_files=True)


async def test_what_the_rules_do_not_cover_goes_to_lexoffice() -> None:
    net = a_voucher(
        tax_type="net",
        total_gross_amount=Decimal("195.00"),
        voucher_items=[
            VoucherItem(
                amount=Decimal("172.50"),
                tax_amount=Decimal("22.50"),
                tax_rate_percent=19,
                category_id="8f8664a8-fd86-11e1-a21f-0800200c9a66",
            )
        ],
    )
    unchecked = Voucher(type="purchaseinvoice", voucher_status="unchecked", tax_type="gross")
    partial = a_voucher(voucher_items=[VoucherItem(amount=Decimal(1))])  # no tax_amount
    refused = {"IssueList": [{"i18nKey": "missing_entity", "source": "voucherItems"}]}
    with lexoffice() as api:
        post = api.post("/v1/vouchers").mock(
            side_effect=[action(1), action(1), json_response(406, refused)]
        )
        async with client() as lx:
            await lx.vouchers.create(net)
            await lx.vouchers.create(unchecked)
            # all four item fields are required (§3b.19): refused before sending
            with pytest.raises(InvalidBody, match=r"voucherItems\[0\]\.taxAmount: required"):
                await lx.vouchers.create(partial)
    assert post.call_count == 2
    assert json.loads(post.calls[1].request.content) == {
        "type": "purchaseinvoice",
        "voucherStatus": "unchecked",
        "taxType": "gross",
    }


async def test_only_vouchers_are_accepted() -> None:
    async with client() as lx:
        with pytest.raises(ConfigurationError, match="create\\(\\) needs a Voucher"):
            await lx.vouchers.create({"type": "salesinvoice"})  # type: ignore[arg-type]
        with pytest.raises(ConfigurationError, match="update\\(\\) needs a Voucher"):
            await lx.vouchers.update(VCH, None)  # type: ignore[arg-type]
