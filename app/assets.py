"""Static files under content-hashed names, cached by the browser for a year.

`url_for('static', filename='css/app.css')` gives `/static/css/app.<hash>.css`, where the hash
is taken from the file's content: a changed file gets a new name, so its old copy may be cached
forever (`immutable`). The plain name and a name with an outdated hash still serve the current
file, revalidated on every use (`no-cache`), so a page rendered before a deploy keeps working.
"""

import hashlib
import re
from pathlib import Path

from flask import Flask, abort, current_app, send_from_directory

HASH_LENGTH = 12
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
_HASHED_RE = re.compile(
    rf"^(?P<stem>.+)\.[0-9a-f]{{{HASH_LENGTH}}}(?P<suffix>\.[^./]+)?$"
)


def hashed_name(filename: str, digest: str) -> str:
    """`css/app.css` with digest `abc` becomes `css/app.abc.css`."""
    head, slash, name = filename.rpartition("/")
    stem, dot, suffix = name.rpartition(".")
    hashed = f"{stem}.{digest}.{suffix}" if dot and stem else f"{name}.{digest}"
    return head + slash + hashed


def build_manifest(folder: str | Path) -> dict[str, str]:
    """Every file under `folder` (path with forward slashes) and its content-hashed name."""
    root = Path(folder)
    manifest = {}
    for path in sorted(root.rglob("*")):
        if path.is_file():
            digest = hashlib.sha256(path.read_bytes()).hexdigest()[:HASH_LENGTH]
            filename = path.relative_to(root).as_posix()
            manifest[filename] = hashed_name(filename, digest)
    return manifest


def init_app(app: Flask) -> None:
    """Hash the static files once and let url_for and the `static` endpoint use the names."""
    if not app.has_static_folder:
        return
    _store(app, build_manifest(app.static_folder))
    app.url_defaults(_hashed_static_url)
    app.view_functions["static"] = serve_static


def _store(app: Flask, manifest: dict[str, str]) -> None:
    app.extensions["static_manifest"] = manifest
    app.extensions["static_originals"] = {v: k for k, v in manifest.items()}


def _manifest() -> dict[str, str]:
    # With the debugger on, an edited file must get its new name without a restart.
    if current_app.debug:
        _store(current_app, build_manifest(current_app.static_folder))
    return current_app.extensions["static_manifest"]


def _hashed_static_url(endpoint: str, values: dict) -> None:
    if endpoint == "static" and "filename" in values:
        values["filename"] = _manifest().get(values["filename"], values["filename"])


def serve_static(filename: str):
    """A file by its hashed name (cached for a year) or by a plain or outdated name."""
    manifest = _manifest()
    original = current_app.extensions["static_originals"].get(filename)
    if original is not None:
        cache_control = IMMUTABLE
    else:
        original = filename if filename in manifest else _unhashed(filename)
        if original not in manifest:
            abort(404)
        cache_control = REVALIDATE
    # Only names from the manifest reach the disk; send_from_directory checks once more.
    response = send_from_directory(current_app.static_folder, original, max_age=None)
    response.headers["Cache-Control"] = cache_control
    return response


def _unhashed(filename: str) -> str | None:
    match = _HASHED_RE.match(filename)
    return match["stem"] + (match["suffix"] or "") if match else None
