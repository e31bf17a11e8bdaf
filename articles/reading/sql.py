"""Queries compiled to SQL once per worker and run with new values: the read side's engine.

The article page runs the same seven queries on every request; only the article's id,
the time and its tags change. Building and compiling a queryset costs several times
what the database takes to answer it, so the hot pages describe each query once, with
the ORM, and this module compiles it once (per database, language and shape), then only
puts each request's values in its parameters:

    ARTICLE_TAGS = CompiledQuery(
        "article's tags",
        Tag,
        lambda pk: Tag.objects.filter(articles=pk),
        columns=lambda: ["pk", "slug", "name_ar", "name_en"],
    )
    ARTICLE_TAGS(pk=1)  # -> [{"pk": 3, "slug": "raqqa", ...}, ...]

Rows come back as dicts of the columns asked for; ``articles.reading.pages`` turns them
into the values templates read. On PostgreSQL a query run alone goes through psycopg's
own prepared statements (the server keeps its plan: planning the related list's UNION
took 3 to 4 ms on every article page, three times what running it takes), and small
queries asked for together are sent as one string, one round trip for all of them.
``DJANGO_DB_PREPARED_STATEMENTS=0`` turns preparing off, behind a connection pooler in
transaction mode (PgBouncer).

This is also the one module of the project that uses names Django does not document.
Each is listed in ``DJANGO_INTERNALS`` with the reason, and ``test_sql.py`` checks that
the installed Django still has every one of them in the shape used here: an upgrade
that changes one fails that test by name, instead of breaking the reader pages.
"""

import contextlib
import itertools
import re
import select
import sqlite3
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta

from django.db import connections, router
from django.db.backends.utils import CursorDebugWrapper
from django.utils.translation import get_language

from articles.memos import Memo, memoized

DJANGO_INTERNALS = {
    "django.db.models.sql.query.Query.get_compiler": "compile a queryset once, for stand-ins",
    "django.db.models.sql.compiler.SQLCompiler.as_sql": "its SQL and parameters",
    "django.db.models.sql.query.Query.selected": "the order the columns are selected in",
    "django.db.models.sql.compiler.SQLCompiler.select": "the selected columns' expressions",
    "django.db.models.sql.compiler.SQLCompiler.col_count": "how many columns are selected",
    "django.db.models.sql.compiler.SQLCompiler.get_converters": (
        "the functions that turn a column's database value into Python's (SQLite dates)"
    ),
    "django.db.backends.base.base.BaseDatabaseWrapper.close_if_health_check_failed": (
        "check a kept connection before our first query of a request, as a cursor() would"
    ),
    "django.db.backends.base.base.BaseDatabaseWrapper.connection": (
        "the DB-API connection, to run a compiled statement on a cursor of our own"
    ),
    "django.db.backends.base.base.BaseDatabaseWrapper.make_cursor": (
        "wrap that cursor as Django wraps its own (errors, query logging)"
    ),
    "django.db.backends.base.base.BaseDatabaseWrapper.queries_logged": "whether to log it",
    "django.db.backends.utils.CursorDebugWrapper.debug_sql": (
        "log our statements by their text (psycopg keeps none of a prepared statement)"
    ),
    "django.db.backends.utils.CursorWrapper._execute_with_wrappers": (
        "run them through Django's execute wrappers and error translation, as it does"
    ),
    "django.db.backends.utils.CursorWrapper._execute": "the same",
    "django.db.backends.base.base.BaseDatabaseWrapper._close": (
        "SQLite: record the query planner's statistics as a connection closes"
    ),
    "django.db.backends.base.base.BaseDatabaseWrapper.is_usable": (
        "PostgreSQL: check a kept connection's health without a round trip"
    ),
}

# Stand-in values no row has and no caller passes: each parameter gets its own.
_INT_BASE = -9_007_199_254_000_000
# Between the statements sent together (the benchmark counts each statement as a query).
STATEMENT_SEPARATOR = ";\n"
_TIME_BASE = datetime(1901, 2, 3, 4, 5, 6, tzinfo=UTC)
_DATE_BASE = date(1902, 3, 4)

_compiled = Memo(
    "sql: compiled queries",
    stale_when="the models or the database change shape (a new release restarts workers)",
    max_size=512,
)


