"""What the dashboard counted of students that `flask purge-students` removed (NF-5)."""

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, UTCDateTime, utcnow


class PurgedCount(Base):
    """The dashboard's figures (app/admin/stats.py, ADM-3) of the purged requests of one
    school in one province of one term: numbers only, no person. Added to by every purge that
    removes students of that group; the live rows of the term count beside them."""

    __tablename__ = "purged_count"
    __table_args__ = (UniqueConstraint("term_id", "school_id", "province"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    term_id: Mapped[int] = mapped_column(ForeignKey("term.id"))
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    province: Mapped[str] = mapped_column(String(3))
    requests: Mapped[int] = mapped_column(Integer, default=0)
    accepted: Mapped[int] = mapped_column(Integer, default=0)
    open: Mapped[int] = mapped_column(Integer, default=0)
    declined: Mapped[int] = mapped_column(Integer, default=0)
    stopped: Mapped[int] = mapped_column(Integer, default=0)
    purged_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
