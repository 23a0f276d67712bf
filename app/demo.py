"""Demo data: the manual's timetable on the current school year, organisations, students, logins."""

import random
import unicodedata
from dataclasses import asdict, dataclass, replace
from datetime import date, datetime, timedelta

import phonenumbers
from faker import Faker
from sqlalchemy import func, select
from stdnum.be import nn

from app import demo_data as data
from app.crypto import encrypt_national_number, national_number_index
from app.extensions import db
from app.models import (
    CareService,
    Decline,
    Mentor,
    Period,
    Placement,
    School,
    ServiceCapacity,
    Student,
    Supervisor,
    Term,
    User,
    utcnow,
)
from app.schedule import rules
from app.schedule.clock import BRUSSELS, brussels
from app.models.reference import PROVINCES, TRANSPORT_MODES, province_for_postcode
from app.security import hash_password

E164 = phonenumbers.PhoneNumberFormat.E164
DEMO_PASSWORD = "stagematching-demo"
SEED = 2022
STUDENT_COUNT = 150
# The demo's open intake and its term awaiting results both last at least this long.
MARGIN = timedelta(days=2)


# --- the timetable ------------------------------------------------------------------------


@dataclass(frozen=True)
class TermPlan:
    """The dates and moments of one term, before it becomes a Term row."""

    name: str
    internship_start: date
    internship_end: date
    intake_opens_at: datetime
    intake_closes_at: datetime
    results_at: datetime
    school_year: int
    requests_visible_at: datetime | None = None
    second_round_until: datetime | None = None

    def intake_open(self, now: datetime) -> bool:
        """True while schools may enter requests (app.schedule's rule)."""
        return rules.intake_open(self, now)

    def awaiting_results(self, now: datetime) -> bool:
        """True between the intake close and the results moment: services are matching."""
        return rules.phase(self, now) is rules.Phase.MATCHING


def school_year_start(today: date) -> int:
    """The calendar year in which the school year of `today` began (1 September)."""
    return today.year if today.month >= 9 else today.year - 1


def _span_name(start: date, end: date) -> str:
    months = data.MONTHS
    return f"{start.day} {months[start.month - 1]} – {end.day} {months[end.month - 1]} {end.year}"


def _plan(
    start: date,
    end: date,
    opens: datetime,
    closes: datetime,
    results: datetime,
    year: int,
) -> TermPlan:
    return TermPlan(_span_name(start, end), start, end, opens, closes, results, year)


def manual_timetable(year: int) -> list[TermPlan]:
    """The manual's four terms (schooljaar 2022-2023) laid on the school year starting in `year`."""
    nxt = year + 1
    d = date
    return [
        # The manual gives no opening moments for the first two terms: 1 June and 1 October.
        _plan(
            d(year, 10, 1),
            d(year, 12, 31),
            brussels(d(year, 6, 1)),
            brussels(d(year, 9, 5)),
            brussels(d(year, 9, 30), 12),
            year,
        ),
        _plan(
            d(nxt, 1, 1),
            d(nxt, 3, 31),
            brussels(d(year, 10, 1)),
            brussels(d(year, 11, 15)),
            brussels(d(year, 11, 30), 12),
            year,
        ),
        _plan(
            d(nxt, 4, 1),
            d(nxt, 6, 30),
            brussels(d(year, 12, 31)),
            brussels(d(nxt, 2, 1), 12),
            brussels(d(nxt, 2, 15), 12),
            year,
        ),
        _plan(
            d(nxt, 9, 1),
            d(nxt, 12, 31),
            brussels(d(nxt, 3, 30), 12),
            brussels(d(nxt, 5, 15), 12),
            brussels(d(nxt, 5, 30), 12),
            year,
        ),
    ]


def demo_timetable(now: datetime) -> list[TermPlan]:
    """The manual's timetable for the school year of `now`, nudged so that for at least the
    next two days one intake window is open and one term is waiting for its results."""
    today = now.astimezone(BRUSSELS).date()
    plans = manual_timetable(school_year_start(today))
    plans = _ensure_open_intake(plans, now, today)
    return _ensure_awaiting_results(plans, now, today)


