"""bench.campaign runs end to end at a small size (issue 13, Scale): every answer recorded once."""
from __future__ import annotations


def test_the_campaign_bench_runs_with_20_workers(capsys):
    from bench.campaign import main

    main(["--workers", "20", "--window", "2"])
    out = capsys.readouterr().out
    assert "workers / invited / attempts             20 / 20 / 20" in out
    assert "lost / extra / double-counted            0 / 0 / 0 [ok]" in out
    assert "workers who did not finish               0" in out
