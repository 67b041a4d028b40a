"""The cluster: nginx (deploy/nginx.conf) in front of two app servers (deploy's gunicorn unit
and configuration, production settings, each with its own directories), one task worker
(deploy's worker unit), PostgreSQL and Redis, all on this machine, started once per session
and stopped at its end.

- PostgreSQL: a fresh database per run, copied from a template that is migrated and seeded
  once (`tests/cluster/seed.py`) and kept while the migrations and seeding code are unchanged.
- Redis: database 14, emptied at the start and the end.
- A stub learning record store (xAPI) that the worker delivers to and a test can hold.
- Clients reach nginx over HTTPS from an address of their own (127.0.0.x): nginx sees them
  apart, and the app servers must too (NUM_PROXIES).

Which app server answered a request: nginx's access log (this wrapper's own, not the site's
business) records the request id and the upstream of each request.
"""

import contextlib
import hashlib
import itertools
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import psycopg
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from psycopg import sql

from tests.deploy import deployment

ROOT = deployment.ROOT
POSTGRES = os.environ.get("CLUSTER_POSTGRES", "postgres://postgres@127.0.0.1:5432")
REDIS_URL = "redis://127.0.0.1:6379/14"  # a database of its own, emptied before and after
PASSWORD = "cluster-pass-2024!"
CACHE = Path(tempfile.gettempdir()) / "commonground-cluster"
START_TIMEOUT = 90  # seconds for a server to answer (a loaded 2-core machine is slow)
_client_addresses = itertools.count(10)  # 127.0.0.10, .11, …: one address per client


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _digest(paths) -> str:
    digest = hashlib.sha256()
    for path in sorted(paths):
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def _sql(database: str, statement, params=None):
    with psycopg.connect(f"{POSTGRES}/{database}", autocommit=True) as connection:
        cursor = connection.execute(statement, params)
        return cursor.fetchall() if cursor.description else None


def _reachable() -> str | None:
    """Why the cluster cannot run here, or None."""
    if deployment.nginx_binary() is None:
        return "needs nginx (Debian package nginx)"
    try:
        _sql("postgres", "SELECT 1")
    except psycopg.Error as error:
        return f"needs PostgreSQL at {POSTGRES}: {error}"
    try:
        import redis

        redis.Redis.from_url(REDIS_URL).ping()
    except Exception as error:
        return f"needs Redis at {REDIS_URL}: {error}"
    return None


@dataclass
class Process:
    name: str
    command: list[str]
    env: dict
    log: Path
    popen: subprocess.Popen | None = None

    def start(self) -> "Process":
        with self.log.open("ab") as log:
            # A process group of its own, as systemd gives a service its own control group.
            self.popen = subprocess.Popen(  # noqa: S603 (the units' own commands)
                self.command,
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        return self

    @property
    def running(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def send(self, number: int) -> None:
        if self.running:
            self.popen.send_signal(number)

    def stop(self, number: int = signal.SIGTERM, timeout: float = 30) -> None:
        """Signal the whole process group (gunicorn's workers too), as `systemctl stop` does
        (or `kill` does to a service's control group), and wait for the main process."""
        if not self.running:
            return
        os.killpg(self.popen.pid, number)
        try:
            self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait()

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-3000:]


class StubLrs(BaseHTTPRequestHandler):
    """A learning record store that keeps every statement id it is sent, and can hold a request
    (`hold`) until released: a worker that is mid-delivery."""

    received: list[str] = []
    hold = threading.Event()  # set: the next requests wait for `release`
    holding = threading.Event()  # set while a request is held
    release = threading.Event()

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"[]")
        statements = body if isinstance(body, list) else [body]
        if self.hold.is_set():
            type(self).holding.set()
            self.release.wait(60)
            return  # no answer: the connection closes with nothing stored
        type(self).received.extend(s["id"] for s in statements)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(json.dumps([s["id"] for s in statements]).encode())

    def log_message(self, *args):
        pass


