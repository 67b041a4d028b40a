"""The files in deploy/, read and rendered for this machine: the same files an operator
installs, with only ports and paths changed (tests/deploy checks them, tests/cluster runs
them). A literal that is to be replaced and is not in the file fails loudly, so a renamed port
or path in deploy/ cannot leave a test running something else."""

import datetime
import ipaddress
import re
import shlex
import shutil
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

ROOT = Path(__file__).resolve().parent.parent.parent
DEPLOY = ROOT / "deploy"
SITE = DEPLOY / "nginx.conf"
GUNICORN_CONF = DEPLOY / "gunicorn.conf.py"
WEB_UNIT = DEPLOY / "commonground-web@.service"
WORKER_UNIT = DEPLOY / "commonground-worker.service"
ENV_TEMPLATE = DEPLOY / "commonground.env.example"
SETTINGS_FILES = [
    ROOT / "lms" / "settings" / "base.py",
    ROOT / "lms" / "settings" / "production.py",
]
# Read by the settings through ObjectStorage.from_env(os.environ): get("X") / env.get("X").
STORAGE_ENV_FILE = ROOT / "lms" / "storage.py"

INSTALL_DIR = "/srv/commonground"  # where deploy/ expects the checkout (and .venv in it)
SITE_UPSTREAMS = ["127.0.0.1:8001", "127.0.0.1:8002"]
SITE_HTTP_LISTEN = "listen 80;"
SITE_HTTPS_LISTEN = "listen 443 ssl http2;"
SITE_CERT = "/etc/ssl/certs/commonground.pem"
SITE_KEY = "/etc/ssl/private/commonground.key"
SITE_STATIC_ROOT = f"root {INSTALL_DIR};"

# A name the settings read from the environment: os.environ["X"], os.environ.get("X", …),
# os.getenv("X"), or one of the settings' env_* helpers (env_bool, env_list, …).
_ENV_READ = re.compile(
    r"""(?:os\.environ(?:\.get)?|os\.getenv|\benv_\w+)\s*[\[(]\s*["']([A-Z][A-Z0-9_]*)["']"""
)
_STORAGE_ENV_READ = re.compile(r"""\b(?:env\.)?get\(\s*["']([A-Z][A-Z0-9_]*)["']""")
_TEMPLATE_LINE = re.compile(r"^#?([A-Z][A-Z0-9_]*)=", re.MULTILINE)


def settings_env_vars() -> set[str]:
    """Every environment variable the production settings read."""
    names = {name for path in SETTINGS_FILES for name in _ENV_READ.findall(path.read_text())}
    return names | set(_STORAGE_ENV_READ.findall(STORAGE_ENV_FILE.read_text()))


def template_env_vars() -> set[str]:
    """Every variable the environment template names, set or commented out."""
    return set(_TEMPLATE_LINE.findall(ENV_TEMPLATE.read_text()))


def template_env() -> dict[str, str]:
    """The variables the template sets (its uncommented lines)."""
    env = {}
    for line in ENV_TEMPLATE.read_text().splitlines():
        if line and not line.startswith("#") and "=" in line:
            name, value = line.split("=", 1)
            env[name] = value
    return env


def nginx_binary() -> str | None:
    """Debian's nginx, also when /usr/sbin is not on the PATH (not root)."""
    return shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/sbin")


def _replace(text: str, old: str, new: str) -> str:
    if old not in text:
        raise AssertionError(f"deploy/ no longer contains {old!r}: update tests/deploy too")
    return text.replace(old, new)


def render_site(
    *, upstreams: list[int], http_port: int, https_port: int, cert: Path, key: Path, root: Path
) -> str:
    """deploy/nginx.conf with this machine's ports and paths; static files from root/static."""
    if len(upstreams) != len(SITE_UPSTREAMS):
        raise ValueError(f"the site lists {len(SITE_UPSTREAMS)} app servers")
    text = SITE.read_text()
    for old, port in zip(SITE_UPSTREAMS, upstreams, strict=True):
        text = _replace(text, f"server {old} ", f"server 127.0.0.1:{port} ")
    text = _replace(text, SITE_HTTP_LISTEN, f"listen 127.0.0.1:{http_port};")
    text = _replace(text, SITE_HTTPS_LISTEN, f"listen 127.0.0.1:{https_port} ssl http2;")
    text = _replace(text, SITE_CERT, str(cert))
    text = _replace(text, SITE_KEY, str(key))
    return _replace(text, SITE_STATIC_ROOT, f"root {root};")


def nginx_main_config(site: Path, prefix: Path, extra: str = "") -> str:
    """A main configuration around the site for an nginx of our own (no root needed): what
    Debian's /etc/nginx/nginx.conf gives a site, with every file under `prefix`, plus `extra`
    lines in its http block."""
    return f"""
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log {prefix}/access.log;
    client_body_temp_path {prefix}/client_body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    {extra}
    include {site};
}}
"""


def unit_service(path: Path) -> dict[str, list[str]]:
    """A systemd unit's [Service] section: each key's values in order."""
    section, values = None, {}
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            section = line
        elif section == "[Service]":
            key, value = line.split("=", 1)
            values.setdefault(key, []).append(value)
    return values


def unit_command(path: Path, *, root: Path = ROOT, instance: str = "") -> list[str]:
    """The unit's ExecStart as arguments, for a checkout at `root` (with its .venv)."""
    (line,) = unit_service(path)["ExecStart"]
    return shlex.split(line.replace("%i", instance).replace(INSTALL_DIR, str(root)))


def unit_environment(path: Path, *, instance: str = "") -> dict[str, str]:
    """The unit's own Environment= lines (besides its EnvironmentFile)."""
    env = {}
    for line in unit_service(path).get("Environment", []):
        for assignment in shlex.split(line.replace("%i", instance)):
            name, value = assignment.split("=", 1)
            env[name] = value
    return env


def self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and localhost, and its key, written to `directory`."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "site.pem", directory / "site.key"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    key_path.chmod(0o600)
    return cert_path, key_path
