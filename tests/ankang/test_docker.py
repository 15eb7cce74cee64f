"""The Docker files (issue 15, point 6): a health check on the configured port, time zone data, and a
compose file that says where its variables come from, keeps the password out of the URL and publishes
the web port on 127.0.0.1 only. No Docker daemon here: the commands are run as the image would run
them, the files read as Compose reads them."""
from __future__ import annotations

import asyncio
import json
import os
import re
import socket
import sys
from pathlib import Path

import yaml
from aiohttp.test_utils import TestServer
from sqlalchemy.engine import make_url

from core.settings import load_settings
from web.app import create_web_app

REPO = Path(__file__).resolve().parents[2]
DOCKERFILE = (REPO / "docker" / "Dockerfile").read_text(encoding="utf-8")
COMPOSE_TEXT = (REPO / "docker" / "compose.yml").read_text(encoding="utf-8")
COMPOSE = yaml.safe_load(COMPOSE_TEXT)


def healthcheck_command() -> list[str]:
    match = re.search(r"^HEALTHCHECK .*\\\n\s+CMD (\[.*\])$", DOCKERFILE, re.M)
    assert match, "no HEALTHCHECK in exec form"
    return json.loads(match.group(1))


async def run(command: list[str], env: dict[str, str]) -> int:
    command = [sys.executable if command[0] == "python" else command[0], *command[1:]]
    process = await asyncio.create_subprocess_exec(*command, env={"PATH": os.environ["PATH"], **env},
                                                   stdout=asyncio.subprocess.DEVNULL,
                                                   stderr=asyncio.subprocess.DEVNULL)
    return await asyncio.wait_for(process.wait(), 30)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_the_health_check_asks_the_port_the_server_is_configured_on(services):
    server = TestServer(create_web_app(services), host="127.0.0.1")
    await server.start_server()
    try:
        command = healthcheck_command()
        assert await run(command, {"ANKANG_WEB_PORT": str(server.port)}) == 0
        assert await run(command, {"ANKANG_WEB_PORT": str(free_port())}) != 0  # nothing listens there
    finally:
        await server.close()


def test_the_image_has_time_zone_data():
    assert re.search(r"apt-get install [^\n]*\btzdata\b", DOCKERFILE)
    assert "!ankang/" in (REPO / ".dockerignore").read_text() and "\n*\n" in (REPO / ".dockerignore").read_text()


def test_compose_publishes_the_web_port_on_localhost_by_default():
    ports = COMPOSE["services"]["ankang"]["ports"]
    assert ports and all(p.startswith("${ANKANG_BIND:-127.0.0.1}:") for p in ports)
    assert "ports" not in COMPOSE["services"]["db"]


def test_compose_keeps_the_database_password_out_of_the_url():
    ankang, db = COMPOSE["services"]["ankang"]["environment"], COMPOSE["services"]["db"]["environment"]
    assert make_url(ankang["ANKANG_DATABASE_URL"]).password is None
    assert ankang["ANKANG_DATABASE_PASSWORD"] == db["POSTGRES_PASSWORD"]
    assert db["POSTGRES_PASSWORD"].startswith("${POSTGRES_PASSWORD:?")  # required, no weak default
    # What Ankang makes of it, whatever the password holds.
    password = "p@ss:w/rd%#?&= x"
    settings = load_settings(database_url=ankang["ANKANG_DATABASE_URL"], database_password=password)
    url = make_url(settings.database_url)
    assert (url.password, url.host, url.port, url.database, url.username) == (password, "db", 5432, "ankang", "ankang")
    assert password not in repr(settings)


def test_compose_says_where_each_of_its_variables_comes_from():
    header = COMPOSE_TEXT.split("services:")[0]
    assert "--env-file" in header and "docker/.env" in header
    variables = set(re.findall(r"\$\{([A-Z_]+)", COMPOSE_TEXT))
    assert variables >= {"POSTGRES_PASSWORD", "LAWS_DIR", "ANKANG_BIND", "ANKANG_PUBLISH_PORT"}
    assert [v for v in sorted(variables) if v not in header] == []


def test_the_image_holds_every_package_it_installs():
    """Every package pyproject installs, but the emulator, is in the build context and copied into the image
    (org/ was missing: the image could not import it)."""
    import tomllib

    include = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]["find"]["include"]
    packages = {name.rstrip("*") for name in include} - {"emulator"}
    ignore = (REPO / ".dockerignore").read_text()
    assert {p for p in packages if f"COPY {p} ./{p}" not in DOCKERFILE or f"!{p}/" not in ignore} == set()
    assert re.search(r"apt-get install [^\n]*\bfonts-noto-cjk\b", DOCKERFILE)


def test_every_data_file_of_a_package_ships_in_the_wheel():
    """Every file git tracks inside an installed package, but Python sources, matches the package's
    package-data globs, so a non-editable install (the Docker image) has it. The trained answer policy
    (knowledge/data/answer_policy.json) was missing: the image answered with the first release's thresholds."""
    import fnmatch
    import subprocess
    import tomllib

    setuptools = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]
    packages = {name.rstrip("*") for name in setuptools["packages"]["find"]["include"]}
    globs = setuptools["package-data"]
    tracked = subprocess.run(["git", "ls-files", *sorted(packages)], cwd=REPO, capture_output=True, text=True,
                             check=True).stdout.split()
    missing = []
    for path in tracked:
        package, _, inside = path.partition("/")
        if path.endswith(".py") or not inside:
            continue
        if not any(fnmatch.fnmatchcase(inside, pattern) and inside.count("/") == pattern.count("/")
                   for pattern in globs.get(package, [])):
            missing.append(path)
    assert missing == []
