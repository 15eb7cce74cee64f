"""The ``ankang`` command line: run the bot, the demo, the emulator, and each area's admin verbs."""
from __future__ import annotations

import asyncio
import gc
import sys

import click

from core.settings import settings_or_exit

EMULATOR_MISSING = (
    "此安装不含 Telegram 模拟器 / the Bot API emulator is not installed here "
    "(the production image leaves it out; run this from a source checkout: pip install -e .)"
)


# Each area owns its verbs: `ankang --help` lists them all, and a verb's module is imported when the verb runs
# (`ankang run` holds none of the other areas' command lines: issue 14, point 7).
AREA_COMMANDS = {
    "ask": "knowledge.cli", "kb": "knowledge.cli", "laws": "knowledge.cli",
    "lessons": "broadcasts.cli", "quiz": "broadcasts.cli", "broadcast": "broadcasts.cli_broadcast",
    "tips": "tips.cli", "org": "org.cli", "admin": "web.cli",
}


class _AreaGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *AREA_COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in AREA_COMMANDS and cmd_name not in self.commands:
            import importlib

            self.add_command(getattr(importlib.import_module(AREA_COMMANDS[cmd_name]), cmd_name))
        return super().get_command(ctx, cmd_name)


@click.group(cls=_AreaGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="ankang")
def main() -> None:
    """安康助手 Ankang — a trade union's work-safety bot for Telegram."""


@main.command()
@click.option("--require-laws", is_flag=True,
              help="Refuse to start when ANKANG_LAWS_DIR cannot be loaded, unless ANKANG_ALLOW_NO_LAWS=1 "
                   "(the Docker image starts this way).")
@click.option("--role", type=click.Choice(["auto", "web"]), default="auto", show_default=True,
              help="auto: the leader (polls Telegram, broadcasts, scheduled jobs) or a hot standby, chosen on "
                   "PostgreSQL by an advisory lock; web: the web console, /tip and /healthz only, never the leader")
def run(require_laws: bool, role: str) -> None:
    """Start the bot (long polling, or webhook if ANKANG_WEBHOOK_URL is set) and the web server."""
    # Settings first: a start-up refused for its configuration ends before the app is imported (~1.5 s of CPU).
    settings = settings_or_exit()
    if not settings.bot_token:
        click.echo("配置错误 / configuration error: ANKANG_BOT_TOKEN is not set (try `ankang demo`)", err=True)
        sys.exit(2)
    if settings.webhook_secret_problem:
        click.echo(settings.webhook_secret_problem, err=True)
        sys.exit(2)
    if require_laws and not settings.allow_no_laws:
        from knowledge.lawsdir import diagnose_laws_dir

        laws = diagnose_laws_dir(settings.laws_dir)
        if not laws.ok:
            click.echo(f"拒绝启动 / refusing to start without statutes: {laws.message}. "
                       "To run on the FAQ alone, set ANKANG_ALLOW_NO_LAWS=1.", err=True)
            sys.exit(2)
    _no_collection_during_start()  # on again in ankang.runner.serve
    from ankang.runner import serve
    from ankang.services import MigrationFailed
    from core.cluster import DatabaseInUse
    from core.logging import configure_logging

    configure_logging(settings.log_level, secrets=(settings.bot_token, settings.webhook_secret))
    try:
        asyncio.run(serve(settings, role))
    except DatabaseInUse as exc:
        click.echo(f"拒绝启动 / refusing to start: {exc}", err=True)
        sys.exit(2)
    except MigrationFailed as exc:  # the child said why, on stderr, above this line
        click.echo(f"启动失败 / start-up failed: the database could not be migrated ({exc})", err=True)
        sys.exit(1)
    except OSError as exc:
        click.echo(f"启动失败 / start-up failed: {exc}", err=True)
        sys.exit(1)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8081, show_default=True, type=int)
@click.option("--limits", type=click.Choice(["telegram", "counting", "off"]), default="telegram", show_default=True,
              help="flood limits: enforce Telegram's, only count violations, or none")
@click.option("-v", "--verbose", is_flag=True, help="log every Bot API call")
def emulator(host: str, port: int, limits: str, verbose: bool) -> None:
    """Run the Telegram Bot API emulator alone (point ANKANG_TELEGRAM_API_URL at it)."""
    _require_emulator()
    from emulator import main as emulator_main

    sys.exit(emulator_main(["--host", host, "--port", str(port), "--limits", limits, *(["-v"] if verbose else [])]))


@main.group()
def db() -> None:
    """Database schema (Alembic migrations)."""


@db.command("upgrade")
@click.argument("revision", default="heads")
def db_upgrade(revision: str) -> None:
    """Apply migrations (they also run automatically at start)."""
    from core.cli import run_with_database
    from core.db import SessionMaker, engine_of, upgrade

    async def work(sessions: SessionMaker) -> None:
        await upgrade(engine_of(sessions), revision)

    run_with_database(work, migrate=False)
    click.echo(f"数据库已升级到最新 / database upgraded ({revision})")


@db.command("current")
def db_current() -> None:
    """Show the schema revision of the configured database: one per area's migration branch."""
    from core.cli import run_with_database
    from core.db import SessionMaker, current_revisions, engine_of

    async def show(sessions: SessionMaker) -> tuple[str, ...]:
        return await current_revisions(engine_of(sessions))

    click.echo(" ".join(sorted(run_with_database(show, migrate=False))) or "(empty database)")



@main.command()
@click.option("--fresh", is_flag=True, help="Start with an empty demo database (deletes data/demo.sqlite3).")
def demo(fresh: bool) -> None:
    """Chat with the real bot in this terminal: emulator, SQLite and bundled content; no token."""
    _require_emulator()
    _no_collection_during_start()  # on again in ankang.demo.demo_main
    from ankang.demo import run_demo

    run_demo(fresh=fresh)


def _no_collection_during_start() -> None:
    """Turn the cyclic garbage collector off while the app is imported and started (``run``, ``demo``); it is
    turned on again once the app is up, after one collection. The start allocates a few hundred thousand
    objects that all live as long as the process, and the collector walked them again and again meanwhile for
    nearly nothing: about 0.1 s of CPU of a 1.4 s start (issue 9)."""
    gc.disable()


def _require_emulator() -> None:
    """Exit with one line where the emulator was left out (the production image), not a traceback."""
    import importlib.util

    if importlib.util.find_spec("emulator") is None:
        click.echo(EMULATOR_MISSING, err=True)
        sys.exit(2)
