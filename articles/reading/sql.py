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

On PostgreSQL the database also keeps each query's plan: the first run on a connection
sends ``PREPARE`` with it, later runs only ``EXECUTE`` with the values. Planning the
related list's UNION took the server 3 to 4 ms on every article page, three times what
running it takes. ``DJANGO_DB_PREPARED_STATEMENTS=0`` turns this off, for a connection
pooler in transaction mode (PgBouncer), where a session's statements are not kept.
"""

import hashlib
import itertools
import re
import weakref
from datetime import UTC, date, datetime, timedelta

from django.conf import settings
from django.db import DatabaseError, connections, router
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
        with connection.cursor() as cursor:
            prepares = _execute(connection, cursor, [jobs[number][0] for number in batch], params)
            for position, number in enumerate(batch):
                # Past the previous statement's rows, then past a PREPARE's empty result.
                for _ in range((position > 0) + prepares[position]):
                    cursor.nextset()
                results[number] = jobs[number][0].objects_of(cursor.fetchall())
    return results


def _execute(connection, cursor, compiled: list["_Compiled"], params: list) -> list[bool]:
    """Execute the queries ``compiled`` (one, or a batch) with ``params``, as prepared
    statements where the session has them; return for each whether the empty result of
    a PREPARE comes before its rows."""
    statements = [item.statement() for item in compiled]
    server_side = [
        item for item, (text, _) in zip(compiled, statements, strict=True) if text is not item.sql
    ]
    try:
        cursor.execute(STATEMENT_SEPARATOR.join(text for text, _ in statements), params)
    except DatabaseError:
        if not server_side:
            raise
        # Which statements the server kept is unknown now: a PREPARE outlives the
        # transaction it ran in, and a pooler in transaction mode may have passed the
        # statement to another session. This session sends plain SQL from now on, and
        # sends it at once, unless the error has ended the transaction it ran in.
        _statements(connection).names = None
        if connection.in_atomic_block:
            raise
        cursor.execute(STATEMENT_SEPARATOR.join(item.sql for item in compiled), params)
        return [False] * len(compiled)
    if server_side and (names := _statements(connection).names) is not None:
        names.update(item.prepared[0] for item in server_side)
    return [prepares for _, prepares in statements]


def _server_side_plans(connection) -> bool:
    """Say whether queries on ``connection`` are to be prepared on the server: PostgreSQL
    with client-side binding (server-side binding has psycopg prepare them itself)."""
    return _batches(connection) and settings.NEWSROOM_PREPARED_STATEMENTS


def use_generic_plans(sender, connection, **kwargs):
    """On a new PostgreSQL session, have prepared statements keep one plan (the
    ``connection_created`` signal's receiver).

    By default PostgreSQL plans a prepared statement afresh on each run unless its own
    estimates favour the generic plan; for the related list they do not, though that
    plan answers as fast. The setting touches prepared statements only, and on this
    site those are the ones made here. It is set as the session opens, outside any
    transaction, whose rollback would undo it.
    """
    if _server_side_plans(connection):
        connection.connection.execute("SET plan_cache_mode = force_generic_plan")


class _Statements:
    """The statements prepared on one database session, or None once that is uncertain."""

    def __init__(self, session):
        self.session = weakref.ref(session)
        self.names: set[str] | None = set()


def _statements(connection) -> _Statements:
    session = connection.connection
    state = getattr(connection, "_prepared_statements", None)
    if state is None or state.session() is not session:
        # A new session (a reconnect, say) has none of the old one's statements.
        state = connection._prepared_statements = _Statements(session)
    return state


_PLACEHOLDER = re.compile(r"%([%s])")
_POSTGRES_TYPES = ((bool, "boolean"), (int, "bigint"), (datetime, "timestamptz"), (date, "date"))


def _prepare_statement(sql: str, params: list) -> tuple[str, str, str] | None:
    """Return ``(name, PREPARE, EXECUTE)`` for ``sql`` with ``params``, or None when a
    parameter's type cannot be named (the query then runs as plain SQL)."""
    types = []
    for param in params:
        if isinstance(param, str):
            types.append("text")
            continue
        found = next((name for kind, name in _POSTGRES_TYPES if isinstance(param, kind)), None)
        if found is None or (isinstance(param, datetime) and param.tzinfo is None):
            return None
        types.append(found)
    numbers = itertools.count(1)
    body = _PLACEHOLDER.sub(
        lambda match: "%" if match.group(1) == "%" else f"${next(numbers)}", sql
    )
    if next(numbers) != len(params) + 1:
        return None
    declared = f" ({', '.join(types)})" if types else ""
    # Named after what it prepares: the same query, the same name, in every worker.
    name = "newsroom_" + hashlib.blake2b(f"{declared} {body}".encode(), digest_size=10).hexdigest()
    # Sent through the driver's client-side binding: a literal % is written %%.
    prepare = f"PREPARE {name}{declared} AS {body}".replace("%", "%%")
    execute = f"EXECUTE {name} ({', '.join(['%s'] * len(params))})" if params else f"EXECUTE {name}"
    return name, prepare, execute


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
        self.prepared = (
            _prepare_statement(self.sql, self.params) if _server_side_plans(connection) else None
        )
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
            (prepares,) = _execute(self.connection, cursor, [self], self.params_for(values))
            if prepares:
                cursor.nextset()  # past the PREPARE's empty result
            return self.objects_of(cursor.fetchall())

    def statement(self) -> tuple[str, bool]:
        """Return the SQL to send, on an open connection, and whether it begins with a
        PREPARE (the first run of this query on a database session)."""
        if self.prepared is None:
            return self.sql, False
        name, prepare, execute = self.prepared
        names = _statements(self.connection).names
        if names is None:
            return self.sql, False
        if name in names:
            return execute, False
        return prepare + STATEMENT_SEPARATOR + execute, True

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
