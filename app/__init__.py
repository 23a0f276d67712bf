"""Application factory."""

from flask import Flask, request, session
from flask.sessions import SecureCookieSessionInterface
from werkzeug.middleware.proxy_fix import ProxyFix

from config import Config, ConfigError, config_from_env, configuration_problems


def select_locale() -> str:
    """The UI language: the user's choice in the session, Dutch otherwise."""
    from flask import current_app, has_request_context

    chosen = session.get("lang") if has_request_context() else None
    if chosen in current_app.config["LANGUAGES"]:
        return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"]


SESSIONLESS_ENDPOINTS = frozenset({"static", "main.healthz"})


class SessionInterface(SecureCookieSessionInterface):
    """The signed session cookie, never renewed (nor `Vary: Cookie`) by a sessionless endpoint."""

    def save_session(self, app, session, response) -> None:
        if request.endpoint not in SESSIONLESS_ENDPOINTS:
            super().save_session(app, session, response)


def _configure_logging(app: Flask) -> None:
    """Warnings and errors of the app and its libraries (failed logins, other tenants, a rate
    limit store that went away) to stderr with time, level and logger: the journal under
    systemd. Tests capture logs themselves; a server that configured logging keeps its own."""
    import logging

    root = logging.getLogger()
    if app.testing or root.handlers:
        return
    handler = logging.StreamHandler()
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    )
    root.addHandler(handler)
    root.setLevel(logging.INFO)


def create_app(config: type[Config] | Config | None = None, **overrides) -> Flask:
    """Build the app; `config` defaults to the class named by STAGEMATCHING_ENV."""
    app = Flask(__name__, instance_relative_config=False)
    app.session_interface = SessionInterface()
    app.config.from_object(config or config_from_env())
    app.config.update(overrides)
    _check_configuration(app)
    _configure_logging(app)

    from app import assets, database, errors, security
    from app.extensions import babel, csrf, db, limiter, login_manager, mail, migrate

    db.init_app(app)
    database.configure_engines(app)
    migrate.init_app(app, db, directory=str(app.root_path + "/../migrations"))
    login_manager.init_app(app)
    csrf.init_app(app)
    mail.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    limiter.init_app(app)
    security.init_app(app)
    errors.init_app(app)
    assets.init_app(app)
    if app.config.get("PROXY_FIX"):
        # nginx sets X-Forwarded-For and -Proto; the host is its own (Host header passed on),
        # so a client-sent X-Forwarded-Host is not trusted.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=0)

    from app.admin.routes import bp as admin_bp
    from app.auth.routes import bp as auth_bp
    from app.export.import_routes import bp as imports_bp
    from app.export.routes import bp as export_bp
    from app.main.routes import bp as main_bp
    from app.mentors.routes import bp as mentors_bp
    from app.placements.proposal_routes import bp as placements_bp  # with "Voorstellen"
    from app.schedule.routes import bp as schedule_bp
    from app.students.routes import bp as students_bp
    from app.supervisors.routes import bp as supervisors_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(main_bp)
    app.register_blueprint(admin_bp, url_prefix="/admin")
    app.register_blueprint(supervisors_bp, url_prefix="/begeleiders")
    app.register_blueprint(students_bp, url_prefix="/studenten")
    app.register_blueprint(placements_bp, url_prefix="/dienst")
    app.register_blueprint(mentors_bp, url_prefix="/dienst/mentoren")
    app.register_blueprint(schedule_bp)
    app.register_blueprint(export_bp, url_prefix="/export")
    app.register_blueprint(imports_bp, url_prefix="/import")

    from app import cli, context

    cli.init_app(app)
    context.init_app(app)
    from app.crypto import national_numbers_in_use

    app.jinja_env.globals["national_numbers_in_use"] = national_numbers_in_use

    @app.before_request
    def _session_lifetime() -> None:
        # The session cookie expires after PERMANENT_SESSION_LIFETIME of inactivity. Static
        # files and the health check never touch the session: no cookie, no Vary: Cookie.
        from flask import request

        if request.endpoint not in SESSIONLESS_ENDPOINTS:
            session.permanent = True

    return app


def _check_configuration(app: Flask) -> None:
    """Refuse to build an app with unusable settings: production with a development secret
    or a malformed key (SECURITY.md 27), an unknown NATIONAL_NUMBER_MODE (SECURITY.md 24).

    A test may build a production app with TESTING=True and the development keys (TESTING
    cannot come from the environment); the national-number mode is checked always."""
    settings = dict(app.config)
    if settings.get("TESTING"):
        settings["STRONG_SECRETS_REQUIRED"] = False
    problems = configuration_problems(settings)
    if problems:
        raise ConfigError("\n".join(problems))
