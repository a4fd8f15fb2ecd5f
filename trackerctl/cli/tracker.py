"""`trackerctl tracker ...`: the user API's tracker actions, generated from the registry."""

from trackerctl.cli.generated import registry_group

command = registry_group(("tracker",))
