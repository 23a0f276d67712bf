"""Allocation proposals for the leftovers of a term (issue 13, extends TERM-7 and ADM-5).

A run is VIVO's "Voorstel maken" for one term: its settings, the seed it used, and one line
per student in the pool, with the service proposed (or none) and why not a better one. A
draft run is VIVO's to trim and rerun; once sent, each line with a service is a proposal the
service answers (accept with a mentor, or decline with a reason) before the deadline. Nothing
becomes a placement until the service accepts; a declined or expired line returns the student
to the pool of the next run, and the run stays as history.
"""

from datetime import datetime

from sqlalchemy import Boolean, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, UTCDateTime, utcnow
from app.models.organisations import CareService
from app.models.students import Student


class AllocationRun(Base):
    """One computed proposal for one term; a draft until VIVO sends it."""

    __tablename__ = "allocation_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    term_id: Mapped[int] = mapped_column(ForeignKey("term.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The admin's settings as JSON (app.allocation.Settings), and the lottery's seed.
    settings: Mapped[str] = mapped_column(Text, default="{}")
    seed: Mapped[int | None] = mapped_column(Integer)
    # Milliseconds the algorithm took (shown with the proposal, and in the bench).
    algorithm_ms: Mapped[int] = mapped_column(Integer, default=0)
    # Sent to the services: when, and until when they may answer.
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answer_by: Mapped[datetime | None] = mapped_column(UTCDateTime)

    lines: Mapped[list["AllocationLine"]] = relationship(
        back_populates="run",
        cascade="all, delete-orphan",
        order_by="AllocationLine.rank",
    )


class AllocationLine(Base):
    """One student's outcome in a run: the service proposed (or None) and the answer."""

    __tablename__ = "allocation_line"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("allocation_run.id"), index=True)
    # The turn this student had in the run's order (1 = chose first).
    rank: Mapped[int] = mapped_column(Integer)
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id"), index=True)
    care_service_id: Mapped[int | None] = mapped_column(
        ForeignKey("care_service.id"), index=True
    )
    distance_km: Mapped[float | None] = mapped_column(Float)
    # "Waarom?": the better services and their reasons, as JSON (app.allocation.Why).
    why: Mapped[str] = mapped_column(Text, default="[]")
    # VIVO took the line out of the draft before sending.
    removed: Mapped[bool] = mapped_column(Boolean, default=False)
    # After sending: "" (waiting; expired once the run's answer_by has passed),
    # "accepted" or "declined".
    answer: Mapped[str] = mapped_column(String(16), default="")
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    decline_reason: Mapped[str] = mapped_column(Text, default="")

    run: Mapped[AllocationRun] = relationship(back_populates="lines")
    student: Mapped[Student] = relationship()
    care_service: Mapped[CareService | None] = relationship()
