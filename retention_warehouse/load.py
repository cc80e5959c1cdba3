"""Load raw files into the target's raw schema (DuckDB, PostgreSQL or Spark), checked against the raw input contract.

The rules (shared metrics.md, "Raw input contract"):

Files. A table file is named after its raw table, case-insensitively, with one of the suffixes ``.csv``,
``.csv.gz``, ``.tsv``, ``.tsv.gz`` or ``.parquet`` (``Orders.CSV`` is the orders table). Names starting with ``_``
or ``.`` (hidden files, the generator's ``_truth`` folder and ``_counts.json``) are ignored silently; any other
entry of the folder (``events_2024.csv``, ``notes.txt``) is named in a warning, or is an error with
``strict=True`` (``--strict``). Two files for one table are an error naming both. Only ``orders`` is required;
absent optional tables are created empty.

Text files. UTF-8, with or without a byte order mark. A UTF-16 or UTF-32 file with a byte order mark is
transcoded to a temporary UTF-8 copy and loaded. Any other encoding (Latin-1, Windows-1252, UTF-16 without a
byte order mark) is rejected with ``<file>: not UTF-8 (byte 0xE9 at line 3); save the file as UTF-8``: one
single-byte code page cannot be told from another, and a wrong guess would corrupt names without a trace.
``.tsv`` is tab-delimited; the delimiter of a ``.csv`` is whichever of ``,`` ``;`` tab ``|`` occurs most in its
header line (the comma on a tie). Quoting is RFC 4180 (``"``, doubled inside a quoted value); quoted values may
hold delimiters and line breaks; a line (value) may be up to 64 MB long; CRLF, LF and mixed line endings load (mixed
ones through a normalised temporary copy). A row with more or fewer fields than the header is an error naming its
line (``orders.csv line 7: 3 field(s) where the header has 4``): rows are never padded or cut. Empty values are null.

Columns. Header names match the contract after trimming whitespace (and a byte order mark), case-insensitively,
in any order. A missing required column is an error; an absent optional column is typed nulls; a column that is
not in the contract is ignored with a warning (hinting at a close contract name); a name that appears twice is an
error.

Values. Every value must read as its contract type, else one line names ``table.column``, the count of bad
values, the file and line (Parquet: row) of the first one, and the accepted formats:

- timestamps: ISO 8601 ``YYYY-MM-DD[ T]HH:MM[:SS[.ffffff]]`` with an optional ``Z``, ``+HH:MM``/``-HH:MM`` offset
  or IANA zone name (a bare ``YYYY-MM-DD`` is midnight). With an offset or a zone the UTC instant is stored; naive
  values are UTC. Parquet ``TIMESTAMP WITH TIME ZONE`` becomes its UTC instant, naive ``TIMESTAMP`` is kept.
- dates: ``YYYY-MM-DD``.
- integers (order_items.quantity): whole numbers; a fraction (``1.5``) is an error, never rounded. A zero fraction
  (``2.0``) is read as the integer: it is what pandas writes for an integer column with gaps (float64), and it
  loses nothing.
- amounts and rates: decimal numbers with a point (``12.50``); ``NaN`` and infinities are errors.
- booleans: true/false, t/f, yes/no, y/n, 1/0.

Loading. A replacing load (the default) checks every file, then replaces every raw table in one transaction
(DuckDB, PostgreSQL), so it is idempotent and a failed load leaves every table as it was. An ``orders`` file with no
rows is an error in a replacing load (a header-only export would empty the warehouse); ``append=True`` adds the
files' rows instead (a daily batch; an empty batch is fine). Every row is stamped with ``_loaded_at`` (UTC; an
aware datetime is converted to its UTC instant).

Privacy. The salt of personal-data pseudonyms lives in the one-row table ``privacy.pii_salt`` so that it never
appears in SQL that dbt writes (``store_pii_salt``; every load applies the same rules in its transaction):
RETENTION_PII_SALT set and nothing stored -> stored; the same salt stored -> nothing; a different salt stored ->
an error when erasures are recorded in either erasure table (they would no longer match), else replaced (a
rotation); unset -> the stored salt is kept, or the table is created empty (the public demo salt is in effect)
with a warning. An empty table with recorded erasures means the demo salt, so a new salt is an error there too.
The salt is never printed, and enters DuckDB SQL only as a bound parameter.
Rows of erased people never come back on a reload: the salt in effect is the stored one or the demo salt; rows of
customers, orders, events, experiment_assignments and loyalty_ledger whose customer_id hashes (SHA-256 hex of
salt || id, the id exactly as in the file) into ``privacy.erased_customers``, events whose anonymous_id hashes into
``privacy.erased_anonymous_ids`` (absent = empty) and order_items of the orders so dropped are left out. Rows
with null ids are kept (staging quarantines them).

Errors are ``LoadError`` with a one-line message (the CLI prints ``error: <message>`` and exits 2); warnings are
returned in ``LoadResult.warnings`` (the CLI prints ``warning: <message>``).
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import gzip
import io
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO, Any

import duckdb

from .contract import BOOLEAN, DATE, INTEGER, REQUIRED_TABLES, STRING, TABLES, TIMESTAMP, Column

SUFFIXES = (".csv", ".csv.gz", ".tsv", ".tsv.gz", ".parquet")  # matched case-insensitively
CSV_DELIMITERS = (",", ";", "\t", "|")  # candidates of a .csv header line, preferred in this order on a tie
MAX_VALUE_BYTES = 64 * 1024 * 1024  # the longest line (value) a CSV may hold
CUSTOMER_TABLES = ("customers", "orders", "events", "experiment_assignments", "loyalty_ledger")

SALT_ENV = "RETENTION_PII_SALT"
DEMO_PII_SALT = "retention-warehouse-demo-salt"
PRIVACY_SCHEMA = "privacy"
SALT_VARIABLE = "retention_pii_salt"  # a DuckDB session variable of the reader: the salt never enters SQL text
DEMO_SALT_WARNING = (f"{SALT_ENV} is not set: personal data is pseudonymised with the public demo salt "
                     f"'{DEMO_PII_SALT}'; set {SALT_ENV} before loading")
SALT_DIFFERS = (f"{SALT_ENV} differs from the salt this warehouse was built with ({PRIVACY_SCHEMA}.pii_salt); "
                "erasures recorded under the old salt would no longer match: restore the old value")

TIMESTAMP_FORMATS = ("ISO 8601 YYYY-MM-DD[ T]HH:MM[:SS[.ffffff]] with optional Z, ±HH:MM offset or IANA zone name "
                     "(e.g. 2024-02-02T23:30:00-08:00, 2024-02-02 23:30:00 America/Los_Angeles)")
DATE_FORMATS = "YYYY-MM-DD"
INTEGER_FORMATS = "whole numbers such as 3 (3.0 reads as 3; a fraction such as 1.5 is rejected, never rounded)"
DECIMAL_FORMATS = "decimal numbers with a point, such as 12.50 or -3 (NaN and infinity are rejected)"
BOOLEAN_FORMATS = "true/false, t/f, yes/no, y/n or 1/0"
TIMESTAMP_SHAPE = r"^\s*[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}([ T]|\s*$)"  # ISO dates first: no 'epoch', no 'infinity'
DATE_SHAPE = r"\s*[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}\s*"
INTEGER_SHAPE = r"\s*[+-]?[0-9]+(\.0*)?\s*"
NON_FINITE = ("nan", "+nan", "-nan", "inf", "+inf", "-inf", "infinity", "+infinity", "-infinity")


class LoadError(Exception):
    """A raw file breaks the raw input contract, or the load cannot run; the message is one line."""

    def __init__(self, message: str) -> None:
        super().__init__(str(message).replace("\r", "\\r").replace("\n", "\\n"))


class LoadResult(dict[str, int]):
    """Row counts per raw table after the load (a plain dict to compare and index, as before) and the load's
    warnings, in the order they arose."""

    def __init__(self, counts: dict[str, int], warnings: list[str] | None = None) -> None:
        super().__init__(counts)
        self.warnings: list[str] = list(warnings or [])


@dataclass(frozen=True)
class SaltOutcome:
    """What ``store_pii_salt`` (or a load) did with the salt: never the value itself. ``action`` is one of
    stored, unchanged, rotated, kept, empty."""

    action: str
    message: str
    warnings: tuple[str, ...] = ()


def default_duckdb_path() -> str:
    return os.environ.get("DBT_DUCKDB_PATH", "retention.duckdb")


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _one_line(error: BaseException) -> str:
    """The first line of a driver's message (DuckDB appends a multi-line dump of the parser state)."""
    lines = str(error).strip().splitlines()
    return lines[0].strip() if lines else type(error).__name__


