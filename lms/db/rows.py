"""Rows of a written-out statement converted, and made into model instances, as the ORM does:
for the few reads of a fixed shape on every rendered page or write, where building and
compiling the queryset cost several times what running the statement costs."""

from django.db import connection


def columns(model, alias: str) -> str:
    """The model's concrete columns, in field order, qualified by the table's `alias`: the
    select list `fetch_models` expects."""
    return ", ".join(f'{alias}."{field.column}"' for field in model._meta.concrete_fields)


def fetch_values(sql: str, params, fields) -> list[tuple]:
    """Run `sql`, whose columns are the model `fields` in order, and return its rows with each
    value converted by the database's and the field's converters as a queryset's are (SQLite
    returns timestamps and decimals as text, JSON as a string)."""
    compiler = fields[0].model.objects.none().query.get_compiler(connection=connection)
    converters = compiler.get_converters([f.get_col(f.model._meta.db_table) for f in fields])
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return list(compiler.apply_converters(rows, converters)) if converters else rows


def fetch_models(sql: str, params, *models) -> list[tuple]:
    """Run `sql`, whose columns are each model's `columns()` in turn, and make every row into
    one instance of each model, its values converted (`fetch_values`). A model whose primary
    key is NULL in a row (a LEFT JOIN that found none) is None there."""
    fields = [field for model in models for field in model._meta.concrete_fields]
    made = []
    for row in fetch_values(sql, params, fields):
        instances, start = [], 0
        for model in models:
            meta = model._meta
            end = start + len(meta.concrete_fields)
            values = row[start:end]
            pk = values[meta.concrete_fields.index(meta.pk)]
            names = [field.attname for field in meta.concrete_fields]
            instances.append(None if pk is None else model.from_db(connection.alias, names, values))
            start = end
        made.append(tuple(instances))
    return made
