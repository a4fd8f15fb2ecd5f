"""Paged lists as the platform pages them: the count once per query, each page found by id.

`panel/tracker/list` and `panel/tracker/bundle/list` answer one page and the count of the whole
query. Counting the query for every page and skipping `offset` rows to reach each page made
`--all` cost more per page the further it got (100,000 trackers: 100 counts of a three-table join,
and 50 pages skipped on average). Here:

- the count of a query (its SQL and arguments) is remembered per database and data version
  (`Store.data_version`: any write makes another), so a write between two pages is counted anew;
- in id order, a page starting at the offset where an earlier page of the same query ended starts
  after that page's last id (`id > last`, or `<` descending) instead of skipping rows. Any other
  order, or an offset no page ended at, reads by OFFSET.

The rows, their order and the count are what OFFSET and COUNT(*) give, whichever way is taken.
"""

from __future__ import annotations

import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from trackerctl.sandbox.store import Store

KEEP_QUERIES = 64  # queries remembered per process (least recently used dropped)
KEEP_PAGE_ENDS = 10_000  # page ends remembered per query


@dataclass
class _Query:
    count: int | None = None
    ends: dict[tuple[bool, int], Any] = field(default_factory=dict)  # (ascending, offset a page ended at) -> its last id


_queries: OrderedDict[tuple[Any, ...], _Query] = OrderedDict()
_lock = threading.Lock()


def _remembered(conn: sqlite3.Connection, sql: str, args: Sequence[Any]) -> _Query:
    """What is remembered of this query on this database at this data version (a new record when
    nothing is, or the database keeps no version)."""
    version = Store.data_version(conn)
    if version is None:
        return _Query()
    path = conn.execute("PRAGMA database_list").fetchone()[2]
    key = (path, version, sql, tuple(args))
    with _lock:
        query = _queries.get(key)
        if query is None:
            query = _queries[key] = _Query()
            while len(_queries) > KEEP_QUERIES:
                _queries.popitem(last=False)
        else:
            _queries.move_to_end(key)
        return query


def page(conn: sqlite3.Connection, *, select: str, count_from: str, condition: str, args: Sequence[Any], order: str,
         id_column: str, ascending: bool, limit: int, offset: int) -> tuple[list[sqlite3.Row], int]:
    """(rows, count) of `select + condition` ordered by `order` (ties by `id_column`) in the given
    direction, `limit` rows from `offset` (-1: all); `count_from + condition` counts the whole
    query. The rows must carry their id as `id`."""
    query = _remembered(conn, count_from + condition, args)
    if query.count is None:
        query.count = conn.execute("SELECT COUNT(*) " + count_from + condition, args).fetchone()[0]
    direction = "ASC" if ascending else "DESC"
    after = query.ends.get((ascending, offset)) if order == id_column and offset > 0 else None
    if after is not None:
        rows = conn.execute(
            select + condition + f" AND {id_column} {'>' if ascending else '<'} ? ORDER BY {id_column} {direction} LIMIT ?",
            [*args, after, limit],
        ).fetchall()
    else:
        rows = conn.execute(
            select + condition + f" ORDER BY {order} {direction}, {id_column} {direction} LIMIT ? OFFSET ?",
            [*args, limit, offset],
        ).fetchall()
    if rows and order == id_column:
        if len(query.ends) >= KEEP_PAGE_ENDS:
            query.ends.clear()
        query.ends[(ascending, offset + len(rows))] = rows[-1]["id"]
    return rows, query.count


def contains(columns: Sequence[str], text: str) -> tuple[str, list[str]]:
    """The condition that any of `columns`, as text, contains `text` (LIKE's wildcards in it taken
    literally), and its arguments: a list's `filter`."""
    pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return "(" + " OR ".join(f"CAST({c} AS TEXT) LIKE ? ESCAPE '\\'" for c in columns) + ")", [pattern] * len(columns)


def forget() -> None:
    """Drop everything remembered (tests compare with what a first read gives)."""
    with _lock:
        _queries.clear()