def _ensure_open_intake(
    plans: list[TermPlan], now: datetime, today: date
) -> list[TermPlan]:
    open_now = [i for i, p in enumerate(plans) if p.intake_open(now)]
    if not open_now:
        return _open_an_intake(plans, now, today)
    index = max(open_now, key=lambda i: plans[i].intake_closes_at)
    if (
        plans[index].intake_closes_at < now + MARGIN
    ):  # closing within hours: keep it open
        plans[index] = _keep_open(plans[index], today)
    return plans


def _ensure_awaiting_results(
    plans: list[TermPlan], now: datetime, today: date
) -> list[TermPlan]:
    awaiting = [i for i, p in enumerate(plans) if p.awaiting_results(now)]
    if not awaiting:
        return _await_results(plans, now, today)
    index = max(awaiting, key=lambda i: plans[i].results_at)
    if (
        plans[index].results_at < now + MARGIN
    ):  # final within hours: keep matching going
        plans[index] = replace(
            plans[index], results_at=brussels(today + timedelta(days=3), 12)
        )
    return plans


def _keep_open(plan: TermPlan, today: date) -> TermPlan:
    """The plan with its intake closing two weeks from `today` at the earliest."""
    closes = max(plan.intake_closes_at, brussels(today + timedelta(days=14), 12))
    results = plan.results_at
    if results < closes + timedelta(days=1):
        results = closes + timedelta(days=14)
    return replace(plan, intake_closes_at=closes, results_at=results)


def _open_an_intake(
    plans: list[TermPlan], now: datetime, today: date
) -> list[TermPlan]:
    """Open the intake of the term that opens next (or of the last term) a few days ago."""
    upcoming = [i for i, p in enumerate(plans) if p.intake_opens_at > now]
    index = (
        min(upcoming, key=lambda i: plans[i].intake_opens_at)
        if upcoming
        else len(plans) - 1
    )
    plan = _keep_open(plans[index], today)
    opens = min(plan.intake_opens_at, brussels(today - timedelta(days=3), 9))
    plans[index] = replace(plan, intake_opens_at=opens)
    return plans


def _await_results(plans: list[TermPlan], now: datetime, today: date) -> list[TermPlan]:
    """Let the most recently closed term (or, if none closed yet, the open one) await results."""
    soon = brussels(today + timedelta(days=3), 12)
    closed = [i for i, p in enumerate(plans) if p.intake_closes_at <= now]
    if closed:
        index = max(closed, key=lambda i: plans[i].intake_closes_at)
        plans[index] = replace(plans[index], results_at=soon)
        return plans
    # Nothing closed yet (early September): close the open intake yesterday, open the next one.
    index = next(i for i, p in enumerate(plans) if p.intake_open(now))
    plan = plans[index]
    closes = brussels(today - timedelta(days=1), 12)
    opens = min(plan.intake_opens_at, closes - timedelta(days=14))
    results = max(plan.results_at, soon)
    plans[index] = replace(
        plan, intake_opens_at=opens, intake_closes_at=closes, results_at=results
    )
    return _open_an_intake(plans, now, today)


# --- small generators ---------------------------------------------------------------------


def national_number(birth: date, serial: int) -> str:
    """A valid rijksregisternummer for a birth date and a 3-digit serial (odd: man)."""
    base = f"{birth:%y%m%d}{serial:03d}"
    number = int("2" + base) if birth.year >= 2000 else int(base)
    return f"{base}{97 - number % 97:02d}"


def _ascii(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in folded.lower() if ch.isalnum() or ch == "-")


def _slug(name: str) -> str:
    return _ascii(name.replace(" ", "-"))


# --- the loader ---------------------------------------------------------------------------


def database_is_empty() -> bool:
    """True when no login exists yet, so the demo data may be loaded."""
    return not db.session.scalar(select(func.count()).select_from(User))


def load_demo_data(now: datetime | None = None) -> list[str]:
    """Fill an empty database with demo data; returns the demo logins as printable lines."""
    logins = _DemoBuilder(now or utcnow()).build()
    db.session.commit()
    return logins


