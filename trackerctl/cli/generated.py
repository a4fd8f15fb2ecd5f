"""Commands generated from the action registry: one piece of code serves every action.

`registry_group(("tracker",))` is the `trackerctl tracker` group; its leaves are built from the
`Action` entries in `trackerctl.api.endpoints` when a command line reaches them. A leaf parses its
arguments into the API's parameter names, hands them to a runner (the generic `run_action`, or the
action's own in `trackerctl.cli.runners`), and the runner validates, calls and renders.
"""

from __future__ import annotations

import inspect
import keyword
from collections.abc import Sequence
from typing import Annotated, Any, Literal

import typer

from trackerctl.api.action import DEFAULT_CONCURRENCY, DEFAULT_LIMIT, Action, Param
from trackerctl.api.endpoints import REGISTRY
from trackerctl.cli.context import AppContext
from trackerctl.cli.framework import Command
from trackerctl.cli.lazy import LazyGroup
from trackerctl.cli.options import with_global_options
from trackerctl.cli.request import metavar, option

# One line for each group of the mirrored tree below the top level (whose lines are app.TOP_LEVEL's);
# leaves take their action's summary.
GROUP_HELP: dict[tuple[str, ...], str] = {
    ("tracker", "tags"): "Tags bound to a tracker.",
    ("tracker", "raw-command"): "Raw GPRS commands to a device.",
    ("panel", "tracker"): "The dealer's trackers, clones, bundles and tariffs (panel/tracker/*).",
    ("panel", "tracker", "active"): "Billing activity of trackers.",
    ("panel", "tracker", "active", "history"): "Month-by-month activity.",
    ("panel", "tracker", "bundle"): "Device bundles: import, list, assign (also `trackerctl panel bundle`).",
    ("panel", "tracker", "bundle", "order"): "Bundle orders.",
    ("panel", "bundle"): "Device bundles: the same commands as `trackerctl panel tracker bundle`.",
    ("panel", "bundle", "order"): "Bundle orders.",
    ("panel", "tracker", "console"): "Device command console.",
    ("panel", "tracker", "raw-command"): "Raw GPRS commands to a device.",
    ("panel", "tracker", "settings"): "Tracker settings.",
    ("panel", "tracker", "source"): "The device (source) behind a tracker.",
    ("panel", "tracker", "tariff"): "Tracker tariffs.",
}


def registry_group(prefix: tuple[str, ...], overrides: dict[str, Any] | None = None,
                   extra: dict[tuple[str, ...], tuple[Any, str]] | None = None) -> LazyGroup:
    """The group at `prefix` of the command tree, with every action (and alias) below it.

    `overrides` maps a leaf's name to a loader of a hand-written command, for the few whose
    arguments the registry cannot express (`tracker get-state ID... --watch`). `extra` adds
    hand-written commands that are no action, by their path below `prefix`: (loader, one line)
    (`panel tracker console open`).
    """
    overrides = overrides or {}
    extra = extra or {}
    children: dict[str, tuple[Any, str]] = {}
    for action in REGISTRY.under(prefix):
        for path in (action.command_path, *action.aliases):
            if path[: len(prefix)] != prefix or len(path) == len(prefix):
                continue
            name = path[len(prefix)]
            if name in children:
                continue
            if len(path) == len(prefix) + 1:
                children[name] = (overrides.get(name) or _leaf_loader(action, path), action.summary)
            else:
                sub = prefix + (name,)
                below = {p[1:]: e for p, e in extra.items() if p[0] == name and len(p) > 1}
                children[name] = (_group_loader(sub, below), group_help(sub))
    children.update((path[0], entry) for path, entry in extra.items() if len(path) == 1)
    return LazyGroup(name=prefix[-1], children=children, help=group_help(prefix), no_args_is_help=True)


def group_help(prefix: tuple[str, ...]) -> str:
    """The one line of help of the group at `prefix`: the same in its parent's listing and its own help."""
    from trackerctl.cli.app import TOP_LEVEL

    if len(prefix) == 1 and prefix[0] in TOP_LEVEL:
        return TOP_LEVEL[prefix[0]][1]
    return GROUP_HELP.get(prefix, f"{' '.join(prefix)} commands.")


def _group_loader(prefix: tuple[str, ...], extra: dict[tuple[str, ...], tuple[Any, str]] | None = None) -> Any:
    return lambda: registry_group(prefix, extra=extra)


def _leaf_loader(action: Action, path: tuple[str, ...]) -> Any:
    return lambda: build_command(action, path[-1])


