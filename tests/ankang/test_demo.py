"""`ankang demo`: a person chats with the real bot in the terminal, with no token and no network."""
import asyncio
import os
import sys


async def read_until(stream: asyncio.StreamReader, needle: str, timeout: float = 60) -> str:
    seen = ""
    async with asyncio.timeout(timeout):
        while needle not in seen:
            line = await stream.readline()
            if not line:
                raise AssertionError(f"demo ended before printing {needle!r}:\n{seen}")
            seen += line.decode()
    return seen


async def test_demo_greets_answers_and_presses_buttons(tmp_path, laws_dir):
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANKANG_")}
    env.update(ANKANG_LAWS_DIR=str(laws_dir), ANKANG_WEB_PORT="0", ANKANG_LOG_LEVEL="WARNING")
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "ankang", "demo", cwd=tmp_path, env=env,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )
    try:
        greeting = await read_until(proc.stdout, "订阅微课堂")
        assert "安康助手" in greeting and "[1]" in greeting
        proc.stdin.write("安全生产法第五十五条\n".encode())
        await proc.stdin.drain()
        answer = await read_until(proc.stdout, "第五十五条")
        assert "🤖" in answer
        proc.stdin.write(b"/quit\n")
        await proc.stdin.drain()
        farewell = await read_until(proc.stdout, "再见")
        assert "Traceback" not in greeting + answer + farewell
        assert await asyncio.wait_for(proc.wait(), 30) == 0
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    assert (tmp_path / "data" / "demo.sqlite3").exists()
