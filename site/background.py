"""Work that no visitor waits for: scheduled publication, the search outbox, mail and
housekeeping run in a thread of their own, so that a mail server or a database lock that
is slow to answer delays the work, never a page.

Each piece of work has a name; one thread a name and app runs it at a time. Asked again
while it runs, it runs once more when done, so that nothing asked for meanwhile (a receipt
queued during a send) waits for the next check. The threads are not daemons: a process
that is asked to stop (a worker restarted or a deploy) finishes the work in hand first, so
a message the mail server took is not left claimed, to be sent again when the claim lapses.
"""

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from flask import Flask

log = logging.getLogger(__name__)
_lock = threading.Lock()


@dataclass
class _Runner:
    """The thread running one piece of work for one app, and whether it is asked again."""

    thread: threading.Thread | None = None
    again: bool = False
    done: threading.Event = field(default_factory=threading.Event)


# Every runner of the process (for `wait`), by app and name.
_runners: dict[tuple[int, str], _Runner] = {}


def start(app: Flask, name: str, work: Callable[[], None]) -> None:
    """Run `work` in the app's context in a thread of its own; if it is running already,
    run it once more when it is done."""
    with _lock:
        runner = _runners.setdefault((id(app), name), _Runner())
        if runner.thread is not None and not runner.done.is_set():  # running
            runner.again = True
            return
        runner.again = False
        runner.done.clear()
        runner.thread = threading.Thread(
            target=_run, args=(app, runner, work), name=f"barrierfree-{name}"
        )
        runner.thread.start()


def _run(app: Flask, runner: _Runner, work: Callable[[], None]) -> None:
    while True:
        try:
            with app.app_context():
                work()
        except Exception:  # each piece of work logs its own failures; this is the last net
            log.exception("background work failed; it will be tried again")
        with _lock:
            if not runner.again:
                runner.done.set()
                return
            runner.again = False


def wait(timeout: float = 60) -> bool:
    """Wait until the work started so far is done (for commands and tests); False when
    some is still running after `timeout` seconds."""
    return all(runner.done.wait(timeout) for runner in list(_runners.values()) if runner.thread)