@dataclass
class Cluster:
    url: str
    cert: Path
    database: str
    facts: dict
    nginx: Process
    servers: dict[str, Process]  # "127.0.0.1:<port>" → its gunicorn
    worker_env: dict
    directory: Path
    lrs: type[StubLrs]
    workers: list[Process] = field(default_factory=list)

    # --- clients ------------------------------------------------------------------------
    def tls(self) -> ssl.SSLContext:
        """Trusting the site's own certificate (deploy/nginx.conf's, made for this run)."""
        return ssl.create_default_context(cafile=str(self.cert))

    def client(self) -> httpx.Client:
        """A client of its own address, through nginx, over HTTPS, keeping cookies."""
        address = f"127.0.0.{next(_client_addresses)}"
        client = httpx.Client(
            base_url=self.url,
            transport=httpx.HTTPTransport(local_address=address, verify=self.tls()),
            headers={"Referer": self.url + "/"},  # Django's CSRF check on HTTPS
            timeout=60,
        )
        client.address = address
        return client

    def token(self, username: str) -> str:
        with self.client() as client:
            response = client.post(
                "/api/v1/auth/token/", json={"username": username, "password": PASSWORD}
            )
        assert response.status_code == 200, response.text
        return response.json()["token"]

    def api(self, username: str) -> httpx.Client:
        client = self.client()
        client.headers["Authorization"] = f"Token {self.token(username)}"
        return client

    def sign_in(self, client: httpx.Client, username: str, password: str = PASSWORD):
        client.get("/accounts/login/")
        return client.post(
            "/accounts/login/",
            data={"username": username, "password": password},
            headers={"X-CSRFToken": client.cookies["csrftoken"]},
        )

    # --- which app server answered --------------------------------------------------------
    def served_by(self, response: httpx.Response) -> str:
        """The upstream that answered `response` ("127.0.0.1:<port>"), from nginx's log."""
        request_id = response.headers["X-Request-ID"]
        log = self.directory / "nginx" / "upstreams.log"
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            for line in log.read_text().splitlines():
                logged_id, _, upstream = line.partition(" ")
                if logged_id == request_id:
                    return upstream.split(", ")[-1]  # the last one tried answered
            time.sleep(0.05)
        raise AssertionError(f"request {request_id} is not in nginx's log")

    def other_than(self, server: str) -> str:
        (other,) = set(self.servers) - {server}
        return other

    # --- the database -------------------------------------------------------------------
    def sql(self, statement: str, params=None):
        return _sql(self.database, statement, params)

    # --- the worker ---------------------------------------------------------------------
    def start_worker(self) -> Process:
        command = deployment.unit_command(deployment.WORKER_UNIT)
        n = len(self.workers) + 1
        worker = Process(
            f"worker-{n}", command, self.worker_env, self.directory / f"worker-{n}.log"
        )
        self.workers.append(worker.start())
        return worker

    def restart_server(self, upstream: str) -> None:
        """Start a stopped app server again and have nginx use it at once (a reload forgets
        that it had failed)."""
        server = self.servers[upstream]
        server.start()
        _wait_for(f"http://{upstream}/", server)
        self.nginx.send(signal.SIGHUP)
        with self.client() as client:
            for _ in range(20):
                if self.served_by(client.get("/")) == upstream:
                    return
                time.sleep(0.2)
        raise RuntimeError(f"nginx does not send requests to {upstream} again")


def _wait_for(url: str, process: Process) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        try:
            httpx.get(url, headers={"X-Forwarded-Proto": "https"}, timeout=5)
            return
        except httpx.TransportError:
            if not process.running or time.monotonic() > deadline:
                raise RuntimeError(f"{process.name} did not start:\n{process.output()}") from None
            time.sleep(0.3)


def _run(command: list[str], env: dict, what: str) -> str:
    result = subprocess.run(  # noqa: S603 (manage.py, fixed arguments)
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=900, check=False
    )
    if result.returncode:
        raise RuntimeError(f"{what} failed:\n{result.stdout[-2000:]}\n{result.stderr[-3000:]}")
    return result.stdout


def _manage(*arguments: str) -> list[str]:
    return [str(ROOT / ".venv" / "bin" / "python"), "manage.py", *arguments]


