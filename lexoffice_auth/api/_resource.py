"""The resource base: a resource module declares, these classes do the HTTP.

A resource is a small class that names its ``path``, its ``model`` and its error shape,
and inherits one mixin per operation lexoffice offers on it::

    class ArticlesApi(Get[Article], Create[Article], Update[Article], Delete, Resource):
        path = "/v1/articles"
        model = Article
        id_label = "an article id"
        max_page_size = 250

        def list(self, *, article_number=None, page=0, size=25) -> Pager[Article]:
            return self._pager({"articleNumber": article_number}, page, size)

An operation the API lacks is simply not inherited, so ``client.down_payment_invoices``
has no ``create`` and ``client.dunnings`` no plain ``create`` (lexoffice requires the
preceding invoice: use ``pursue``).
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Mapping
from os import PathLike
from typing import IO, TYPE_CHECKING, Any, ClassVar, Generic, Literal, TypeVar, cast

from ..errors import (
    ApiError,
    ConfigurationError,
    Conflict,
    InvalidBody,
    NotFound,
    ValidationFailed,
)
from ._common import check_id, check_page
from ._pager import Pager
from .models import ActionResult, DownloadedFile, LexofficeModel, Page

if TYPE_CHECKING:
    from ._client import LexofficeClient

__all__ = [
    "ByNumber",
    "Create",
    "CreateDraft",
    "Delete",
    "Download",
    "ErrorShape",
    "Get",
    "ListAll",
    "Params",
    "Pursue",
    "Resource",
    "Update",
]

M = TypeVar("M", bound=LexofficeModel)

ErrorShape = Literal["regular", "legacy"]
"""lexoffice's error body of a resource: ``regular`` (``message``, ``details``) or
``legacy`` (``IssueList``: contacts, files and vouchers)."""

Params = Mapping[str, "str | int | bool | None"]
"""Query parameters; ``None`` values are left out."""

Change = Callable[[M], "M | Awaitable[M | None] | None"]
Progress = Callable[[int, "int | None"], object]
"""``progress(bytes_so_far, total_or_None)``, called after every chunk."""
Target = "str | PathLike[str] | IO[bytes] | None"


class Resource:
    """What every resource declares, and the requests they all share."""

    path: ClassVar[str]
    """The collection's path below the base URL, e.g. ``"/v1/articles"``."""
    id_label: ClassVar[str] = "an id"
    """How an id is named in errors, e.g. ``"an article id"``."""
    errors: ClassVar[ErrorShape] = "regular"
    max_page_size: ClassVar[int] = 100
    """The largest ``size`` lexoffice serves for this resource's list (25 by default)."""

    def __init__(self, client: LexofficeClient) -> None:
        self._client = client

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.path!r})"

    def _item_path(self, item_id: str, *rest: str) -> str:
        return "/".join((self.path, check_id(item_id, self.id_label), *rest))

    @staticmethod
    def _query(params: Params) -> dict[str, str | int | bool]:
        return {k: v for k, v in params.items() if v is not None}


