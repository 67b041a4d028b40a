"""Write every person and record to a records file, streamed section by section."""

import json
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from typing import IO, Any

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone

from lms.audit import sequence_pending
from lms.models import AuditChainHead, Person
from records.format import CONTENT_REFERENCES, FORMAT, SECTIONS, VERSION, section_fields
from records.keys import ContentKeys

CHUNK = 2000


def encode(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _rows(name: str, model, keys: ContentKeys) -> Iterator[dict]:
    fields = section_fields(model)
    queryset = model.objects.order_by("pk")
    if model is get_user_model():
        queryset = queryset.prefetch_related("groups")
    elif model is Person:
        queryset = queryset.prefetch_related("oversight_units")
    elif name == "survey_responses":
        queryset = queryset.prefetch_related("answers")
    for obj in queryset.iterator(chunk_size=CHUNK):
        row = {}
        for field in fields:
            value = getattr(obj, field.attname)
            if field.name in CONTENT_REFERENCES:
                index = keys.quiz_key if field.name == "quiz" else keys.page_key
                row[field.name] = index[value] if value is not None else None
            else:
                row[field.attname] = encode(value)
        if model is get_user_model():
            row["groups"] = sorted(group.name for group in obj.groups.all())
        elif model is Person:
            row["oversight_units"] = sorted(unit.pk for unit in obj.oversight_units.all())
        elif name == "attempts":
            row["quiz_revision_id"] = obj.quiz_revision_id
        elif name == "survey_responses":
            row["survey"] = keys.survey_key[obj.survey_id]
            row["answers"] = [
                {
                    "id": answer.pk,
                    "item": keys.item_key[answer.item_id],
                    "value": answer.value,
                    "comment": answer.comment,
                }
                for answer in sorted(obj.answers.all(), key=lambda a: a.pk)
            ]
        yield row


def export_records(out: IO[str]) -> dict[str, int]:
    """Write the records file to `out`; returns the number of rows per section.

    Read in one transaction (repeatable read on PostgreSQL), so the file is one consistent
    moment even while the site is in use, and streamed, so memory stays flat.
    """
    counts = {}
    outermost = not connection.in_atomic_block
    if outermost:
        sequence_pending()  # so the file holds few pending events (they import pending)
    with transaction.atomic():
        if connection.vendor == "postgresql" and outermost:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        keys = ContentKeys()
        header = {"format": FORMAT, "version": VERSION, "exported_at": timezone.now().isoformat()}
        out.write(json.dumps(header)[:-1])
        for name, model in SECTIONS.items():
            out.write(f',\n"{name}": [')
            count = 0
            for row in _rows(name, model, keys):
                out.write(("\n" if count == 0 else ",\n") + json.dumps(row, ensure_ascii=False))
                count += 1
            out.write("\n]")
            counts[name] = count
        head = AuditChainHead.objects.filter(pk=1).first()
        chain_head = {"seq": head.seq, "hash": head.hash} if head else None
        out.write(f',\n"audit_chain_head": {json.dumps(chain_head)}\n}}\n')
    return counts