def _template(env: dict) -> str:
    """The migrated and seeded template database's name, built if missing. Its comment holds
    the facts the tests read (tests/cluster/seed.py)."""
    sources = [
        *ROOT.glob("*/migrations/*.py"),
        *ROOT.glob("*/management/commands/seed_*.py"),
        *(ROOT / "courses" / "curriculum").rglob("*.*"),
        ROOT / "community" / "demo.py",
        ROOT / "tests" / "cluster" / "seed.py",
    ]
    name = f"cg_cluster_tpl_{_digest(p for p in sources if p.is_file())}"
    if _sql("postgres", "SELECT 1 FROM pg_database WHERE datname = %s", [name]):
        return name
    building = f"{name}_building"
    _sql("postgres", f'DROP DATABASE IF EXISTS "{building}" WITH (FORCE)')
    _sql("postgres", f'CREATE DATABASE "{building}"')
    build_env = {**env, "DATABASE_URL": f"{POSTGRES}/{building}"}
    _run(_manage("migrate", "--noinput", "-v0"), build_env, "migrate")
    seed = f"from tests.cluster.seed import seed; seed({PASSWORD!r})"
    _run(_manage("shell", "-v0", "-c", seed), build_env, "seeding")
    facts = (
        _run(
            _manage("shell", "-v0", "-c", "from tests.cluster.seed import facts; facts()"),
            build_env,
            "reading the facts",
        )
        .strip()
        .splitlines()[-1]
    )
    json.loads(facts)
    _sql(
        building,
        sql.SQL("COMMENT ON DATABASE {} IS {}").format(
            sql.Identifier(building), sql.Literal(facts)
        ),
    )
    for (old,) in _sql(
        "postgres", "SELECT datname FROM pg_database WHERE datname LIKE 'cg_cluster_tpl_%'"
    ):
        if old != building:
            _sql("postgres", f'DROP DATABASE IF EXISTS "{old}" WITH (FORCE)')
    _sql("postgres", f'ALTER DATABASE "{building}" RENAME TO "{name}"')
    return name


def _collected_static(env: dict) -> Path:
    """`collectstatic`'s output, kept between runs while the static sources are unchanged."""
    sources = [
        *(p for p in ROOT.glob("*/static/**/*") if p.is_file()),
        ROOT / "requirements.txt",
    ]
    directory = CACHE / f"static-{_digest(sources)}"
    if not (directory / "staticfiles.json").exists():
        building = Path(tempfile.mkdtemp(dir=CACHE))
        _run(
            _manage("collectstatic", "--noinput", "-v0"),
            {**env, "STATIC_ROOT": str(building)},
            "collectstatic",
        )
        for old in CACHE.glob("static-*"):
            shutil.rmtree(old, ignore_errors=True)
        building.rename(directory)
    return directory


def _signing_key(path: Path) -> Path:
    key = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    path.write_bytes(key)
    path.chmod(0o600)
    return path


def _start_lrs() -> tuple[ThreadingHTTPServer, type[StubLrs]]:
    StubLrs.received = []
    for event in (StubLrs.hold, StubLrs.holding, StubLrs.release):
        event.clear()
    server = ThreadingHTTPServer(("127.0.0.1", 0), StubLrs)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, StubLrs


