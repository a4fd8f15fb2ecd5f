"""User API `tracker/*` actions (user-api-tracker.md), one module per kind of action:

    reads.py          read, list, get_state, get_states, get_readings, get_fuel, get_diagnostics,
                      get_inputs, get_last_gps_point, list_models
    registration.py   register, register_quick, register_retry, replace, replace_quick, replace_retry
    changes.py        corrupt, delete, change_phone, tags/set
    commands.py       location_request, raw_command/send, send_command
    common.py         what they share: the tracker lookups and checks, the answer object (what
                      they share with the panel, the queue of commands sent to devices included, is
                      in ../records.py)

Every action works on the trackers of the user's account (a sub-user's: its master's) that are
neither deleted nor corrupted; anything else is 201 (the replace family answers 204, as its Errors
sections list: there 201 means "no bundle"). A blocked source answers 208 wherever a tracker "must
not be blocked". The state the answers come from, beside each module's own:

- `sources.activated`: 1 once the device has connected since its registration ("connected" in the
  document). corrupt refuses a connected device (243), register_retry and replace_retry too (242);
  replace and replace_quick refuse a device that has not been activated yet (266). A registration
  or a replacement leaves the source `just_registered` and not activated until the device connects
  (a test sets `activated = 1`).
- `sources.replaced_device_id`: set by replace/replace_quick. replace_retry resends to a new device
  only: for a tracker whose own first device never activated and that was never replaced it answers
  266 ("the old device is not activated yet").
- `commands`: what the platform would send to the device (registration, location requests, raw and
  special commands), kept for tests to inspect.
- The response objects follow the tracker object structure's key order; `tag_bindings` is in the
  answers whose examples show it (read, list, register_retry, register_quick, replace_quick,
  replace_retry, send_command).

Importing the package registers every action (`dispatch.ACTION_MODULES` names it).
"""

from trackerctl.sandbox.tracker import changes, commands, reads, registration

__all__ = ["changes", "commands", "reads", "registration"]  # imported for their @action declarations