def _example(value: str | None) -> str:
    """A bad value for a message: quoted, escaped to one line, cut to 60 characters."""
    if value is None:
        return "null"
    return repr(value if len(value) <= 60 else value[:57] + "...")


# ----------------------------------------------------------------------------------------------- timestamps


def _utc_naive(moment: dt.datetime) -> dt.datetime:
    """An aware datetime as its UTC instant without a zone; a naive one is UTC already."""
    return moment if moment.tzinfo is None else moment.astimezone(dt.UTC).replace(tzinfo=None)


def _now(precise: bool = False) -> dt.datetime:
    """The load stamp: UTC now, to the second (to the microsecond for appended batches, so two batches loaded
    within one second still carry different stamps)."""
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    return now if precise else now.replace(microsecond=0)


def parse_timestamp(text: str, what: str = "timestamp") -> dt.datetime:
    """Read ``text`` by the contract's timestamp rule (an offset or zone name gives the UTC instant, naive is UTC)
    and return it as a naive UTC datetime; ``what`` names it in the error (e.g. ``--loaded-at``)."""
    rule = _rule(Column(what, TIMESTAMP), "VARCHAR", "v")
    with duckdb.connect() as con:
        con.execute("set TimeZone = 'UTC'")
        relation = "(select cast(? as varchar) as v)"
        if con.execute(f"select {rule.problems[0].predicate} from {relation}", [text]).fetchone()[0]:
            raise LoadError(f"{what} {text!r} is not a timestamp; accepted: {TIMESTAMP_FORMATS}")
        return con.execute(f"select {rule.typed} from {relation}", [text]).fetchone()[0]


# ---------------------------------------------------------------------------------------------------- files


def _progress(items: dict[str, Any], stage: str, enabled: bool) -> Iterator[tuple[str, Any]]:
    """The (table, value) pairs of ``items``; when ``enabled``, with a bar of the tables done on stderr if that is
    a terminal (nothing otherwise, so captured output stays as it was)."""
    from tqdm import tqdm

    with tqdm(total=len(items), desc=stage, unit=" tables", leave=False, disable=None if enabled else True) as bar:
        for table, value in items.items():
            bar.set_postfix_str(table)
            yield table, value
            bar.update()


def _table_of(name: str) -> str | None:
    """The raw table a file name stands for (case-insensitive name and suffix), or None."""
    lower = name.lower()
    for suffix in sorted(SUFFIXES, key=len, reverse=True):
        if lower.endswith(suffix) and lower[: -len(suffix)] in TABLES:
            return lower[: -len(suffix)]
    return None


def _not_a_table_file(name: str, strict: bool) -> str:
    hint = difflib.get_close_matches(name.split(".")[0].lower(), list(TABLES), n=1)
    expected = (f"expected <table>{', '.join(SUFFIXES[:-1])} or {SUFFIXES[-1]} with <table> one of {', '.join(TABLES)}"
                + (f"; did you mean {hint[0]}?" if hint else ""))
    if strict:
        return f"{name}: not a raw table file ({expected}); remove it or load without --strict"
    return f"{name}: not a raw table file, ignored ({expected})"


def table_files(directory: Path, strict: bool = False, warnings: list[str] | None = None) -> dict[str, Path]:
    """The table files of ``directory`` by table. Names starting with ``_`` or ``.`` are skipped silently; any
    other entry that is not a table file is named in ``warnings`` (an error when ``strict``); two files for one
    table are an error."""
    if not directory.is_dir():
        raise LoadError(f"{directory}: not a directory")
    found: dict[str, Path] = {}
    for path in sorted(directory.iterdir()):
        if path.name.startswith(("_", ".")):
            continue
        table = _table_of(path.name) if path.is_file() else None
        if table is None:
            name = path.name + ("/" if path.is_dir() else "")
            if strict:
                raise LoadError(_not_a_table_file(name, strict=True))
            if warnings is not None:
                warnings.append(_not_a_table_file(name, strict=False))
            continue
        if table in found:
            raise LoadError(f"{found[table].name} and {path.name}: two files for table {table}; keep one")
        found[table] = path
    return found


def find_file(directory: Path, table: str) -> Path | None:
    """The file of one raw table in ``directory`` (see ``table_files``), or None."""
    return table_files(Path(directory)).get(table)


def _open_binary(path: Path) -> IO[bytes]:
    return gzip.open(path, "rb") if path.name.lower().endswith(".gz") else open(path, "rb")


def _open_text(path: Path, encoding: str, errors: str = "strict") -> IO[str]:
    return io.TextIOWrapper(_open_binary(path), encoding=encoding, errors=errors, newline="")


def _not_utf8(name: str, line: int, byte: int) -> LoadError:
    return LoadError(f"{name}: not UTF-8 (byte 0x{byte:02X} at line {line}); save the file as UTF-8")


def _first_invalid_utf8(path: Path) -> tuple[int, int] | None:
    """(line, byte) of the first byte that is not UTF-8 (or a NUL: UTF-16 without a byte order mark)."""
    with _open_binary(path) as handle:
        for number, line in enumerate(handle, 1):
            try:
                line.decode("utf-8")
            except UnicodeDecodeError as error:
                return number, line[error.start]
            if b"\x00" in line:
                return number, 0
    return None


def _encoding(path: Path) -> str:
    """The Python codec of a text file: UTF-16 or UTF-32 by their byte order mark, else UTF-8 (BOM or not)."""
    with _open_binary(path) as handle:
        head = handle.read(4)
    if head.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        return "utf-32"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    return "utf-8-sig"


def _delimiter(path: Path, encoding: str) -> str:
    """Tab for .tsv; for .csv the candidate that occurs most in the header line (the comma on a tie)."""
    if path.name.lower().endswith((".tsv", ".tsv.gz")):
        return "\t"
    with _open_text(path, encoding, "surrogateescape") as handle:
        first = handle.readline()
    return max(CSV_DELIMITERS, key=lambda candidate: (first.count(candidate), -CSV_DELIMITERS.index(candidate)))


