"""``client.recurring_templates``: lexoffice's ``/v1/recurring-templates`` (read-only, §3b.17)."""

from __future__ import annotations

from typing import Literal

from ._pager import Pager
from ._resource import Get
from .models import RecurringTemplate

__all__ = ["RecurringTemplatesApi"]

TemplateSort = Literal["createdDate", "updatedDate", "lastExecutionDate", "nextExecutionDate"]


class RecurringTemplatesApi(Get[RecurringTemplate]):
    """Recurring invoice templates (read-only): ``get`` and a paged ``list``.

    The next one to run: ``await lx.recurring_templates.list(sort="nextExecutionDate,ASC",
    size=1)``. List rows are trimmed by lexoffice; ``get`` returns the full template.
    """

    path = "/v1/recurring-templates"
    model = RecurringTemplate
    id_label = "a recurring template id"
    max_page_size = 250

    def list(
        self, *, sort: str | None = None, page: int = 0, size: int = 25
    ) -> Pager[RecurringTemplate]:
        """Templates, ``updatedDate,DESC`` unless ``sort`` says otherwise."""
        return self._pager({"sort": sort}, page, size)
