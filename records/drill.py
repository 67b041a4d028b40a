"""The backup and restore drill (`manage.py backup_drill`, docs/operations.md "Backups").

Both backups are taken at one moment of the live PostgreSQL database: one repeatable-read
transaction exports its snapshot, `pg_dump --snapshot` dumps it (custom format) while the same
transaction counts every table's rows and writes the records file (`export_records`). Then:

1. the dump is restored (`pg_restore`) into a new, empty database: every table must hold as
   many rows as the live one did, the audit trail must verify (`sequence_audit` chains what
   was still pending in the dump, then `verify_audit`), and the copy must hold the same people,
   completions, certificates and ledger entries, its certificates signing the same credentials;
2. the portable files are restored into a new database migrated from nothing, in the order an
   operator follows: `import_curriculum` for each curriculum (written by `export_curriculum`
   just before the snapshot), `import_records`, `compliance_sync` (the ledger entries of the
   restored module completions), `sequence_audit`, `verify_audit`; the same checks follow.

The restored sites are checked by running `manage.py` in them, with this process's settings
and keys (so certificates verify with the same keys), their own cache directory and no Redis:
nothing they do reaches the live site. The scratch databases are dropped at the end.
"""

import base64
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from io import StringIO
from pathlib import Path
from urllib.parse import quote

import psycopg
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection, transaction
from psycopg import sql

from compliance.models import TrainingEntry
from courses.credentials.openbadges import credential_jwt
from courses.credentials.status import check_credential
from courses.models import Certificate, CurriculumCompletion, CurriculumPage, ModuleCompletion
from lms.audit import sequence_pending
from lms.models import Person
from records.exporting import export_records

# What each copy must hold as many of as the live site (the records restore cannot keep row
# counts of every table: a migrated site has its own pages, revisions and audit events).
COUNTED = {
    "accounts": get_user_model(),
    "people": Person,
    "module completions": ModuleCompletion,
    "curriculum completions": CurriculumCompletion,
    "certificates": Certificate,
    "ledger entries": TrainingEntry,
}
# Why the portable restore may hold fewer (docs/operations.md, Backups).
RECORDS_NOTES = {
    "ledger entries": "the records file has no compliance tables: compliance_sync posts only "
    "the entries of module completions; restore from the dump"
}
TOOLS = ("pg_dump", "pg_restore")
DEBIAN_TOOLS = Path("/usr/lib/postgresql")


class DrillError(Exception):
    """The drill cannot run (no PostgreSQL, a tool missing, a scratch database in the way)."""


@dataclass(frozen=True)
class Server:
    """Where the live database is, and how to reach another database on the same server."""

    host: str
    port: str
    user: str
    password: str

    @classmethod
    def of(cls, settings_dict: dict) -> "Server":
        return cls(
            host=str(settings_dict.get("HOST") or ""),
            port=str(settings_dict.get("PORT") or ""),
            user=str(settings_dict.get("USER") or ""),
            password=str(settings_dict.get("PASSWORD") or ""),
        )

    def url(self, name: str) -> str:
        """A DATABASE_URL for database `name` (as lms.settings reads it)."""
        credentials = quote(self.user, safe="")
        if self.password:
            credentials += ":" + quote(self.password, safe="")
        port = f":{self.port}" if self.port else ""
        return f"postgres://{credentials}@{quote(self.host, safe='')}{port}/{quote(name, safe='')}"

    def libpq_env(self, name: str) -> dict[str, str]:
        """The environment pg_dump and pg_restore connect with (no password on a command line)."""
        env = {"PGDATABASE": name, "PGHOST": self.host, "PGPORT": self.port, "PGUSER": self.user}
        if self.password:
            env["PGPASSWORD"] = self.password
        return {**os.environ, **{key: value for key, value in env.items() if value}}

    def connect(self, name: str) -> psycopg.Connection:
        params = {"host": self.host, "port": self.port, "user": self.user}
        params["password"] = self.password
        return psycopg.connect(
            dbname=name, autocommit=True, **{k: v for k, v in params.items() if v}
        )

    def create_database(self, name: str) -> None:
        with self.connect("postgres") as admin:
            exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if exists.fetchone():
                raise DrillError(
                    f"The database {name} already exists (left by an earlier drill run with "
                    "--keep-databases?): drop it, or choose another --scratch-prefix."
                )
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))

    def drop_database(self, name: str) -> None:
        with self.connect("postgres") as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def find_tools(directory: str | None, server_major: int) -> dict[str, str]:
    """pg_dump and pg_restore: from `directory` when given; else Debian's for the server's
    major version (/usr/lib/postgresql/N/bin), else the ones on PATH."""
    place = Path(directory) if directory else DEBIAN_TOOLS / str(server_major) / "bin"
    found = {}
    for tool in TOOLS:
        if (place / tool).is_file():
            found[tool] = str(place / tool)
        elif not directory and shutil.which(tool):
            found[tool] = shutil.which(tool)
        else:
            where = directory or f"{place} or on PATH"
            raise DrillError(
                f"{tool} not found in {where}: install the PostgreSQL {server_major} client "
                "tools (Debian: postgresql-client) or pass --pg-bin with their directory."
            )
    return found