def _records(path: Path, encoding: str, delimiter: str, errors: str = "strict") -> Iterator[tuple[int, list[str]]]:
    """The CSV records of a file (header included) with the line each starts on; blank lines are skipped, as
    DuckDB skips them."""
    csv.field_size_limit(max(csv.field_size_limit(), MAX_VALUE_BYTES))
    line = 1
    try:
        with _open_text(path, encoding, errors) as handle:
            reader = csv.reader(handle, delimiter=delimiter, quotechar='"', doublequote=True, strict=True)
            for fields in reader:
                if fields:
                    yield line, fields
                line = reader.line_num + 1
    except csv.Error as error:
        raise LoadError(f"{path.name} line {line}: malformed CSV ({error}); a quoted value must end with a quote, "
                        'and a quote inside one is doubled ("")') from None
    except UnicodeDecodeError as error:
        raise LoadError(f"{path.name}: not {encoding} (byte 0x{error.object[error.start]:02X} near line {line}); "
                        "save the file as UTF-8") from None


# ----------------------------------------------------------------------------------------------- sources


@dataclass(frozen=True)
class Source:
    """One table file as DuckDB reads it: the relation (a table function) and, per contract column present,
    the SQL expression of its value and the file's type for it (CSV: VARCHAR)."""

    table: str
    path: Path  # the file as found: named in messages and scanned for line numbers
    relation: str  # DuckDB reads this (a normalised UTF-8 copy of a CSV when needed)
    columns: dict[str, tuple[str, str]]
    delimiter: str | None = None  # CSV only
    encoding: str = "utf-8-sig"
    width: int = 0  # CSV: fields in the header
    normalised: bool = False

    @property
    def is_csv(self) -> bool:
        return self.delimiter is not None


def _normalise_name(name: str) -> str:
    return name.replace("\ufeff", "").strip().lower()


def _printable(names: list[str]) -> str:
    return ", ".join(" ".join(name.split()) for name in names[:30]) + (", ..." if len(names) > 30 else "")


def _map_columns(table: str, file_name: str, names: list[str], warnings: list[str]) -> dict[str, int]:
    """Contract column -> position in the file, by normalised header name; errors for repeated names and missing
    required columns, warnings for unknown and unnamed columns."""
    positions: dict[str, int] = {}
    unnamed = []
    for index, raw in enumerate(names):
        name = _normalise_name(raw)
        if not name:
            unnamed.append(index)
        elif name in positions:
            raise LoadError(f"{file_name}: column '{name}' appears twice in the header "
                            f"(columns {positions[name] + 1} and {index + 1})")
        else:
            positions[name] = index
    contract = [column.name for column in TABLES[table]]
    for column in TABLES[table]:
        if column.required and column.name not in positions:
            raise LoadError(f"{file_name}: required column '{column.name}' is missing (header: {_printable(names)})")
    absent = [name for name in contract if name not in positions]
    for index in unnamed:
        warnings.append(f"{file_name}: column {index + 1} has no name in the header; ignored")
    for name in positions:
        if name not in contract:
            hint = difflib.get_close_matches(name, absent, n=1)
            warnings.append(f"{file_name}: column '{name}' is not in the raw contract of {table}; ignored"
                            + (f" (did you mean '{hint[0]}'?)" if hint else ""))
    return {name: index for name, index in positions.items() if name in contract}


def _csv_relation(path: Path, delimiter: str, width: int) -> str:
    columns = "{" + ", ".join(f"'_c{i}': 'VARCHAR'" for i in range(width)) + "}"
    compression = "gzip" if path.name.lower().endswith(".gz") else "none"
    return (f"read_csv({_literal(str(path))}, header = true, auto_detect = false, delim = {_literal(delimiter)}, "
            f"quote = '\"', escape = '\"', columns = {columns}, strict_mode = true, "
            f"max_line_size = {MAX_VALUE_BYTES}, compression = '{compression}')")


def _csv_header(path: Path) -> tuple[list[str], str, str]:
    """(header names, delimiter, encoding) of a CSV/TSV file; one-line errors for an empty or non-UTF-8 header."""
    encoding = _encoding(path)
    if encoding == "utf-8-sig":
        with _open_binary(path) as handle:
            first = handle.readline()
        try:
            first.decode("utf-8")
        except UnicodeDecodeError as error:
            raise _not_utf8(path.name, 1, first[error.start]) from None
        if b"\x00" in first:
            raise _not_utf8(path.name, 1, 0)
    delimiter = _delimiter(path, encoding)
    header = next(_records(path, encoding, delimiter, "surrogateescape"), None)  # later lines: checked later
    if header is None:
        raise LoadError(f"{path.name}: the file is empty (a header line is required)")
    return header[1], delimiter, encoding


def _csv_source(table: str, path: Path, scratch: Path, warnings: list[str]) -> Source:
    try:
        names, delimiter, encoding = _csv_header(path)
    except (OSError, EOFError) as error:
        raise LoadError(f"{path.name}: cannot be read ({_one_line(error)})") from None
    positions = _map_columns(table, path.name, names, warnings)
    source = Source(table, path, _csv_relation(path, delimiter, len(names)),
                    {name: (f"_c{index}", "VARCHAR") for name, index in positions.items()},
                    delimiter=delimiter, encoding=encoding, width=len(names))
    return source if encoding == "utf-8-sig" else _normalised(source, scratch)


def _normalised(source: Source, scratch: Path) -> Source:
    """A UTF-8, LF-terminated copy of a CSV for DuckDB (for UTF-16/32 files and mixed line endings); values are
    kept exactly (quoted line breaks included)."""
    copy = scratch / f"{source.table}.csv"
    with open(copy, "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, delimiter=source.delimiter, quotechar='"', lineterminator="\n",
                            quoting=csv.QUOTE_MINIMAL)
        for _, fields in _records(source.path, source.encoding, source.delimiter):
            writer.writerow(fields)
    return replace(source, relation=_csv_relation(copy, source.delimiter, source.width), normalised=True)


def _parquet_names(con: duckdb.DuckDBPyConnection, path: Path) -> list[str]:
    """The top-level column names as stored (DuckDB renames repeated names to name_1, ...)."""
    rows = con.execute(f"select name, num_children from parquet_schema({_literal(str(path))})").fetchall()
    names, index = [], 1

    def skip(position: int) -> int:  # past one node and its subtree
        children = rows[position][1] or 0
        position += 1
        for _ in range(children):
            position = skip(position)
        return position

    for _ in range(rows[0][1] or 0):
        names.append(rows[index][0])
        index = skip(index)
    return names


def _parquet_source(con: duckdb.DuckDBPyConnection, table: str, path: Path, warnings: list[str]) -> Source:
    relation = f"read_parquet({_literal(str(path))})"
    try:
        described = con.execute(f"describe select * from {relation}").fetchall()
        names = _parquet_names(con, path)
    except duckdb.Error as error:
        raise LoadError(f"{path.name}: cannot be read as Parquet ({_one_line(error)})") from None
    if len(names) != len(described):
        names = [row[0] for row in described]
    positions = _map_columns(table, path.name, names, warnings)
    return Source(table, path, relation,
                  {name: (_quote(described[index][0]), described[index][1]) for name, index in positions.items()})