class CompiledQuery:
    """A query described with the ORM, compiled to SQL once and run with new values.

    ``build(**arguments)`` returns a queryset of ``model``; its rows are read as dicts of
    ``columns()`` (names as ``values()`` takes them). Every argument is a parameter of the
    query (a filter's value: an int, a string compared as it is such as a slug, a date,
    an aware datetime, or a list of those),
    except those named in ``shape``: values such as a LIMIT that change the SQL itself,
    which are part of what a compilation is kept under. ``build`` must read nothing
    else that can change: what it reads at the first call is baked into the SQL.

    On PostgreSQL a statement run alone is prepared: the server plans it once, for any
    value. ``prepared=False`` has it planned with each run's values instead, for a query
    whose best plan depends on them (an expert quoted once or ten thousand times: a plan
    made for the average expert walks the whole archive for the first).
    """

    def __init__(
        self,
        name: str,
        model,
        build: Callable[..., object],
        *,
        columns: Callable[[], Sequence[str]],
        shape: tuple[str, ...] = (),
        prepared: bool = True,
    ):
        self.name = name
        self.model = model
        self.build = build
        self.columns = columns
        self.shape = shape
        self.prepared = prepared

    def __repr__(self) -> str:
        return f"<CompiledQuery {self.name}>"

    def __call__(self, **arguments) -> list[dict]:
        return run_together((self, arguments))[0]

    def compiled(self, alias: str, arguments: dict) -> "_Compiled":
        connection = connections[alias]
        key = (
            id(self),
            alias,
            connection.vendor,
            get_language(),
            tuple(
                (name, value if name in self.shape else _length(value))
                for name, value in sorted(arguments.items())
            ),
        )
        return _compiled.get_or_make(key, lambda: _Compiled(self, connection, alias, arguments))


def _length(value) -> int | None:
    return len(value) if isinstance(value, list | tuple) else None


def run_together(*calls: tuple[CompiledQuery, dict]) -> list[list[dict]]:
    """Run compiled queries, each ``(query, arguments)``; return their rows in order.

    On PostgreSQL they are sent together, one network round trip for all of them (small
    queries, planned in microseconds: the plans worth keeping are those of the queries
    run alone); elsewhere they run one after the other.
    """
    results: list[list[dict]] = [[] for _ in calls]
    batches: dict[str, list[tuple[int, _Compiled, list]]] = {}
    for number, (query, arguments) in enumerate(calls):
        if any(_out_of_range(value) for value in arguments.values()):
            # As with the ORM, an id no database column can hold matches no row (a
            # crafted URL must not reach the driver, which would refuse it).
            continue
        alias = router.db_for_read(query.model)
        compiled = query.compiled(alias, arguments)
        params = compiled.params_for(connections[alias], arguments)
        batches.setdefault(alias, []).append((number, compiled, params))
    for alias, batch in batches.items():
        connection = connections[alias]
        answers = _execute(connection, [(compiled, params) for _, compiled, params in batch])
        for (number, compiled, _params), rows in zip(batch, answers, strict=True):
            results[number] = compiled.dicts(connection, rows)
    return results


def _execute(connection, batch: list[tuple["_Compiled", list]]) -> list[list[tuple]]:
    """Run each ``(compiled, params)`` of ``batch`` on ``connection``; return their rows."""
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    if connection.vendor == "postgresql" and len(batch) > 1:
        # Django's own cursor binds on the client and sends the statements as one string:
        # one round trip, the results read one after the other (psycopg's ClientCursor).
        answers = []
        with connection.cursor() as cursor:
            cursor.execute(
                STATEMENT_SEPARATOR.join(compiled.sql for compiled, _ in batch),
                [param for _, params in batch for param in params],
            )
            for number in range(len(batch)):
                if number:
                    cursor.nextset()
                answers.append(cursor.fetchall())
        return answers
    answers = []
    with _cursor(connection) as ours:
        for compiled, params in batch:
            if compiled.prepared or connection.vendor != "postgresql":
                ours.execute(compiled.statement, params)
                answers.append(ours.fetchall())
            else:
                # Django's cursor binds on the client: planned with these values, every time.
                with connection.cursor() as cursor:
                    cursor.execute(compiled.sql, params)
                    answers.append(cursor.fetchall())
    return answers