class _Typed(Resource, Generic[M]):
    model: ClassVar[type[Any]]
    """The pydantic model of one item."""

    def _model(self) -> type[M]:
        return cast("type[M]", self.model)

    def _checked(self, item: object, operation: str) -> M:
        model = self._model()
        if not isinstance(item, model):
            raise ConfigurationError(f"{operation}() needs a {model.__name__}")
        return item

    def _body(self, item: object, operation: str, *, complete: bool = True) -> dict[str, Any]:
        """``item``'s JSON body, once it keeps lexoffice's documented rules.

        Limits (and with ``complete``, required fields) are checked here, so a body
        lexoffice would refuse is never sent: ``InvalidBody``
        names every field.
        """
        checked = self._checked(item, operation)
        found = checked.problems(complete=complete)
        if found:
            listed = "; ".join(f"{p['field']}: {p['message']}" for p in found[:5])
            more = f" (and {len(found) - 5} more)" if len(found) > 5 else ""
            raise InvalidBody(
                f"{operation}(): this {type(checked).__name__} breaks lexoffice's rules, so "
                f"it was not sent: {listed}{more}",
                details=tuple(found),
            )
        return checked.to_api()

    def _pager(self, params: Params, page: int, size: int, *, path: str | None = None) -> Pager[M]:
        """A ``Pager`` over ``GET path?params&page=&size=`` (path: the collection)."""
        check_page(page, size, self.max_page_size)
        query = self._query(params)
        target = path or self.path
        page_model = cast("type[Page[M]]", Page[self._model()])  # type: ignore[misc]

        def fetch(number: int, count: int) -> Awaitable[Page[M]]:
            return self._client.get_model(
                target, page_model, params={**query, "page": number, "size": count}
            )

        return Pager(fetch, page=page, size=size, what=f"GET {target}")


class Get(_Typed[M]):
    """``get(id)``: ``GET {path}/{id}``."""

    async def get(self, item_id: str) -> M:
        """The item with this id (``NotFound`` if there is none)."""
        path = f"{self.path}/{check_id(item_id, self.id_label)}"
        return await self._client.get_model(path, cast("type[M]", self.model))


class Create(_Typed[M]):
    """``create(item)``: ``POST {path}``; the answer is the new id and version."""

    create_version: ClassVar[int | None] = None
    """The ``version`` a new item must carry (contacts: 0); ``None``: none is sent."""

    async def create(self, item: M) -> ActionResult:
        """Create the item; read-only fields are not sent. Returns the new id and version."""
        body = self._body(item, "create")
        body.pop("version", None)
        if self.create_version is not None:
            body["version"] = self.create_version
        return await self._client.send_model("POST", self.path, body, ActionResult)


class CreateDraft(_Typed[M]):
    """``create(item, finalize=False)``: a sales voucher, as a draft unless finalized."""

    async def create(self, item: M, *, finalize: bool = False) -> ActionResult:
        """Create a draft, or with ``finalize=True`` an ``open`` (numbered) document.

        lexoffice never changes a sales voucher's status through the API afterwards:
        ``finalize`` is the only lever.
        """
        body = self._body(item, "create")
        params = {"finalize": True} if _flag(finalize, "finalize") else None
        return await self._client.send_model("POST", self.path, body, ActionResult, params=params)


class Pursue(_Typed[M]):
    """``pursue(preceding_id, item)``: a document that follows another one."""

    follows: ClassVar[tuple[str, ...]] = ()
    """The voucher types lexoffice documents as possible predecessors."""
    finalizable: ClassVar[bool] = True

    async def pursue(self, preceding_id: str, item: M, *, finalize: bool = False) -> ActionResult:
        """Create the document from a preceding one (``precedingSalesVoucherId``).

        lexoffice links both (``related_vouchers``) and answers 406
        (``ValidationFailed``) for a chain it does not allow;
        the class's ``follows`` lists the documented predecessors. The body's limits are
        checked before sending; its required fields are not (what a follow-up document
        must repeat of its predecessor is not documented).
        """
        params: dict[str, str | int | bool] = {
            "precedingSalesVoucherId": check_id(preceding_id, "the id of a preceding voucher")
        }
        if _flag(finalize, "finalize"):
            if not self.finalizable:
                raise ConfigurationError(f"{self.path} documents cannot be finalized")
            params["finalize"] = True
        body = self._body(item, "pursue", complete=False)
        return await self._client.send_model("POST", self.path, body, ActionResult, params=params)


