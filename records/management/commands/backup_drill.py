"""`manage.py backup_drill`: back up the live PostgreSQL database both ways and prove each
backup restores (records/drill.py; docs/operations.md, "Backups").

Exits non-zero naming every mismatch: a table whose rows differ in the restored dump, an audit
trail that does not verify, people, completions, certificates or ledger entries the portable
restore lost, a certificate whose credential no longer verifies. With --keep-files DIR the
backups it checked (the dump, the records file, the curricula) stay in DIR: the drill is then
the backup job itself. The scratch databases are dropped however it ends.
"""

import argparse
import json
import shutil
import tempfile
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from records.drill import Drill, DrillError, site_summary


class Command(BaseCommand):
    help = (
        "Dump the live PostgreSQL database (pg_dump, custom format) and write export_records at "
        "one moment; restore the dump into an empty database and the portable files into an "
        "empty migrated site; check both; drop them. Non-zero exit on any mismatch."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--keep-files",
            metavar="DIR",
            help="Write the backups here and keep them (default: a temporary directory).",
        )
        parser.add_argument(
            "--scratch-prefix",
            metavar="NAME",
            help="Name the scratch databases NAME_dump and NAME_records "
            "(default: the live database's name followed by _drill).",
        )
        parser.add_argument(
            "--pg-bin",
            metavar="DIR",
            help="Where pg_dump and pg_restore are (default: /usr/lib/postgresql/<server "
            "major version>/bin, else PATH).",
        )
        parser.add_argument(
            "--keep-databases",
            action="store_true",
            help="Leave the scratch databases for inspection (drop them yourself).",
        )
        # Run by the drill inside each restored site: its summary as JSON on standard output.
        parser.add_argument("--summary", metavar="CREDENTIALS_FILE", help=argparse.SUPPRESS)

    def handle(self, *args, **options):
        if options["summary"]:
            tokens = json.loads(Path(options["summary"]).read_text(encoding="utf-8"))
            self.stdout.write(json.dumps(site_summary(tokens=tokens)))
            return
        keep = options["keep_files"]
        work_dir = Path(keep) if keep else Path(tempfile.mkdtemp(prefix="backup-drill-"))
        work_dir.mkdir(parents=True, exist_ok=True)
        drill = None
        try:
            drill = Drill(
                work_dir=work_dir,
                scratch_prefix=options["scratch_prefix"]
                or f"{connection.settings_dict['NAME']}_drill",
                pg_bin=options["pg_bin"],
                report=self.stdout.write,
            )
            snapshot = drill.backup()
            problems = drill.restore_dump(snapshot) + drill.restore_records(snapshot)
        except DrillError as error:
            raise CommandError(f"Backup drill could not run: {error}") from None
        finally:
            if drill and not options["keep_databases"]:
                drill.clean_up()
            if not keep:
                shutil.rmtree(work_dir, ignore_errors=True)
        if problems:
            raise CommandError(
                f"Backup drill FAILED, {len(problems)} problems:\n"
                + "\n".join(f"  {problem}" for problem in problems)
            )
        kept = f"; the backups are in {work_dir}" if keep else ""
        self.stdout.write(self.style.SUCCESS(f"Backup drill passed{kept}."))
