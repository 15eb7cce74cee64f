"""A PostgreSQL server of our own for fault tests and benchmarks: ``initdb`` in a temporary directory,
started with ``pg_ctl`` on a free port of 127.0.0.1 (no Unix socket), stopped and started at will.

It never touches the shared server on 5432. The binaries are found through ``ANKANG_PG_BINDIR``,
then ``pg_ctl`` on the PATH, then the newest ``/usr/lib/postgresql/*/bin``; PostgreSQL refuses to
run as root, so under root the server runs as the ``postgres`` user (``runuser``).
"""
from __future__ import annotations

import asyncio
import os
import shutil
import socket
import tempfile
from pathlib import Path

from sqlalchemy.engine import URL


class PostgresNotInstalled(RuntimeError):
    """No ``initdb`` / ``pg_ctl`` on this machine (``scripts/ensure-postgres.sh`` installs them in CI)."""


def find_bindir() -> Path:
    configured = os.environ.get("ANKANG_PG_BINDIR")
    candidates = [Path(configured)] if configured else []
    on_path = shutil.which("pg_ctl")
    if on_path:
        candidates.append(Path(on_path).resolve().parent)
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name) if
                      p.parent.name.isdigit() else 0, reverse=True)
    candidates += versions
    for bindir in candidates:
        if (bindir / "initdb").is_file() and (bindir / "pg_ctl").is_file():
            return bindir
    raise PostgresNotInstalled("initdb and pg_ctl not found: install PostgreSQL (scripts/ensure-postgres.sh)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PrivatePostgres:
    """``async with PrivatePostgres() as pg:`` a running server; ``await pg.stop()`` / ``await pg.start()``."""

    def __init__(self) -> None:
        self.bindir = find_bindir()
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="ankang-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self.running = False
        self._as_postgres = os.geteuid() == 0

    def url(self, database: str = "postgres") -> str:
        return URL.create("postgresql+asyncpg", username="postgres", host="127.0.0.1", port=self.port,
                          database=database).render_as_string(hide_password=False)

    async def _run(self, *args: str) -> None:
        command = [str(self.bindir / args[0]), *args[1:]]
        if self._as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        process = await asyncio.create_subprocess_exec(
            *command, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
        output, _ = await process.communicate()
        if process.returncode != 0:
            raise RuntimeError(f"{args[0]} failed ({process.returncode}): {output.decode(errors='replace')[-2000:]}")

    async def __aenter__(self) -> PrivatePostgres:
        if self._as_postgres:
            shutil.chown(self.root, "postgres", "postgres")
        await self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                        "--locale=C", "--no-sync")
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        try:
            if self.running:
                await self.stop()
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    async def start(self) -> None:
        options = (f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' "
                   "-c fsync=off -c synchronous_commit=off -c full_page_writes=off")
        await self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "-t", "60", "start")
        self.running = True

    async def stop(self) -> None:
        """A fast shutdown: open sessions are ended, as when a database server goes away."""
        await self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "-t", "60", "stop")
        self.running = False

    async def create_database(self, name: str) -> str:
        import asyncpg

        conn = await asyncpg.connect(host="127.0.0.1", port=self.port, user="postgres", database="postgres")
        try:
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()
        return self.url(name)