def _source(con: duckdb.DuckDBPyConnection, table: str, path: Path, scratch: Path, warnings: list[str]) -> Source:
    if path.name.lower().endswith(".parquet"):
        return _parquet_source(con, table, path, warnings)
    return _csv_source(table, path, scratch, warnings)


# ------------------------------------------------------------------------------------------------ typing


@dataclass(frozen=True)
class Problem:
    """A kind of bad value of a column: ``predicate`` is true for a bad non-null value."""

    predicate: str
    what: str
    accepted: str


@dataclass(frozen=True)
class Rule:
    """How a file's column becomes its contract type: the typed expression and the checks that must pass."""

    typed: str
    problems: tuple[Problem, ...] = ()


def _category(source_type: str) -> str:
    kind = source_type.upper()
    if kind == "VARCHAR":
        return "text"
    if kind == "TIMESTAMP WITH TIME ZONE":
        return "timestamptz"
    if kind.startswith("TIMESTAMP"):
        return "timestamp"
    if kind in ("DATE", "BOOLEAN"):
        return kind.lower()
    if kind in ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER",
                "UBIGINT", "UHUGEINT"):
        return "integer"
    if kind in ("FLOAT", "DOUBLE", "REAL"):
        return "float"
    if kind.startswith("DECIMAL"):
        return "decimal"
    return "other"


def _bad(value: str, condition: str) -> str:
    return f"({value} is not null and coalesce({condition}, true))"


def _timestamp_rule(kind: str, v: str) -> Rule:
    if kind in ("timestamp", "timestamptz", "date"):  # a zoned instant casts to UTC: the session zone is UTC
        return Rule(f"cast({v} as timestamp)")
    readable = f"regexp_matches({v}, '{TIMESTAMP_SHAPE}') and isfinite(try_cast({v} as timestamptz))"
    return Rule(f"cast(cast({v} as timestamptz) as timestamp)",
                (Problem(_bad(v, f"not ({readable})"), "cannot be read as timestamp", TIMESTAMP_FORMATS),))


def _date_rule(kind: str, v: str) -> Rule:
    if kind == "date":
        return Rule(v)
    if kind in ("timestamp", "timestamptz"):
        return Rule(f"cast(cast({v} as timestamp) as date)")
    readable = f"regexp_full_match({v}, '{DATE_SHAPE}') and try_cast(trim({v}) as date) is not null"
    return Rule(f"cast(trim({v}) as date)",
                (Problem(_bad(v, f"not ({readable})"), "cannot be read as date", DATE_FORMATS),))


def _integer_rule(kind: str, v: str) -> Rule:
    typed = f"cast({v} as bigint)"
    overflow = Problem(_bad(v, f"try_cast({v} as bigint) is null"), "do not fit bigint", INTEGER_FORMATS)
    if kind == "integer":
        return Rule(typed, (overflow,))
    if kind in ("float", "decimal"):
        finite = f"not isfinite({v}) or " if kind == "float" else ""
        whole = Problem(_bad(v, f"{finite}{v} <> trunc({v})"), "are not whole numbers", INTEGER_FORMATS)
        return Rule(typed, (whole, overflow))
    readable = f"regexp_full_match({v}, '{INTEGER_SHAPE}') and try_cast({v} as bigint) is not null"
    return Rule(typed, (Problem(_bad(v, f"not ({readable})"), "cannot be read as bigint", INTEGER_FORMATS),))


def _decimal_rule(contract_type: str, kind: str, v: str) -> Rule:
    typed = f"cast({v} as {contract_type})"
    overflow = Problem(_bad(v, f"try_cast({v} as {contract_type}) is null"), f"do not fit {contract_type}",
                       DECIMAL_FORMATS)
    if kind in ("integer", "decimal"):
        return Rule(typed, (overflow,))
    if kind == "float":
        return Rule(typed, (Problem(_bad(v, f"not isfinite({v})"), "are NaN or infinite", DECIMAL_FORMATS), overflow))
    spellings = ", ".join(_literal(s) for s in NON_FINITE)
    return Rule(typed, (
        Problem(_bad(v, f"lower(trim({v})) in ({spellings})"), "are NaN or infinite", DECIMAL_FORMATS),
        Problem(_bad(v, f"try_cast({v} as {contract_type}) is null"), f"cannot be read as {contract_type}",
                DECIMAL_FORMATS),
    ))


def _rule(column: Column, source_type: str, v: str) -> Rule:
    """The rule for one column whose value is the SQL expression ``v`` of type ``source_type``. A type that is
    not a natural source of the contract type is read as its text."""
    kind = _category(source_type)
    natural = {STRING: ("text",), TIMESTAMP: ("timestamp", "timestamptz", "date", "text"),
               DATE: ("date", "timestamp", "timestamptz", "text"), INTEGER: ("integer", "float", "decimal", "text"),
               BOOLEAN: ("boolean", "text")}.get(column.type, ("integer", "float", "decimal", "text"))
    if kind not in natural:
        v, kind = f"cast({v} as varchar)", "text"
    if column.type == STRING:
        return Rule(f"cast({v} as varchar)")
    if column.type == TIMESTAMP:
        return _timestamp_rule(kind, v)
    if column.type == DATE:
        return _date_rule(kind, v)
    if column.type == INTEGER:
        return _integer_rule(kind, v)
    if column.type == BOOLEAN:
        if kind == "boolean":
            return Rule(v)
        return Rule(f"cast({v} as boolean)",
                    (Problem(_bad(v, f"try_cast({v} as boolean) is null"), "cannot be read as boolean",
                             BOOLEAN_FORMATS),))
    return _decimal_rule(column.type, kind, v)


# ------------------------------------------------------------------------------------------------ checks


def _diagnose_csv(source: Source) -> LoadError | None:
    """Why DuckDB could not read a CSV, as one line: not UTF-8, a malformed record or a row of the wrong width
    (None when Python's reader finds nothing wrong)."""
    try:
        if source.encoding == "utf-8-sig":
            invalid = _first_invalid_utf8(source.path)
            if invalid:
                return _not_utf8(source.path.name, *invalid)
        records = _records(source.path, source.encoding, source.delimiter)
        next(records, None)
        for line, fields in records:
            if len(fields) != source.width:
                return LoadError(f"{source.path.name} line {line}: {len(fields)} field(s) where the header has "
                                 f"{source.width}")
    except LoadError as error:
        return error
    except (OSError, EOFError) as error:
        return LoadError(f"{source.path.name}: cannot be read ({_one_line(error)})")
    return None


def _scan(con: duckdb.DuckDBPyConnection, source: Source, scratch: Path,
          query: str) -> tuple[tuple[Any, ...], Source]:
    """Run ``query`` (over ``{relation}``) on the file; a read error becomes one line naming the file and line,
    or (a CSV Python reads fine, e.g. mixed line endings) the query runs again on a normalised copy."""
    try:
        return con.execute(query.replace("{relation}", source.relation)).fetchone(), source
    except duckdb.Error as error:
        if not source.is_csv:
            raise LoadError(f"{source.path.name}: cannot be read as Parquet ({_one_line(error)})") from None
        diagnosis = _diagnose_csv(source)
        if diagnosis is not None:
            raise diagnosis from None
        if source.normalised:
            raise LoadError(f"{source.path.name}: cannot be read as CSV ({_one_line(error)})") from None
    source = _normalised(source, scratch)
    try:
        return con.execute(query.replace("{relation}", source.relation)).fetchone(), source
    except duckdb.Error as error:
        raise LoadError(f"{source.path.name}: cannot be read as CSV ({_one_line(error)})") from None


