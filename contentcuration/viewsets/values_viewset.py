"""The read contract shared by every table viewset.

A values viewset (``ReadOnlyValuesViewset``; writes arrive through ``/api/sync``) answers a
list or detail request with ONE ``.values()`` query over its permission-filtered queryset,
then attaches related data in ``consolidate`` with at most one query per relation (never one
per row). A page of any size therefore costs a fixed number of
queries; each viewset pins that number in ``tests/test_read_queries.py``.

Hooks, in the order they run:

* ``get_queryset()``: rows the requester may see (404 for anything else).
* ``filter_queryset()``: django-filter; a ``RequiredFilterSet`` turns an unfiltered list
  into 412, a malformed value into 400 naming the parameter.
* ``prefetch_queryset(qs)`` / ``annotate_queryset(qs)``: joins and SQL-side computed columns.
* ordering: ``?ordering=<field>`` or ``-<field>``, a single field only (after annotation, so
  an annotated column can be an ordering field).
* ``values``: the columns read; ``field_map``: output key -> source column (rename: the source
  key is removed) or callable(row) -> value (the row's keys stay).
* ``consolidate(items, queryset)``: per-relation queries and final shaping. ``queryset``
  selects exactly the rows in ``items`` (sliced to the page), so ``queryset.values("id")``
  is a subquery that spares sending a thousand ids as parameters.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django import forms
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.db.models import IntegerField, Subquery
from django.http import Http404
from django_filters import rest_framework as filters
from django_filters.constants import EMPTY_VALUES
from rest_framework import status
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.mixins import ListModelMixin, RetrieveModelMixin
from rest_framework.response import Response
from rest_framework.viewsets import GenericViewSet

from contentcuration.models import new_hex_id
from contentcuration.models.change_types import CREATED
from contentcuration.models.fields import is_hex_id
from contentcuration.viewsets.openapi_schema import ValuesViewsetSchema
from contentcuration.viewsets.parsers import CheckedJSONParser
from contentcuration.viewsets.sync.apply import apply_one

Row = dict[str, Any]
FieldMap = dict[str, "str | Callable[[Row], Any]"]


# --- Errors -----------------------------------------------------------------------------------


class MissingRequiredParamsException(APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = "No valid filter parameters supplied"
    default_code = "missing_parameters"


# --- Filters ----------------------------------------------------------------------------------


class HexIdFormField(forms.CharField):
    """A 32-hex id; a dashed UUID is accepted and normalised, anything else is a 400."""

    default_error_messages = {"invalid": "Enter a valid id (32 hexadecimal characters)."}

    def clean(self, value):
        value = super().clean(value)
        if value in EMPTY_VALUES:
            return value
        normalised = value.replace("-", "").lower() if len(value) == 36 else value
        if not is_hex_id(normalised):
            raise DjangoValidationError(self.error_messages["invalid"], code="invalid")
        return normalised


class HexIdFilter(filters.CharFilter):
    field_class = HexIdFormField


class HexIdInFilter(filters.BaseInFilter, HexIdFilter):
    """``?id__in=a,b,c`` with every element validated."""


class CharInFilter(filters.BaseInFilter, filters.CharFilter):
    pass


class NumberInFilter(filters.BaseInFilter, filters.NumberFilter):
    pass


class RequiredFilterSet(filters.FilterSet):
    """A list request must carry at least one recognised, non-empty filter (else 412).

    Studio's browser always filters; an unfiltered list of every node a user can see would be
    unbounded, so refusing it is the safe default.
    """

    @property
    def qs(self):
        if self.form.is_valid() and not any(
            self.form.cleaned_data.get(name) not in EMPTY_VALUES for name in self.filters
        ):
            raise MissingRequiredParamsException()
        return super().qs


class StrictBooleanFormField(forms.Field):
    """``true``/``false`` (also ``1``/``0``, any case); anything else is a 400, not "unset"."""

    TRUE, FALSE = {"true", "1", "yes"}, {"false", "0", "no"}
    default_error_messages = {"invalid": "Enter true or false."}

    def to_python(self, value):
        if value in EMPTY_VALUES:
            return None
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in self.TRUE:
            return True
        if text in self.FALSE:
            return False
        raise DjangoValidationError(self.error_messages["invalid"], code="invalid")


class BooleanParamFilter(filters.BooleanFilter):
    """A boolean query parameter as the browser sends it (``true`` / ``false``)."""

    field_class = StrictBooleanFormField

    def __init__(self, *args, **kwargs):
        # django-filter's DRF BooleanFilter installs BooleanWidget, which reads "maybe" as unset.
        kwargs["widget"] = forms.TextInput
        super().__init__(*args, **kwargs)


# --- SQL helpers (portable) -------------------------------------------------------------------


class SQCount(Subquery):
    """``COUNT(*)`` over a subquery; ``qs`` should select a single column."""

    template = "(SELECT COUNT(*) FROM (%(subquery)s) _count)"
    output_field = IntegerField()


# --- Pagination -------------------------------------------------------------------------------


class ValuesPageNumberPagination:
    """``?page_size=N&page=P`` -> ``{"page", "count", "total_pages", "results"}``.

    Only active when ``page_size`` is passed; otherwise the list is a bare array.
    Costs one COUNT query on top of the page query.
    """

    page_size_query_param = "page_size"
    max_page_size = 1000

    def paginate(self, view: BaseValuesViewset, queryset: models.QuerySet) -> Response | None:
        params = view.request.query_params
        if self.page_size_query_param not in params:
            return None
        size = positive_int(params, self.page_size_query_param, maximum=self.max_page_size)
        page = positive_int(params, "page", default=1)
        count = queryset.count()
        total_pages = max(1, -(-count // size))
        if page > total_pages:
            raise Http404("Invalid page.")
        start = (page - 1) * size
        results = view.serialize(queryset, window=(start, start + size))
        return Response({"page": page, "count": count, "total_pages": total_pages, "results": results})

    def response_schema(self, rows: dict) -> dict:
        """The OpenAPI schema of a page whose ``results`` are ``rows`` (an array schema)."""
        counter = {"type": "integer", "minimum": 0}
        return {
            "type": "object",
            "properties": {
                "page": {**counter, "minimum": 1},
                "count": counter,
                "total_pages": {**counter, "minimum": 1},
                "results": rows,
            },
            "required": ["page", "count", "total_pages", "results"],
        }


class ValuesCursorPagination:
    """``?max_results=N`` -> ``{"more": <params of the next page> | null, "results"}``.

    The continuation key is ``<ordering field>__gt=<last value>`` (``__lt`` when descending),
    which the next request applies before slicing, so no COUNT query is needed.
    """

    max_results_query_param = "max_results"
    max_page_size = 100

    def paginate(self, view: BaseValuesViewset, queryset: models.QuerySet) -> Response | None:
        params = view.request.query_params
        if self.max_results_query_param not in params:
            return None
        size = positive_int(params, self.max_results_query_param, maximum=self.max_page_size)
        field, descending = view.ordering_field()
        lookup = f"{field}__{'lt' if descending else 'gt'}"
        source = view.ordering_source(field)
        try:
            if params.get(lookup) not in EMPTY_VALUES:
                queryset = queryset.filter(**{f"{source}__{'lt' if descending else 'gt'}": params[lookup]})
            results = view.serialize(queryset, window=(0, size + 1))
        except (ValueError, DjangoValidationError):
            raise ValidationError({lookup: ["Not a value of the ordering field."]}) from None
        more = None
        if len(results) > size:
            results = results[:size]
            more = {key: params.get(key) for key in params}
            more[lookup] = results[-1][field]
        return Response({"more": more, "results": results})

    def response_schema(self, rows: dict) -> dict:
        """The OpenAPI schema of a page whose ``results`` are ``rows`` (an array schema)."""
        more = {
            "type": "object",
            "nullable": True,
            "additionalProperties": {},
            "description": "The query parameters of the next page; null on the last page.",
        }
        return {
            "type": "object",
            "properties": {"more": more, "results": rows},
            "required": ["more", "results"],
        }


def positive_int(params, name: str, default: int | None = None, maximum: int | None = None) -> int:
    raw = params.get(name)
    if raw in EMPTY_VALUES and default is not None:
        return default
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise ValidationError({name: ["A positive integer is required."]}) from None
    if value < 1:
        raise ValidationError({name: ["A positive integer is required."]})
    return min(value, maximum) if maximum else value


# --- Viewsets ---------------------------------------------------------------------------------


class BaseValuesViewset(GenericViewSet):
    """Reads through one ``.values()`` query; see the module docstring for the hooks."""

    values: tuple[str, ...] = ()
    field_map: FieldMap = {}
    # Output names a client may order by; default: every entry of ``values`` plus renames.
    ordering_fields: tuple[str, ...] | None = None
    ordering: str | None = None  # default, e.g. "-modified"; a tie-break on pk is added
    pagination: ValuesPageNumberPagination | ValuesCursorPagination | None = None
    filter_backends = (filters.DjangoFilterBackend,)
    # Their writes (POST create, actions) take JSON only: a form or multipart body is a 415
    # (a multipart POST /api/channel was a 500, its file part reaching the change log), and
    # the schema then advertises only application/json.
    parser_classes = (CheckedJSONParser,)
    row_type: type | None = None  # the TypedDict of one output row (viewsets/rows.py)
    schema = ValuesViewsetSchema()

    def get_queryset(self) -> models.QuerySet:  # pragma: no cover - abstract
        raise NotImplementedError

    def get_edit_queryset(self) -> models.QuerySet:
        """Rows the requester may change; edit-only actions look objects up here (404 else)."""
        return self.get_queryset()

    # Hooks ------------------------------------------------------------------------------

    def prefetch_queryset(self, queryset: models.QuerySet) -> models.QuerySet:
        return queryset

    def annotate_queryset(self, queryset: models.QuerySet) -> models.QuerySet:
        return queryset

    def consolidate(self, items: list[Row], queryset: models.QuerySet) -> list[Row]:
        return items

    # Machinery --------------------------------------------------------------------------

    def _renames(self) -> dict[str, str]:
        return {out: src for out, src in self.field_map.items() if isinstance(src, str)}

    def ordering_source(self, output_name: str) -> str:
        return self._renames().get(output_name, output_name)

    def ordering_field(self) -> tuple[str, bool]:
        """The (output field, descending) pair this request is ordered by; 400 when invalid."""
        raw = self.request.query_params.get("ordering") or self.ordering or "pk"
        if "," in raw:
            raise ValidationError({"ordering": ["Can only define a single ordering field"]})
        descending = raw.startswith("-")
        field = raw.lstrip("-")
        allowed = set(self.ordering_fields or (*self.values, *self._renames()))
        if raw != self.ordering and field not in allowed and field != "pk":
            raise ValidationError({"ordering": [f"Invalid ordering field {field!r}."]})
        return field, descending

    def order_queryset(self, queryset: models.QuerySet) -> models.QuerySet:
        field, descending = self.ordering_field()
        source = self.ordering_source(field)
        sign = "-" if descending else ""
        return queryset.order_by(f"{sign}{source}", f"{sign}pk")

    def map_row(self, row: Row) -> Row:
        for out, src in self.field_map.items():
            if callable(src):
                row[out] = src(row)
            else:
                row[out] = row.pop(src)
        return row

    def prepare(self, queryset: models.QuerySet) -> models.QuerySet:
        """Apply the prefetch and annotate hooks (before ordering: order may use annotations)."""
        return self.annotate_queryset(self.prefetch_queryset(queryset))

    def serialize(self, queryset: models.QuerySet, window: tuple[int, int] | None = None) -> list[Row]:
        """Read ``queryset`` (already prepared, filtered and ordered) as output rows."""
        if window is not None:
            queryset = queryset[window[0] : window[1]]
        items = [self.map_row(row) for row in queryset.values(*self.values)]
        return self.consolidate(items, queryset)

    def get_object_row(self, queryset: models.QuerySet | None = None) -> Row:
        lookup = self.lookup_url_kwarg or self.lookup_field
        queryset = self.get_queryset() if queryset is None else queryset
        value = self.kwargs[lookup]
        try:
            queryset = queryset.filter(**{self.lookup_field: value})
        except (ValueError, DjangoValidationError):
            raise Http404 from None
        items = self.serialize(self.prepare(queryset), window=(0, 1))
        if not items:
            raise Http404
        return items[0]

    def get_object(self):
        """The model instance (for actions); 404 if not in ``get_queryset()``."""
        queryset = self.get_queryset()
        try:
            return queryset.get(**{self.lookup_field: self.kwargs[self.lookup_url_kwarg or self.lookup_field]})
        except (queryset.model.DoesNotExist, ValueError, DjangoValidationError):
            raise Http404 from None


class ReadOnlyValuesViewset(BaseValuesViewset, ListModelMixin, RetrieveModelMixin):
    """GET list and detail; every other method is 405."""

    def list(self, request, *args, **kwargs):
        queryset = self.order_queryset(self.prepare(self.filter_queryset(self.get_queryset())))
        if self.pagination is not None:
            response = self.pagination.paginate(self, queryset)
            if response is not None:
                return response
        return Response(self.serialize(queryset))

    def retrieve(self, request, *args, **kwargs):
        return Response(self.get_object_row())


class SyncBackedCreateMixin:
    """``POST`` on a list endpoint: create the row by applying the sync CREATED change it
    stands for (``sync.apply.apply_one``), so validation, logging and the server echoes are
    the sync table's. 201 with the detail row; 400 with the errors naming the fields.

    Subclasses set ``sync_table`` and may override ``sync_scope`` (the change's
    ``channel_id`` / ``user_id``) and ``creation_failed``.
    """

    sync_table: str

    def sync_scope(self, request, key: Any) -> dict[str, Any]:
        return {}

    def creation_failed(self, outcome: Any) -> Response:
        """400 in the documented ``FieldErrors`` shape: the handler's field errors as they are,
        a list of messages as ``non_field_errors``."""
        if isinstance(outcome, dict):
            return Response(outcome, status=400)
        messages = outcome if isinstance(outcome, list) else [outcome]
        return Response({"non_field_errors": [str(message) for message in messages]}, status=400)

    def create(self, request, *args, **kwargs):
        body = request.data
        if not isinstance(body, dict):
            return Response({"detail": "The request body must be a JSON object."}, status=400)
        key = body.get("id") or new_hex_id()
        obj = {name: value for name, value in body.items() if name != "id"}
        outcome = apply_one(
            user=request.user,
            table=self.sync_table,
            change_type=CREATED,
            key=key,
            obj=obj,
            **self.sync_scope(request, key),
        )
        if outcome is not None:
            return self.creation_failed(outcome)
        self.kwargs[self.lookup_url_kwarg or self.lookup_field] = key
        return Response(self.get_object_row(), status=201)


def values_of(items: Iterable[Row], key: str) -> list[Any]:
    return list({item[key] for item in items if item.get(key) is not None})
