"""The hottest statements of the server, run on the DBAPI cursor of the session's own connection.

In the profile of `message:send` at the server's ceiling, SQLAlchemy's Core execution of six small
indexed statements (execution context, parameter processing, result objects) cost about twice
what the database itself spent on them (docs/PERFORMANCE.md, "Profiles and fixes"). A `Prepared`
statement is still written and compiled by SQLAlchemy, once per dialect, so its SQL is the
dialect's own and every column type's bind processing (UTCDateTime, for one) still applies; only
the execution skips the machinery. It runs inside the session's current transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.sql import ClauseElement

# SQL text, parameter order (positional paramstyles), bind processors, the statement's own values.
_Compiled = tuple[str, tuple[str, ...] | None, dict[str, Callable[[Any], Any]], dict[str, Any]]


class Prepared:
    """A Core statement with bindparam() parameters, executed without SQLAlchemy's execution layer."""

    def __init__(self, statement: ClauseElement) -> None:
        self.statement = statement
        self._by_dialect: dict[str, _Compiled] = {}

    def _compile(self, dialect: Dialect) -> _Compiled:
        compiled = self.statement.compile(dialect=dialect)
        processors, fixed = {}, {}
        for name, bind in compiled.binds.items():
            processor = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if processor is not None:
                processors[name] = processor
            if not bind.required:  # a value written into the statement, e.g. the 1 of `last_seq + 1`
                fixed[name] = processor(bind.effective_value) if processor else bind.effective_value
        order = tuple(compiled.positiontup or ()) if dialect.positional else None
        entry = (str(compiled), order, processors, fixed)
        self._by_dialect[dialect.name] = entry
        return entry

    def _run(self, conn: Connection, params: dict[str, Any]) -> Any:
        return self.execute_dbapi(conn.dialect, conn.connection.dbapi_connection, params)

    def execute_dbapi(self, dialect: Dialect, dbapi_connection: Any, params: dict[str, Any]) -> Any:
        """Execute on a bare DBAPI connection (compiled for `dialect`); the caller closes the cursor."""
        sql, order, processors, fixed = self._by_dialect.get(dialect.name) or self._compile(dialect)
        if processors:
            params = {k: processors[k](v) if k in processors else v for k, v in params.items()}
        if fixed:
            params = {**fixed, **params}
        cursor = dbapi_connection.cursor()
        cursor.execute(sql, tuple(params[name] for name in order) if order is not None else params)
        return cursor

    def rows(self, conn: Connection, params: dict[str, Any]) -> list[tuple[Any, ...]]:
        """Execute and return every row (the statement is finished and its cursor closed)."""
        cursor = self._run(conn, params)
        try:
            return cursor.fetchall() if cursor.description is not None else []
        finally:
            cursor.close()

    def scalar(self, conn: Connection, params: dict[str, Any]) -> Any:
        """The first column of the first row, or None when there is no row."""
        rows = self.rows(conn, params)
        return rows[0][0] if rows else None

    def scalars(self, conn: Connection, params: dict[str, Any]) -> list[Any]:
        """The first column of every row."""
        return [row[0] for row in self.rows(conn, params)]

    def rowcount(self, conn: Connection, params: dict[str, Any]) -> int:
        """Execute a statement that returns no rows; how many rows it changed."""
        cursor = self._run(conn, params)
        try:
            return cursor.rowcount
        finally:
            cursor.close()

    def run(self, conn: Connection, params: dict[str, Any]) -> None:
        """Execute a statement that returns no rows."""
        self._run(conn, params).close()