class _DemoBuilder:
    """Builds the demo rows with one seeded random source, so every load looks alike."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        self.today = now.astimezone(BRUSSELS).date()
        self.rng = random.Random(SEED)
        self.fake = Faker("nl_BE")
        self.fake.seed_instance(SEED)
        self.numbers: set[str] = set()

    def build(self) -> list[str]:
        """Add every demo row to the session; returns the login lines."""
        plans = demo_timetable(self.now)
        terms = self.terms = [Term(**asdict(plan)) for plan in plans]
        self.open_term = next(
            t for t, p in zip(terms, plans) if p.intake_open(self.now)
        )
        self.matching_term = next(
            t for t, p in zip(terms, plans) if p.awaiting_results(self.now)
        )
        schools, services = self._schools(), self._services()
        db.session.add_all([*terms, *schools, *services])
        db.session.flush()
        self.users, logins = self._logins(schools, services)
        supervisors = {s.id: self._people(Supervisor, school_id=s.id) for s in schools}
        self.mentors = {
            s.id: self._people(Mentor, care_service_id=s.id) for s in services
        }
        self.by_province = {
            code: [s for s in services if s.province == code] for code in PROVINCES
        }
        db.session.add_all(self._capacities(services))
        db.session.flush()
        students = self._students(terms, schools, supervisors)
        db.session.flush()
        db.session.add_all(self._placements(students))
        db.session.add_all(self._declines(students))
        return logins

    def _phone(self, zone: str | None = None) -> str:
        """A valid Belgian number in E.164: a landline in `zone`, or else a mobile (+324...)."""
        while True:
            if zone:
                digits = zone + "".join(self.rng.choices("0123456789", k=8 - len(zone)))
            else:
                digits = self.rng.choice(["47", "48", "49"]) + "".join(
                    self.rng.choices("0123456789", k=7)
                )
            number = phonenumbers.parse("+32" + digits)
            if phonenumbers.is_valid_number(number):
                return phonenumbers.format_number(number, E164)

    def _address(self, province: str) -> tuple[str, str, str, str]:
        """A street, postcode, city and telephone zone in `province`."""
        postcode, city, zone = self.rng.choice(data.TOWNS[province])
        street = f"{self.rng.choice(data.STREETS)} {self.rng.randint(1, 180)}"
        return street, postcode, city, zone

    def _schools(self) -> list[School]:
        schools = []
        for name, street, postcode, city, zone in data.SCHOOLS:
            schools.append(
                School(
                    name=name,
                    street=street,
                    postcode=postcode,
                    city=city,
                    email=f"stages@{_slug(name)}.demo",
                    phone=self._phone(zone),
                )
            )
        return schools

    def _services(self) -> list[CareService]:
        services, names = [], iter(self.rng.sample(data.SERVICE_NAMES, 40))
        for province, count in data.SERVICES_PER_PROVINCE.items():
            for _ in range(count):
                kind = data.KIND_CYCLE[len(services) % len(data.KIND_CYCLE)]
                street, postcode, city, zone = self._address(province)
                name = f"{data.KIND_PREFIX[kind]} {next(names)}"
                services.append(
                    CareService(
                        name=name,
                        kind=kind,
                        street=street,
                        postcode=postcode,
                        city=city,
                        province=province,
                        email=f"info@{_slug(name)}.demo",
                        phone=self._phone(zone),
                    )
                )
        return services

    def _logins(
        self, schools: list[School], services: list[CareService]
    ) -> tuple[dict, list[str]]:
        """Activated logins sharing one password hash (argon2 is slow on purpose)."""
        pw_hash, at = hash_password(DEMO_PASSWORD), self.now
        users, lines = {}, []

        def add(role: str, email: str, label: str, **org: int) -> User:
            user = User(
                email=email, role=role, password_hash=pw_hash, activated_at=at, **org
            )
            db.session.add(user)
            lines.append(f"{role:<10} {email} / {DEMO_PASSWORD}   ({label})")
            return user

        add("admin", "admin@vivo.demo", "VIVO")
        for n, school in enumerate(schools, 1):
            add("school", f"school{n}@cvo.demo", school.name, school_id=school.id)
        for code in PROVINCES:
            first = next(s for s in services if s.province == code)
            users[first.id] = add(
                "service",
                f"dienst-{code.lower()}@dienst.demo",
                first.name,
                care_service_id=first.id,
            )
        first_ant = next(s for s in services if s.province == "ANT")
        add(
            "service",
            "dienst-ant-2@dienst.demo",
            first_ant.name,
            care_service_id=first_ant.id,
        )
        return users, lines

    def _people(self, model: type, **organisation: int) -> list:
        """2-4 supervisors of a school or 1-3 mentors of a service, with phone and e-mail."""
        people, is_school = [], model is Supervisor
        domain = "cvo" if is_school else "dienst"
        for _ in range(self.rng.randint(2, 4) if is_school else self.rng.randint(1, 3)):
            first, last = self.fake.first_name(), self.fake.last_name()
            people.append(
                model(
                    **organisation,
                    name=f"{first} {last}",
                    phone=self._phone(),
                    email=f"{_ascii(first)}.{_ascii(last)}@{domain}.demo",
                )
            )
        db.session.add_all(people)
        return people

    def _capacities(self, services: list[CareService]) -> list[ServiceCapacity]:
        offered = [
            ServiceCapacity(
                care_service_id=service.id,
                term_id=term.id,
                places=self.rng.randint(1, 6),
            )
            for service in services[::2]
            for term in (self.open_term, self.matching_term)
        ]
        # Every service offered places in the terms whose results are final, so that VIVO
        # can make a proposal for their leftovers (issue 13) in the demo.
        final = [t for t in self.terms if rules.results_final(t, self.now)]
        offered += [
            ServiceCapacity(
                care_service_id=service.id, term_id=term.id, places=2 + index % 3
            )
            for index, service in enumerate(services)
            for term in final
        ]
        return offered

    def _term_for(self, index: int, terms: list[Term]) -> Term:
        """Two students in five for the open term, two for the matching term, one elsewhere."""
        slot = index % 5
        if slot < 2:
            return self.open_term
        if slot < 4:
            return self.matching_term
        others = [t for t in terms if t not in (self.open_term, self.matching_term)]
        return others[index // 5 % len(others)]

    def _students(
        self, terms: list[Term], schools: list[School], supervisors: dict
    ) -> list[Student]:
        students = []
        for index in range(STUDENT_COUNT):
            school = schools[index % len(schools)]
            student = self._student(
                self._term_for(index, terms), school, supervisors[school.id]
            )
            if index % 37 == 5:  # a handful of trainees quit the course
                student.stopped_on = self.today - timedelta(
                    days=self.rng.randint(1, 20)
                )
                student.stopped_reason = self.rng.choice(data.STOP_REASONS)
            students.append(student)
        db.session.add_all(students)
        return students

    def _student(
        self, term: Term, school: School, supervisors: list[Supervisor]
    ) -> Student:
        """One internship request with personal data, living mostly near the school."""
        male = self.rng.random() < 0.2
        first = self.fake.first_name_male() if male else self.fake.first_name_female()
        last = self.fake.last_name()
        home = province_for_postcode(school.postcode)
        if self.rng.random() < 0.2:
            home = self.rng.choice(list(PROVINCES))
        street, postcode, city, _zone = self._address(home)
        wanted = province_for_postcode(postcode)
        if (
            self.rng.random() < 0.12
        ):  # the province where they WANT the internship may differ
            wanted = self.rng.choice([code for code in PROVINCES if code != wanted])
        number = self._national_number(male)
        student = Student(
            school=school,
            term=term,
            first_name=first,
            last_name=last,
            national_number_encrypted=encrypt_national_number(number),
            national_number_index=national_number_index(number),
            street=street,
            postcode=postcode,
            city=city,
            province=wanted,
            phone=self._phone(),
            email=f"{_ascii(first)}.{_ascii(last)}{self.rng.randint(1, 99)}@mail.demo",
            transport=self._transport(),
            supervisor=self.rng.choice(supervisors),
            remarks=self.rng.choice(data.PERSONAL_REMARKS)
            if self.rng.random() < 0.2
            else "",
        )
        self._internship(student, term)
        if self.rng.random() < 0.35:
            student.preferred_service = self.rng.choice(self.by_province[wanted])
        return student

    def _national_number(self, male: bool) -> str:
        """A fresh valid national number of an adult born 1960-2006 (some from 2000 on)."""
        while True:
            born_2000s = self.rng.random() < 0.2
            year = (
                self.rng.randint(2000, 2006)
                if born_2000s
                else self.rng.randint(1960, 1999)
            )
            birth = date(year, 1, 1) + timedelta(days=self.rng.randint(0, 364))
            serial = self.rng.randrange(1 if male else 2, 998, 2)
            number = national_number(birth, serial)
            if number not in self.numbers and nn.is_valid(number):
                self.numbers.add(number)
                return number

    def _transport(self) -> str:
        codes = self.rng.sample(list(TRANSPORT_MODES), self.rng.choice([1, 1, 2, 2, 3]))
        return ",".join(code for code in TRANSPORT_MODES if code in codes)

    def _internship(self, student: Student, term: Term) -> None:
        """Form, hours and 1-4 ordered, non-overlapping periods inside the term's span."""
        form = self.rng.choice(["blok", "blok", "alternerend", "blok_alternerend"])
        count = self.rng.choices([1, 2, 3, 4], weights=[4, 3, 2, 1])[0]
        student.internship_form, student.period_count = form, count
        weekly = form in ("blok", "blok_alternerend")  # STU-11
        student.hours_per_week = self.rng.choice([19, 24, 32, 38]) if weekly else None
        student.total_hours = self.rng.choice([80, 120, 150, 200, 240, 300])
        if form == "blok_alternerend" or self.rng.random() < 0.1:
            student.internship_remarks = self.rng.choice(data.INTERNSHIP_REMARKS)
        span = (term.internship_end - term.internship_start).days + 1
        slot = span // count
        for number in range(count):
            slot_start = term.internship_start + timedelta(days=number * slot)
            offset = self.rng.randint(0, slot // 4)
            length = self.rng.randint(slot // 2, slot - offset)
            start = slot_start + timedelta(days=offset)
            end = start + timedelta(days=length - 1)
            student.periods.append(
                Period(number=number + 1, start_date=start, end_date=end)
            )

    def _placements(self, students: list[Student]) -> list[Placement]:
        """Acceptances for the matching term (about half) and earlier closed terms (most)."""
        placements = []
        for student in students:
            closed = rules.phase(student.term, self.now) not in (
                rules.Phase.UPCOMING,
                rules.Phase.INTAKE,
            )
            share = 0.55 if student.term is self.matching_term else 0.85
            if student.stopped or not closed or self.rng.random() >= share:
                continue
            # The first service of a province has a demo login: let it accept more often.
            nearby = self.by_province[student.province]
            service = student.preferred_service or self.rng.choice(
                nearby + nearby[:1] * 3
            )
            mentor = self.rng.choice(self.mentors[service.id])
            accepted_by = self.users.get(service.id)
            periods = (
                student.periods if self.rng.random() < 0.8 else student.periods[:1]
            )
            accepted_at = self._acceptance_moment(student.term)
            for period in periods:
                placements.append(
                    Placement(
                        student=student,
                        period=period,
                        care_service=service,
                        mentor=mentor,
                        notes=self.rng.choice(data.PLACEMENT_NOTES),
                        created_at=accepted_at,
                        accepted_by_id=accepted_by.id if accepted_by else None,
                    )
                )
        self.placed = {p.student.id for p in placements}
        return placements

    def _acceptance_moment(self, term: Term) -> datetime:
        """A moment in the first round, after the intake closed: between then and the results
        moment (or now, for a term still matching)."""
        start, end = term.intake_closes_at, min(term.results_at, self.now)
        return start + (end - start) * self.rng.random() if end > start else start

    def _declines(self, students: list[Student]) -> list[Decline]:
        """A couple of "no, because ..." answers on requests that are still open."""
        open_requests = [
            s
            for s in students
            if s.term is self.matching_term
            and not s.stopped
            and s.id not in self.placed
        ]
        declines = []
        for student in open_requests[:3]:
            service = self.by_province[student.province][0]  # the one with a demo login
            user = self.users.get(service.id)
            declines.append(
                Decline(
                    student_id=student.id,
                    care_service_id=service.id,
                    reason=self.rng.choice(data.DECLINE_REASONS),
                    created_by_id=user.id if user else None,
                )
            )
        return declines
