"""Queries built with the ORM, compiled to SQL once per process, then run with new values.

The article page runs the same seven queries on every request; only the article's id,
the time and its tags change. Building and compiling a queryset costs several times
what the database takes to answer it, so the hot pages compile each of theirs once,
for placeholder values, and afterwards only put the request's values in the
parameters and turn the rows into model instances (or, for ``values()``, dicts), as
the ORM itself does.

    ARTICLE = PreparedQuery(Article, lambda pk: Article.objects.filter(pk=pk))
    ARTICLE(pk=1)  # -> [<Article: ...>]

The SQL is compiled per database connection (each thread has its own) and per active
language (modeltranslation names a language's columns in ordering and filters), and
for each length of the lists given (a UNION ALL has one part per tag, say).
"""

import itertools
import weakref
from datetime import UTC, date, datetime, timedelta

from django.db import connections, router
from django.db.models.query import ModelIterable, ValuesIterable, get_related_populators
from django.utils.translation import get_language

# Values no row has and no caller passes: each placeholder gets its own.
_INT_BASE = -9_007_199_254_000_000
_TIME_BASE = datetime(1901, 2, 3, 4, 5, 6, tzinfo=UTC)
_DATE_BASE = date(1902, 3, 4)


class PreparedQuery:
    """A queryset, built by ``build(**values)``, whose SQL is compiled once and reused.

    ``build`` must put every value it receives in the query as a parameter (a filter's
    value, not a LIMIT): compiling checks that each one is found among the parameters.
    Values are ints, dates, aware datetimes, or lists of those (an int too large for a
    database column finds no row, as with the ORM: ints are compared for equality).
    """

    def __init__(self, model, build):
        self.model = model
        self.build = build
        self._compiled = weakref.WeakKeyDictionary()

    def __call__(self, **values) -> list:
        return self.compiled(values).run(values)

    def compiled(self, values: dict) -> "_Compiled":
        alias = router.db_for_read(self.model)
        connection = connections[alias]
        shape = tuple(
            (name, len(value) if isinstance(value, list | tuple) else None)
            for name, value in sorted(values.items())
        )
        per_connection = self._compiled.setdefault(connection, {})
        key = (get_language(), shape)
        compiled = per_connection.get(key)
        if compiled is None:
            compiled = per_connection[key] = _Compiled(self, connection, alias, values)
        return compiled


# Between the statements of a batch (the benchmark counts each statement as a query).
STATEMENT_SEPARATOR = ";\n"


def run_together(*calls: tuple[PreparedQuery, dict]) -> list[list]:
    """Run prepared queries, each ``(query, values)``, and return their objects in order.

    On PostgreSQL with client-side binding (Django's default) they are sent as one
    batch of statements, read one result after the other: one network round trip
    instead of one per query. Elsewhere they run one by one.
    """
    jobs = [(prepared.compiled(values), values) for prepared, values in calls]
    results: list[list | None] = [None] * len(jobs)
    batch = []
    for number, (compiled, values) in enumerate(jobs):
        if any(_out_of_range(value) for value in values.values()):
            results[number] = []
        elif compiled.batches and compiled.connection is jobs[0][0].connection:
            batch.append(number)
        else:
            results[number] = compiled.run(values)
    if len(batch) == 1:
        compiled, values = jobs[batch[0]]
        results[batch[0]] = compiled.run(values)
    elif batch:
        connection = jobs[batch[0]][0].connection
        params = [
            param for number in batch for param in jobs[number][0].params_for(jobs[number][1])
        ]
        sql = STATEMENT_SEPARATOR.join(jobs[number][0].sql for number in batch)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            for position, number in enumerate(batch):
                if position:
                    cursor.nextset()
                results[number] = jobs[number][0].objects_of(cursor.fetchall())
    return results


def _batches(connection) -> bool:
    """Say whether ``connection`` takes several statements in one execute: PostgreSQL's
    client-side binding does; server-side binding (prepared statements) does not."""
    if connection.vendor != "postgresql":
        return False
    import psycopg  # installed wherever the PostgreSQL backend is used

    options = connection.settings_dict["OPTIONS"]
    factory = options.get("cursor_factory")
    if factory is None:
        return options.get("server_side_binding") is not True
    return issubclass(factory, psycopg.ClientCursor)