def _first_bad_csv(con: duckdb.DuckDBPyConnection, source: Source, column: Column,
                   problem_index: int) -> tuple[int, str | None] | None:
    """(line, value) of the first value in file order that has the problem: Python walks the records (it knows
    their lines, quoted line breaks included) and DuckDB judges them a chunk at a time."""
    position = int(source.columns[column.name][0][2:])
    predicate = _rule(column, "VARCHAR", "v").problems[problem_index].predicate
    query = (f"select l, v from (select unnest(cast(? as varchar[])) as v, unnest(cast(? as bigint[])) as l) "
             f"where {predicate} order by l limit 1")
    records = _records(source.path, source.encoding, source.delimiter)
    next(records, None)
    values: list[str | None] = []
    lines: list[int] = []
    for line, fields in records:
        values.append(fields[position] if position < len(fields) and fields[position] != "" else None)
        lines.append(line)
        if len(values) >= 50_000:
            found = con.execute(query, [values, lines]).fetchone()
            if found:
                return found[0], found[1]
            values, lines = [], []
    found = con.execute(query, [values, lines]).fetchone() if values else None
    return (found[0], found[1]) if found else None


def _first_bad_parquet(con: duckdb.DuckDBPyConnection, source: Source, column: Column,
                       problem_index: int) -> tuple[int, str | None] | None:
    expression, source_type = source.columns[column.name]
    predicate = _rule(column, source_type, "v").problems[problem_index].predicate
    found = con.execute(
        f"select file_row_number + 1, cast(v as varchar) from (select {expression} as v, file_row_number "
        f"from read_parquet({_literal(str(source.path))}, file_row_number = true)) where {predicate} "
        "order by 1 limit 1").fetchone()
    return (found[0], found[1]) if found else None


def _value_error(con: duckdb.DuckDBPyConnection, source: Source, column: Column, problem_index: int,
                 count: int) -> LoadError:
    rule = _rule(column, source.columns[column.name][1], source.columns[column.name][0])
    problem = rule.problems[problem_index]
    finder = _first_bad_csv if source.is_csv else _first_bad_parquet
    first = finder(con, source, column, problem_index)
    unit = "line" if source.is_csv else "row"
    where = f"first: {source.path.name} {unit} {first[0]}: {_example(first[1])}" if first else f"in {source.path.name}"
    return LoadError(f"{source.table}.{column.name}: {count} value(s) {problem.what} ({where}); "
                     f"accepted: {problem.accepted}")


def _check(con: duckdb.DuckDBPyConnection, source: Source, scratch: Path, append: bool) -> Source:
    """Read the whole file once: its row count and, per column and problem, the count of bad values; raise the
    first problem found (in contract order). Returns the source (possibly switched to a normalised copy)."""
    checks = [(column, index, problem)
              for column in TABLES[source.table] if column.name in source.columns
              for index, problem in enumerate(_rule(column, source.columns[column.name][1],
                                                    source.columns[column.name][0]).problems)]
    aggregates = ["count(*)"] + [f"count(*) filter (where {problem.predicate})" for _, _, problem in checks]
    # every column of a CSV is read, so DuckDB validates all of it (UTF-8, quoting) before the first write
    aggregates += [f"count(_c{index})" for index in range(source.width)]
    row, source = _scan(con, source, scratch, f"select {', '.join(aggregates)} from " + "{relation}")
    for (column, index, _), count in zip(checks, row[1:len(checks) + 1], strict=True):
        if count:
            raise _value_error(con, source, column, index, count)
    if row[0] == 0 and source.table in REQUIRED_TABLES and not append:
        raise LoadError(f"{source.path.name} has no rows: {source.table} is required and a replacing load would "
                        "leave it empty (use --append to load an empty batch)")
    return source


# ----------------------------------------------------------------------------------------------- erasure


@dataclass(frozen=True)
class PrivacyState:
    """What a warehouse holds in its privacy schema (the hashes, never personal data)."""

    salt_table: bool
    stored: str | None = field(default=None, repr=False)  # the stored salt; None when missing or empty
    erased_customers: tuple[str, ...] = ()
    erased_anonymous: tuple[str, ...] = ()


@dataclass(frozen=True)
class Erasure:
    """Relations of the reader holding erased hashes (None: nothing erased), hashed with SALT_VARIABLE."""

    customers: str | None = None
    anonymous: str | None = None


def _hash(value: str) -> str:
    return f"sha256(getvariable('{SALT_VARIABLE}') || {value})"


def _prepare_erasure(reader: duckdb.DuckDBPyConnection, state: PrivacyState, salt: str) -> Erasure:
    """Copy the erased hashes into temporary tables of the reader and set the salt in effect as a session
    variable (bound as a parameter, so it appears in no SQL text)."""
    if not state.erased_customers and not state.erased_anonymous:
        return Erasure()
    reader.execute(f"set variable {SALT_VARIABLE} = ?", [salt])
    relations = {}
    for name, column, hashes in (("customers", "customer_hash", state.erased_customers),
                                 ("anonymous", "anonymous_hash", state.erased_anonymous)):
        if hashes:
            relation = f"temp._retention_erased_{name}"
            reader.execute(f"create or replace temporary table _retention_erased_{name} as "
                           f"select distinct unnest(cast(? as varchar[])) as {column}", [list(hashes)])
            relations[name] = relation
    return Erasure(**relations)


def _not_erased(value: str, relation: str, column: str) -> str:
    return f"not exists (select 1 from {relation} as erased where erased.{column} = {_hash(value)})"


def _erasure_filters(table: str, erasure: Erasure, typed_orders: str | None) -> list[str]:
    """Null-safe anti-joins: a row with a null id is kept, a null in the erased tables matches nothing."""
    filters = []
    if erasure.customers and table in CUSTOMER_TABLES:
        filters.append(_not_erased("t.customer_id", erasure.customers, "customer_hash"))
    if erasure.anonymous and table == "events":
        filters.append(_not_erased("t.anonymous_id", erasure.anonymous, "anonymous_hash"))
    if erasure.customers and table == "order_items" and typed_orders:
        erased_orders = (f"select o.order_id from ({typed_orders}) as o join {erasure.customers} as erased "
                         f"on erased.customer_hash = {_hash('o.customer_id')}")
        filters.append(f"not exists (select 1 from ({erased_orders}) as e where e.order_id = t.order_id)")
    return filters


# ---------------------------------------------------------------------------------------------- selects


def _typed_select(source: Source) -> str:
    items = []
    for column in TABLES[source.table]:
        if column.name in source.columns:
            expression, source_type = source.columns[column.name]
            items.append(f"{_rule(column, source_type, expression).typed} as {_quote(column.name)}")
        else:
            items.append(f"cast(null as {column.type}) as {_quote(column.name)}")
    return f"select {', '.join(items)} from {source.relation}"


