"""The access log names the client nginx saw and never holds a usable token (SECURITY 21)."""

from types import SimpleNamespace

from app.gunicorn_logging import AccessLogger, client_address, redact


def test_sec_21_the_access_log_client_is_the_address_nginx_appended():
    assert client_address("6.6.6.6, 192.0.2.7", "127.0.0.1") == "192.0.2.7"
    assert client_address("192.0.2.7", "127.0.0.1") == "192.0.2.7"
    assert client_address(None, "127.0.0.1") == "127.0.0.1"


def test_sec_21_tokens_in_paths_are_cut_from_the_access_log():
    line = (
        "GET /paswoord-herstellen/3QMjULB2rvrF6My1HDxFfR0oyCyKIVlANJ7Ef-ywWik HTTP/1.1"
    )
    assert redact(line) == "GET /paswoord-herstellen/3QMj… HTTP/1.1"
    assert "ULB2rvrF6My1" not in redact("/activeer/3QMjULB2rvrF6My1?x=1")
    assert redact("GET /studenten/12 HTTP/1.1") == "GET /studenten/12 HTTP/1.1"


def test_sec_21_the_logger_applies_both_to_a_request():
    logger = AccessLogger(SimpleNamespace(**_cfg()))
    environ = {
        "HTTP_X_FORWARDED_FOR": "6.6.6.6, 192.0.2.7",
        "REMOTE_ADDR": "127.0.0.1",
        "REQUEST_METHOD": "GET",
        "RAW_URI": "/activeer/3QMjULB2rvrF6My1HDxFfR0oyCyK",
        "PATH_INFO": "/activeer/3QMjULB2rvrF6My1HDxFfR0oyCyK",
        "QUERY_STRING": "",
        "SERVER_PROTOCOL": "HTTP/1.1",
    }
    req = SimpleNamespace(
        headers=[], method="GET", path="/activeer/x", query="", version=(1, 1)
    )
    resp = SimpleNamespace(
        status="200 OK", response_length=10, sent=10, headers=[], status_code=200
    )
    from datetime import timedelta

    atoms = logger.atoms(resp, req, environ, timedelta(milliseconds=5))
    assert atoms["h"] == "192.0.2.7"
    assert "ULB2rvrF6My1" not in atoms["r"]


def _cfg():
    from gunicorn.config import Config

    config = Config()
    return {name: setting.get() for name, setting in config.settings.items()}
