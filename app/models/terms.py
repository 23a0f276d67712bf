"""Terms (stageperiodes) with their intake window, and per-school late-entry overrides."""

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, UTCDateTime, utcnow


class Term(Base):
    """An internship span such as "1 okt - 31 dec" and the timetable around it."""

    __tablename__ = "term"
    __table_args__ = (
        CheckConstraint("internship_start <= internship_end", name="span_ordered"),
        CheckConstraint("intake_opens_at < intake_closes_at", name="intake_ordered"),
        CheckConstraint("intake_closes_at <= results_at", name="results_after_intake"),
        CheckConstraint(
            "requests_visible_at IS NULL OR requests_visible_at < results_at",
            name="release_before_results",
        ),
        CheckConstraint(
            "second_round_until IS NULL OR second_round_until > results_at",
            name="second_round_after_results",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    # The school year whose timetable holds this term, by its first calendar year (2022 = 2022-2023).
    school_year: Mapped[int] = mapped_column(Integer, index=True)
    internship_start: Mapped[date] = mapped_column(Date)
    internship_end: Mapped[date] = mapped_column(Date)
    intake_opens_at: Mapped[datetime] = mapped_column(UTCDateTime)
    intake_closes_at: Mapped[datetime] = mapped_column(UTCDateTime)
    results_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # TERM-6: the moment requests become visible to services (None: when intake opens).
    requests_visible_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # TERM-7: a second round shows unplaced students to every province until this moment.
    second_round_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<Term {self.id}>"


class IntakeOverride(Base):
    """TERM-3: an admin lets one school enter requests outside the window, with a reason."""

    __tablename__ = "intake_override"

    id: Mapped[int] = mapped_column(primary_key=True)
    term_id: Mapped[int] = mapped_column(ForeignKey("term.id"), index=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    until: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # A revoked override no longer opens anything; the row stays for the record.
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    term: Mapped[Term] = relationship()
