"""Uploaded spreadsheets kept between their check and their import, in `imports/` of the
instance's upload folder (UPLOAD_DIR): a day at most, as the README promises. An upload
is kept when its check passes (views._keep); it is deleted a day after it came, or after
it was last claimed for applying, whether it was applied or not. The hourly housekeeping
sweeps them (`forget_old`), and so does each new upload."""

import time
from pathlib import Path

from flask import current_app

KEEP_SECONDS = 24 * 3600


def folder() -> Path:
    """The folder of kept uploads, made if it is not there yet."""
    path = Path(current_app.config["UPLOAD_DIR"]) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def forget_old() -> int:
    """Delete the kept uploads older than KEEP_SECONDS (by the file's time: a claim
    touches it, so one being applied is never taken from under the import); how many."""
    path = Path(current_app.config["UPLOAD_DIR"]) / "imports"
    if not path.is_dir():
        return 0
    deleted = 0
    for old in path.iterdir():
        try:
            if time.time() - old.stat().st_mtime > KEEP_SECONDS:
                old.unlink()
                deleted += 1
        except FileNotFoundError:
            pass  # another process deleted or claimed it meanwhile
    return deleted