def _cursor(connection):
    """Return a cursor of our own on ``connection``, wrapped as Django wraps its cursors.

    SQLite: a DB-API cursor that turns Django's ``%s`` placeholders into SQLite's ``?``
    once per statement (Django's cursor runs a regular expression over the whole
    statement on every execution: the related list's is 5,000 characters). PostgreSQL: a
    psycopg cursor with server-side binding, whose statements psycopg prepares (the
    settings set ``prepare_threshold``; Django's own cursors bind on the client and are
    never prepared); a "raw" one, which takes the ``$1`` placeholders the statement was
    numbered with once (psycopg parses a statement longer than 4 KB again on every run).
    """
    if connection.vendor == "postgresql":
        import psycopg  # installed wherever PostgreSQL is used

        raw = psycopg.RawCursor(connection.connection)
    else:
        raw = connection.connection.cursor(factory=_SQLiteCursor)
    if connection.queries_logged:
        return _StatementLogged(raw, connection)
    return connection.make_cursor(raw)


class _StatementLogged(CursorDebugWrapper):
    """Django's logging cursor, logging each statement as it was sent: psycopg keeps no
    text of a statement it ran prepared, where Django looks for it."""

    def execute(self, sql, params=None):
        with self.debug_sql(sql, params):
            return self._execute_with_wrappers(sql, params, many=False, executor=self._execute)


class _Compiled:
    """One compilation: the SQL, where each value goes, and how columns are converted."""

    def __init__(self, query: CompiledQuery, connection, alias: str, arguments: dict):
        counter = itertools.count(1)
        stand_ins = {}

        def stand_in(value):
            if isinstance(value, bool) or not isinstance(value, int | date | str):
                raise TypeError(
                    f"{query.name}: parameters are ints, strings, dates and times, not {value!r}"
                )
            number = next(counter)
            if isinstance(value, str):
                # Compared as it is (a slug): a value no row holds and no SQL contains.
                return f"\x1fstand-in {number}\x1f"
            if isinstance(value, int):
                return _INT_BASE - number
            if isinstance(value, datetime):
                return _TIME_BASE + timedelta(microseconds=number)
            return _DATE_BASE + timedelta(days=number)

        build_arguments = {}
        for name, value in arguments.items():
            if name in query.shape:
                build_arguments[name] = value
            elif isinstance(value, list | tuple):
                build_arguments[name] = [stand_in(item) for item in value]
                for index, item in enumerate(build_arguments[name]):
                    stand_ins[(name, index)] = item
            else:
                build_arguments[name] = stand_ins[(name, None)] = stand_in(value)

        columns = list(query.columns())
        queryset = query.build(**build_arguments)
        if hasattr(queryset, "rewrite"):
            # modeltranslation's queryset: the columns asked for are each language's own.
            queryset = queryset.rewrite(False)
        queryset = queryset.values(*columns)
        compiler = queryset.query.get_compiler(using=alias, connection=connection)
        sql, params = compiler.as_sql()
        # The order Django selects the columns in, which is not always the order asked.
        self.names = list(queryset.query.selected or ())
        if sorted(self.names) != sorted(columns) or compiler.col_count != len(columns):
            raise ValueError(f"{query.name}: the query selects other columns than asked")
        self.prepared = query.prepared
        self.params = list(params)
        self.slots = []
        for (name, index), value in stand_ins.items():
            adapted = _adapt(connection, value)
            positions = [number for number, param in enumerate(self.params) if param == adapted]
            if not positions or str(adapted) in sql:
                raise ValueError(f"{query.name}: {name} is not a parameter of the query")
            self.slots.extend((position, name, index) for position in positions)
        # As Django compiles it (``%s``), and as our own cursor takes it (PostgreSQL: $1).
        self.sql = sql
        self.statement = _numbered(sql) if connection.vendor == "postgresql" else sql
        self.converters = [
            (position, functions, expression)
            for position, (functions, expression) in compiler.get_converters(
                [column[0] for column in compiler.select[: compiler.col_count]]
            ).items()
        ]

    def params_for(self, connection, arguments: dict) -> list:
        params = list(self.params)
        # A value the SQL holds several times (the time now, in each part of a union)
        # is adapted for the database once.
        adapted = {}
        for position, name, index in self.slots:
            value = adapted.get((name, index), _UNSET)
            if value is _UNSET:
                value = arguments[name] if index is None else arguments[name][index]
                value = adapted[name, index] = _adapt(connection, value)
            params[position] = value
        return params

    def dicts(self, connection, rows: list[tuple]) -> list[dict]:
        names = self.names
        if not self.converters:
            return [dict(zip(names, row, strict=True)) for row in rows]
        answers = []
        for row in rows:
            values = list(row)
            for position, functions, expression in self.converters:
                value = values[position]
                for function in functions:
                    value = function(value, expression, connection)
                values[position] = value
            answers.append(dict(zip(names, values, strict=True)))
        return answers


