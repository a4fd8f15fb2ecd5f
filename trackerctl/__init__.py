"""trackerctl: the command line for the Navixy user and dealer panel APIs.

Kept import-free: `trackerctl --version` and TAB completion read this module only.
"""

__version__ = "0.1.0"