@pytest.fixture(scope="session")
def cluster(tmp_path_factory):
    reason = _reachable()
    if reason:
        pytest.skip(reason)
    import redis

    CACHE.mkdir(exist_ok=True)
    directory = tmp_path_factory.mktemp("cluster")
    redis_db = redis.Redis.from_url(REDIS_URL)
    redis_db.flushdb()
    lrs_server, lrs = _start_lrs()
    https_port, http_port = _free_port(), _free_port()
    url = f"https://127.0.0.1:{https_port}"
    # The environment file's settings, then this machine's values (systemd starts services
    # with nothing else: no inherited environment).
    env = {
        **deployment.template_env(),
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "C.UTF-8",
        "SECRET_KEY": os.urandom(32).hex(),
        "REDIS_URL": REDIS_URL,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SITE_URL": url,
        "CREDENTIALS_SIGNING_KEY_FILE": str(_signing_key(directory / "credentials-key.pem")),
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(_free_port()),  # nobody listens: emails wait and are retried
        "REQUIRE_MFA_FOR_STAFF": "false",  # the coordinator publishes without a TOTP code
        "THROTTLE_CERTIFICATE_VERIFY": "10/minute",
        "THROTTLE_AUTH_TOKEN": "1000/minute",
        "TASKS_HEARTBEAT_SECONDS": "1",
        "TASKS_WORKER_STALE_SECONDS": "3",
        "XAPI_DELIVERY_LEASE_SECONDS": "4",
        "XAPI_LRS_ENDPOINT": f"http://127.0.0.1:{lrs_server.server_port}/xAPI/",
        "XAPI_LRS_USERNAME": "cluster",
        "XAPI_LRS_PASSWORD": "cluster",
        "XAPI_LRS_TIMEOUT": "30",
        "GUNICORN_WORKERS": "2",
        "GUNICORN_LOG_LEVEL": "warning",
    }
    with contextlib.ExitStack() as stack:
        stack.callback(redis_db.flushdb)
        stack.callback(lrs_server.server_close)
        stack.callback(lrs_server.shutdown)
        template = _template({**env, "STATIC_ROOT": str(directory / "unused")})
        database = f"cg_cluster_run_{os.getpid()}"
        _sql("postgres", f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        _sql("postgres", f'CREATE DATABASE "{database}" TEMPLATE "{template}"')
        stack.callback(_sql, "postgres", f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        ((comment,),) = _sql(
            "postgres",
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
            [template],
        )
        env["DATABASE_URL"] = f"{POSTGRES}/{database}"
        static = _collected_static({**env})

        servers = {}
        for n in (1, 2):
            port = _free_port()
            own = directory / f"app{n}"  # this host's own directories
            shutil.copytree(static, own / "static")
            (own / "media").mkdir()
            (own / "cache").mkdir()
            server_env = {
                **env,
                **deployment.unit_environment(deployment.WEB_UNIT, instance=str(port)),
                "STATIC_ROOT": str(own / "static"),
                "MEDIA_ROOT": str(own / "media"),
                "SHARED_CACHE_DIR": str(own / "cache"),
                "PROMETHEUS_MULTIPROC_DIR": str(own / "metrics"),
                "TMPDIR": str(own),
            }
            command = deployment.unit_command(deployment.WEB_UNIT, instance=str(port))
            server = Process(f"app{n}", command, server_env, directory / f"app{n}.log")
            servers[f"127.0.0.1:{port}"] = server.start()
            stack.callback(server.stop)
        for upstream, server in servers.items():
            _wait_for(f"http://{upstream}/", server)

        nginx_dir = directory / "nginx"
        nginx_dir.mkdir()
        shutil.copytree(static, nginx_dir / "static")
        cert, key = deployment.self_signed_certificate(nginx_dir)
        site = nginx_dir / "site.conf"
        site.write_text(
            deployment.render_site(
                upstreams=[int(u.rsplit(":", 1)[1]) for u in servers],
                http_port=http_port,
                https_port=https_port,
                cert=cert,
                key=key,
                root=nginx_dir,
            )
        )
        main = nginx_dir / "nginx.conf"
        main.write_text(
            deployment.nginx_main_config(
                site,
                nginx_dir,
                extra="log_format upstreams '$request_id $upstream_addr';\n"
                f"access_log {nginx_dir}/upstreams.log upstreams;",
            )
        )
        (nginx_dir / "upstreams.log").touch()
        nginx = Process(
            "nginx",
            [
                deployment.nginx_binary(),
                "-p",
                str(nginx_dir),
                "-c",
                str(main),
                "-e",
                "stderr",
                "-g",
                "daemon off;",
            ],
            {"PATH": env["PATH"]},
            directory / "nginx.log",
        ).start()
        stack.callback(nginx.stop, signal.SIGQUIT)
        deadline = time.monotonic() + 20
        while True:
            try:
                httpx.get(url + "/", verify=ssl.create_default_context(cafile=str(cert)), timeout=5)
                break
            except httpx.TransportError:
                if not nginx.running or time.monotonic() > deadline:
                    raise RuntimeError(f"nginx did not start:\n{nginx.output()}") from None
                time.sleep(0.2)

        worker_static = directory / "worker" / "static"
        shutil.copytree(static, worker_static)
        result = Cluster(
            url=url,
            cert=cert,
            database=database,
            facts=json.loads(comment),
            nginx=nginx,
            servers=servers,
            worker_env={**env, "STATIC_ROOT": str(worker_static)},
            directory=directory,
            lrs=lrs,
        )
        stack.callback(lambda: [w.stop() for w in result.workers])
        result.start_worker()
        yield result
