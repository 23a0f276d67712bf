"""Internship requests: the student (cursist) and their periods."""

from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, UTCDateTime, utcnow
from app.models.organisations import CareService, School
from app.models.people import Supervisor
from app.models.terms import Term


class Student(Base):
    """One trainee's internship request for one term (stageaanvraag)."""

    __tablename__ = "student"
    __table_args__ = (
        # Blind index: the same national number twice in one school and term is refused.
        UniqueConstraint("school_id", "term_id", "national_number_index"),
        # The school overview: one term of one school in name order, read in index order.
        Index(
            "ix_student_school_term_name",
            "school_id",
            "term_id",
            "last_name",
            "first_name",
            "id",
        ),
        # What a care service browses: the open terms' requests of its province.
        Index("ix_student_term_province", "term_id", "province"),
        CheckConstraint("period_count BETWEEN 1 AND 4", name="period_count_range"),
        CheckConstraint(
            "internship_form IN ('blok', 'alternerend', 'blok_alternerend')",
            name="form_known",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    term_id: Mapped[int] = mapped_column(ForeignKey("term.id"), index=True)
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    # Fernet ciphertext; the clear number is never stored (SECURITY.md 22).
    national_number_encrypted: Mapped[bytes | None] = mapped_column(LargeBinary)
    national_number_index: Mapped[str | None] = mapped_column(String(64), index=True)
    street: Mapped[str] = mapped_column(String(200))
    postcode: Mapped[str] = mapped_column(String(4))
    city: Mapped[str] = mapped_column(String(100))
    province: Mapped[str] = mapped_column(String(3), index=True)
    phone: Mapped[str] = mapped_column(String(32))
    email: Mapped[str] = mapped_column(String(254))
    # Comma-separated codes of reference.TRANSPORT_MODES.
    transport: Mapped[str] = mapped_column(String(64), default="")
    remarks: Mapped[str] = mapped_column(Text, default="")
    supervisor_id: Mapped[int] = mapped_column(ForeignKey("supervisor.id"), index=True)
    internship_form: Mapped[str] = mapped_column(String(20))
    period_count: Mapped[int] = mapped_column(Integer)
    hours_per_week: Mapped[int | None] = mapped_column(Integer)
    total_hours: Mapped[int] = mapped_column(Integer)
    internship_remarks: Mapped[str] = mapped_column(Text, default="")
    preferred_service_id: Mapped[int | None] = mapped_column(
        ForeignKey("care_service.id"), index=True
    )
    stopped_on: Mapped[date | None] = mapped_column(Date)
    stopped_reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow
    )

    school: Mapped[School] = relationship()
    term: Mapped[Term] = relationship()
    supervisor: Mapped[Supervisor] = relationship()
    preferred_service: Mapped[CareService | None] = relationship()
    periods: Mapped[list["Period"]] = relationship(
        back_populates="student", order_by="Period.number", cascade="all, delete-orphan"
    )
    placements: Mapped[list["Placement"]] = relationship(  # noqa: F821
        viewonly=True, order_by="Placement.period_id"
    )
    declines: Mapped[list["Decline"]] = relationship(  # noqa: F821
        viewonly=True, order_by="Decline.created_at"
    )

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def transport_codes(self) -> list[str]:
        return [code for code in self.transport.split(",") if code]

    @property
    def stopped(self) -> bool:
        return self.stopped_on is not None

    @property
    def accepted(self) -> bool:
        """True once any period was accepted by a service (then the school cannot edit)."""
        return bool(self.placements)


class Period(Base):
    """One stretch of internship (periode 1-4) with its start and end date."""

    __tablename__ = "period"
    __table_args__ = (
        UniqueConstraint("student_id", "number"),
        CheckConstraint("number BETWEEN 1 AND 4", name="number_range"),
        CheckConstraint("start_date <= end_date", name="dates_ordered"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(
        ForeignKey("student.id", ondelete="CASCADE")
    )
    number: Mapped[int] = mapped_column(Integer)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)

    student: Mapped[Student] = relationship(back_populates="periods")