def _selects(con: duckdb.DuckDBPyConnection, directory: Path, loaded_at: dt.datetime, *,
             erasure: Erasure = Erasure(), append: bool = False, strict: bool = False,
             warnings: list[str] | None = None, scratch: Path, progress: bool = False) -> dict[str, str]:
    """For every contract table, a DuckDB select yielding its rows in contract types, every file checked first
    (in contract order; ``progress``: a bar of the files checked, see ``_progress``). Rows of erased people are
    left out (see ``Erasure``). ``scratch`` holds normalised copies of files and must outlive the selects."""
    warnings = [] if warnings is None else warnings
    files = table_files(directory, strict=strict, warnings=warnings)
    for table in REQUIRED_TABLES:
        if table not in files:
            expected = ", ".join(f"{table}{suffix}" for suffix in SUFFIXES)
            raise LoadError(f"{table}: required table is missing (expected one of {expected} in {directory})")
    sources = {}
    for table, path in _progress({t: files[t] for t in TABLES if t in files}, "check files", progress):
        sources[table] = _check(con, _source(con, table, path, scratch, warnings), scratch, append)
    stamp = f"cast({_literal(_utc_naive(loaded_at).isoformat(sep=' '))} as timestamp) as _loaded_at"
    typed_orders = _typed_select(sources["orders"]) if "orders" in sources else None
    selects = {}
    for table, columns in TABLES.items():
        if table not in sources:
            select_list = ", ".join(f"cast(null as {c.type}) as {_quote(c.name)}" for c in columns)
            selects[table] = f"select {select_list}, cast(null as timestamp) as _loaded_at where false"
            continue
        filters = _erasure_filters(table, erasure, typed_orders)
        selects[table] = (f"select t.*, {stamp} from ({_typed_select(sources[table])}) as t"
                          + (" where " + " and ".join(filters) if filters else ""))
    return selects


# ------------------------------------------------------------------------------------------------- salt


@dataclass(frozen=True)
class SaltPlan:
    """What the salt rules decide for one warehouse; ``write`` and ``effective`` are secrets (not in repr)."""

    action: str
    message: str
    write: str | None = field(default=None, repr=False)  # store this as the one row
    create_empty: bool = False
    effective: str = field(default=DEMO_PII_SALT, repr=False)  # the salt in effect after the plan
    warnings: tuple[str, ...] = ()

    def outcome(self) -> SaltOutcome:
        return SaltOutcome(self.action, self.message, self.warnings)


def _env_salt() -> str | None:
    return os.environ.get(SALT_ENV) or None


def plan_pii_salt(state: PrivacyState, env: str | None) -> SaltPlan:
    """The salt rules (module docstring), as a decision; raises LoadError when the salt must not change."""
    erasures = bool(state.erased_customers or state.erased_anonymous)
    table = f"{PRIVACY_SCHEMA}.pii_salt"
    if env is None:
        if state.stored is not None:
            return SaltPlan("kept", f"{SALT_ENV} is not set: kept the salt stored in {table}",
                            effective=state.stored)
        return SaltPlan("empty", f"{SALT_ENV} is not set: {table} holds no salt (the public demo salt is in effect)",
                        create_empty=True, warnings=(DEMO_SALT_WARNING,))
    if state.stored == env:
        return SaltPlan("unchanged", f"{table} already holds {SALT_ENV}: unchanged", effective=env)
    if erasures and env != (state.stored or DEMO_PII_SALT):
        if state.stored is None:
            raise LoadError(f"{SALT_ENV} differs from the salt this warehouse was built with (none is stored in "
                            f"{table}: the demo salt); erasures recorded under the old salt would no longer match: "
                            f"unset {SALT_ENV}")
        raise LoadError(SALT_DIFFERS)
    if state.stored is None:
        return SaltPlan("stored", f"stored {SALT_ENV} in {table}", write=env, effective=env)
    return SaltPlan("rotated", f"replaced the salt in {table} with {SALT_ENV} (no erasures are recorded); the next "
                    "dbt build re-pseudonymises personal data", write=env, effective=env)


def _privacy_unreadable(error: BaseException) -> LoadError:
    return LoadError(f"the {PRIVACY_SCHEMA} tables cannot be read ({_one_line(error)}); expected pii_salt (salt), "
                     "erased_customers (customer_hash, erased_at), erased_anonymous_ids (anonymous_hash, erased_at)")


def _duckdb_privacy_state(con: duckdb.DuckDBPyConnection) -> PrivacyState:
    try:
        return _read_duckdb_privacy_state(con)
    except duckdb.Error as error:
        raise _privacy_unreadable(error) from None


def _read_duckdb_privacy_state(con: duckdb.DuckDBPyConnection) -> PrivacyState:
    tables = {row[0] for row in con.execute(
        "select table_name from information_schema.tables where table_schema = ? "
        "and table_catalog = current_database()", [PRIVACY_SCHEMA]).fetchall()}
    schema = _quote(PRIVACY_SCHEMA)

    def column(table: str, name: str) -> tuple[str, ...]:
        if table not in tables:
            return ()
        return tuple(row[0] for row in con.execute(
            f"select distinct {name} from {schema}.{table} where {name} is not null").fetchall())

    salts = [salt for salt in column("pii_salt", "salt") if salt != ""]
    return PrivacyState("pii_salt" in tables, max(salts) if salts else None,
                        column("erased_customers", "customer_hash"), column("erased_anonymous_ids", "anonymous_hash"))


def _write_salt_sql(execute: Any, plan: SaltPlan, text_type: str, placeholder: str) -> None:
    """Apply a plan with a DB-API style ``execute(sql, params)`` (DuckDB, psycopg2); the salt is a parameter."""
    if plan.write is None and not plan.create_empty:
        return
    execute(f"create schema if not exists {PRIVACY_SCHEMA}", None)
    execute(f"create table if not exists {PRIVACY_SCHEMA}.pii_salt (salt {text_type})", None)
    if plan.write is not None:
        execute(f"delete from {PRIVACY_SCHEMA}.pii_salt", None)
        execute(f"insert into {PRIVACY_SCHEMA}.pii_salt (salt) values ({placeholder})", [plan.write])


def _write_salt_duckdb(con: duckdb.DuckDBPyConnection, plan: SaltPlan) -> None:
    _write_salt_sql(lambda sql, params: con.execute(sql, params) if params else con.execute(sql), plan, "varchar", "?")


def _connect_duckdb(database: str) -> duckdb.DuckDBPyConnection:
    try:
        con = duckdb.connect(database)
    except duckdb.Error as error:
        raise LoadError(f"{database}: cannot open the DuckDB file ({_one_line(error)})") from None
    con.execute("set TimeZone = 'UTC'")
    return con


