"""Fleet operations (CLI-CONTRACT.md section 13): choosing trackers by their fields (`where`), and the
journal a run that writes keeps, from which `trackerctl undo` reverts it (`journal`).

Knows no terminal and no command line: `trackerctl.cli.fleet` and `trackerctl.cli.undo` use it.
"""
