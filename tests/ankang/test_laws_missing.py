"""Loud when the law is missing: `ankang run`, `ankang demo`, /healthz and the Docker image's command
say so when ANKANG_LAWS_DIR is unset, missing, empty or unreadable."""
from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import socket
import sys
from pathlib import Path

import aiohttp
from aiohttp.test_utils import TestClient, TestServer
from click.testing import CliRunner

from ankang.cli import main
from ankang.services import open_services
from tests.conftest import REPO, TEST_TOKEN
from web.app import create_web_app

FIRST_LINES = 3


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def clean_env(**values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANKANG_")}
    env.update(PYTHONPATH=str(REPO), **values)
    return env


async def test_run_warns_in_its_first_lines_and_healthz_says_the_statutes_are_missing(
        emulator, database_url, tmp_path, side_cache_dir):
    wrong = tmp_path / "no-such-laws"
    port = free_port()
    env = clean_env(
        ANKANG_BOT_TOKEN=TEST_TOKEN, ANKANG_TELEGRAM_API_URL=emulator.url, ANKANG_DATABASE_URL=database_url,
        ANKANG_WEB_HOST="127.0.0.1", ANKANG_WEB_PORT=str(port), ANKANG_LAWS_DIR=str(wrong),
        ANKANG_SECRET_KEY="laws-test-secret", ANKANG_LOG_LEVEL="INFO", ANKANG_CACHE_DIR=str(side_cache_dir),
        # The Docker image's command, told that running on the FAQ alone is intended.
        ANKANG_ALLOW_NO_LAWS="1",
    )
    seen = len(emulator.calls_to("setMyCommands"))
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "ankang", "run", "--require-laws", env=env, cwd=str(tmp_path),
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )
    try:
        lines: list[str] = []
        async with asyncio.timeout(60):
            while not any("WARNING" in line for line in lines):
                line = await process.stderr.readline()
                assert line, f"ankang run ended before warning:\n{''.join(lines)}"
                lines.append(line.decode())
        warning = next(line for line in lines if "WARNING" in line)
        assert lines.index(warning) < FIRST_LINES, lines
        assert f"ANKANG_LAWS_DIR={wrong} does not exist" in warning and "法条目录不存在" in warning
        # Up all the same, answering from the FAQ; /healthz stays 200 and says what is missing.
        await emulator.wait_for(lambda: len(emulator.calls_to("setMyCommands")) > seen, timeout=90, what="bot start")
        async with aiohttp.ClientSession() as http, http.get(f"http://127.0.0.1:{port}/healthz") as response:
            assert response.status == 200
            health = await response.json()
        assert health["status"] == "ok" and health["laws"]["status"] == "missing"
        assert "does not exist" in health["laws"]["message"] and str(wrong) not in health["laws"]["message"]
        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), 60) == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


def test_the_docker_image_command_refuses_to_start_without_statutes(tmp_path):
    """The image's CMD, run as the image runs it: no statutes, no start, unless allowed."""
    dockerfile = (REPO / "docker" / "Dockerfile").read_text(encoding="utf-8")
    command = json.loads(re.search(r"^CMD (\[.*\])$", dockerfile, re.M).group(1))
    assert command[:2] == ["ankang", "run"]
    (tmp_path / "laws").mkdir()  # mounted, but nothing in it
    env = {"ANKANG_BOT_TOKEN": TEST_TOKEN, "ANKANG_LAWS_DIR": str(tmp_path / "laws"), "ANKANG_ALLOW_NO_LAWS": ""}
    result = CliRunner().invoke(main, command[1:], env=env)
    assert result.exit_code == 2, result.output
    assert "refusing to start without statutes" in result.output
    assert "has no manifest.json and no .md statute" in result.output and "ANKANG_ALLOW_NO_LAWS=1" in result.output


async def test_healthz_reports_each_laws_status(make_settings, tmp_path, laws_dir):
    empty = tmp_path / "empty"
    empty.mkdir()
    cases = {"ok": laws_dir, "unset": None, "missing": tmp_path / "nowhere", "empty": empty}
    for status, path in cases.items():
        services = await open_services(make_settings(laws_dir=path))
        try:
            async with TestClient(TestServer(create_web_app(services))) as client:
                response = await client.get("/healthz")
                assert response.status == 200
                body = await response.json()
        finally:
            await services.close()
        assert body["status"] == "ok" and body["laws"]["status"] == status, body
        assert body["laws"]["statutes"] == (14 if status == "ok" else 0)


async def test_demo_says_it_has_no_statutes(tmp_path: Path, side_cache_dir: Path):
    env = clean_env(ANKANG_LAWS_DIR=str(tmp_path / "nowhere"), ANKANG_WEB_PORT="0", ANKANG_LOG_LEVEL="WARNING",
                    ANKANG_CACHE_DIR=str(side_cache_dir))
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "ankang", "demo", cwd=tmp_path, env=env,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )
    try:
        seen = ""
        async with asyncio.timeout(60):
            while "没有加载法条" not in seen:
                line = await proc.stdout.readline()
                assert line, f"demo ended before saying so:\n{seen}"
                seen += line.decode()
        assert "does not exist" in seen
        proc.stdin.write(b"/quit\n")
        await proc.stdin.drain()
        assert await asyncio.wait_for(proc.wait(), 30) == 0
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