def table_counts(cursor) -> dict[str, int]:
    """Rows in every table of the database's own schemas (a DB-API cursor, Django's or
    psycopg's)."""
    cursor.execute(
        "SELECT schemaname, tablename FROM pg_tables "
        "WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1, 2"
    )
    counts = {}
    for schema, table in cursor.fetchall():
        name = ".".join('"' + part.replace('"', '""') + '"' for part in (schema, table))
        cursor.execute(f"SELECT count(*) FROM {name}")  # noqa: S608 (names from pg_tables)
        counts[f"{schema}.{table}"] = cursor.fetchone()[0]
    return counts


def site_summary(*, tokens: dict[str, str] | None = None) -> dict:
    """What a copy is checked on: the counts of COUNTED, and each certificate's revocation and
    the credential this site signs for it. With `tokens` (code → a credential the live site
    signed), also what this site's verification says of each, as a holder's verifier would."""
    certificates = Certificate.objects.select_related("person__agency").order_by("pk")
    summary = {
        "counts": {name: model.objects.count() for name, model in COUNTED.items()},
        "certificates": {
            c.code: {"revoked": c.revoked_at is not None, "credential": credential_jwt(c)}
            for c in certificates.iterator(chunk_size=500)
        },
    }
    if tokens is not None:
        summary["verified"] = {}
        for code, token in tokens.items():
            check = check_credential(token)
            summary["verified"][code] = {
                "verified": check.verified,
                "revoked": check.revoked,
                "detail": check.detail,
            }
    return summary


def credential_content(token: str, *, page_ids_kept: bool) -> dict:
    """A signed credential's payload; without the achievement's id when the copy's pages were
    imported anew (it is made from the curriculum page's id, which an import renumbers)."""
    body = token.split(".")[1]
    payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    if not page_ids_kept:
        payload["credentialSubject"]["achievement"].pop("id", None)
    return payload


def compare_summaries(
    live: dict, copy: dict, label: str, *, notes: dict | None = None, page_ids_kept: bool = True
) -> list[str]:
    """Every way `copy` differs from the live site's summary (`notes`: why a count may)."""
    problems = [
        f"{label}: {copy['counts'].get(name)} {name}, the live site has {count}"
        + (f" ({notes[name]})" if notes and name in notes else "")
        for name, count in live["counts"].items()
        if copy["counts"].get(name) != count
    ]
    for code, was in live["certificates"].items():
        now = copy["certificates"].get(code)
        check = copy.get("verified", {}).get(code, {})
        if now is None:
            problems.append(f"{label}: certificate {code} is missing")
            continue
        if now["revoked"] != was["revoked"]:
            problems.append(f"{label}: certificate {code} changed its revocation")
        if credential_content(now["credential"], page_ids_kept=page_ids_kept) != (
            credential_content(was["credential"], page_ids_kept=page_ids_kept)
        ):
            problems.append(f"{label}: certificate {code} signs a different credential")
        if not check.get("verified"):
            problems.append(
                f"{label}: the live credential of certificate {code} does not verify: "
                f"{check.get('detail') or 'not checked'}"
            )
        elif check["revoked"] != was["revoked"]:
            problems.append(f"{label}: certificate {code}'s status list bit is wrong")
    return problems


