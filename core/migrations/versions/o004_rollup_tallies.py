"""org: the rollups' tallies — per unit, the workers joined, subscribed and ever active and their answers; per
unit and UTC hour, the workers who took part (by their previous active hour), those last active then and the
quiz answers — counted here from the raw tables, kept by org.tallies from then on; the questions asked per
unit and day indexed by day (issue 12, Scale)

Revision ID: o004
Revises: o003
"""
import sqlalchemy as sa
from alembic import op

revision = "o004"
down_revision = "o003"
branch_labels = None
depends_on = ("b001",)  # lesson_progress and quiz_answers, counted below

# The UTC hour of a time, as hours since the epoch (org.tallies.hour_of). SQLite keeps UTC times as text
# 'YYYY-MM-DD HH:MM:SS.ffffff': its day in hours plus its hour (strftime('%s') of the whole text would round the
# fraction of a second, which could carry into the next hour).
HOUR = {
    "sqlite": "(CAST(strftime('%s', substr({0}, 1, 10)) AS INTEGER) / 3600 + CAST(substr({0}, 12, 2) AS INTEGER))",
    "postgresql": "CAST(floor(extract(epoch FROM {0}) / 3600) AS INTEGER)",
}


def upgrade() -> None:
    def unit_fk(table: str) -> sa.ForeignKeyConstraint:
        return sa.ForeignKeyConstraint(["unit_id"], ["organisations.id"],
                                       name=op.f(f"fk_{table}_unit_id_organisations"), ondelete="CASCADE")

    op.create_table(
        "org_unit_tallies",
        sa.Column("unit_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("joined", sa.Integer(), nullable=False),
        sa.Column("subscribers", sa.Integer(), nullable=False),
        sa.Column("ever_active", sa.Integer(), nullable=False),
        sa.Column("answers", sa.Integer(), nullable=False),
        sa.Column("correct", sa.Integer(), nullable=False),
        unit_fk("org_unit_tallies"),
        sa.PrimaryKeyConstraint("unit_id", name=op.f("pk_org_unit_tallies")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "org_activity_tallies",
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("hour", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("prev_hour", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("workers", sa.Integer(), nullable=False),
        unit_fk("org_activity_tallies"),
        sa.PrimaryKeyConstraint("unit_id", "hour", "prev_hour", name=op.f("pk_org_activity_tallies")),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_org_activity_tallies_hour_prev_hour", "org_activity_tallies",
                    ["hour", "prev_hour", "unit_id", "workers"])
    op.create_table(
        "org_last_active_tallies",
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("hour", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("workers", sa.Integer(), nullable=False),
        unit_fk("org_last_active_tallies"),
        sa.PrimaryKeyConstraint("unit_id", "hour", name=op.f("pk_org_last_active_tallies")),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_org_last_active_tallies_hour", "org_last_active_tallies", ["hour", "unit_id", "workers"])
    op.create_table(
        "org_answer_tallies",
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("hour", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("answers", sa.Integer(), nullable=False),
        sa.Column("correct", sa.Integer(), nullable=False),
        unit_fk("org_answer_tallies"),
        sa.PrimaryKeyConstraint("unit_id", "hour", name=op.f("pk_org_answer_tallies")),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_org_answer_tallies_hour", "org_answer_tallies", ["hour", "unit_id", "answers", "correct"])
    op.create_index("ix_org_question_counts_day", "org_question_counts", ["day", "unit_id", "count"])

    # What the workers already recorded count for (the same counts as org.tallies.rebuild).
    hour = HOUR[op.get_bind().dialect.name]
    op.execute(
        "INSERT INTO org_unit_tallies (unit_id, joined, subscribers, ever_active, answers, correct) "
        "SELECT m.unit_id, count(*), sum(CASE WHEN u.subscribed AND u.blocked_at IS NULL THEN 1 ELSE 0 END), 0, 0, 0 "
        "FROM org_members m JOIN users u ON u.chat_id = m.chat_id GROUP BY m.unit_id")
    # The hours each worker was active in.
    hours = (f"SELECT chat_id, {hour.format('delivered_at')} AS hour FROM lesson_progress"
             f" UNION SELECT chat_id, {hour.format('answered_at')} FROM quiz_answers")
    op.execute(
        "INSERT INTO org_activity_tallies (unit_id, hour, prev_hour, workers) "
        "SELECT m.unit_id, p.hour, p.prev_hour, count(*) FROM ("
        "  SELECT h.chat_id, h.hour, coalesce(lag(h.hour) OVER (PARTITION BY h.chat_id ORDER BY h.hour), 0)"
        f"    AS prev_hour FROM ({hours}) h) p "
        "JOIN org_members m ON m.chat_id = p.chat_id GROUP BY m.unit_id, p.hour, p.prev_hour")
    op.execute(
        "INSERT INTO org_last_active_tallies (unit_id, hour, workers) "
        f"SELECT m.unit_id, l.hour, count(*) FROM (SELECT h.chat_id, max(h.hour) AS hour FROM ({hours}) h"
        "  GROUP BY h.chat_id) l "
        "JOIN org_members m ON m.chat_id = l.chat_id GROUP BY m.unit_id, l.hour")
    op.execute(
        "INSERT INTO org_answer_tallies (unit_id, hour, answers, correct) "
        "SELECT m.unit_id, a.hour, count(*), sum(a.right_answer) FROM ("
        f"  SELECT chat_id, {hour.format('answered_at')} AS hour,"
        "    CASE WHEN correct THEN 1 ELSE 0 END AS right_answer FROM quiz_answers) a "
        "JOIN org_members m ON m.chat_id = a.chat_id GROUP BY m.unit_id, a.hour")
    op.execute(
        "UPDATE org_unit_tallies SET"
        " ever_active = coalesce((SELECT sum(l.workers) FROM org_last_active_tallies l"
        "   WHERE l.unit_id = org_unit_tallies.unit_id), 0),"
        " answers = coalesce((SELECT sum(a.answers) FROM org_answer_tallies a"
        "   WHERE a.unit_id = org_unit_tallies.unit_id), 0),"
        " correct = coalesce((SELECT sum(a.correct) FROM org_answer_tallies a"
        "   WHERE a.unit_id = org_unit_tallies.unit_id), 0)")


def downgrade() -> None:
    op.drop_index("ix_org_question_counts_day", table_name="org_question_counts")
    op.drop_index("ix_org_answer_tallies_hour", table_name="org_answer_tallies")
    op.drop_table("org_answer_tallies")
    op.drop_index("ix_org_last_active_tallies_hour", table_name="org_last_active_tallies")
    op.drop_table("org_last_active_tallies")
    op.drop_index("ix_org_activity_tallies_hour_prev_hour", table_name="org_activity_tallies")
    op.drop_table("org_activity_tallies")
    op.drop_table("org_unit_tallies")
