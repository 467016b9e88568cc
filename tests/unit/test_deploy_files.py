"""deploy/compose.yaml and the proxy configuration hold together (no Docker engine needed).

No Docker engine or client runs here: instead of ``docker compose config``, a schema check of
the keys the file uses, plus the topology the docs and tests/web/test_topology.py rely on.
"""

from __future__ import annotations

import re

import pytest
import yaml

from app.settings import ROOT

DEPLOY = ROOT / "deploy"
TOP_LEVEL = {"name", "services", "volumes", "networks", "configs", "secrets"}
SERVICE_KEYS = {
    "build", "image", "command", "entrypoint", "environment", "env_file", "depends_on",
    "ports", "expose", "volumes", "healthcheck", "restart", "hostname", "stop_grace_period",
    "stop_signal", "deploy", "networks", "user", "working_dir", "labels", "logging",
}  # fmt: skip
RESTART = {"no", "always", "on-failure", "unless-stopped"}
CONDITIONS = {"service_started", "service_healthy", "service_completed_successfully"}


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())


def test_compose_keys_are_ones_compose_knows(compose):
    assert set(k for k in compose if not k.startswith("x-")) <= TOP_LEVEL
    for name, service in compose["services"].items():
        assert re.fullmatch(r"[a-z0-9][a-z0-9_.-]*", name)
        assert set(service) <= SERVICE_KEYS, (name, set(service) - SERVICE_KEYS)
        assert "image" in service or "build" in service, name
        assert service.get("restart", "no") in RESTART
        depends = service.get("depends_on", [])
        targets = depends if isinstance(depends, list) else list(depends)
        assert set(targets) <= set(compose["services"]), name
        if isinstance(depends, dict):
            assert all(d["condition"] in CONDITIONS for d in depends.values())
        for port in service.get("ports", []):
            assert re.fullmatch(r"\d+:\d+", str(port)), port
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if not source.startswith("."):
                assert source in compose.get("volumes", {}), volume
        if "build" in service:
            context = DEPLOY / service["build"]["context"]
            dockerfile = context / service["build"].get("dockerfile", "Dockerfile")
            assert dockerfile.is_file(), dockerfile
        if "healthcheck" in service:
            assert service["healthcheck"]["test"][0] in ("CMD", "CMD-SHELL")


def test_compose_runs_two_apps_on_postgres_and_redis_behind_the_proxy(compose):
    services = compose["services"]
    assert {"postgres", "redis", "app1", "app2", "proxy"} <= set(services)
    apps = [services["app1"], services["app2"]]
    assert apps[0]["environment"] == apps[1]["environment"]
    env = apps[0]["environment"]
    assert env["FUSEN_DATABASE_URL"].startswith("postgresql://")
    assert "@postgres:5432/" in env["FUSEN_DATABASE_URL"]
    assert env["FUSEN_BUS_URL"] == "redis://redis:6379/0"
    assert "FUSEN_SECRET_KEY" in env and env["FUSEN_ENVIRONMENT"] == "production"
    assert apps[0]["command"][:2] == ["fusen", "serve"]
    port = apps[0]["command"][apps[0]["command"].index("--port") + 1]
    # Longer than the 10 s a process needs to stop, so SIGKILL never cuts a write.
    assert int(apps[0]["stop_grace_period"].rstrip("s")) > 10

    proxy = services["proxy"]
    upstreams = proxy["environment"]["FUSEN_UPSTREAM_SERVERS"]
    assert re.findall(r"server (\w+):(\d+)", upstreams) == [("app1", port), ("app2", port)]
    assert proxy["environment"]["FUSEN_HTTPS_PORT"] == "443"
    assert "443:443" in proxy["ports"]


def test_proxy_template_names_only_what_compose_and_the_test_fill_in(compose):
    template = (DEPLOY / "nginx" / "fusen.conf.template").read_text()
    used = set(re.findall(r"\$\{(FUSEN_\w+)\}", template))
    assert used == set(compose["services"]["proxy"]["environment"]) - {""}
    render = (DEPLOY / "nginx" / "render.sh").read_text()
    assert all("${" + name + "}" in render for name in used)
    # Streams unbuffered with long timeouts, and HTTP/2 to browsers.
    stream_block = template.split("location ~ ^/(api/v1/workshops")[1].split("}")[0]
    assert "proxy_buffering off;" in stream_block
    assert "proxy_read_timeout 1h;" in stream_block
    assert re.search(r"listen \$\{FUSEN_HTTPS_PORT\} ssl http2;", template)


def test_the_proxy_image_installs_the_nginx_the_tests_run():
    dockerfile = (DEPLOY / "nginx" / "Dockerfile").read_text()
    assert "FROM debian:" in dockerfile and "apt-get install" in dockerfile
    assert "nginx" in (ROOT / ".ci" / "run").read_text()
