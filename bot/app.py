"""Build the python-telegram-bot Application: settings in, application out, every handler in one table."""
from __future__ import annotations

from telegram import BotCommand, Update
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    InlineQueryHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot import (
    broadcasts_admin,
    campaign,
    common,
    emergency,
    guards,
    handoff,
    lessons,
    org,
    org_callbacks,
    qa,
    qa_callbacks,
    restarted,
    schedule_callbacks,
    schedule_wizard,
    study,
    tips_report,
    tips_thread,
    tips_triage,
    weblogin,
)
from bot.commands import worker_commands
from bot.context import CONTEXT_TYPES, BotServices
from bot.http import bot_request
from bot.incoming import UpdateSieve
from bot.retry import OutgoingLimiter
from bot.updates import PerChatUpdateProcessor
from core.logging import quiet_identifying_loggers
from core.settings import Settings

# Updates from different chats are processed concurrently, so one slow update (a tip photo being
# re-encoded, say) never delays an emergency answer to someone else; one chat's stay in order.
CONCURRENT_UPDATES = 64


def build_application(settings: Settings, services: BotServices) -> Application:
    """Create the Application talking to ``settings.telegram_api_url``, with all handlers registered."""
    application = (
        ApplicationBuilder()
        .token(settings.bot_token or "0:demo")
        .base_url(settings.bot_base_url)
        .base_file_url(settings.bot_file_url)
        .context_types(CONTEXT_TYPES)
        .concurrent_updates(PerChatUpdateProcessor(CONCURRENT_UPDATES, services.campaigns.arrivals))
        .request(bot_request(connection_pool_size=64))
        # Updates the library cannot parse are sifted out before it sees the batch, and poll answers are
        # stamped with their arrival (bot/incoming.py).
        .get_updates_request(bot_request(kind=UpdateSieve, connection_pool_size=1, read_timeout=40,
                                         arrivals=services.campaigns.arrivals, clock=services.clock))
        # The one outgoing path: every request paced, kept until delivered or refused (bot/retry.py).
        .rate_limiter(OutgoingLimiter(services.outgoing))
        .post_init(_post_init)
        .build()
    )
    application.bot_data.services = services
    register_handlers(application)
    return application


def register_handlers(app: Application) -> None:
    """The routing table. PTB tries groups in order; within a group the first match wins."""
    # PTB logs whole updates at DEBUG: make sure those records never exist (tips are anonymous),
    # whoever builds the application.
    quiet_identifying_loggers()
    # Group -3: input nothing below could process safely (NUL, lone surrogates, buttons of inline
    # messages) is answered once and stops here.
    guards.register(app)
    # Group -2: bookkeeping that must see every update without stopping others.
    app.add_handler(ChatMemberHandler(common.chat_member_changed, ChatMemberHandler.MY_CHAT_MEMBER), group=-2)
    # Emergencies first, in every state: text reporting one ("有人触电了") is answered here and stops
    # (ApplicationHandlerStop), so no flow below takes it as a step's input; the step is asked again.
    # Any other text goes on.
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, emergency.emergency_first), group=-2)
    # A command's words reporting one ("/ask 有人触电了") get the guidance first; the command then runs.
    app.add_handler(MessageHandler(filters.COMMAND, emergency.emergency_in_command), group=-2)
    # Group -1: after a restart or a takeover, the first update of a worker whose conversation the old
    # process held is answered with what was lost; a typed step or an old button stops here, so it is
    # not taken for a question (bot/restarted.py). Any other update goes on to group 0.
    app.add_handler(TypeHandler(Update, restarted.tell_lost), group=restarted.GROUP)

    # Group 0, in order:
    # 0. Conversations and the tip admin commands: while a chat is inside a flow its text, photos
    #    and commands belong to the flow, so they must precede the generic command, question and
    #    unsupported-message handlers below.
    # Anonymous tips, by actor: the tipper's report (/report, 我要举报…), the tipper's receipt
    # thread (/status), the admins' triage (/tips, /duty, tip buttons, the note after a status button).
    tips_report.register(app)
    tips_thread.register(app)
    tips_triage.register(app)
    #    问工会: the worker typing a question for a person (/ask, 🙋 问工会, ✏️ 修改, 继续追问) and the
    #    staff typing its answer (回答) are conversations too; /myquestions and the ho| buttons.
    handoff.register(app)
    #    微课堂 for admins: the /schedule wizard (a conversation too: an admin's typed times and
    #    announcement text belong to it), /broadcasts and its buttons.
    app.add_handler(schedule_wizard.schedule_conversation())
    app.add_handler(CommandHandler("broadcasts", broadcasts_admin.broadcasts_command))
    app.add_handler(CallbackQueryHandler(broadcasts_admin.broadcast_button, pattern=schedule_callbacks.LIST_PATTERN))
    #    安康杯 campaigns: /campaign (/contest) and the cp: buttons.
    campaign.register(app)
    #    微课堂 for workers: subscriptions, lessons, /score and /rank (/rank campaign too), ls: buttons, and
    #    every poll answer (a campaign poll's is handed to bot.campaign).
    lessons.register(app)
    #    学时: /mystudy and the certificates' st: buttons (读完了 is a lesson button, above).
    study.register(app)
    # 1. Commands.
    app.add_handler(CommandHandler("start", common.start))
    app.add_handler(CommandHandler("help", common.help_command))
    app.add_handler(CommandHandler("laws", qa.laws))
    app.add_handler(CommandHandler("weblogin", weblogin.weblogin))
    app.add_handler(CommandHandler("settings", org.settings))
    # Each conversation above owns /cancel while it runs; here there is nothing to cancel.
    app.add_handler(CommandHandler("cancel", common.nothing_to_cancel))
    # 2. Any other command: a friendly reply (must follow every CommandHandler).
    app.add_handler(MessageHandler(filters.COMMAND, common.unknown_command))
    # 3. Free text outside any conversation: a question (emergencies never get here: group -2).
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, qa.ask))
    # 4. Non-text messages outside a flow.
    app.add_handler(MessageHandler(~filters.TEXT & ~filters.StatusUpdate.ALL, common.unsupported_message))
    # 5. Buttons, each area matching its own callback-data prefix.
    app.add_handler(CallbackQueryHandler(qa.button, pattern=qa_callbacks.PATTERN))
    app.add_handler(CallbackQueryHandler(org.button, pattern=org_callbacks.PATTERN))
    # 6. Inline mode: share articles and answers into any chat.
    app.add_handler(InlineQueryHandler(qa.inline_query))
    # 7. Buttons nobody claimed: stale keyboards and forged callback data (must be last).
    app.add_handler(CallbackQueryHandler(common.stale_button))

    app.add_error_handler(common.error_handler)


async def _post_init(application: Application) -> None:
    """Publish the command menu once the bot is initialised."""
    await application.bot.set_my_commands([BotCommand(c.name, c.description) for c in worker_commands()])


ALLOWED_UPDATES = Update.ALL_TYPES
