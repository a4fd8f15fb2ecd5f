"""`trackerctl panel ...`: the dealer panel API, generated from the registry.

`panel tracker ...` mirrors `panel/tracker/*`; `panel bundle ...` is the same set of bundle commands
as `panel tracker bundle ...` (the registry lists it as each bundle action's alias).
"""

from trackerctl.cli.generated import registry_group

command = registry_group(("panel",))