_UNSET = object()


def _adapt(connection, value):
    if isinstance(value, datetime):
        return connection.ops.adapt_datetimefield_value(value)
    if isinstance(value, date):
        return connection.ops.adapt_datefield_value(value)
    return value


@memoized(stale_when="never: a pure function of its argument", max_size=512)
def _qmark(sql: str) -> str:
    """Return ``sql`` with Django's ``%s`` placeholders as SQLite's ``?`` (and ``%%`` as %)."""
    return "%".join(part.replace("%s", "?") for part in sql.split("%%"))


def _numbered(sql: str) -> str:
    """Return ``sql`` with Django's ``%s`` placeholders as PostgreSQL's ``$1``, ``$2``…"""
    numbers = itertools.count(1)
    return _PLACEHOLDER.sub(lambda match: "%" if match[1] == "%" else f"${next(numbers)}", sql)


_PLACEHOLDER = re.compile(r"%([%s])")


class _SQLiteCursor(sqlite3.Cursor):
    """A DB-API cursor that takes the statements Django compiles (``%s`` placeholders)."""

    def execute(self, sql, parameters=()):
        return super().execute(_qmark(sql), parameters)


def _out_of_range(value) -> bool:
    if isinstance(value, list | tuple):
        return any(_out_of_range(item) for item in value)
    return isinstance(value, int) and not -(2**63) <= value < 2**63


# The database backends (newsroom.settings names them) -------------------------------


ANALYSIS_LIMIT = 1000
# ANALYZE writes its results: when a writer holds the database, the closing connection
# gives up at once rather than hold up the request; the next close tries again.
BUSY_TIMEOUT_MS = 50


class SQLiteStatistics:
    """SQLite: keep the query planner's statistics up to date.

    Without statistics, SQLite takes any index on an equality for a selective one. The
    related list's ``status = 'published' AND id IN (a few candidates)`` then walks the
    (status, publication time) index across the whole archive instead of looking the
    few candidates up by id: at 10,000 articles the article page cost half as much again
    as at 1,000. SQLite keeps no statistics by itself; its documentation asks
    applications to run ``PRAGMA optimize`` when a connection closes. That analyses only
    the tables whose indexes the connection used and that have no statistics yet or have
    grown since (a no-op costs microseconds), reading at most ``ANALYSIS_LIMIT`` rows of
    an index.
    """

    def _close(self):
        if self.connection is not None and self.get_autocommit():
            with contextlib.suppress(self.Database.Error):
                self.connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
                self.connection.execute(f"PRAGMA analysis_limit = {ANALYSIS_LIMIT}")
                self.connection.execute("PRAGMA optimize")
        super()._close()


class PostgreSQLHealthCheck:
    """PostgreSQL: check a kept connection's health without a round trip to the server.

    With persistent connections, Django checks at the start of each request that the
    connection it kept still works (``CONN_HEALTH_CHECKS``) by sending ``SELECT 1`` and
    waiting for the answer: one more round trip on every page that reads the database.
    A session the server ended (a restart, a failover, ``pg_terminate_backend``, an idle
    timeout) has something waiting on its socket: the server's goodbye, or the end of
    the stream. A healthy idle session has nothing, since it was sent nothing. So the
    check looks at the socket first, which takes microseconds, and sends ``SELECT 1``
    only when something is waiting there or the session is not idle. A network that
    silently drops the connection is found by neither.
    """

    def is_usable(self):
        from psycopg import pq

        connection = self.connection
        if connection is None or connection.closed or connection.broken:
            return False
        if connection.info.transaction_status != pq.TransactionStatus.IDLE:
            return super().is_usable()
        try:
            poller = select.poll()
            poller.register(connection.fileno(), select.POLLIN | select.POLLPRI)
            waiting = poller.poll(0)
        except (OSError, ValueError, self.Database.Error):
            return False
        return super().is_usable() if waiting else True