class Update(_Typed[M]):
    """``update(id, item)`` and ``modify(id, change)``: ``PUT`` with optimistic locking."""

    async def update(self, item_id: str, item: M) -> ActionResult:
        """Replace the item; its ``version`` must be the current one, else
        ``Conflict``. Returns the new version."""
        body = self._body(item, "update")
        return await self._client.send_model("PUT", self._item_path(item_id), body, ActionResult)

    async def modify(self, item_id: str, change: Change[M], *, attempts: int = 5) -> ActionResult:
        """Read the item, let ``change`` edit it, write it back; on a conflict start over.

        ``change`` gets a fresh item and edits it in place or returns a new one (it may be
        async). It may run more than once, so it should only edit the item. After
        ``attempts`` conflicts the last ``Conflict`` is raised.
        """
        if isinstance(attempts, bool) or not isinstance(attempts, int) or attempts < 1:
            raise ConfigurationError("attempts must be an int >= 1")
        get = cast("Callable[[str], Awaitable[M]]", getattr(self, "get", None))
        if get is None:  # pragma: no cover - every updatable resource can be read
            raise ConfigurationError(f"{self.path} cannot be read back")
        for attempt in range(attempts):
            current = await get(item_id)
            version = getattr(current, "version", None)
            # change() edits a copy: _write_back may need the item as read (vouchers: files).
            editable = current.model_copy(deep=True)
            result = change(editable)
            if inspect.isawaitable(result):
                result = await result
            updated = editable if result is None else result
            if not isinstance(updated, self._model()):
                raise ConfigurationError(f"change() must return a {self._model().__name__} or None")
            updated.version = version  # type: ignore[attr-defined]
            try:
                return await self._write_back(item_id, updated, current)
            except Conflict as exc:
                if attempt + 1 >= attempts:
                    exc.retried = attempt
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    async def _write_back(self, item_id: str, updated: M, current: M) -> ActionResult:
        """The write of ``modify`` (a resource may carry data over from ``current``)."""
        return await self.update(item_id, updated)


class ByNumber(_Typed[M]):
    """``get_by_number(number)``: find the document through the voucherlist, then read it."""

    voucher_types: ClassVar[tuple[str, ...]] = ()
    """The voucherlist ``voucherType`` values this resource's documents have."""

    async def get_by_number(self, number: str) -> M:
        """The document whose voucher number is ``number`` (e.g. ``"RE1042"``).

        lexoffice has no lookup by number; this asks the voucherlist (its
        ``voucherNumber`` filter, HTML-escaped as lexoffice's docs require) and reads the
        one match. None: ``NotFound``.
        """
        if not isinstance(number, str) or not number.strip():
            raise ConfigurationError("number must be a non-empty voucher number")
        wanted = number.strip()
        rows = await self._client.voucherlist.list(
            voucher_type=list(self.voucher_types), voucher_number=wanted, size=100
        )
        matches = [row for row in rows.content if row.voucher_number == wanted]
        if not matches:
            raise NotFound(
                f"{self.path}: no {' or '.join(self.voucher_types)} with voucher number {wanted!r}",
                status_code=404,
            )
        get = cast("Callable[[str], Awaitable[M]]", getattr(self, "get"))  # noqa: B009
        return await get(matches[0].id)


class Delete(Resource):
    """``delete(id)``: ``DELETE {path}/{id}`` (204)."""

    async def delete(self, item_id: str) -> None:
        """Delete the item (``NotFound`` if there is none)."""
        await self._client.request("DELETE", self._item_path(item_id))


class ListAll(_Typed[M]):
    """``list()`` of a resource lexoffice answers as one plain JSON array (no paging)."""

    def list(self) -> Pager[M]:
        """Every item, as one page (``await``) or item by item (``async for``)."""
        model = self._model()

        async def fetch(number: int, size: int) -> Page[M]:
            items = await self._client.get_array(self.path, model)
            return Page[model](  # type: ignore[valid-type]
                content=items,
                total_elements=len(items),
                number_of_elements=len(items),
                total_pages=1,
                size=len(items),
            )

        return Pager(fetch, page=0, size=1, what=f"GET {self.path}")


