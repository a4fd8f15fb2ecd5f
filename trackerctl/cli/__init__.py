"""The command line. `main` is the console-script entry point.

Interrupts (CLI-CONTRACT.md section 10): Ctrl-C or SIGTERM at any moment ends with exit 130 and
one line, never a traceback. `main` installs the handler before importing anything else, and the
handler has three modes: until the run ends, a signal raises KeyboardInterrupt (commands catch it
to report what they finished; `trackerctl.cli.app` maps it to "interrupted"); while that line is
being written, a first signal waits; once it is written, or the run is over, a signal ends the
process at once (130, and the line if it was not written). The last exit handler ignores signals
for the interpreter's tear-down. So an interrupt that lands in an error handler, in clean-up or in
shutdown cannot print a second report or a traceback, nor end the process by the signal.
"""

from __future__ import annotations

import os
import sys

EXIT_INTERRUPTED = 130  # trackerctl.errors.EXIT_INTERRUPTED, without importing it first
_RAISE, _HOLD, _EXIT = 0, 1, 2
_mode = _RAISE
_held = 0
_reported = False  # "interrupted" has been written
_installed = False  # main() runs: the handler is ours (not so for a test's in-process CliRunner)
_signalled = False  # a signal arrived during the run


def main() -> None:
    global _mode
    code = EXIT_INTERRUPTED
    try:
        _install()
        page = None
        if "--help" in sys.argv or "-h" in sys.argv:  # before Typer is imported: --help costs an interpreter and one file
            from trackerctl.cli.help import help_page

            page = help_page(sys.argv[1:])
        if page is not None:
            code = _print_page(page)
        else:
            from trackerctl.cli.app import run

            code = run(sys.argv[1:])
        _mode = _EXIT
    except KeyboardInterrupt:
        _mode = _EXIT  # no call before this line: a second signal cannot raise in here
        report_interrupted(lambda: _write_line("interrupted"))
    except SystemExit as e:  # a dry run's end (DryRunStop), or another exit: keep its code, stay quiet from here on
        _mode = _EXIT
        code = e.code if isinstance(e.code, int) else 1
    except Exception as e:  # escaped run() (an import): an interrupt in disguise, or a bug
        _mode = _EXIT
        if interrupted_by(e):
            report_interrupted(lambda: _write_line("interrupted"))
        else:
            code = 1
            _write_line(f"internal error: {type(e).__name__}: {e}")
    _mode = _EXIT
    _forget_unhandled_interrupt()
    _end(code)


def _end(code: int) -> None:
    """Exit with `code`, skipping the interpreter's tear-down when nothing needs it: with Typer
    loaded, freeing every module costs ~9 ms, 0.7x `python -c pass` (tests/bench/bench_startup.py).
    What trackerctl writes is flushed here; the journal and the audit log are written unbuffered
    (os.write), config and credentials through closed files. Another thread still alive (none is,
    once a command has returned) gets the ordinary exit, which waits for it."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a reader that went away (`| head -1`), a closed stream
            pass
    threading = sys.modules.get("threading")  # not imported: no other thread
    if threading is not None and threading.active_count() > 1:
        sys.exit(code)
    _ignore_signals()  # as the last exit handler would
    os._exit(code)


def _print_page(page: str) -> int:
    """A help page on stdout; a reader that went away (`| head -1`, `| true`) is no error."""
    try:
        sys.stdout.write(page)
        sys.stdout.flush()
    except BrokenPipeError:
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # the exit's flush finds nowhere to fail
        except (OSError, ValueError):
            pass
    return 0


def _forget_unhandled_interrupt() -> None:
    """Under `python -m`, CPython (3.11) flags "unhandled KeyboardInterrupt" when one leaves code run
    by exec() of a string (dataclasses and typing_inspection build functions so while they are
    imported), even when it is caught later, and then ends the process by SIGINT (-2) instead of with
    the exit code we chose. The flag is cleared at the start of every such exec: run an empty one."""
    exec("")  # noqa: S102


def _install() -> None:
    import atexit
    import signal

    global _mode, _held, _reported, _installed, _signalled
    _mode, _held, _reported, _installed, _signalled = _RAISE, 0, False, True, False
    both = {signal.SIGINT, signal.SIGTERM}
    blocked = hasattr(signal, "pthread_sigmask")
    if blocked:  # both handlers at once: a SIGINT handled before SIGTERM's is set would leave SIGTERM deadly
        signal.pthread_sigmask(signal.SIG_BLOCK, both)
    try:
        signal.signal(signal.SIGINT, _on_signal)
        signal.signal(signal.SIGTERM, _on_signal)  # cron's `timeout`, service managers: as Ctrl-C
    finally:
        if blocked:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, both)  # a signal that came meanwhile is handled now
    atexit.register(_ignore_signals)  # registered first, so it runs last
    sys.unraisablehook = _unraisable


def _unraisable(unraisable: object) -> None:
    """Python drops an exception it cannot raise (in a finalizer, a weakref callback) after printing
    "Exception ignored" and a traceback. An interrupt landing there is not printed but delivered
    again a moment later, where it ends the run; anything else goes to Python's own hook."""
    global _mode, _held
    exc_type = getattr(unraisable, "exc_type", None)
    if isinstance(exc_type, type) and issubclass(exc_type, KeyboardInterrupt):
        if _mode == _RAISE:
            _mode = _HOLD  # a signal now is counted, not raised inside this hook (a second ends the run)
            try:
                _interrupt_again()
            finally:
                _held, _mode = 0, _RAISE
        return
    sys.__unraisablehook__(unraisable)  # type: ignore[arg-type]


