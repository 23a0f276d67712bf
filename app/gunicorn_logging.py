"""gunicorn's access log as the app needs it (gunicorn.conf.py names this logger class).

- The client is the address nginx saw: the last entry of X-Forwarded-For, which nginx appends
  (`$proxy_add_x_forwarded_for`); earlier entries come from the client and prove nothing.
- Activation and reset links carry their token in the path: the log keeps only its first
  characters, so a log reader cannot take over an account with a link not yet used.
"""

import re

from gunicorn.glogging import Logger

TOKEN_PATH = re.compile(r"(/(?:activeer|paswoord-herstellen)/)([^/?\s]{4})[^/?\s]*")


def redact(text: str) -> str:
    return TOKEN_PATH.sub(r"\1\2…", text)


def client_address(forwarded_for: str | None, peer: str) -> str:
    if forwarded_for:
        return forwarded_for.split(",")[-1].strip() or peer
    return peer


class AccessLogger(Logger):
    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        atoms["h"] = client_address(environ.get("HTTP_X_FORWARDED_FOR"), atoms["h"])
        for key in ("r", "U", "q", "f"):
            if isinstance(atoms.get(key), str):
                atoms[key] = redact(atoms[key])
        return atoms