# ---- one leaf ---------------------------------------------------------------------------------
def build_command(action: Action, name: str, *, options: Sequence[inspect.Parameter] = (), doc: str = "",
                  runner: Any = None) -> Command:
    """A Typer command whose options are the action's params (and the global options).

    `options` adds a hand-written command's own (`extra_option`), whose values reach the runner with
    the others; `doc` adds to its help; `runner` runs the command instead of the action's
    (`tracker get-state --watch`)."""
    params = [_targets_param(p) if action.per_tracker and p.name == "tracker_id" else _cli_param(p) for p in action.params]
    if action.per_tracker:
        params += _fleet_options(action)
    if action.path in WHERE_LISTS:
        params.append(extra_option("where", list[str] | None, typer.Option("--where", metavar="'FIELD OP VALUE'", help=WHERE_HELP)))
    if any(p.bulk for p in action.params):
        params.append(extra_option("from_file", str | None, typer.Option("--from-file", metavar="PATH",
                             help="Read the ids from a file (one per line, or CSV with a header), - for stdin.")))
        params.append(extra_option("chunk_size", str | None, typer.Option("--chunk-size", metavar="N",
                             help=f"Ids per request (at most {action.max_chunk or DEFAULT_LIMIT}).")))
        params.append(extra_option("concurrency", str, typer.Option("--concurrency", metavar="N", help="Requests in flight at once."),
                             str(DEFAULT_CONCURRENCY)))
        if not action.read_only:  # a bulk write: per-item outcomes, some of which may fail
            params.append(extra_option("failed_to", str | None, typer.Option("--failed-to", metavar="FILE",
                                 help="Write the items not done (failed, not sent) to FILE for --from-file.")))
    if action.paginated:
        params.append(extra_option("all", bool, typer.Option("--all", help="Fetch every page; jsonl streams records as pages arrive."), False))
    params += options
    if action.extra_params:
        params.append(extra_option("param", list[str] | None, typer.Option("--param", metavar="KEY=VALUE",
                             help="A registration plugin's parameter, sent as a string (repeatable).")))
        params.append(extra_option("param_json", list[str] | None, typer.Option("--param-json", metavar="KEY=JSON",
                             help="A plugin parameter with a typed JSON value, such as send_sms=true (repeatable).")))

    def command(app: AppContext, **values: Any) -> None:
        values = {_api_name(k): v for k, v in values.items()}
        for name in BULK_SIZES:
            if values.get(name) is not None:
                values[name] = _bulk_size(values[name], name)
        if runner is not None:
            return runner(app, action, values)
        if action.per_tracker:
            from trackerctl.cli.fleet import run_targets

            return run_targets(app, action, values)
        runner_for(action)(app, action, values)

    command.__signature__ = inspect.Signature([inspect.Parameter("app", inspect.Parameter.POSITIONAL_OR_KEYWORD), *params])  # type: ignore[attr-defined]
    command.__doc__ = help_text(action) + doc
    app = typer.Typer(rich_markup_mode=None, add_completion=False)
    app.command(name, epilog=epilog(action))(with_global_options(command))
    return typer.main.get_command(app)


def runner_for(action: Action) -> Any:
    """`run_action`, or the runner the action names: "module:function" (its resource's CLI module)."""
    if not action.handler:
        from trackerctl.cli.runners import run_action

        return run_action
    return named(action.handler)


def named(ref: str) -> Any:
    """The function a registry entry names as "module:function" (`Action.handler`, `Action.check`)."""
    import importlib

    module, _, function = ref.partition(":")
    return getattr(importlib.import_module(module), function)


def help_text(action: Action) -> str:
    """Summary, description, API path and right/permission: the leaf's help and man page body."""
    paragraphs = [action.summary]
    if action.description:
        paragraphs.append(action.description)
    api = f"API: POST {action.path}."
    if action.permission:
        what = "panel permission" if action.api == "panel" else "sub-user right"
        api += f" Requires {what}: {action.permission}."
    paragraphs.append(api)
    return "\n\n".join(paragraphs)


def epilog(action: Action) -> str:
    return f"Example: {action.example}" if action.example else ""


# An int param reaches the runner as the text typed: the request model reads it (ASCII digits only;
# Python's int() would take '١٢' and '1_000'), so one rule serves the command line and id files.
_SCALAR = {"int": str, "str": str, "month": str, "json": str}
BULK_SIZES = ("chunk_size", "concurrency")


def _bulk_size(text: str, name: str) -> int:
    """--chunk-size and --concurrency: whole numbers in ASCII digits (the bulk runner checks the range)."""
    from trackerctl.errors import UsageError
    from trackerctl.api.validate import parse_int

    try:
        return parse_int(text)
    except ValueError:
        raise UsageError(f"invalid value for --{name.replace('_', '-')}: {text!r} is not a whole number") from None