def _interrupt_again() -> None:
    import _thread
    import signal
    import threading
    import time

    main_thread = threading.main_thread().ident

    def deliver() -> None:
        for _ in range(1000):  # until the hook that started this thread has returned (at most ~1 s)
            if _mode != _HOLD:
                break
            time.sleep(0.001)
        if hasattr(signal, "pthread_kill") and main_thread is not None:
            signal.pthread_kill(main_thread, signal.SIGINT)  # a real signal: it ends a sleep or a read too
        else:
            _thread.interrupt_main()

    try:
        threading.Timer(0.001, deliver).start()
    except RuntimeError:  # no new threads at shutdown: the run is over anyway
        pass


def _ignore_signals() -> None:
    """The last exit handler: from here the interpreter only tears itself down. It would give the
    default actions back to SIGINT and SIGTERM first (death by the signal, exit -2 or -15, for a
    signal in the milliseconds that take), but it leaves ignored signals ignored."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)


def _on_signal(signum: int, frame: object) -> None:
    global _held, _signalled
    _signalled = True
    if _mode == _RAISE:
        raise KeyboardInterrupt
    _held += 1
    if _mode == _EXIT or _held > 1:  # a second signal while the line is written: end now
        _exit_now()


def interrupted_by(error: BaseException) -> bool:
    """Whether `error` is a KeyboardInterrupt or wraps one, or came after a signal: Python turns an
    interrupt that lands in some places into another error ('Error calling __set_name__ ...' while a
    class is made), and pydantic-core into a SchemaError that keeps only its text."""
    if _signalled:
        return True
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        if isinstance(current, KeyboardInterrupt):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


def report_interrupted(write: object) -> None:
    """Write the one "interrupted" line with `write()`, unless it was written; then any signal ends
    the process. The line is written once even when a signal lands while it is written."""
    global _mode, _reported
    if not _installed:  # in-process, a test's: just say it
        write()  # type: ignore[operator]
        return
    _mode = _HOLD
    if not _reported:
        write()  # type: ignore[operator]
        _reported = True
    _mode = _EXIT


def _write_line(text: str) -> None:
    try:
        sys.stderr.write(text + "\n")
        sys.stderr.flush()
    except (OSError, ValueError):
        pass


def _exit_now() -> None:
    """End the process at once with 130: what is written is flushed; no clean-up, no traceback."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError, AttributeError):
            pass
    if not _reported:
        try:
            os.write(2, b"interrupted\n")
        except OSError:
            pass
    os._exit(EXIT_INTERRUPTED)
