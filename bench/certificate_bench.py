"""Time what a certificate costs to draw and to sign, in-process, without a database.

    .venv/bin/python bench/certificate_bench.py [--rounds 200]

* the certificate PDF (courses.certificates.pdf.render_certificate_pdf, a cache miss) for
  names in Latin, Polish, Vietnamese, Cyrillic, Greek and Chinese, and a 62-character name,
  in turn; the fonts are loaded once before timing (what a worker pays once: printed apart);
* the Open Badges 3.0 credential: building its JSON and signing it as a compact JWS
  (courses.credentials), and verifying that JWS with the published key.

Prints the median, 95th percentile and maximum wall-clock time of each, and the median CPU
time, in milliseconds, and the machine's load average.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
NAMES = [
    "Dana Reyes",
    "Łukasz Żółkiewski",
    "Nguyễn Thị Minh Khai",
    "Александра Сергеевна Кузнецова",
    "Γεώργιος Παπαδόπουλος",
    "王秀英",
    "Maximiliana Alexandrina Wolfeschlegelsteinhausenbergerdorff-Ng",
]


def _setup() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    os.environ.setdefault(
        "BENCH_DATABASE_URL", f"sqlite:///{tempfile.gettempdir()}/certificate-bench.sqlite3"
    )
    import django

    django.setup()


def _certificate(name: str):
    """The facts a certificate prints, without a database row."""
    from django.utils import timezone

    agency = SimpleNamespace(
        name="Riverside Police Department",
        slug="riverside-pd",
        certificate_signatory_name="Maria Okonkwo-Hernández",
        certificate_signatory_title="Chief of Police",
    )
    return SimpleNamespace(
        pk=42,
        curriculum_id=3,
        code="ABCD-EFGH-JKLM-NPQR",
        serial="CG-2026-000042",
        holder_name=name,
        curriculum_title="Community Policing: Foundations for Trust",
        credit_hours=Decimal("14.50"),
        issued_at=timezone.now(),
        expires_at=None,
        person=SimpleNamespace(pk=7, agency=agency),
    )


def _timed(function, rounds: int) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU milliseconds of each call (on a shared machine the CPU time is the
    steadier figure: it leaves out the time spent waiting for a core)."""
    wall, cpu = [], []
    for i in range(rounds):
        start, start_cpu = time.perf_counter(), time.process_time()
        function(i)
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    return wall, cpu


def _report(label: str, times: tuple[list[float], list[float]]) -> None:
    wall, cpu = times
    ordered = sorted(wall)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    print(
        f"{label:<36} median {statistics.median(wall):7.2f} ms  p95 {p95:7.2f} ms  "
        f"max {ordered[-1]:7.2f} ms  CPU median {statistics.median(cpu):7.2f} ms  (n={len(wall)})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()
    _setup()

    from courses.certificates import fonts
    from courses.certificates.pdf import render_certificate_pdf

    start = time.perf_counter()
    fonts.register_fonts()
    for name in (fonts.SERIF, fonts.SANS, fonts.CJK):
        fonts.runs("a", name)
    print(f"{'fonts loaded once per process':<36} {(time.perf_counter() - start) * 1000:7.1f} ms")

    certificates = [_certificate(name) for name in NAMES]
    url = "https://training.example.org/verify/ABCD-EFGH-JKLM-NPQR/"
    render_certificate_pdf(certificates[0], verify_url=url)  # warm-up
    _report(
        "certificate PDF (7 names in turn)",
        _timed(
            lambda i: render_certificate_pdf(certificates[i % len(certificates)], verify_url=url),
            args.rounds,
        ),
    )
    _credential_bench(certificates, args.rounds)
    print("load average (1, 5, 15 min): " + ", ".join(f"{load:.2f}" for load in os.getloadavg()))


def _credential_bench(certificates, rounds: int) -> None:
    try:
        from courses.credentials import keys, openbadges
    except ImportError:  # before the credentials existed
        return
    import jwt

    keys.keyring()
    build = openbadges.build_credential
    build(certificates[0])  # warm-up: the first reverse() loads the URLconf
    _report(
        "credential JSON (build)",
        _timed(lambda i: build(certificates[i % len(certificates)]), rounds),
    )
    credential = build(certificates[0])
    _report("credential JWS (sign, EdDSA)", _timed(lambda i: keys.sign(credential), rounds))
    token = keys.sign(credential)
    public = jwt.PyJWK(keys.keyring().signing.export_public(as_dict=True))
    _report(
        "credential JWS (verify, PyJWT)",
        _timed(
            lambda i: jwt.decode(
                token, public, algorithms=["EdDSA", "ES256"], options={"verify_aud": False}
            ),
            rounds,
        ),
    )


if __name__ == "__main__":
    main()
