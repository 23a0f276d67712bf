"""All models, importable from one place (Alembic and the tests need them registered)."""

from app.models.base import Base, utcnow
from app.models.organisations import CareService, School
from app.models.people import Mentor, Supervisor
from app.models.placements import Decline, Placement, ServiceCapacity
from app.models.proposals import AllocationLine, AllocationRun
from app.models.records import (
    AuditEvent,
    MailRequest,
    OutboxMail,
    PageText,
    ReminderSent,
)
from app.models.retention import PurgedCount
from app.models.students import Period, Student
from app.models.terms import IntakeOverride, Term
from app.models.users import AuthToken, User

__all__ = [
    "AllocationLine",
    "AllocationRun",
    "AuditEvent",
    "AuthToken",
    "Base",
    "CareService",
    "Decline",
    "IntakeOverride",
    "Mentor",
    "MailRequest",
    "OutboxMail",
    "PageText",
    "Period",
    "Placement",
    "PurgedCount",
    "ReminderSent",
    "School",
    "ServiceCapacity",
    "Student",
    "Supervisor",
    "Term",
    "User",
    "utcnow",
]