class _Compiled:
    """One compilation: the SQL, where each value goes, and how rows become objects."""

    def __init__(self, prepared: PreparedQuery, connection, alias: str, values: dict):
        counter = itertools.count(1)
        sentinels = {}

        def placeholder(value):
            if isinstance(value, bool) or not isinstance(value, int | date):
                raise TypeError(f"A prepared query takes ints, dates and times, not {value!r}")
            number = next(counter)
            if isinstance(value, int):
                return _INT_BASE - number
            if isinstance(value, datetime):
                return _TIME_BASE + timedelta(microseconds=number)
            return _DATE_BASE + timedelta(days=number)

        build_values = {}
        for name, value in values.items():
            if isinstance(value, list | tuple):
                build_values[name] = [placeholder(item) for item in value]
                for index, item in enumerate(build_values[name]):
                    sentinels[(name, index)] = item
            else:
                build_values[name] = placeholder(value)
                sentinels[(name, None)] = build_values[name]

        queryset = prepared.build(**build_values)
        compiler = queryset.query.get_compiler(using=alias, connection=connection)
        self.sql, params = compiler.as_sql()
        self.params = list(params)
        self.slots = []
        for (name, index), sentinel in sentinels.items():
            adapted = self._adapt(connection, sentinel)
            positions = [number for number, param in enumerate(params) if param == adapted]
            if not positions or str(adapted) in self.sql:
                raise ValueError(f"{name} is not a parameter of the prepared query")
            self.slots.extend((position, name, index) for position in positions)

        self.connection = connection
        self.batches = _batches(connection)
        self.compiler = compiler
        select, klass_info = compiler.select, compiler.klass_info
        self.converters = compiler.get_converters([s[0] for s in select[: compiler.col_count]])
        self.alias = alias
        query = queryset.query
        if queryset._iterable_class is ValuesIterable:
            # values(): dicts by the names given, as the ORM's own iterable makes them.
            self.names = list(query.selected or ())
            if not self.names:
                self.names = [*query.extra_select, *query.values_select, *query.annotation_select]
            return
        if queryset._iterable_class is not ModelIterable:
            raise TypeError("A prepared query gives model instances or values() dicts")
        self.names = None
        self.model = klass_info["model"]
        fields = klass_info["select_fields"]
        self.start, self.end = fields[0], fields[-1] + 1
        self.init_list = [column[0].target.attname for column in select[self.start : self.end]]
        self.related_populators = get_related_populators(klass_info, select, alias)
        self.annotations = list(compiler.annotation_col_map.items())

    @staticmethod
    def _adapt(connection, value):
        if isinstance(value, datetime):
            return connection.ops.adapt_datetimefield_value(value)
        if isinstance(value, date):
            return connection.ops.adapt_datefield_value(value)
        return value

    def run(self, values: dict) -> list:
        if any(_out_of_range(value) for value in values.values()):
            # As with the ORM: an id no database column can hold matches no row (a
            # crafted URL must not reach the database driver, which would refuse it).
            return []
        with self.connection.cursor() as cursor:
            cursor.execute(self.sql, self.params_for(values))
            return self.objects_of(cursor.fetchall())

    def params_for(self, values: dict) -> list:
        params = list(self.params)
        for position, name, index in self.slots:
            value = values[name] if index is None else values[name][index]
            params[position] = self._adapt(self.connection, value)
        return params

    def objects_of(self, rows: list) -> list:
        if self.converters:
            rows = self.compiler.apply_converters(rows, self.converters)
        if self.names is not None:
            names = self.names
            return [dict(zip(names, row, strict=False)) for row in rows]
        objects = []
        for row in rows:
            obj = self.model.from_db(self.alias, self.init_list, row[self.start : self.end])
            for populator in self.related_populators:
                populator.populate(row, obj)
            for name, position in self.annotations:
                setattr(obj, name, row[position])
            objects.append(obj)
        return objects


def _out_of_range(value) -> bool:
    if isinstance(value, list | tuple):
        return any(_out_of_range(item) for item in value)
    return isinstance(value, int) and not -(2**63) <= value < 2**63
