"""The base every lexoffice model shares: aliases, kept unknown fields, exact money, dates.

* Python names are snake_case; the JSON names (camelCase) are the aliases. Both are
  accepted when building a model.
* Unknown fields are kept (``model_extra``) and sent back, so a field lexoffice adds
  later neither breaks parsing nor gets lost on an update.
* Money is ``Decimal`` (parsed from numbers or strings, sent as exact JSON
  numbers, never through ``float``).
* Datetimes are sent in lexoffice's strict ``yyyy-MM-ddTHH:mm:ss.SSSXXX``; a naive
  datetime is taken as German time (Europe/Berlin), as lexoffice does.
* Read-only fields (ids, dates, computed totals, ...) are never sent:
  ``LexofficeModel.to_api`` leaves them out.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta, timezone, tzinfo
from decimal import Decimal
from typing import Annotated, Any, ClassVar, Generic, TypeVar

from pydantic import (
    AliasGenerator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    SerializationInfo,
    SerializerFunctionWrapHandler,
    model_serializer,
)
from pydantic.alias_generators import to_camel

__all__ = [
    "ActionResult",
    "DownloadedFile",
    "LexDate",
    "LexDateTime",
    "LexofficeModel",
    "Money",
    "Page",
    "format_lexoffice_datetime",
]

try:
    from zoneinfo import ZoneInfo

    _BERLIN: tzinfo = ZoneInfo("Europe/Berlin")
except Exception:  # pragma: no cover - a system without time zone data
    _BERLIN = timezone(timedelta(hours=1))


def format_lexoffice_datetime(value: datetime) -> str:
    """``value`` as lexoffice requires it: ``2024-05-01T10:00:00.000+02:00``.

    Exactly three millisecond digits and an offset with a colon (``Z`` is written
    ``+00:00``). A naive datetime is taken as Europe/Berlin time.

    Example:
        >>> format_lexoffice_datetime(datetime(2024, 5, 1, 10, 0, tzinfo=timezone.utc))
        '2024-05-01T10:00:00.000+00:00'
    """
    if value.tzinfo is None or value.utcoffset() is None:
        value = value.replace(tzinfo=_BERLIN)
    offset = value.utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds()) // 60
    sign = "+" if minutes >= 0 else "-"
    hours, mins = divmod(abs(minutes), 60)
    return f"{value:%Y-%m-%dT%H:%M:%S}.{value.microsecond // 1000:03d}{sign}{hours:02d}:{mins:02d}"


def _money_json(value: Decimal) -> str:
    # Only a plain model_dump_json() lands here; to_api() keeps the Decimal for the exact
    # encoder (api/_json.py). A string keeps the digits a float would lose.
    return format(value, "f")


Money = Annotated[
    Decimal,
    Field(allow_inf_nan=False),
    PlainSerializer(_money_json, return_type=str, when_used="json"),
]
"""An amount: a ``Decimal`` in Python, an exact JSON number in the body sent to lexoffice."""

LexDateTime = Annotated[
    datetime,
    PlainSerializer(format_lexoffice_datetime, return_type=str, when_used="json"),
]
"""A datetime, sent in lexoffice's strict format."""


def _day(value: date) -> str:
    return value.isoformat()


def _to_day(value: Any) -> Any:
    """A timestamp as its German calendar day: lexoffice reads some dates back that way."""
    if isinstance(value, str) and "T" in value:
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value  # pydantic reports it
    if isinstance(value, datetime):
        return value.astimezone(_BERLIN).date() if value.tzinfo else value.date()
    return value


LexDate = Annotated[
    date,
    BeforeValidator(_to_day),
    PlainSerializer(_day, return_type=str, when_used="json"),
]
"""A date-only value, sent as ``yyyy-MM-dd``; a timestamp read back is taken as its day in
German time (bookkeeping vouchers write dates and read back timestamps)."""

_API_CONTEXT = {"lexoffice_api": True}


