"""Anonymous hazard tips (匿名隐患举报): domain and storage; never imports ``telegram``.

The bot (bot/tips_report.py, tips_thread.py, tips_triage.py), the public web form (web/tips.py), the admin web
console and the CLI all call the same functions in ``tips.service``. The caller opens the session and commits::

    async with services.sessions() as session, session.begin():
        page = await list_tips(session, status=None, category=None, urgent=None, open_only=True,
                               limit=8, offset=0)                         # -> TipPage(tips, total, …)
        tip = await get_tip(session, tip_id)                              # -> Tip (+events, photos); TipNotFound
        event = await change_status(session, tip_id, TipStatus.VERIFYING, note, admin_id=..., now=...)
                                                                          # TransitionNotAllowed; audited
        event = await reply(session, tip_id, text, admin_id=..., now=...)  # union message; audited
        event = await add_followup(session, tip_id, text, photos, now=...) # tipper message/photos
        result = await export_tips(session, out_dir, status=None, open_only=False, admin_id=...)
                                                                          # tips.csv, thread.csv, photos/; audited
        submitted = await submit_tip(session, draft, now=...)             # -> Submitted(tip_id, receipt_code)
        tip = await find_by_receipt(session, code)                        # ReceiptInvalid for any wrong code
    allowed_transitions(status) -> tuple[TipStatus, ...]

Photos pass through ``tips.photos.sanitize(bytes) -> CleanPhoto`` (PhotoRejected) before they
reach a draft or a follow-up. Statuses: ``tips.models.TipStatus`` (a StrEnum; ``status.label`` reads
the one label table, STATUS_LABELS; ``parse_status`` for codes from forms and buttons), OPEN_STATUSES;
places: PLACE_TYPES. In-memory limits: ``services.tips.limits`` (a ``tips.runtime.TipsRuntime``).
See docs/threat-model-tips.md for what anonymity means here.
"""
