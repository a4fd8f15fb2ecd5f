"""`trackerctl panel ...`: the dealer panel API, generated from the registry.

`panel tracker ...` mirrors `panel/tracker/*`; `panel bundle ...` is the same set of bundle commands
as `panel tracker bundle ...` (the registry lists it as each bundle action's alias). `panel tracker
console open` is written by hand beside the registry's `console connect` (trackerctl/cli/console.py):
a WebSocket session, not an action.
"""

from typing import Any

from trackerctl.cli import console
from trackerctl.cli.generated import registry_group


def _console_open() -> Any:
    return console.command()


command = registry_group(("panel",), extra={("tracker", "console", "open"): (_console_open, console.SUMMARY)})
