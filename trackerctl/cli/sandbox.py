"""`trackerctl sandbox ...`: the API emulator, served over HTTP (and its WebSocket channels) or reset
to fresh seed data."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Annotated

import typer

from trackerctl.errors import UsageError
from trackerctl.cli.context import AppContext
from trackerctl.cli.options import DISPLAY, OUTPUT, with_global_options



def _accounts() -> str:
    """The demo accounts, from the seed (CLI-CONTRACT.md section 11: help and README list them)."""
    from trackerctl.sandbox.seed import SEED as S

    return (
        f"Demo accounts, password {S['password']} for each. User API: {S['login_demo']} (the demo user, acted as by "
        f"--api-url sandbox), {S['login_2fa']} (two-factor: the code is always {S['two_factor_code']}), "
        f"{S['login_noregister']} (a sub-user without the tracker_register right), {S['login_inactive']} (not "
        f"activated), {S['login_other']} and {S['login_fleet']} (other users of the same dealer). Panel API: "
        f"{S['panel_login']} (every permission), {S['panel_login_no_bundles']} (no tracker_bundles permission), "
        f"{S['panel_login_foreign']} (another dealer)."
    )


app = typer.Typer(name="sandbox", help="The local API emulator: serve it over HTTP, or reset its data.\n\n" + _accounts(),
                  rich_markup_mode=None, add_completion=False, no_args_is_help=True)

DbOption = Annotated[str | None, typer.Option("--db", metavar="PATH", help="SQLite file (default: TRACKERCTL_SANDBOX_DB, or $XDG_DATA_HOME/trackerctl/sandbox.sqlite).")]


def _db(path: str | None, env: Mapping[str, str]) -> Path:
    from trackerctl.sandbox.app import default_db_path

    return Path(path).expanduser() if path else default_db_path(env)


def _rate(name: str, value: float) -> float:
    if not 0.0 <= value <= 1.0:
        raise UsageError(f"invalid value for --{name}: a share between 0 and 1, such as 0.2")
    return value


@app.command("serve")
@with_global_options(uses=DISPLAY)
def serve(
    app_: AppContext,
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on (0: any free port).")] = 8900,
    db: DbOption = None,
    fail_rate: Annotated[float, typer.Option("--fail-rate", metavar="F", help="Share of requests refused unprocessed (HTTP 503, code 8).")] = 0.0,
    drop_rate: Annotated[float, typer.Option("--drop-rate", metavar="F", help="Share of requests processed, then left without an answer (and of WebSocket frames not sent, the socket closed instead).")] = 0.0,
    latency: Annotated[int, typer.Option("--latency", metavar="MS", help="Milliseconds added to every answer and WebSocket frame.")] = 0,
    rate_limit: Annotated[int | None, typer.Option("--rate-limit", metavar="N", help="Requests per second beyond which the answer is HTTP 429, code 15.")] = None,
    seed: Annotated[int | None, typer.Option("--seed", metavar="N", help="Make the fault decisions and --move reproducible.")] = None,
    move: Annotated[float | None, typer.Option("--move", metavar="SECONDS", help="Every SECONDS the connected trackers report: active ones drive on, idle ones stand (for --watch and the console).")] = None,
    heartbeat: Annotated[int, typer.Option("--heartbeat", metavar="MS", help="Heartbeat interval of the event subscription; a client silent for ten of them is disconnected.")] = 30000,
) -> None:
    """Serve the emulator over HTTP for curl, jq pipelines and tests; Ctrl-C stops it.

    Prints its base URL on stdout. The same port serves the WebSocket channels: the device console at
    /console and the event subscription at /v2/event/subscription. Demo accounts: see `trackerctl sandbox
    --help` (user demo@example.com / demo, panel 1000 / demo).

    Example: trackerctl sandbox serve --port 8900 --latency 50 --rate-limit 100 --move 1
    """
    from trackerctl.sandbox.app import Faults
    from trackerctl.sandbox.channels import ChannelSettings
    from trackerctl.sandbox.server import serve as serve_http

    if not 0 <= port <= 65535:
        raise UsageError("invalid value for --port: 0 to 65535")
    if latency < 0 or (rate_limit is not None and rate_limit < 1):
        raise UsageError("invalid fault options: --latency >= 0 and --rate-limit >= 1")
    if move is not None and not 0.05 <= move <= 86400:
        raise UsageError("invalid value for --move: seconds between 0.05 and 86400, such as 1")
    if not 10 <= heartbeat <= 3_600_000:
        raise UsageError("invalid value for --heartbeat: milliseconds between 10 and 3600000, such as 30000")
    faults = Faults(fail_rate=_rate("fail-rate", fail_rate), drop_rate=_rate("drop-rate", drop_rate),
                    latency_ms=latency, rate_limit=rate_limit, seed=seed)
    path = _db(db, app_.env)

    def ready(url: str) -> None:
        print(url, file=app_.stdout, flush=True)
        app_.output.notice(f"sandbox serving {url} from {path}; user demo@example.com / demo, panel 1000 / demo; Ctrl-C stops")

    try:
        serve_http(host, port, path, faults, on_ready=ready, channels=ChannelSettings(heartbeat_ms=heartbeat), move=move)
    except OSError as e:
        raise UsageError(f"cannot listen on {host}:{port}: {e.strerror}") from None


@app.command("reset")
@with_global_options(uses=DISPLAY | OUTPUT)
def reset(
    app_: AppContext,
    trackers: Annotated[int | None, typer.Option("--trackers", metavar="N", help="Generate N more trackers on top of the fixed seed.")] = None,
    bundles: Annotated[int | None, typer.Option("--bundles", metavar="N", help="Generate N more bundles.")] = None,
    db: DbOption = None,
) -> None:
    """Wipe the sandbox database and seed it afresh.

    Example: trackerctl sandbox reset --trackers 25000
    """
    from trackerctl.sandbox.app import reset as reset_db

    for name, value in (("trackers", trackers), ("bundles", bundles)):
        if value is not None and not 0 <= value <= 1_000_000:
            raise UsageError(f"invalid value for --{name}: 0 to 1000000")
    path = _db(db, app_.env)
    counts = reset_db(path, trackers=trackers, bundles=bundles)
    app_.output.result({"value": {"db": str(path), **counts}}, records="value")


command = typer.main.get_command(app)
