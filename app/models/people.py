"""Contact people: the school's supervisors and the care service's mentors."""

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, UTCDateTime, utcnow


class Supervisor(Base):
    """A stage-/werkplekbegeleider of a school, who follows trainees."""

    __tablename__ = "supervisor"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str] = mapped_column(String(32))
    email: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Mentor(Base):
    """A stagementor at a care service, the trainee's contact there."""

    __tablename__ = "mentor"

    id: Mapped[int] = mapped_column(primary_key=True)
    care_service_id: Mapped[int] = mapped_column(
        ForeignKey("care_service.id"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str] = mapped_column(String(32))
    email: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