def compare_counts(live: dict[str, int], copy: dict[str, int], label: str) -> list[str]:
    return [
        f"{label}: table {table} has {copy.get(table, 'no')} rows, the live one {count}"
        for table, count in live.items()
        if copy.get(table) != count
    ] + [f"{label}: table {table} is not in the live database" for table in copy.keys() - live]


@dataclass
class Snapshot:
    """What was taken of the live site at one moment."""

    dump: Path
    records: Path
    curricula: list[Path]
    tables: dict[str, int]
    summary: dict
    tokens: Path


class Drill:
    """One run: `backup()`, then `restore_dump()` and `restore_records()`, each returning the
    problems it found; `clean_up()` drops the scratch databases."""

    def __init__(
        self,
        *,
        work_dir: Path,
        scratch_prefix: str,
        pg_bin: str | None = None,
        report: Callable[[str], None] = print,
    ):
        if connection.vendor != "postgresql":
            raise DrillError(
                "backup_drill needs PostgreSQL (set DATABASE_URL); this database is "
                f"{connection.vendor}."
            )
        self.work_dir, self.report = work_dir, report
        self.live = connection.settings_dict["NAME"]
        self.server = Server.of(connection.settings_dict)
        connection.ensure_connection()
        self.tools = find_tools(pg_bin, connection.pg_version // 10000)
        self.dump_db, self.records_db = f"{scratch_prefix}_dump", f"{scratch_prefix}_records"
        self.created: list[str] = []
        self.cache_dir = work_dir / "scratch-cache"

    # --- backing up ----------------------------------------------------------------------

    def backup(self) -> Snapshot:
        curricula = self._export_curricula()
        sequence_pending()  # so the backups hold few events still to be chained
        dump = self.work_dir / f"{self.live}.dump"
        records = self.work_dir / "records.json"
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            started = time.monotonic()
            self._run_tool(
                "pg_dump",
                ["--format=custom", f"--snapshot={snapshot}", f"--file={dump}"],
                self.live,
            )
            self.report(
                f"pg_dump: {dump} ({dump.stat().st_size / 1e6:.1f} MB) in "
                f"{time.monotonic() - started:.1f} s"
            )
            tables = table_counts(cursor)
            with open(records, "w", encoding="utf-8") as out:
                counts = export_records(out)  # inside this transaction: the same snapshot
            self.report(
                f"export_records: {records} ({sum(counts.values())} rows in {len(counts)} sections)"
            )
            summary = site_summary()
        tokens = self.work_dir / "credentials.json"
        tokens.write_text(
            json.dumps({code: c["credential"] for code, c in summary["certificates"].items()})
        )
        self.report(
            f"live site: {len(tables)} tables, "
            + ", ".join(f"{n} {name}" for name, n in summary["counts"].items())
        )
        return Snapshot(dump, records, curricula, tables, summary, tokens)

    def _export_curricula(self) -> list[Path]:
        """Each curriculum as export_curriculum writes it (the records file names its pages)."""
        paths = []
        curricula = CurriculumPage.objects.order_by("path")
        for curriculum in curricula:
            path = self.work_dir / f"curriculum-{curriculum.pk}-{curriculum.slug}.json"
            call_command(
                "export_curriculum",
                curriculum.slug,
                output=str(path),
                home=curriculum.get_parent().pk,
                stderr=StringIO(),
            )
            paths.append(path)
        self.report(f"export_curriculum: {len(paths)} curricula")
        return paths

    # --- restoring -----------------------------------------------------------------------

    def restore_dump(self, snapshot: Snapshot) -> list[str]:
        """The dump into an empty database: every table's rows, the trail, the summary."""
        label = f"dump restored into {self.dump_db}"
        self._create(self.dump_db)
        self._run_tool(
            "pg_restore", ["--exit-on-error", f"--dbname={self.dump_db}"], None, str(snapshot.dump)
        )
        with self.server.connect(self.dump_db) as restored, restored.cursor() as cursor:
            problems = compare_counts(snapshot.tables, table_counts(cursor), label)
        if not problems:
            self.report(f"{label}: {len(snapshot.tables)} tables, every row count equal")
        return problems + self._check_site(self.dump_db, snapshot, label)

    def restore_records(self, snapshot: Snapshot) -> list[str]:
        """The portable files into a site migrated from nothing, in the operator's order."""
        label = f"records restored into {self.records_db}"
        self._create(self.records_db)
        steps = [["migrate", "--noinput"]]
        steps += [["import_curriculum", str(path)] for path in snapshot.curricula]
        steps += [["import_records", str(snapshot.records)], ["compliance_sync"]]
        for step in steps:
            failed = self._manage(self.records_db, step, label)
            if failed:
                return failed
        return self._check_site(
            self.records_db, snapshot, label, notes=RECORDS_NOTES, page_ids_kept=False
        )

    def _check_site(self, name: str, snapshot: Snapshot, label: str, **compare) -> list[str]:
        """Chain what is pending, verify the trail, compare the summary with the live one."""
        for step in (["sequence_audit"], ["verify_audit"]):
            failed = self._manage(name, step, label)
            if failed:
                return failed
        output = self._manage_output(name, ["backup_drill", "--summary", str(snapshot.tokens)])
        if output is None:
            return [f"{label}: backup_drill --summary failed (see above)"]
        problems = compare_summaries(snapshot.summary, json.loads(output), label, **compare)
        if not problems:
            self.report(
                f"{label}: the same people, completions, certificates and ledger entries; "
                f"{len(snapshot.summary['certificates'])} live credentials verify"
            )
        return problems

    def clean_up(self) -> None:
        for name in self.created:
            self.server.drop_database(name)
        self.created.clear()
        shutil.rmtree(self.cache_dir, ignore_errors=True)

    # --- running things ------------------------------------------------------------------

    def _create(self, name: str) -> None:
        self.server.create_database(name)
        self.created.append(name)

    def _run_tool(self, tool: str, args: list[str], database: str | None, *rest: str) -> None:
        env = self.server.libpq_env(database or "postgres")
        result = subprocess.run(  # noqa: S603 (our own arguments, no shell)
            [self.tools[tool], *args, *rest], env=env, capture_output=True, text=True
        )
        if result.returncode != 0:
            raise DrillError(f"{tool} failed (exit {result.returncode}): {_tail(result.stderr)}")

    def _site_env(self, name: str) -> dict[str, str]:
        """This process's settings and keys, the scratch database, a cache of its own."""
        env = {key: value for key, value in os.environ.items() if key != "REDIS_URL"}
        env.update(DATABASE_URL=self.server.url(name), SHARED_CACHE_DIR=str(self.cache_dir / name))
        if settings.SETTINGS_MODULE:  # else the environment's, as this process was started
            env["DJANGO_SETTINGS_MODULE"] = settings.SETTINGS_MODULE
        return env

    def _manage_output(self, name: str, args: list[str]) -> str | None:
        result = subprocess.run(  # noqa: S603 (our own arguments, no shell)
            [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), *args],
            env=self._site_env(name),
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            self.report(f"manage.py {args[0]} failed: {_tail(result.stderr or result.stdout)}")
            return None
        return result.stdout

    def _manage(self, name: str, args: list[str], label: str) -> list[str]:
        """Run one command in the scratch site; the problem if it fails, else nothing."""
        output = self._manage_output(name, args)
        if output is None:
            return [f"{label}: manage.py {' '.join(_shown(args))} failed (see above)"]
        last = output.strip().splitlines()[-1:] or [""]
        self.report(f"{label}: {args[0]}: {_ANSI.sub('', last[0])}")
        return []


_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _shown(args: list[str]) -> list[str]:
    return [Path(arg).name if os.sep in arg else arg for arg in args]


def _tail(text: str, lines: int = 12) -> str:
    return "\n    ".join(_ANSI.sub("", text).strip().splitlines()[-lines:])
