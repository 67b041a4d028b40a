"""Rows of a written-out statement converted, and made into model instances, as the ORM does:
for the few reads of a fixed shape on every rendered page or write, where building and
compiling the queryset cost several times what running the statement costs."""

from functools import lru_cache

from django.db import connection, transaction
from django.db.models.signals import post_save, pre_save


def columns(model, alias: str) -> str:
    """The model's concrete columns, in field order, qualified by the table's `alias`: the
    select list `fetch_models` expects."""
    return ", ".join(f'{alias}."{field.column}"' for field in model._meta.concrete_fields)


def fetch_values(sql: str, params, fields) -> list[tuple]:
    """Run `sql`, whose columns are the model `fields` in order, and return its rows with each
    value converted by the database's and the field's converters as a queryset's are (SQLite
    returns timestamps and decimals as text, JSON as a string)."""
    return converted(_rows(sql, params), fields)


def fetch_models(sql: str, params, *models) -> list[tuple]:
    """Run `sql`, whose columns are each model's `columns()` in turn, and make every row into
    one instance of each model, its values converted (`fetch_values`). A model whose primary
    key is NULL in a row (a LEFT JOIN that found none) is None there."""
    return made_models(_rows(sql, params), *models)


def fetch_together(*statements: tuple[str, list]) -> list[list[tuple]]:
    """The rows of each (sql, params), the statements sent together: on PostgreSQL in one
    round trip (psycopg's pipeline mode; a round trip cost a rendered page more than running
    its statement), elsewhere one after another (SQLite's statements make no round trip).
    Convert them with `converted` or `made_models`."""
    if connection.vendor != "postgresql" or len(statements) < 2:
        return [_rows(sql, params) for sql, params in statements]
    cursors = [connection.cursor() for _ in statements]  # connected, health-checked
    try:
        with connection.wrap_database_errors, connection.connection.pipeline():
            for cursor, (sql, params) in zip(cursors, statements, strict=True):
                cursor.execute(sql, params)
        return [cursor.fetchall() for cursor in cursors]
    finally:
        for cursor in cursors:
            cursor.close()


def _rows(sql: str, params) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def converted(rows: list[tuple], fields) -> list[tuple]:
    """`rows`, whose columns are the model `fields` in order, as `fetch_values` returns them."""
    compiler, converters = _converters(tuple(fields))
    return list(compiler.apply_converters(rows, converters)) if converters else rows


def _converters(fields: tuple) -> tuple:
    """A compiler and its converters for `fields`, made once per connection (they are bound
    to it): finding them cost a rendered page more than running its statements on SQLite."""
    made = connection.__dict__.setdefault("_row_converters", {})
    if fields not in made:
        compiler = fields[0].model.objects.none().query.get_compiler(connection=connection)
        columns = [field.get_col(field.model._meta.db_table) for field in fields]
        made[fields] = compiler, compiler.get_converters(columns)
    return made[fields]


def made_models(rows: list[tuple], *models) -> list[tuple]:
    """`rows`, whose columns are each model's `columns()` in turn, as `fetch_models` returns
    them."""
    fields = [field for model in models for field in model._meta.concrete_fields]
    made = []
    for row in converted(rows, fields):
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


def insert(instance) -> None:
    """`instance.save()` of a new row, written out: the statement the ORM would run (each
    value prepared by its field, the new id set on `instance`) between the pre_save and
    post_save signals it would send. For the rows every write request adds, where building
    the ORM's INSERT cost more than running it."""
    model, db = type(instance), transaction.get_connection()
    pre_save.send(sender=model, instance=instance, raw=False, using=db.alias, update_fields=None)
    returning = db.features.can_return_columns_from_insert
    sql, fields = _insert_sql(model, db.vendor, returning)
    values = [field.get_db_prep_save(field.pre_save(instance, add=True), db) for field in fields]
    with db.cursor() as cursor:
        cursor.execute(sql, values)
        instance.pk = cursor.fetchone()[0] if returning else cursor.lastrowid
    instance._state.adding, instance._state.db = False, db.alias
    post_save.send(
        sender=model, instance=instance, created=True, update_fields=None, raw=False, using=db.alias
    )


@lru_cache(maxsize=32)
def _insert_sql(model, vendor: str, returning: bool) -> tuple[str, list]:
    quote = connection.ops.quote_name
    fields = [field for field in model._meta.concrete_fields if not field.primary_key]
    sql = (
        f"INSERT INTO {quote(model._meta.db_table)} "  # noqa: S608 (names are ours)
        f"({', '.join(quote(field.column) for field in fields)}) "
        f"VALUES ({', '.join(['%s'] * len(fields))})"
    )
    return (f"{sql} RETURNING {quote(model._meta.pk.column)}" if returning else sql), fields
