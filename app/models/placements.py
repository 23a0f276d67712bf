"""The care services' answers: placements (acceptances), declines and capacity."""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, UTCDateTime, utcnow
from app.models.organisations import CareService
from app.models.people import Mentor
from app.models.students import Period, Student


class Placement(Base):
    """A care service's acceptance of one period of a student (stageplek)."""

    __tablename__ = "placement"

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id"), index=True)
    # Unique: one period can be accepted by one service only (SVC-3), enforced by the database.
    period_id: Mapped[int] = mapped_column(ForeignKey("period.id"), unique=True)
    care_service_id: Mapped[int] = mapped_column(
        ForeignKey("care_service.id"), index=True
    )
    mentor_id: Mapped[int] = mapped_column(ForeignKey("mentor.id"), index=True)
    notes: Mapped[str] = mapped_column(Text, default="")
    accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    student: Mapped[Student] = relationship()
    period: Mapped[Period] = relationship()
    care_service: Mapped[CareService] = relationship()
    mentor: Mapped[Mentor] = relationship()


class Decline(Base):
    """A care service's "no" to a request, with the reason the school sees (SVC-5)."""

    __tablename__ = "decline"

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id"), index=True)
    care_service_id: Mapped[int] = mapped_column(
        ForeignKey("care_service.id"), index=True
    )
    reason: Mapped[str] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    care_service: Mapped[CareService] = relationship()


class ServiceCapacity(Base):
    """The number of trainees a care service offers to take in one term (SVC-6)."""

    __tablename__ = "service_capacity"
    __table_args__ = (
        UniqueConstraint("care_service_id", "term_id"),
        CheckConstraint("places >= 0", name="places_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    care_service_id: Mapped[int] = mapped_column(ForeignKey("care_service.id"))
    term_id: Mapped[int] = mapped_column(ForeignKey("term.id"))
    places: Mapped[int] = mapped_column(Integer, default=0)