class Download(Resource):
    """``download(id)``: a sales voucher's document through ``/{id}/file`` (reference §3b.20)."""

    xml: ClassVar[bool] = False
    """True where lexoffice renders e-invoice XML (invoices, credit notes, down payments)."""
    document_route: ClassVar[bool] = True
    """True where the deprecated ``/{id}/document`` + ``/v1/files/{id}`` route exists."""
    drafts_render: ClassVar[bool] = False
    """True where a draft has a document too (dunnings); elsewhere a draft is a 409."""

    async def download(
        self,
        item_id: str,
        format: Literal["pdf", "xml", "any"] = "pdf",
        *,
        to: str | PathLike[str] | IO[bytes] | None = None,
        progress: Progress | None = None,
        max_bytes: int | None = None,
        route: Literal["file", "document"] = "file",
    ) -> DownloadedFile:
        """The document, streamed: held in memory, or written to ``to`` chunk by chunk.

        * ``format``: ``"pdf"``; ``"xml"`` (an XRechnung's e-invoice, where the resource has
          one; others answer ``NotFound``); ``"any"`` sends
          ``Accept: */*`` (an XRechnung then comes as XML).
        * ``to``: a path (written to a temporary file beside it, renamed when complete) or
          a binary file object; nothing partial is left behind on failure.
        * ``max_bytes``: refuse a larger document (default: the client's ``max_download_bytes``).
        * ``route="document"``: the deprecated two-step route (``/document``, then
          ``/v1/files/{id}``) for gateways without ``/file``.

        A draft has no document: a ``Conflict`` saying so
        (lexoffice answers 409 on ``/file``, 406 on ``/document``), except for dunnings.
        """
        accept = _ACCEPT.get(format)
        if accept is None:
            raise ConfigurationError("format must be 'pdf', 'xml' or 'any'")
        if format == "xml" and not self.xml:
            raise ConfigurationError(f"{self.path} documents exist as PDF only")
        if route == "document":
            if not self.document_route:
                raise ConfigurationError(f"{self.path} has no /document route")
            try:
                found = await self._client.get_json(self._item_path(item_id, "document"))
            except ValidationFailed as exc:
                if self.drafts_render:
                    raise
                raise self._no_document(item_id, exc) from exc
            path = f"/v1/files/{self._document_file_id(item_id, found)}"
        elif route == "file":
            path = self._item_path(item_id, "file")
        else:
            raise ConfigurationError("route must be 'file' or 'document'")
        try:
            return await self._client.download(
                path, accept=accept, to=to, progress=progress, max_bytes=max_bytes
            )
        except Conflict as exc:
            if self.drafts_render:
                raise
            raise self._no_document(item_id, exc) from exc

    def _document_file_id(self, item_id: str, found: object) -> str:
        """The file id ``/document`` answered; a body without a usable one is an ApiError."""
        file_id = found.get("documentFileId") if isinstance(found, dict) else None
        try:
            return check_id(file_id, "a document file id")
        except ConfigurationError:
            raise ApiError(
                f"GET {self._item_path(item_id, 'document')}: lexoffice's answer names no "
                "usable documentFileId",
                status_code=200,
            ) from None

    def _no_document(self, item_id: str, exc: ApiError) -> Conflict:
        """lexoffice's "draft" answer, as a ``Conflict`` that says what to do."""
        return Conflict(
            f"{self.path[4:]}/{check_id(item_id, self.id_label)} is a draft: lexoffice "
            f"renders no document for drafts; finalize it first ({exc.message})",
            status_code=exc.status_code,
            trace_id=exc.trace_id,
            details=exc.details,
            retried=exc.retried,
        )


_ACCEPT = {"pdf": "application/pdf", "xml": "application/xml", "any": "*/*"}


def _flag(value: object, name: str) -> bool:
    if not isinstance(value, bool):
        raise ConfigurationError(f"{name} must be True or False")
    return value
