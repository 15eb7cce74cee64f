"""bench.campaign runs end to end at a small size (issue 13, Scale): every answer recorded once."""
from __future__ import annotations

import re


def test_the_campaign_bench_runs_with_20_workers(capsys):
    from bench.campaign import main

    main(["--workers", "20", "--window", "2"])
    rows = {m.group(1).strip(): m.group(2).strip()
            for m in re.finditer(r"^  (\S.*?)\s{2,}(\S.*)$", capsys.readouterr().out, re.MULTILINE)}
    assert rows["workers / invited / attempts"] == "20 / 20 / 20"
    assert rows["lost / extra / double-counted"] == "0 / 0 / 0 [ok]"
    assert rows["workers who did not finish"] == "0"