class LexofficeModel(BaseModel):
    """Base of every lexoffice model: camelCase aliases, unknown fields kept.

    ``read_only`` names the fields (Python names) that ``to_api`` never sends.

    Example:
        >>> from lexoffice_auth.api import Article
        >>> Article(title="Therme", type="PRODUCT", id="abc").to_api()
        {'title': 'Therme', 'type': 'PRODUCT'}
    """

    model_config = ConfigDict(
        extra="allow",
        populate_by_name=True,
        alias_generator=AliasGenerator(alias=to_camel),
        ser_json_inf_nan="strings",
    )
    read_only: ClassVar[frozenset[str]] = frozenset()
    max_lengths: ClassVar[Mapping[str, int]] = {}
    """lexoffice's limits per field: the longest text, or the most entries of a list."""
    required: ClassVar[tuple[str, ...]] = ()
    """The fields lexoffice needs on create (and on a full update)."""

    def problems(self, *, complete: bool = True) -> list[dict[str, str]]:
        """What lexoffice would refuse in this body, found without sending it.

        Each problem is ``{"field", "violation", "message"}`` (the shape of lexoffice's
        own ``details``, with its JSON path); ``complete=False`` checks the limits only,
        not the required fields. The client runs this before every create and update
        and raises ``ValidationFailed`` instead of sending.

        Example:
            >>> from lexoffice_auth.api import Contact, Person
            >>> Contact(person=Person(last_name="Lang", salutation="x" * 30)).problems()
            ... # doctest: +NORMALIZE_WHITESPACE
            [{'field': 'roles', 'violation': 'NOTNULL', 'message': 'customer and/or vendor'},
             {'field': 'person.salutation', 'violation': 'SIZE',
              'message': 'at most 25 characters, not 30'}]
        """
        from ._rules import problems_of

        return problems_of(self, complete=complete)

    def extra_problems(self, prefix: str, *, complete: bool) -> list[dict[str, str]]:
        """Rules beyond ``max_lengths`` and ``required`` (a model overrides this)."""
        return []

    @model_serializer(mode="wrap")
    def _drop_read_only(
        self, handler: SerializerFunctionWrapHandler, info: SerializationInfo
    ) -> Any:
        data = handler(self)
        context = info.context
        if isinstance(data, dict) and isinstance(context, dict) and context.get("lexoffice_api"):
            for name in self.read_only:
                field = type(self).model_fields[name]
                data.pop(field.alias or name, None)
                data.pop(name, None)
        return data

    def to_api(self) -> dict[str, Any]:
        """The JSON body lexoffice expects: aliases, no ``None``s, no read-only fields.

        Amounts stay ``Decimal`` (the client writes them as exact JSON numbers); dates and
        datetimes are strings in lexoffice's formats.
        """
        python: dict[str, Any] = self.model_dump(
            by_alias=True, exclude_none=True, context=_API_CONTEXT
        )
        body: dict[str, Any] = _wire_values(python)
        return body

    def to_json(self) -> bytes:
        """``to_api`` as the JSON bytes the client sends: amounts exact, no float.

        Example:
            >>> from lexoffice_auth.api import UnitPrice
            >>> UnitPrice(net_amount="24.90", tax_rate_percentage=19).to_json()
            b'{"currency":"EUR","netAmount":24.90,"taxRatePercentage":19}'
        """
        from .._json import encode  # a sibling of the models' package, loaded on use

        return encode(self.to_api())


def _wire_values(value: Any) -> Any:
    """Dates as lexoffice's strings; everything else (Decimal included) as it is."""
    if isinstance(value, dict):
        return {k: _wire_values(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_wire_values(v) for v in value]
    if isinstance(value, datetime):
        return format_lexoffice_datetime(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


class ActionResult(LexofficeModel):
    """What lexoffice answers to a create or update: the id and the new version."""

    id: str
    resource_uri: str | None = None
    created_date: LexDateTime | None = None
    updated_date: LexDateTime | None = None
    version: int | None = None


class DownloadedFile(LexofficeModel):
    """A downloaded document or file.

    ``content`` holds the bytes, unless the download was written to ``to=`` (then it is
    empty and ``path`` names the file written, when ``to`` was a path). ``size`` counts
    the bytes either way; ``filename`` is the one lexoffice suggests.
    """

    content: bytes = b""
    media_type: str
    filename: str | None = None
    size: int = 0
    path: str | None = None


T = TypeVar("T", bound=LexofficeModel)


class Page(LexofficeModel, Generic[T]):
    """One page of a paged resource (``number`` is 0-based).

    Lists that lexoffice does not page (countries, print layouts, ...) come as one page
    holding everything, with ``first`` and ``last`` both true.
    """

    content: list[T]
    first: bool = True
    last: bool = True
    total_pages: int = 0
    total_elements: int = 0
    number_of_elements: int = 0
    size: int = 0
    number: int = 0