def store_pii_salt(target: str = "duckdb", database: str | None = None) -> SaltOutcome:
    """Apply the salt rules to a warehouse without loading files (for projects that point dbt at their own raw
    tables): ``database`` as in ``load``. Returns what was done, never the salt."""
    env = _env_salt()
    if target == "duckdb":
        con = _connect_duckdb(database or default_duckdb_path())
        try:
            plan = plan_pii_salt(_duckdb_privacy_state(con), env)
            con.execute("begin transaction")
            _write_salt_duckdb(con, plan)
            con.execute("commit")
        finally:
            con.close()
        return plan.outcome()
    if target == "postgres":
        con = _connect_postgres(database)
        try:
            with con, con.cursor() as cur:
                plan = plan_pii_salt(_postgres_privacy_state(cur), env)
                _write_salt_sql(cur.execute, plan, "text", "%s")
        finally:
            con.close()
        return plan.outcome()
    if target == "spark":
        spark = spark_session(database)
        plan = plan_pii_salt(_spark_privacy_state(spark), env)
        _write_salt_spark(spark, plan)
        return plan.outcome()
    raise LoadError(f"target '{target}' is not supported (duckdb, postgres, spark)")


# ----------------------------------------------------------------------------------------------- duckdb


def _stamp(loaded_at: dt.datetime | None, append: bool) -> dt.datetime:
    return _utc_naive(loaded_at) if loaded_at is not None else _now(append)


def _write_duckdb_table(con: duckdb.DuckDBPyConnection, relation: str, select: str, append: bool) -> None:
    if append:
        con.execute(f"create table if not exists {relation} as {select} limit 0")
        con.execute(f"insert into {relation} by name {select}")
    else:
        con.execute(f"create or replace table {relation} as {select}")


def _write_duckdb(con: duckdb.DuckDBPyConnection, schema: str, selects: dict[str, str], append: bool,
                  plan: SaltPlan, progress: bool = False) -> None:
    """The salt and every table in one transaction: on any failure, all of it is rolled back."""
    con.execute("begin transaction")
    table = "privacy.pii_salt"
    try:
        _write_salt_duckdb(con, plan)
        con.execute(f"create schema if not exists {_quote(schema)}")
        for table, select in _progress(selects, "write tables", progress):
            _write_duckdb_table(con, f"{_quote(schema)}.{_quote(table)}", select, append)
        con.execute("commit")
    except BaseException as error:
        con.execute("rollback")
        if isinstance(error, duckdb.Error):
            raise LoadError(f"{table}: writing failed, the load was rolled back and every table is as it was "
                            f"({_one_line(error)})") from None
        raise


def load_duckdb(
    directory: str | Path,
    database: str | None = None,
    schema: str = "raw",
    loaded_at: dt.datetime | None = None,
    append: bool = False,
    strict: bool = False,
    progress: bool = False,
) -> LoadResult:
    """Load every raw table found in ``directory`` into ``schema`` of a DuckDB file (replacing the tables, or
    appending to them) in one transaction; return the row counts and warnings."""
    warnings: list[str] = []
    con = _connect_duckdb(database or default_duckdb_path())
    try:
        state = _duckdb_privacy_state(con)
        plan = plan_pii_salt(state, _env_salt())
        erasure = _prepare_erasure(con, state, plan.effective)
        with tempfile.TemporaryDirectory(prefix="retention-load-") as scratch:
            selects = _selects(con, Path(directory), _stamp(loaded_at, append), erasure=erasure, append=append,
                               strict=strict, warnings=warnings, scratch=Path(scratch), progress=progress)
            _write_duckdb(con, schema, selects, append, plan, progress)
        counts = {table: con.execute(f"select count(*) from {_quote(schema)}.{_quote(table)}").fetchone()[0]
                  for table in TABLES}
        return LoadResult(counts, warnings + list(plan.warnings))
    finally:
        con.close()


# --------------------------------------------------------------------------------------------- postgres

PG_TYPES = {"varchar": "text"}


def postgres_dsn() -> str:
    """Connection string from the same environment variables as the postgres target of profiles.yml."""
    env = os.environ
    parts = {
        "host": env.get("RETENTION_PG_HOST", "127.0.0.1"),
        "port": env.get("RETENTION_PG_PORT", "5432"),
        "user": env.get("RETENTION_PG_USER", "postgres"),
        "dbname": env.get("RETENTION_PG_DATABASE", "retention"),
    }
    if env.get("RETENTION_PG_PASSWORD"):
        parts["password"] = env["RETENTION_PG_PASSWORD"]
    return " ".join(f"{key}={value}" for key, value in parts.items())


def _connect_postgres(dsn: str | None) -> Any:
    import psycopg2

    try:
        return psycopg2.connect(dsn or postgres_dsn())
    except psycopg2.Error as error:
        raise LoadError(f"PostgreSQL: cannot connect ({_one_line(error)})") from None


def _postgres_privacy_state(cur: Any) -> PrivacyState:
    import psycopg2

    try:
        return _read_postgres_privacy_state(cur)
    except psycopg2.Error as error:
        raise _privacy_unreadable(error) from None


def _read_postgres_privacy_state(cur: Any) -> PrivacyState:
    def values(table: str, column: str) -> tuple[str, ...] | None:
        cur.execute("select to_regclass(%s) is not null", [f"{PRIVACY_SCHEMA}.{table}"])
        if not cur.fetchone()[0]:
            return None
        cur.execute(f"select distinct {column} from {PRIVACY_SCHEMA}.{table} where {column} is not null")
        return tuple(row[0] for row in cur.fetchall())

    salts = values("pii_salt", "salt")
    stored = [salt for salt in salts or () if salt != ""]
    return PrivacyState(salts is not None, max(stored) if stored else None,
                        values("erased_customers", "customer_hash") or (),
                        values("erased_anonymous_ids", "anonymous_hash") or ())


def _reader() -> duckdb.DuckDBPyConnection:
    reader = duckdb.connect()
    reader.execute("set TimeZone = 'UTC'")
    return reader


def _copy_to_postgres(cur: Any, reader: duckdb.DuckDBPyConnection, schema: str, table: str, select: str,
                      append: bool, scratch: Path) -> None:
    columns = [*TABLES[table], Column("_loaded_at", "timestamp")]
    ddl = ", ".join(f"{_quote(c.name)} {PG_TYPES.get(c.type, c.type)}" for c in columns)
    if not append:
        cur.execute(f"drop table if exists {_quote(schema)}.{_quote(table)}")
    cur.execute(f"create table if not exists {_quote(schema)}.{_quote(table)} ({ddl})")
    csv_path = scratch / f"{table}.out.csv"
    reader.execute(f"copy ({select}) to {_literal(str(csv_path))} (format csv, header false)")
    with open(csv_path, encoding="utf-8", newline="") as handle:  # keep \r inside values
        names = ", ".join(_quote(c.name) for c in columns)
        cur.copy_expert(f"copy {_quote(schema)}.{_quote(table)} ({names}) from stdin with (format csv)", handle)


