"""`trackerctl api PATH`: call any action with the right credential, like `gh api`.

Paths under `panel/` send the panel session, all others the user credential. Output and exit codes
are those of every other command; the body comes from --input and -f/-F fields.
"""

from __future__ import annotations

import re
from typing import Annotated

import typer

from trackerctl.errors import UsageError
from trackerctl.cli.context import AppContext
from trackerctl.cli.options import with_global_options
from trackerctl.cli.runners import confirm, json_object, key_values, read_text

PATH = re.compile(r"[a-z0-9_]+(/[a-z0-9_]+)*")
RECORD_KEYS = ("list", "value", "states")
# Paths whose answer is a new session's secret: printing it would put it in a terminal's scrollback
# or a script's log (CLI-CONTRACT.md section 10). `auth login` stores it instead.
LOGIN_PATHS = {
    "user/auth": "trackerctl auth login",
    "user/auth/code/verify": "trackerctl auth login",  # the two-factor step of the same login
    "panel/account/auth": "trackerctl auth login --panel",
}

app = typer.Typer(name="api", rich_markup_mode=None, add_completion=False)


@app.command("api")
@with_global_options
def api(
    app_: AppContext,
    path: Annotated[str, typer.Argument(metavar="PATH", help="Action path, such as tracker/get_state or panel/tracker/list.", show_default=False)],
    field: Annotated[list[str] | None, typer.Option("--field", "-f", metavar="KEY=VALUE", help="A string parameter (repeatable).")] = None,
    typed_field: Annotated[list[str] | None, typer.Option("--typed-field", "-F", metavar="KEY=JSON",
                           help="A parameter with a JSON value: numbers, true/false, arrays (repeatable).")] = None,
    input_: Annotated[str | None, typer.Option("--input", metavar="FILE|-", help="A JSON object to send as the body (fields are added over it).")] = None,
) -> None:
    """Call any API action: the raw escape hatch.

    Example: trackerctl api tracker/get_state -F tracker_id=123456 | jq .state.gps.location
    """
    from trackerctl.api.endpoints import REGISTRY

    clean = path.strip("/")
    if clean.startswith("v2/"):
        clean = clean[3:]
    if not PATH.fullmatch(clean):
        raise UsageError(f"invalid action path {path!r}: such as tracker/list or panel/tracker/read")
    if clean in LOGIN_PATHS:
        raise UsageError(f"api {clean} would print a new session's secret: log in with `{LOGIN_PATHS[clean]}`, "
                         "which stores it (`trackerctl auth token` prints it for curl)")
    body = {}
    if input_:
        body = json_object(read_text(app_, input_, "--input"), "--input (stdin)" if input_ == "-" else f"--input {input_}")
    body.update(key_values(field, "-f", typed=False))
    body.update(key_values(typed_field, "-F", typed=True))
    if "hash" in body:
        raise UsageError("do not put the credential in the body: it is sent in the Authorization header")
    known = REGISTRY.by_path(clean)
    if known is not None:
        confirm(app_, known, body, what=f"api {clean}")  # destructive: as its command asks
    if known is not None and not known.read_only:  # a write of a known action: kept in the run's journal
        from trackerctl.cli.fleet import Writer

        answer = Writer(app_, known).send(body)
    else:
        answer = app_.client().call(clean, body, api="panel" if clean.startswith("panel/") else "user",
                                    read_only=known.read_only if known else False)
    records = known.result if known else next((k for k in RECORD_KEYS if k in answer), None)
    app_.output.result(answer, records=records, columns=known.columns if known else ())


command = typer.main.get_command(app)
