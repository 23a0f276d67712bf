"""Command-line tasks: bootstrap an admin, send queued mail, load demo data, purge old
students."""

import click
from flask import Flask

from app.extensions import db


def init_app(app: Flask) -> None:
    """Register the commands on the app."""
    app.cli.add_command(create_admin)
    app.cli.add_command(send_mail)
    app.cli.add_command(send_reminders)
    app.cli.add_command(demo_data)
    app.cli.add_command(purge_students)


@click.command("create-admin")
@click.argument("email")
def create_admin(email: str) -> None:
    """Invite EMAIL as VIVO admin and print the activation link."""
    from app.auth import logic

    if logic.find_user(email):
        raise click.ClickException("A login with this e-mail address exists already.")
    user = logic.invite_user(email, "admin", send=False)
    token = logic.issue_token(user, logic.ACTIVATE)
    db.session.commit()
    click.echo(
        "Activation link (valid once): "
        + logic.external_url("auth.activate", token=token)
    )


@click.command("send-mail")
@click.option(
    "--limit", default=200, show_default=True, help="Most mails sent in one run."
)
def send_mail(limit: int) -> None:
    """Send queued mails from the outbox; failures stay queued for the next run (cron/timer)."""
    from app.auth.logic import work_off_mail_requests
    from app.outbox import deliver_pending

    work_off_mail_requests()
    db.session.commit()
    sent, failed = deliver_pending(limit)
    click.echo(f"sent {sent}, failed {failed}")
    if failed:
        raise SystemExit(1)


def _moment_option(ctx, param, value):
    from app.schedule.reminders import parse_moment

    if value is None:
        return None
    try:
        return parse_moment(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from exc


@click.command("send-reminders")
@click.option(
    "--now",
    callback=_moment_option,
    help="Act as if it were this ISO moment (without offset: Belgian time). For tests "
    "and catching up only: what it sends is recorded, and is not sent again at "
    "its real moment. Try it with --dry-run first.",
)
@click.option(
    "--dry-run",
    is_flag=True,
    help="Print the mails that would be queued; record, queue or change nothing.",
)
def send_reminders(now, dry_run: bool) -> None:
    """Queue the reminder mails that are due (hourly timer); `send-mail` delivers them.

    Every mail queued is recorded so it never goes twice, also with --now: use --dry-run to
    see what a run would do."""
    from app.schedule.reminders import send_due_reminders

    plan = [] if dry_run else None
    counts = send_due_reminders(now, plan=plan)
    for kind, term, recipient in plan or ():
        click.echo(f"would send {kind} ({term}) to {recipient}")
    for kind, count in sorted(counts.items()):
        click.echo(f"{kind}: {count}")
    verb = "would queue" if dry_run else "queued"
    click.echo(f"{verb} {sum(counts.values())} reminder(s)")


@click.command("purge-students")
@click.option(
    "--now",
    callback=_moment_option,
    help="Act as if it were this ISO moment (without offset: Belgian time). A moment "
    "later than the clock is refused without --dry-run.",
)
@click.option(
    "--dry-run", is_flag=True, help="Print what a run would purge; change nothing."
)
def purge_students(now, dry_run: bool) -> None:
    """Delete the students of terms older than RETENTION_YEARS (monthly timer, NF-5).

    Their periods, placements and declines go with them, their audit events lose their
    detail, the dashboard's counts are kept; see app/admin/purge.py."""
    from app.admin.purge import PurgeRefused
    from app.admin.purge import purge_students as purge

    try:
        report = purge(now, dry_run=dry_run)
    except PurgeRefused as exc:
        raise click.ClickException(str(exc)) from exc
    for line in report.lines():
        click.echo(line)


@click.command("demo-data")
@click.option("--force", is_flag=True, help="Load even when the database is not empty.")
def demo_data(force: bool) -> None:
    """Load the demo data (timetable, schools, services, students) into an empty database."""
    from app.demo import database_is_empty, load_demo_data

    if not force and not database_is_empty():
        click.echo("Database is not empty: demo data not loaded.")
        return
    logins = load_demo_data()
    click.echo("Demo data loaded. Demo logins (e-mail / password):")
    for line in logins:
        click.echo("  " + line)