def _cli_param(p: Param) -> inspect.Parameter:
    """A Typer parameter for one API parameter; values reach the runner under the API's name."""
    help_ = p.help  # help marks the required ones (trackerctl.cli.docs.pages)
    if p.positional:
        if p.kind in ("int_list", "str_list"):
            return extra_option(p.name, list[str] | None, typer.Argument(metavar=metavar(p) + "...", help=help_, show_default=False))
        optional = not p.required  # register-retry's TRACKER_ID: --device-id can be given instead
        return extra_option(p.name, _SCALAR[p.kind] | None if optional else _SCALAR[p.kind],
                      typer.Argument(metavar=metavar(p), help=help_, show_default=False), None if optional else inspect.Parameter.empty)
    if p.kind == "bool":
        alias = (f" /--{p.cli_false}",) if p.cli_false else ()  # " /--x" (nothing before the slash): another negative flag
        return extra_option(p.name, bool | None, typer.Option(f"{option(p)}/--no-{option(p)[2:]}", *alias, help=help_, show_default=False))
    if p.kind in ("int_list", "str_list", "tag_bindings"):
        return extra_option(p.name, list[str] | None, typer.Option(option(p), metavar=_metavar(p), help=help_ + " Repeatable.", show_default=False))
    ann: Any = _SCALAR[p.kind]
    if p.choices:
        ann = Literal[p.choices]  # type: ignore[valid-type]
    return extra_option(p.name, ann | None, typer.Option(option(p), metavar=None if p.choices else _metavar(p), help=help_, show_default=False))


# The lists that --where filters (CLI-CONTRACT.md section 13); the actions on one tracker read the first two.
WHERE_LISTS = ("tracker/list", "panel/tracker/list", "panel/tracker/bundle/list")
WHERE_HELP = ("Only records whose FIELD compares to VALUE: = and != (* matches any characters), <, <=, >, >= "
              "on numbers and dates (30d: 30 days ago), such as source.model=telfmb* or last_connection<30d. "
              "Repeatable: all must hold.")


def _targets_param(p: Param) -> inspect.Parameter:
    """TRACKER_ID of an action on one tracker: one or more (CLI-CONTRACT.md section 13)."""
    help_ = "ID of the tracker (aka object_id); several run the action on each, as a bulk job."
    return extra_option(p.name, list[str] | None, typer.Argument(metavar="TRACKER_ID...", help=help_, show_default=False))


def _fleet_options(action: Action) -> list[inspect.Parameter]:
    """What an action on one tracker takes to run on many: --from-file, --where, --concurrency,
    --failed-to; a write also --plan, and --undoable where undo can revert it."""
    lists = "panel tracker list" if action.api == "panel" else "tracker list"
    out = [
        extra_option("from_file", str | None, typer.Option("--from-file", metavar="PATH", help=(
            "Read the tracker ids from a file, - for stdin: one per line, or a CSV with a tracker_id column "
            "and columns named like options (label, comment) giving each row its own values."))),
        extra_option("where", list[str] | None, typer.Option("--where", metavar="'FIELD OP VALUE'", help=(
            f"Run on the trackers of `trackerctl {lists}` whose FIELD compares to VALUE: = and != (* matches any "
            "characters), <, <=, >, >= on numbers and dates (30d: 30 days ago). Repeatable: all must hold."))),
        extra_option("concurrency", str, typer.Option("--concurrency", metavar="N",
                     help="Requests in flight at once, with several trackers."), str(DEFAULT_CONCURRENCY)),
        extra_option("failed_to", str | None, typer.Option("--failed-to", metavar="FILE",
                     help="Write the trackers not done (failed, not sent) to FILE for --from-file.")),
    ]
    if not action.read_only:
        out.append(extra_option("plan", bool, typer.Option("--plan", help=(
            "Run the reads that choose the trackers and print the writes that would be sent, one JSON line "
            "each; send no write.")), False))
    if action.undo is not None:
        out.append(extra_option("undoable", bool, typer.Option("--undoable", help=(
            "Read each tracker given by id before writing it, so that `trackerctl undo` can revert the run "
            "(trackers chosen with --where need no read).")), False))
    return out


def _metavar(p: Param) -> str:
    if p.kind == "tag_bindings":
        return "TAG_ID:ORDINAL"
    if p.kind == "json":
        return "JSON|@FILE|-"
    if p.kind == "month":
        return "YYYY-MM"
    return {"int": "INTEGER", "int_list": "INTEGER"}.get(p.kind, "TEXT")


def extra_option(name: str, ann: Any, info: Any, default: Any = None) -> inspect.Parameter:
    """A keyword-only parameter; API names that are Python keywords (`from`) get a trailing `_`."""
    py_name = name + "_" if keyword.iskeyword(name) else name
    return inspect.Parameter(py_name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=Annotated[ann, info])


def _api_name(py_name: str) -> str:
    return py_name[:-1] if py_name.endswith("_") and keyword.iskeyword(py_name[:-1]) else py_name
