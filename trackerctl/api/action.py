"""The shape of one API action, as declared in `endpoints.py`.

Immutable named tuples, so that importing the registry costs nothing: commands, help, man pages
and completions read it without pydantic or httpx (a NamedTuple is created in a tenth of the time
of a dataclass, which compiles its methods at import). `trackerctl.api.validate` compiles an
action's params into a pydantic model when a command runs or the emulator answers, and checks
values against it.

No `from __future__ import annotations` here: typing.NamedTuple would compile each field's
annotation string into a ForwardRef, which doubles the cost of creating these classes.
"""

from typing import Any, Literal, NamedTuple

# Bulk commands (CLI-CONTRACT.md section 8): where the API documents no limit of ids per request.
DEFAULT_CHUNK = 500  # ids per request by default
DEFAULT_LIMIT = 1000  # the largest --chunk-size allowed
DEFAULT_CONCURRENCY = 4  # requests in flight
MAX_CONCURRENCY = 64

# How a parameter is typed on the wire and spelled on the command line.
#   int, str, bool      scalars; bool is --name/--no-name
#   int_list, str_list  arrays; a repeatable option named in the singular (cli_name), or, with
#                       positional=True, the variadic ids of a bulk command (also --from-file)
#   json                a JSON object given as text, @file or -
#   tag_bindings        [{tag_id, ordinal}] given as repeatable --tag TAG_ID:ORDINAL; each object's
#                       fields are TAG_BINDING (below)
#   month               a yyyy-MM string
ParamKind = Literal["int", "str", "bool", "int_list", "str_list", "json", "tag_bindings", "month"]

Api = Literal["user", "panel"]


class Param(NamedTuple):
    name: str  # the API's name: tracker_id, apn_user
    kind: ParamKind
    help: str
    required: bool = True
    positional: bool = False  # the action's primary key, or the variadic ids of a bulk command
    cli_name: str | None = None  # option name without dashes when it is not the API name with - for _
    cli_false: str | None = None  # bools: another name of --no-NAME, kept as an alias (--descending)
    choices: tuple[str, ...] | None = None
    # constraints from the documents, checked before anything is sent (trackerctl/api/validate.py)
    ge: int | None = None  # ints: lower bound (ids are >= 1; group_id >= 0)
    le: int | None = None  # ints: upper bound (a tag's ordinal <= 5)
    min_len: int | None = None  # strings, and each item of a str_list
    max_len: int | None = None
    printable: bool = False  # printable characters only
    no_angle: bool = False  # no '<' or '>'
    digits: bool = False  # ASCII digits only (IMEIs, phone numbers)
    hex_if: tuple[str, str] | None = None  # hex string when param [0] has value [1]: ("type", "hex")
    alternative: str | None = None  # another param that can be given instead: one of the two is required
    min_items: int | None = None  # arrays
    max_items: int | None = None
    unique: bool = False  # arrays: no duplicate items; a field of TAG_BINDING: no two items share a value
    bulk: bool = False  # ids split into chunks by the bulk engine
    nullable: bool = False  # the API takes null here: left out, null is sent (bundle order_id)


# The fields of one tag binding, from the user document's tracker object: "`tag_id` - int. An ID of
# tag. Must be unique for a tracker." and "`ordinal` - int. Number that can be used as ordinal or
# kind of tag. Must be unique for a tracker. Max value is 5."
TAG_BINDING = (
    Param("tag_id", "int", "ID of the tag.", ge=1, unique=True),
    Param("ordinal", "int", "Ordinal of the tag (1-5).", ge=1, le=5, unique=True),
)


class Undo(NamedTuple):
    """How `trackerctl undo` reverts a run of an action on one tracker (CLI-CONTRACT.md section 13):
    the action sent again with the values the tracker had before, read from its record (the list's
    when `--where` chose it, a read under `--undoable`)."""

    fields: tuple[tuple[str, str], ...]  # (param, dotted field of the record): sent back as it was
    fixed: tuple[tuple[str, Any], ...] = ()  # params sent as given (a tariff change back: no repay, no charge)
    note: str = ""  # said when reverting: what the revert does not undo
    new_id: bool = False  # the action gives the tracker a new id (the answer's `id`): the revert targets it


class Action(NamedTuple):
    path: str  # API path: tracker/get_state, panel/tracker/bundle/import
    summary: str  # one line, imperative, shown in lists and man pages
    params: tuple[Param, ...] = ()
    description: str = ""  # more help text: what the document says beyond the summary
    permission: str | None = None  # sub-user right (user API) or "trackers: read" (panel)
    example: str = ""  # a runnable command line, `trackerctl ...`
    result: str | None = None  # response key holding the records: value, list, states; None: nothing
    columns: tuple[str, ...] = ()  # default table/csv columns (dotted paths into a record)
    fields: tuple[str, ...] = ()  # every field of a record, dotted (`x.*`: a map whose keys vary): --columns' names
    destructive: bool = False  # confirm, or need --yes without a terminal
    read_only: bool = True  # reads may be repeated when their outcome is unknown; writes may not
    bulk_key: str | None = None  # the id list a bulk command splits
    max_chunk: int | None = None  # the API's limit of ids per request
    paginated: bool = False  # offset/limit/count: supports --all
    errors: tuple[int, ...] = ()  # the action-specific codes the document lists
    command: tuple[str, ...] | None = None  # command path when it is not derived from `path`
    aliases: tuple[tuple[str, ...], ...] = ()  # further command paths (panel register-entry)
    extra_params: bool = False  # registration plugins: --param KEY=VALUE, --param-json KEY=JSON
    handler: str | None = None  # "module:function" of a custom runner, when the generic one is not enough
    check: str | None = None  # "module:function" that checks a built request body further (UsageError), before sending
    undo: Undo | None = None  # how `trackerctl undo` reverts it; None: it cannot be reverted

    @property
    def api(self) -> Api:
        return "panel" if self.path.startswith("panel/") else "user"

    @property
    def command_path(self) -> tuple[str, ...]:
        """`tracker/tags/set` -> (tracker, tags, set); `_` becomes `-` (contract section 1)."""
        if self.command is not None:
            return self.command
        return tuple(part.replace("_", "-") for part in self.path.split("/"))

    @property
    def positionals(self) -> tuple[Param, ...]:
        return tuple(p for p in self.params if p.positional)

    @property
    def options(self) -> tuple[Param, ...]:
        return tuple(p for p in self.params if not p.positional)

    @property
    def per_tracker(self) -> bool:
        """Acts on one tracker given by id: takes many too (ids, --from-file, --where; contract section 13)."""
        return any(p.name == "tracker_id" and p.positional and p.kind == "int" for p in self.params)

    def param(self, name: str) -> Param:
        for p in self.params:
            if p.name == name:
                return p
        raise KeyError(name)


class Registry:
    __slots__ = ("actions",)

    def __init__(self, actions: tuple[Action, ...] = ()) -> None:
        self.actions = actions

    def by_path(self, path: str) -> Action | None:
        path = path.strip("/")
        for a in self.actions:
            if a.path == path:
                return a
        return None

    def by_command(self, words: tuple[str, ...]) -> Action | None:
        for a in self.actions:
            if a.command_path == words or words in a.aliases:
                return a
        return None

    def under(self, prefix: tuple[str, ...]) -> list[Action]:
        """Actions whose command path (or an alias) starts with `prefix`."""
        n = len(prefix)
        return [a for a in self.actions if a.command_path[:n] == prefix or any(al[:n] == prefix for al in a.aliases)]
