"""安康杯 campaigns: knowledge contests over the question bank (issue 13, points 2 and 3).

Domain only: plain values and ORM objects in and out; never imports telegram, bot, web or ankang.
"""