def load_postgres(
    directory: str | Path,
    dsn: str | None = None,
    schema: str = "raw",
    loaded_at: dt.datetime | None = None,
    append: bool = False,
    strict: bool = False,
    progress: bool = False,
) -> LoadResult:
    """Load the raw files into ``schema`` of a PostgreSQL database in one transaction (replacing the tables, or
    appending to them): DuckDB reads and checks the files, PostgreSQL's COPY writes them. Returns the row counts
    and warnings."""
    import psycopg2

    warnings: list[str] = []
    reader = _reader()
    con = _connect_postgres(dsn)
    try:
        with con.cursor() as cur:
            state = _postgres_privacy_state(cur)
        con.rollback()
        plan = plan_pii_salt(state, _env_salt())
        erasure = _prepare_erasure(reader, state, plan.effective)
        with tempfile.TemporaryDirectory(prefix="retention-load-") as scratch:
            selects = _selects(reader, Path(directory), _stamp(loaded_at, append), erasure=erasure, append=append,
                               strict=strict, warnings=warnings, scratch=Path(scratch), progress=progress)
            try:
                with con, con.cursor() as cur:
                    _write_salt_sql(cur.execute, plan, "text", "%s")
                    cur.execute(f"create schema if not exists {_quote(schema)}")
                    for table, select in _progress(selects, "write tables", progress):
                        _copy_to_postgres(cur, reader, schema, table, select, append, Path(scratch))
                    counts = {}
                    for table in TABLES:
                        cur.execute(f"select count(*) from {_quote(schema)}.{_quote(table)}")
                        counts[table] = cur.fetchone()[0]
            except (psycopg2.Error, duckdb.Error) as error:
                raise LoadError(f"PostgreSQL: writing failed, the load was rolled back and every table is as it was "
                                f"({_one_line(error)})") from None
        return LoadResult(counts, warnings + list(plan.warnings))
    finally:
        con.close()
        reader.close()


# ------------------------------------------------------------------------------------------------ spark

SPARK_TYPES = {"varchar": "string"}


def spark_dir() -> str:
    return os.environ.get("RETENTION_SPARK_DIR", "spark")


def spark_conf(directory: str | None = None) -> dict[str, str]:
    """The Spark settings of the spark output of profiles.yml (dbt-spark `method: session`), read from the same
    environment variables, so the loader, dbt and the tests open the same warehouse directory and Derby
    metastore. Keep the two in step."""
    base = directory or spark_dir()
    return {
        "spark.master": f"local[{os.environ.get('RETENTION_SPARK_CORES', '2')}]",
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.shuffle.partitions": os.environ.get("RETENTION_SPARK_SHUFFLE_PARTITIONS", "4"),
        "spark.sql.warehouse.dir": f"{base}/warehouse",
        "spark.hadoop.javax.jdo.option.ConnectionURL": f"jdbc:derby:;databaseName={base}/metastore_db;create=true",
        "spark.driver.extraJavaOptions": f"-Dderby.stream.error.file={base}/derby.log",
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.sql.ansi.enabled": "false",  # dbt-spark forces it off too
    }


def spark_session(directory: str | None = None) -> Any:
    """A local SparkSession with Hive support on the profile's warehouse directory and metastore."""
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.enableHiveSupport()
    for key, value in spark_conf(directory).items():
        builder = builder.config(key, value)
    return builder.getOrCreate()


def _spark_privacy_state(spark: Any) -> PrivacyState:
    tables = ({row.tableName for row in spark.sql(f"show tables in {PRIVACY_SCHEMA}").collect()}
              if spark.catalog.databaseExists(PRIVACY_SCHEMA) else set())

    def values(table: str, column: str) -> tuple[str, ...]:
        if table not in tables:
            return ()
        rows = spark.sql(f"select distinct {column} from {PRIVACY_SCHEMA}.{table} where {column} is not null")
        return tuple(row[0] for row in rows.collect())

    salts = [salt for salt in values("pii_salt", "salt") if salt != ""]
    return PrivacyState("pii_salt" in tables, max(salts) if salts else None,
                        values("erased_customers", "customer_hash"), values("erased_anonymous_ids", "anonymous_hash"))


def _write_salt_spark(spark: Any, plan: SaltPlan) -> None:
    """Spark has no parameters for DDL: the salt goes through a DataFrame, never SQL text."""
    if plan.write is None and not plan.create_empty:
        return
    spark.sql(f"create database if not exists {PRIVACY_SCHEMA}")
    spark.sql(f"create table if not exists {PRIVACY_SCHEMA}.pii_salt (salt string) using parquet")
    if plan.write is not None:
        frame = spark.createDataFrame([(plan.write,)], "salt string")
        frame.write.insertInto(f"{PRIVACY_SCHEMA}.pii_salt", overwrite=True)


def load_spark(
    directory: str | Path,
    warehouse: str | None = None,
    schema: str = "raw",
    loaded_at: dt.datetime | None = None,
    append: bool = False,
    strict: bool = False,
    progress: bool = False,
) -> LoadResult:
    """Load the raw files into ``schema`` of the local Spark warehouse (``warehouse``, default RETENTION_SPARK_DIR;
    replacing the tables, or appending) as Parquet-backed tables in contract types: DuckDB reads and checks the
    files and writes them as Parquet, Spark reads that and saves each table. Every file is checked before the
    first write, but Spark has no transaction: a failure while writing can leave earlier tables replaced. Uses
    the Derby metastore alone: not while dbt runs."""
    spark = spark_session(warehouse)
    warnings: list[str] = []
    reader = _reader()
    try:
        state = _spark_privacy_state(spark)
        plan = plan_pii_salt(state, _env_salt())
        erasure = _prepare_erasure(reader, state, plan.effective)
        with tempfile.TemporaryDirectory(prefix="retention-load-") as scratch:
            selects = _selects(reader, Path(directory), _stamp(loaded_at, append), erasure=erasure, append=append,
                               strict=strict, warnings=warnings, scratch=Path(scratch), progress=progress)
            _write_salt_spark(spark, plan)
            spark.sql(f"create database if not exists `{schema}`")
            counts = {}
            for table, select in _progress(selects, "write tables", progress):
                path = Path(scratch) / f"{table}.out.parquet"
                reader.execute(f"copy ({select}) to {_literal(str(path))} (format parquet)")
                frame = spark.read.parquet(str(path))
                columns = [*TABLES[table], Column("_loaded_at", "timestamp")]
                frame = frame.selectExpr(*(
                    f"cast(`{c.name}` as {SPARK_TYPES.get(c.type, c.type)}) as `{c.name}`" for c in columns))
                if append and spark.catalog.tableExists(f"`{schema}`.`{table}`"):
                    frame.write.format("parquet").mode("append").saveAsTable(f"`{schema}`.`{table}`")
                else:
                    spark.sql(f"drop table if exists `{schema}`.`{table}`")
                    frame.write.format("parquet").mode("overwrite").saveAsTable(f"`{schema}`.`{table}`")
                counts[table] = spark.table(f"`{schema}`.`{table}`").count()
        return LoadResult(counts, warnings + list(plan.warnings))
    finally:
        reader.close()


def load(directory: str | Path, target: str = "duckdb", database: str | None = None, **kwargs: Any) -> LoadResult:
    """Load into the target: duckdb (file from ``database`` or DBT_DUCKDB_PATH), postgres (connection from the
    RETENTION_PG_* environment variables, as profiles.yml reads them) or spark (the local warehouse directory
    ``database`` or RETENTION_SPARK_DIR, as the profile's session output opens it). Keyword arguments: schema,
    loaded_at, append, strict, progress (bars of the files checked and the tables written, on a terminal)."""
    if target == "duckdb":
        return load_duckdb(directory, database=database, **kwargs)
    if target == "postgres":
        return load_postgres(directory, dsn=database, **kwargs)
    if target == "spark":
        return load_spark(directory, warehouse=database, **kwargs)
    raise LoadError(f"target '{target}' is not supported by the loader (duckdb, postgres, spark)")
