"""deploy/ is what operators install: its environment template names every variable the
production settings read, its units start commands that exist, its gunicorn configuration is
gunicorn's, and nginx accepts its site. tests/cluster runs the same files."""

import os
import runpy
import subprocess
from pathlib import Path

import pytest
from django.core.management import get_commands
from gunicorn.config import Config

from tests.deploy import deployment


def test_the_environment_template_names_every_variable_the_settings_read():
    read = deployment.settings_env_vars()

    assert {"SECRET_KEY", "DATABASE_URL", "REDIS_URL", "NUM_PROXIES"} <= read  # the regex works
    assert {"MEDIA_S3_BUCKET", "MEDIA_URL_SECONDS"} <= read  # and the storage's
    assert read - deployment.template_env_vars() == set()


def test_the_environment_template_sets_what_production_requires():
    env = deployment.template_env()

    assert env["DJANGO_SETTINGS_MODULE"] == "lms.settings.production"
    for name in ("SECRET_KEY", "DATABASE_URL", "REDIS_URL", "ALLOWED_HOSTS", "SITE_URL"):
        assert env[name], name
    assert env["NUM_PROXIES"] == "1"  # nginx, deploy/nginx.conf


@pytest.mark.parametrize(
    "unit", [deployment.WEB_UNIT, deployment.WORKER_UNIT], ids=lambda p: p.name
)
def test_units_read_the_environment_file_and_run_from_the_checkout(unit):
    service = deployment.unit_service(unit)

    assert service["WorkingDirectory"] == [deployment.INSTALL_DIR]
    assert service["EnvironmentFile"] == ["/etc/commonground/commonground.env"]
    assert service["Restart"] == ["always"]


def test_the_web_unit_starts_gunicorn_with_the_deploy_configuration_on_its_port():
    command = deployment.unit_command(deployment.WEB_UNIT, instance="8001")
    env = deployment.unit_environment(deployment.WEB_UNIT, instance="8001")

    assert os.access(command[0], os.X_OK) and Path(command[0]).name == "gunicorn"
    assert command[1:] == ["-c", str(deployment.GUNICORN_CONF), "lms.wsgi:application"]
    assert env == {
        "GUNICORN_BIND": "127.0.0.1:8001",
        # in the runtime directory the unit owns (emptied at each start)
        "PROMETHEUS_MULTIPROC_DIR": "/run/commonground-8001/metrics",
    }
    assert (deployment.ROOT / "lms" / "wsgi.py").exists()


def test_the_worker_unit_runs_the_task_worker_command():
    command = deployment.unit_command(deployment.WORKER_UNIT)

    assert os.access(command[0], os.X_OK)
    assert command[1:] == ["manage.py", "run_worker"]
    assert get_commands()["run_worker"] == "background"  # the worker with heartbeats


def test_the_gunicorn_configuration_sets_only_gunicorn_settings(monkeypatch):
    monkeypatch.setenv("GUNICORN_BIND", "127.0.0.1:8123")
    values = {
        name: value
        for name, value in runpy.run_path(str(deployment.GUNICORN_CONF)).items()
        if not name.startswith("_") and name != "os"
    }
    known = Config().settings

    assert set(values) - set(known) == set()
    assert values["bind"] == "127.0.0.1:8123"
    assert values["worker_class"] == "sync"


@pytest.mark.skipif(deployment.nginx_binary() is None, reason="needs nginx (Debian package nginx)")
def test_nginx_accepts_the_site(tmp_path):
    cert, key = deployment.self_signed_certificate(tmp_path)
    site = tmp_path / "site.conf"
    site.write_text(
        deployment.render_site(
            upstreams=[18001, 18002],
            http_port=18080,
            https_port=18443,
            cert=cert,
            key=key,
            root=tmp_path,
        )
    )
    main = tmp_path / "nginx.conf"
    main.write_text(deployment.nginx_main_config(site, tmp_path))

    result = subprocess.run(  # noqa: S603 (nginx, our own files)
        [deployment.nginx_binary(), "-t", "-p", str(tmp_path), "-c", str(main), "-e", "stderr"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr


def test_the_site_sends_the_headers_the_app_reads_and_fails_over():
    site = deployment.SITE.read_text()

    for line in (
        "proxy_set_header Host $http_host;",
        "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;",
        "proxy_set_header X-Forwarded-Proto $scheme;",
        "proxy_next_upstream error timeout http_502 http_503 http_504;",
    ):
        assert line in site
    assert "non_idempotent" not in site  # a POST an app server received is never sent twice
