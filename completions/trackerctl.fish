# fish completion for trackerctl
# Generated from the command tree by `python -m trackerctl.cli.docs`: do not edit.
#
# Install: copy to ~/.config/fish/completions/trackerctl.fish (fish loads it on first use).

# Options every command (and the root) accepts.
function __trackerctl_globals
    set -ga __trackerctl_o '--profile' '--api-url' '--output' '-o' '--columns' '--jq' '--timeout' '--ca-bundle' '--dry-run' '--yes' '-y' '--verbose' '-v' '--quiet' '-q' '--no-color'
    set -ga __trackerctl_od 'Stored profile to use (default: default)' 'eu, us, me, sandbox, or a base URL' 'Output format (default: table on a terminal, else json)' 'Output format (default: table on a terminal, else json)' 'Fields the table/csv show, such as id,label,source.device_id' 'Filter the JSON output with a jq expression (implies -o json)...' 'Deadline of each request in seconds: connecting, sending and reading...' 'CA certificates to trust (private CAs)' 'Print the requests that would be sent; send nothing' 'Answer yes to confirmations' 'Answer yes to confirmations' 'Trace requests and responses on stderr (credentials masked)' 'Trace requests and responses on stderr (credentials masked)' 'No progress bars, no notices' 'No progress bars, no notices' 'Plain text, no colour (so does NO_COLOR set to anything but empty)'
    set -ga __trackerctl_v '--profile' '--api-url' '--output' '-o' '--columns' '--jq' '--timeout' '--ca-bundle'
end

# __trackerctl_node NODE: sub-commands (_s, descriptions _sd), options (_o, _od), options taking a value (_v).
function __trackerctl_node
    set -g __trackerctl_s
    set -g __trackerctl_sd
    set -g __trackerctl_o
    set -g __trackerctl_od
    set -g __trackerctl_v
    switch $argv[1]
        case ''
            set -g __trackerctl_s 'tracker' 'panel' 'auth' 'profile' 'api' 'sandbox' 'completion' 'undo' 'history'
            set -g __trackerctl_sd 'User API: the trackers of the logged-in user (tracker/*)' 'Dealer panel API: trackers, clones, bundles, tariffs (panel/tracker/*)' 'Log in and out of both APIs; show or print stored credentials' 'Manage profiles: an API URL and defaults per account' 'Call any API action: trackerctl api PATH -f key=value' 'The local API emulator: serve it over HTTP, or reset its data' 'Print the shell completion script for bash, zsh or fish, or install it' 'Revert what a run that wrote changed, from its journal' 'Show the audit log: every write trackerctl sent, who sent it and how...'
            set -g __trackerctl_o '--version' '--help' '-h'
            set -g __trackerctl_od 'Print `trackerctl <version>` and exit' 'Show the help and exit' 'Show the help and exit'
            __trackerctl_globals
        case 'tracker'
            set -g __trackerctl_s 'read' 'list' 'corrupt' 'delete' 'change-phone' 'get-diagnostics' 'get-fuel' 'get-inputs' 'get-last-gps-point' 'get-readings' 'get-state' 'get-states' 'list-models' 'tags' 'location-request' 'register' 'register-retry' 'register-quick' 'replace' 'replace-quick' 'replace-retry' 'send-command' 'raw-command'
            set -g __trackerctl_sd 'Get one tracker by ID' 'List the user\'s trackers, optionally filtered by label' 'Mark a tracker as deleted and corrupt its source, device ID and phone' 'Delete a tracker that is a clone' 'Change the tracker\'s phone number and set up its new APN' 'Get the last CAN and OBD sensor readings and states of a tracker' 'Get the current fuel level of the tracker\'s fuel tanks' 'Get the state of the tracker\'s digital inputs and the semantic...' 'Get the last point of the tracker located by GPS' 'Get the last values of the tracker\'s metering sensors (not CAN, OBD...' 'Get the current state of a tracker: position, movement, connection...' 'Get the current states of several trackers' 'List the integrated tracker models' 'Tags bound to a tracker' 'Ask the device for its current position' 'Register a new tracker device with the user\'s account' 'Resend the registration commands to a tracker\'s device' 'Register a new preconfigured bundled tracker by its IMEI alone' 'Replace a tracker\'s device, keeping its history and settings' 'Replace a tracker\'s device with a preconfigured bundled device, by...' 'Resend the registration commands to a tracker\'s new device' 'Send a special control command (electronic lock, special settings)...' 'Raw GPRS commands to a device'
            set -g __trackerctl_o '--help' '-h'
            set -g __trackerctl_od 'Show the help and exit' 'Show the help and exit'
        case 'tracker read'
            set -g __trackerctl_o '--from-file' '--where' '--concurrency' '--failed-to' '--help' '-h'
            set -g __trackerctl_od 'Read the tracker ids from a file, - for stdin: one per line, or a...' 'Run on the trackers of `trackerctl tracker list` whose FIELD...' 'Requests in flight at once, with several trackers' 'Write the trackers not done (failed, not sent) to FILE for --from-file' 'Show the help and exit' 'Show the help and exit'
            set -g __trackerctl_v '--from-file' '--where' '--concurrency' '--failed-to'
            __trackerctl_globals
        case 'tracker list'
            set -g __trackerctl_o '--label' '--where' '--help' '-h'
            set -g __trackerctl_od 'Only trackers whose label contains this text (repeatable; any of...' 'Only records whose FIELD compares to VALUE: = and != (* matches any...' 'Show the help and exit' 'Show the help and exit'
            set -g __trackerctl_v '--label' '--where'
            __trackerctl_globals
        case 'tracker corrupt'
            set -g __trackerctl_o '--from-file' '--where' '--concurrency' '--failed-to' '--plan' '--help' '-h'
            set -g __trackerctl_od 'Read the tracker ids from a file, - for stdin: one per line, or a...' 'Run on the trackers of `trackerctl tracker list` whose FIELD...' 'Requests in flight at once, with several trackers' 'Write the trackers not done (failed, not sent) to FILE for --from-file' 'Run the reads that choose the trackers and print the writes that...' 'Show the help and exit' 'Show the help and exit'
            set -g __trackerctl_v '--from-file' '--where' '--concurrency' '--failed-to'
            __trackerctl_globals
        case 'tracker delete'
            set -g __trackerctl_o '--from-file' '--where' '--concurrency' '--failed-to' '--plan' '--help' '-h'
            set -g __trackerctl_od 'Read the tracker ids from a file, - for stdin: one per line, or a...' 'Run on the trackers of `trackerctl tracker list` whose FIELD...' 'Requests in flight at once, with several trackers' 'Write the trackers not done (failed, not sent) to FILE for --from-file' 'Run the reads that choose the trackers and print the writes that...' 'Show the help and exit' 'Show the help and exit'
            set -g __trackerctl_v '--from-file' '--where' '--concurrency' '--failed-to'
            __trackerctl_globals
        case 'tracker change-phone'
            set -g __trackerctl_o '--phone' '--apn-name' '--apn-user' '--apn-password' '--from-file' '--where' '--concurrency' '--failed-to' '--plan' '--help' '-h'
            set -g __trackerctl_od 'Phone number of the SIM card, international format without \'+\'' 'Name of the GPRS APN of the SIM card in the device (at most 40...' 'User of the GPRS APN (at most 40 characters, may be empty)' 'Password of the GPRS APN (at most 40 characters, may be empty)' 'Read the tracker ids from a file, - for stdin: one per line, or a...' 'Run on the trackers of `trackerctl tracker list` whose FIELD...' 'Requests in flight at once, with several trackers' 'Write the trackers not done (failed, not sent) to FILE for --from-file' 'Run the reads that choose the trackers and print the writes that...' 'Show the help and exit' 'Show the help and exit'
            set -g __trackerctl_v '--phone' '--apn-name' '--apn-user' '--apn-password' '--from-file' '--where' '--concurrency' '--failed-to'
            __trackerctl_globals
        case 'tracker get-diagnostics'
            set -g __trackerctl_o '--from-file' '--where' '--concurrency' '--failed-to' '--help' '-h'
            set -g __trackerctl_od 'Read the tracker ids from a file, - for stdin: one per line, or a...' 'Run on the trackers of `trackerctl tracker list` whose FIELD...' 'Requests in flight at once, with several trackers' 'Write the trackers not done (failed, not sent) to FILE for --from-file' 'Show the help and exit' 'Show the help and exit'
            set -g __trackerctl_v '--from-file' '--where' '--concurrency' '--failed-to'
            __trackerctl_globals
        case 'tracker get-fuel'
            set -g __trackerctl_o '--from-file' '--where' '--concurrency' '--failed-to' '--help' '-h'
            set -g __trackerctl_od 'Read the tracker ids from a file, - for stdin: one per line, or a...' 'Run on the trackers of `trackerctl tracker list` whose FIELD...' 'Requests in flight at once, with several trackers' 'Write the trackers not done (failed, not sent) to FILE for --from-file' 'Show the help and exit' 'Show the help and exit'
            set -g __trackerctl_v '--from-file' '--where' '--concurrency' '--failed-to'
            __trackerctl_globals
        case 'tracker get-inputs'
            set -g __trackerctl_o '--from-file' '--where' '--concurrency' '--failed-to' '--help' '-h'
            set -g __trackerctl_od 'Read the tracker ids from a file, - for stdin: one per line, or a...' 'Run on the trackers of `trackerctl tracker list` whose FIELD...' 'Requests in flight at once, with several trackers' 'Write the trackers not done (failed, not sent) to FILE for --from-file' 'Show the help and exit' 'Show the help and exit'
            set -g __trackerctl_v '--from-file' '--where' '--concurrency' '--failed-to'
            __trackerctl_globals
        case 'tracker get-last-gps-point'
            set -g __trackerctl_o '--from-file' '--where' '--concurrency' '--failed-to' '--help' '-h'
            set -g __trackerctl_od 'Read the tracker ids from a file, - for stdin: one per line, or a...' 'Run on the trackers of `trackerctl tracker list` whose FIELD...' 'Requests in flight at once, with several trackers' 'Write the trackers not done (failed, not sent) to FILE for --from-file' 'Show the help and exit' 'Show the help and exit'
            set -g __trackerctl_v '--from-file' '--where' '--concurrency' '--failed-to'
            __trackerctl_globals
        case 'tracker get-readings'
            set -g __trackerctl_o '--from-file' '--where' '--concurrency' '--failed-to' '--help' '-h'
            set -g __trackerctl_od 'Read the tracker ids from a file, - for stdin: one per line, or a...' 'Run on the trackers of `trackerctl tracker list` whose FIELD...' 'Requests in flight at once, with several trackers' 'Write the trackers not done (failed, not sent) to FILE for --from-file' 'Show the help and exit' 'Show the help and exit'
            set -g __trackerctl_v '--from-file' '--where' '--concurrency' '--failed-to'
            __trackerctl_globals
        case 'tracker get-state'
            set -g __trackerctl_o '--from-file' '--where' '--concurrency' '--failed-to' '--watch' '--poll' '--help' '-h'
            set -g __trackerctl_od 'Read the tracker ids from a file, - for stdin: one per line, or a...' 'Run on the trackers of `trackerctl tracker list` whose FIELD...' 'Requests in flight at once, with several trackers' 'Write the trackers not done (failed, not sent) to FILE for --from-file' 'Refresh every SECONDS until Ctrl-C, from the event subscription...' 'With --watch: poll tracker/get_states every SECONDS instead of...' 'Show the help and exit' 'Show the help and exit'
            set -g __trackerctl_v '--from-file' '--where' '--concurrency' '--failed-to' '--watch'
            __trackerctl_globals
        case 'tracker get-states'
            set -g __trackerctl_o '--list-blocked' '--no-list-blocked' '--allow-not-exist' '--no-allow-not-exist' '--from-file' '--chunk-size' '--concurrency' '--watch' '--poll' '--help' '-h'
            set -g __trackerctl_od 'List blocked trackers in `blocked` instead of failing with 208' 'List blocked trackers in `blocked` instead of failing with 208' 'List unknown trackers in `not_exist` instead of failing with 217 or 201' 'List unknown trackers in `not_exist` instead of failing with 217 or 201' 'Read the ids from a file (one per line, or CSV with a header), - for...' 'Ids per request (at most 1000)' 'Requests in flight at once' 'Refresh every SECONDS until Ctrl-C, from the event subscription...' 'With --watch: poll tracker/get_states every SECONDS instead of...' 'Show the help and exit' 'Show the help and exit'
            set -g __trackerctl_v '--from-file' '--chunk-size' '--concurrency' '--watch'
            __trackerctl_globals
        case 'tracker list-models'
            set -g __trackerctl_o '--compact-view' '--no-compact-view' '--compact-index' '--no-compact-index' '--code' '--help' '-h'
            set -g __trackerctl_od 'Compact view' 'Compact view' 'Of indexed inputs return only the one with the highest index...' 'Of indexed inputs return only the one with the highest index...' 'Only this model (repeatable)' 'Show the help and exit' 'Show the help and exit'
            set -g __trackerctl_v '--code'
            __trackerctl_globals
        case 'tracker tags'
            set -g __trackerctl_s 'set'
            set -g __trackerctl_sd 'Set the tags of a tracker'
            set -g __trackerctl_o '--help' '-h'
            set -g __trackerctl_od 'Show the help and exit' 'Show the help and exit'
        case 'tracker tags set'
            set -g __trackerctl_o '--tag' '--from-file' '--where' '--concurrency' '--failed-to' '--plan' '--undoable' '--help' '-h'
            set -g __trackerctl_od 'A tag as TAG_ID:ORDINAL (repeatable; ordinal 1-5; each tag and...' 'Read the tracker ids from a file, - for stdin: one per line, or a...' 'Run on the trackers of `trackerctl tracker list` whose FIELD...' 'Requests in flight at once, with several trackers' 'Write the trackers not done (failed, not sent) to FILE for --from-file' 'Run the reads that choose the trackers and print the writes that...' 'Read each tracker given by id before writing it, so that `trackerctl...' 'Show the help and exit' 'Show the help and exit'
            set -g __trackerctl_v '--tag' '--from-file' '--where' '--concurrency' '--failed-to'
            __trackerctl_globals
        case 'tracker location-request'
            set -g __trackerctl_o '--type' '--from-file' '--where' '--concurrency' '--failed-to' '--plan' '--help' '-h'
            set -g __trackerctl_od 'sms: GNSS by SMS (default); gsm: GSM LBS over GPRS; gprs: GNSS over...' 'Read the tracker ids from a file, - for stdin: one per line, or a...' 'Run on the trackers of `trackerctl tracker list` whose FIELD...' 'Requests in flight at once, with several trackers' 'Write the trackers not done (failed, not sent) to FILE for --from-file' 'Run the reads that choose the trackers and print the writes that...' 'Show the help and exit' 'Show the help and exit'
            set -g __trackerctl_v '--type' '--from-file' '--where' '--concurrency' '--failed-to'
            __trackerctl_globals
        case 'tracker register'
            set -g __trackerctl_o '--label' '--group-id' '--model' '--plugin-id' '--device-id' '--send-register-commands' '--no-send-register-commands' '--param' '--param-json' '--help' '-h'
            set -g __trackerctl_od 'Label of the tracker: 1-60 printable characters' 'ID of the tracker group; 0 for no group' 'Code of the device model (see `trackerctl tracker list-models`)' 'ID of the registration plugin' 'Device ID, e.g. the IMEI; needed when the model uses a fixed device ID' 'Send activation commands to the device (by SMS or GPRS); left out...' 'Send activation commands to the device (by SMS or GPRS); left out...' 'A registration plugin\'s parameter, sent as a string (repeatable)' 'A plugin parameter with a typed JSON value, such as send_sms=true...' 'Show the help and exit' 'Show the help and exit'
            set -g __trackerctl_v '--label' '--group-id' '--model' '--plugin-id' '--device-id' '--param' '--param-json'
            __trackerctl_globals
        case 'tracker register-retry'
            set -g __trackerctl_o '--device-id' '--apn-name' '--apn-user' '--apn-password' '--send-register-commands' '--no-send-register-commands' '--from-file' '--where' '--concurrency' '--failed-to' '--plan' '--help' '-h'
            set -g __trackerctl_od 'Device ID used to register, e.g' 'Name of the GPRS APN of the SIM card in the device (at most 40...' 'User of the GPRS APN (at most 40 characters, may be empty)' 'Password of the GPRS APN (at most 40 characters, may be empty)' 'Send activation commands to the device (by SMS or GPRS); left out...' 'Send activation commands to the device (by SMS or GPRS); left out...' 'Read the tracker ids from a file, - for stdin: one per line, or a...' 'Run on the trackers of `trackerctl tracker list` whose FIELD...' 'Requests in flight at once, with several trackers' 'Write the trackers not done (failed, not sent) to FILE for --from-file' 'Run the reads that choose the trackers and print the writes that...' 'Show the help and exit' 'Show the help and exit'
            set -g __trackerctl_v '--device-id' '--apn-name' '--apn-user' '--apn-password' '--from-file' '--where' '--concurrency' '--failed-to'
            __trackerctl_globals
        case 'tracker register-quick'
            set -g __trackerctl_o '--label' '--group-id' '--imei' '--help' '-h'
            set -g __trackerctl_od 'Label of the tracker: 1-60 printable characters' 'ID of the tracker group; 0 for no group' 'IMEI of the device (digits only)' 'Show the help and exit' 'Show the help and exit'
            set -g __trackerctl_v '--label' '--group-id' '--imei'
            __trackerctl_globals
        case 'tracker replace'
            set -g __trackerctl_o '--model' '--device-id' '--plugin-id' '--send-register-commands' '--no-send-register-commands' '--from-file' '--where' '--concurrency' '--failed-to' '--plan' '--param' '--param-json' '--help' '-h'
            set -g __trackerctl_od 'Code of the device model (see `trackerctl tracker list-models`)' 'Device ID, e.g. the IMEI; needed when the model uses a fixed device ID' 'ID of the registration plugin' 'Send activation commands to the device (by SMS or GPRS); left out...' 'Send activation commands to the device (by SMS or GPRS); left out...' 'Read the tracker ids from a file, - for stdin: one per line, or a...' 'Run on the trackers of `trackerctl tracker list` whose FIELD...' 'Requests in flight at once, with several trackers' 'Write the trackers not done (failed, not sent) to FILE for --from-file' 'Run the reads that choose the trackers and print the writes that...' 'A registration plugin\'s parameter, sent as a string (repeatable)' 'A plugin parameter with a typed JSON value, such as send_sms=true...' 'Show the help and exit' 'Show the help and exit'
            set -g __trackerctl_v '--model' '--device-id' '--plugin-id' '--from-file' '--where' '--concurrency' '--failed-to' '--param' '--param-json'
            __trackerctl_globals
        case 'tracker replace-quick'
            set -g __trackerctl_o '--imei' '--from-file' '--where' '--concurrency' '--failed-to' '--plan' '--help' '-h'
            set -g __trackerctl_od 'IMEI of the device (digits only)' 'Read the tracker ids from a file, - for stdin: one per line, or a...' 'Run on the trackers of `trackerctl tracker list` whose FIELD...' 'Requests in flight at once, with several trackers' 'Write the trackers not done (failed, not sent) to FILE for --from-file' 'Run the reads that choose the trackers and print the writes that...' 'Show the help and exit' 'Show the help and exit'
            set -g __trackerctl_v '--imei' '--from-file' '--where' '--concurrency' '--failed-to'
            __trackerctl_globals
        case 'tracker replace-retry'
            set -g __trackerctl_o '--apn-name' '--apn-user' '--apn-password' '--from-file' '--where' '--concurrency' '--failed-to' '--plan' '--help' '-h'
            set -g __trackerctl_od 'Name of the GPRS APN of the SIM card in the new device' 'User of the GPRS APN (may be empty)' 'Password of the GPRS APN (may be empty)' 'Read the tracker ids from a file, - for stdin: one per line, or a...' 'Run on the trackers of `trackerctl tracker list` whose FIELD...' 'Requests in flight at once, with several trackers' 'Write the trackers not done (failed, not sent) to FILE for --from-file' 'Run the reads that choose the trackers and print the writes that...' 'Show the help and exit' 'Show the help and exit'
            set -g __trackerctl_v '--apn-name' '--apn-user' '--apn-password' '--from-file' '--where' '--concurrency' '--failed-to'
            __trackerctl_globals
        case 'tracker send-command'
            set -g __trackerctl_o '--command' '--from-file' '--where' '--concurrency' '--failed-to' '--plan' '--help' '-h'
            set -g __trackerctl_od 'The command as a JSON object with its "name" (JSON text, @file or -)' 'Read the tracker ids from a file, - for stdin: one per line, or a...' 'Run on the trackers of `trackerctl tracker list` whose FIELD...' 'Requests in flight at once, with several trackers' 'Write the trackers not done (failed, not sent) to FILE for --from-file' 'Run the reads that choose the trackers and print the writes that...' 'Show the help and exit' 'Show the help and exit'
            set -g __trackerctl_v '--command' '--from-file' '--where' '--concurrency' '--failed-to'
            __trackerctl_globals
        case 'tracker raw-command'
            set -g __trackerctl_s 'send'
            set -g __trackerctl_sd 'Send a GPRS command to the device, processed by its protocol first'
            set -g __trackerctl_o '--help' '-h'
            set -g __trackerctl_od 'Show the help and exit' 'Show the help and exit'
        case 'tracker raw-command send'
            set -g __trackerctl_o '--command' '--type' '--reliable' '--no-reliable' '--from-file' '--where' '--concurrency' '--failed-to' '--plan' '--help' '-h'
            set -g __trackerctl_od 'The command: text, or hexadecimal with --type hex' 'How the command is written (default text)' 'Resend the command when the device is disconnected or does not...' 'Resend the command when the device is disconnected or does not...' 'Read the tracker ids from a file, - for stdin: one per line, or a...' 'Run on the trackers of `trackerctl tracker list` whose FIELD...' 'Requests in flight at once, with several trackers' 'Write the trackers not done (failed, not sent) to FILE for --from-file' 'Run the reads that choose the trackers and print the writes that...' 'Show the help and exit' 'Show the help and exit'
            set -g __trackerctl_v '--command' '--type' '--from-file' '--where' '--concurrency' '--failed-to'
            __trackerctl_globals
        case 'panel'
            set -g __trackerctl_s 'tracker' 'bundle'
            set -g __trackerctl_sd 'The dealer\'s trackers, clones, bundles and tariffs (panel/tracker/*)' 'Device bundles: the same commands as `trackerctl panel tracker bundle`'
            set -g __trackerctl_o '--help' '-h'
            set -g __trackerctl_od 'Show the help and exit' 'Show the help and exit'
        case 'panel tracker'
            set -g __trackerctl_s 'active' 'bundle' 'clone' 'batch-clone' 'console' 'corrupt' 'batch-delete-clones' 'delete-clone' 'list' 'move' 'read' 'register-retry' 'register-entry' 'settings' 'source' 'tariff' 'raw-command'
            set -g __trackerctl_sd 'Billing activity of trackers' 'Device bundles: import, list, assign (also `trackerctl panel bundle`)' 'Create a clone of a tracker for another user' 'Clone many trackers to one user' 'Device command console' 'Mark a tracker as deleted and corrupt its source device ID and phone' 'Delete many tracker clones' 'Delete a tracker clone' 'List the dealer\'s trackers, with filters, ordering and paging' 'Move a tracker to another user of the same dealer' 'Get one of the dealer\'s trackers by ID' 'Resend the registration commands to a tracker and reset its tracking...' 'Resend the registration commands to a tracker and reset its tracking...' 'Tracker settings' 'The device (source) behind a tracker' 'Tracker tariffs' 'Raw GPRS commands to a device'
            set -g __trackerctl_o '--help' '-h'
            set -g __trackerctl_od 'Show the help and exit' 'Show the help and exit'
        case 'panel tracker active'
            set -g __trackerctl_s 'history'
            set -g __trackerctl_sd 'Month-by-month activity'
            set -g __trackerctl_o '--help' '-h'
            set -g __trackerctl_od 'Show the help and exit' 'Show the help and exit'
        case 'panel tracker active history'
            set -g __trackerctl_s 'list'
            set -g __trackerctl_sd 'List the trackers the billing counted as active, month by month'
            set -g __trackerctl_o '--help' '-h'
            set -g __trackerctl_od 'Show the help and exit' 'Show the help and exit'
        case 'panel tracker active history list'
            set -g __trackerctl_o '--from' '--to' '--help' '-h'
            set -g __trackerctl_od 'First month, yyyy-MM' 'Last month, yyyy-MM' 'Show the help and exit' 'Show the help and exit'
            set -g __trackerctl_v '--from' '--to'
            __trackerctl_globals
        case 'panel tracker bundle'
            set -g __trackerctl_s 'assign' 'order' 'import' 'list' 'read' 'update'
            set -g __trackerctl_sd 'Assign a bundle to a SIM card by ICCID' 'Bundle orders' 'Add bundles for many IMEIs at once' 'List the dealer\'s bundles, with filters, ordering and paging' 'Get one bundle by IMEI' 'Assign equipment to a bundle'
            set -g __trackerctl_o '--help' '-h'
            set -g __trackerctl_od 'Show the help and exit' 'Show the help and exit'
        case 'panel tracker bundle assign'
            set -g __trackerctl_o '--iccid' '--help' '-h'
            set -g __trackerctl_od 'ICCID of the SIM card: 3-20 printable characters' 'Show the help and exit' 'Show the help and exit'
            set -g __trackerctl_v '--iccid'
            __trackerctl_globals
        case 'panel tracker bundle order'
            set -g __trackerctl_s 'assign'
            set -g __trackerctl_sd 'Assign a bundle to an order'
            set -g __trackerctl_o '--help' '-h'
            set -g __trackerctl_od 'Show the help and exit' 'Show the help and exit'
        case 'panel tracker bundle order assign'
            set -g __trackerctl_o '--order-id' '--help' '-h'
            set -g __trackerctl_od 'ID of the order; left out, the bundle is taken off its order (null...' 'Show the help and exit' 'Show the help and exit'
            set -g __trackerctl_v '--order-id'
            __trackerctl_globals
        case 'panel tracker bundle import'
            set -g __trackerctl_o '--equip-id' '--factory-preset' '--no-factory-preset' '--from-file' '--chunk-size' '--concurrency' '--failed-to' '--help' '-h'
            set -g __trackerctl_od 'ID of the equipment' 'Whether the devices were preconfigured at the factory' 'Whether the devices were preconfigured at the factory' 'Read the ids from a file (one per line, or CSV with a header), - for...' 'Ids per request (at most 1000)' 'Requests in flight at once' 'Write the items not done (failed, not sent) to FILE for --from-file' 'Show the help and exit' 'Show the help and exit'
            set -g __trackerctl_v '--equip-id' '--from-file' '--chunk-size' '--concurrency' '--failed-to'
            __trackerctl_globals
        case 'panel tracker bundle list'
            set -g __trackerctl_o '--user-id' '--tariff-id' '--clones-filter' '--filter' '--order-by' '--ascending' '--no-ascending' '--descending' '--offset' '--limit' '--where' '--all' '--help' '-h'
            set -g __trackerctl_od 'Only bundles of this user\'s trackers' 'Only bundles on this tariff' 'Clones in the result' 'Text that id, IMEI, model code, ICCID or assign time must contain' 'Field to order by' 'Order ascending (default) or descending; --descending is --no-ascending' 'Order ascending (default) or descending; --descending is --no-ascending' 'Order ascending (default) or descending; --descending is --no-ascending' 'Skip this many records' 'Return at most this many records' 'Only records whose FIELD compares to VALUE: = and != (* matches any...' 'Fetch every page; jsonl streams records as pages arrive' 'Show the help and exit' 'Show the help and exit'
            set -g __trackerctl_v '--user-id' '--tariff-id' '--clones-filter' '--filter' '--order-by' '--offset' '--limit' '--where'
            __trackerctl_globals
        case 'panel tracker bundle read'
            set -g __trackerctl_o '--help' '-h'
            set -g __trackerctl_od 'Show the help and exit' 'Show the help and exit'
            __trackerctl_globals
        case 'panel tracker bundle update'
            set -g __trackerctl_o '--equip-id' '--help' '-h'
            set -g __trackerctl_od 'ID of the equipment' 'Show the help and exit' 'Show the help and exit'
            set -g __trackerctl_v '--equip-id'
            __trackerctl_globals
        case 'panel tracker clone'
            set -g __trackerctl_o '--label' '--user-id' '--from-file' '--where' '--concurrency' '--failed-to' '--plan' '--help' '-h'
            set -g __trackerctl_od 'Label of the tracker: 1-60 printable characters' 'ID of the user who will own the clone' 'Read the tracker ids from a file, - for stdin: one per line, or a...' 'Run on the trackers of `trackerctl panel tracker list` whose FIELD...' 'Requests in flight at once, with several trackers' 'Write the trackers not done (failed, not sent) to FILE for --from-file' 'Run the reads that choose the trackers and print the writes that...' 'Show the help and exit' 'Show the help and exit'
            set -g __trackerctl_v '--label' '--user-id' '--from-file' '--where' '--concurrency' '--failed-to'
            __trackerctl_globals
        case 'panel tracker batch-clone'
            set -g __trackerctl_o '--user-id' '--ignore-existing' '--no-ignore-existing' '--from-file' '--chunk-size' '--concurrency' '--failed-to' '--help' '-h'
            set -g __trackerctl_od 'ID of the user who will own the clones' 'Skip trackers the user already has a clone of instead of failing' 'Skip trackers the user already has a clone of instead of failing' 'Read the ids from a file (one per line, or CSV with a header), - for...' 'Ids per request (at most 1000)' 'Requests in flight at once' 'Write the items not done (failed, not sent) to FILE for --from-file' 'Show the help and exit' 'Show the help and exit'
            set -g __trackerctl_v '--user-id' '--from-file' '--chunk-size' '--concurrency' '--failed-to'
            __trackerctl_globals
        case 'panel tracker console'
            set -g __trackerctl_s 'connect' 'open'
            set -g __trackerctl_sd 'Get a key to connect to a tracker\'s command console' 'Open a tracker\'s device console: send commands and print what the...'
            set -g __trackerctl_o '--help' '-h'
            set -g __trackerctl_od 'Show the help and exit' 'Show the help and exit'
        case 'panel tracker console connect'
            set -g __trackerctl_o '--from-file' '--where' '--concurrency' '--failed-to' '--help' '-h'
            set -g __trackerctl_od 'Read the tracker ids from a file, - for stdin: one per line, or a...' 'Run on the trackers of `trackerctl panel tracker list` whose FIELD...' 'Requests in flight at once, with several trackers' 'Write the trackers not done (failed, not sent) to FILE for --from-file' 'Show the help and exit' 'Show the help and exit'
            set -g __trackerctl_v '--from-file' '--where' '--concurrency' '--failed-to'
            __trackerctl_globals
        case 'panel tracker console open'
            set -g __trackerctl_o '--send' '--follow' '--until-reply' '--timeout' '--profile' '--api-url' '--output' '-o' '--jq' '--ca-bundle' '--dry-run' '--verbose' '-v' '--quiet' '-q' '--no-color' '--help' '-h'
            set -g __trackerctl_od 'A command for the device, sent once the console is open (at most 300...' 'Keep printing until Ctrl-C' 'End after the reply to the last --send' 'End after this long without a frame; also bounds opening the console' 'Stored profile to use (default: default)' 'eu, us, me, sandbox, or a base URL' 'Output format (default: table on a terminal, else json)' 'Output format (default: table on a terminal, else json)' 'Filter the JSON output with a jq expression (implies -o json)...' 'CA certificates to trust (private CAs)' 'Print the requests that would be sent; send nothing' 'Trace requests and responses on stderr (credentials masked)' 'Trace requests and responses on stderr (credentials masked)' 'No progress bars, no notices' 'No progress bars, no notices' 'Plain text, no colour (so does NO_COLOR set to anything but empty)' 'Show the help and exit' 'Show the help and exit'
            set -g __trackerctl_v '--send' '--timeout' '--profile' '--api-url' '--output' '-o' '--jq' '--ca-bundle'
        case 'panel tracker corrupt'
            set -g __trackerctl_o '--corrupt-clones' '--no-corrupt-clones' '--from-file' '--where' '--concurrency' '--failed-to' '--plan' '--help' '-h'
            set -g __trackerctl_od 'Corrupt the tracker\'s clones as well' 'Corrupt the tracker\'s clones as well' 'Read the tracker ids from a file, - for stdin: one per line, or a...' 'Run on the trackers of `trackerctl panel tracker list` whose FIELD...' 'Requests in flight at once, with several trackers' 'Write the trackers not done (failed, not sent) to FILE for --from-file' 'Run the reads that choose the trackers and print the writes that...' 'Show the help and exit' 'Show the help and exit'
            set -g __trackerctl_v '--from-file' '--where' '--concurrency' '--failed-to'
            __trackerctl_globals
        case 'panel tracker batch-delete-clones'
            set -g __trackerctl_o '--from-file' '--chunk-size' '--concurrency' '--failed-to' '--help' '-h'
            set -g __trackerctl_od 'Read the ids from a file (one per line, or CSV with a header), - for...' 'Ids per request (at most 500)' 'Requests in flight at once' 'Write the items not done (failed, not sent) to FILE for --from-file' 'Show the help and exit' 'Show the help and exit'
            set -g __trackerctl_v '--from-file' '--chunk-size' '--concurrency' '--failed-to'
            __trackerctl_globals
        case 'panel tracker delete-clone'
            set -g __trackerctl_o '--from-file' '--where' '--concurrency' '--failed-to' '--plan' '--help' '-h'
            set -g __trackerctl_od 'Read the tracker ids from a file, - for stdin: one per line, or a...' 'Run on the trackers of `trackerctl panel tracker list` whose FIELD...' 'Requests in flight at once, with several trackers' 'Write the trackers not done (failed, not sent) to FILE for --from-file' 'Run the reads that choose the trackers and print the writes that...' 'Show the help and exit' 'Show the help and exit'
            set -g __trackerctl_v '--from-file' '--where' '--concurrency' '--failed-to'
            __trackerctl_globals
        case 'panel tracker list'
            set -g __trackerctl_o '--user-id' '--tariff-id' '--filter' '--clones-filter' '--order-by' '--ascending' '--no-ascending' '--descending' '--offset' '--limit' '--where' '--all' '--help' '-h'
            set -g __trackerctl_od 'Only trackers of this user' 'Only trackers on this tariff' 'Text that id, label, source id, device id, model, phone or user id...' 'Clones in the result' 'Field to order by' 'Order ascending (default) or descending; --descending is --no-ascending' 'Order ascending (default) or descending; --descending is --no-ascending' 'Order ascending (default) or descending; --descending is --no-ascending' 'Skip this many records' 'Return at most this many records' 'Only records whose FIELD compares to VALUE: = and != (* matches any...' 'Fetch every page; jsonl streams records as pages arrive' 'Show the help and exit' 'Show the help and exit'
            set -g __trackerctl_v '--user-id' '--tariff-id' '--filter' '--clones-filter' '--order-by' '--offset' '--limit' '--where'
            __trackerctl_globals
        case 'panel tracker move'
            set -g __trackerctl_o '--user-id' '--from-file' '--where' '--concurrency' '--failed-to' '--plan' '--undoable' '--help' '-h'
            set -g __trackerctl_od 'ID of the user who will own the tracker' 'Read the tracker ids from a file, - for stdin: one per line, or a...' 'Run on the trackers of `trackerctl panel tracker list` whose FIELD...' 'Requests in flight at once, with several trackers' 'Write the trackers not done (failed, not sent) to FILE for --from-file' 'Run the reads that choose the trackers and print the writes that...' 'Read each tracker given by id before writing it, so that `trackerctl...' 'Show the help and exit' 'Show the help and exit'
            set -g __trackerctl_v '--user-id' '--from-file' '--where' '--concurrency' '--failed-to'
            __trackerctl_globals
        case 'panel tracker read'
            set -g __trackerctl_o '--from-file' '--where' '--concurrency' '--failed-to' '--help' '-h'
            set -g __trackerctl_od 'Read the tracker ids from a file, - for stdin: one per line, or a...' 'Run on the trackers of `trackerctl panel tracker list` whose FIELD...' 'Requests in flight at once, with several trackers' 'Write the trackers not done (failed, not sent) to FILE for --from-file' 'Show the help and exit' 'Show the help and exit'
            set -g __trackerctl_v '--from-file' '--where' '--concurrency' '--failed-to'
            __trackerctl_globals
        case 'panel tracker register-retry'
            set -g __trackerctl_o '--send-register-commands' '--no-send-register-commands' '--from-file' '--where' '--concurrency' '--failed-to' '--plan' '--help' '-h'
            set -g __trackerctl_od 'Send activation commands to the device (by SMS or GPRS); left out...' 'Send activation commands to the device (by SMS or GPRS); left out...' 'Read the tracker ids from a file, - for stdin: one per line, or a...' 'Run on the trackers of `trackerctl panel tracker list` whose FIELD...' 'Requests in flight at once, with several trackers' 'Write the trackers not done (failed, not sent) to FILE for --from-file' 'Run the reads that choose the trackers and print the writes that...' 'Show the help and exit' 'Show the help and exit'
            set -g __trackerctl_v '--from-file' '--where' '--concurrency' '--failed-to'
            __trackerctl_globals
        case 'panel tracker register-entry'
            set -g __trackerctl_o '--send-register-commands' '--no-send-register-commands' '--from-file' '--where' '--concurrency' '--failed-to' '--plan' '--help' '-h'
            set -g __trackerctl_od 'Send activation commands to the device (by SMS or GPRS); left out...' 'Send activation commands to the device (by SMS or GPRS); left out...' 'Read the tracker ids from a file, - for stdin: one per line, or a...' 'Run on the trackers of `trackerctl panel tracker list` whose FIELD...' 'Requests in flight at once, with several trackers' 'Write the trackers not done (failed, not sent) to FILE for --from-file' 'Run the reads that choose the trackers and print the writes that...' 'Show the help and exit' 'Show the help and exit'
            set -g __trackerctl_v '--from-file' '--where' '--concurrency' '--failed-to'
            __trackerctl_globals
        case 'panel tracker settings'
            set -g __trackerctl_s 'update'
            set -g __trackerctl_sd 'Change a tracker\'s label, deleted mark and comment'
            set -g __trackerctl_o '--help' '-h'
            set -g __trackerctl_od 'Show the help and exit' 'Show the help and exit'
        case 'panel tracker settings update'
            set -g __trackerctl_o '--label' '--deleted' '--no-deleted' '--comment' '--from-file' '--where' '--concurrency' '--failed-to' '--plan' '--undoable' '--help' '-h'
            set -g __trackerctl_od 'Label of the tracker: 1-60 printable characters, no \'<\' or \'>\'' 'Mark the tracker as deleted: it is no longer shown to the user' 'Mark the tracker as deleted: it is no longer shown to the user' 'Comment on the tracker (at most 3000 characters)' 'Read the tracker ids from a file, - for stdin: one per line, or a...' 'Run on the trackers of `trackerctl panel tracker list` whose FIELD...' 'Requests in flight at once, with several trackers' 'Write the trackers not done (failed, not sent) to FILE for --from-file' 'Run the reads that choose the trackers and print the writes that...' 'Read each tracker given by id before writing it, so that `trackerctl...' 'Show the help and exit' 'Show the help and exit'
            set -g __trackerctl_v '--label' '--comment' '--from-file' '--where' '--concurrency' '--failed-to'
            __trackerctl_globals
        case 'panel tracker source'
            set -g __trackerctl_s 'update'
            set -g __trackerctl_sd 'Block or unblock a tracker\'s device'
            set -g __trackerctl_o '--help' '-h'
            set -g __trackerctl_od 'Show the help and exit' 'Show the help and exit'
        case 'panel tracker source update'
            set -g __trackerctl_o '--blocked' '--no-blocked' '--from-file' '--where' '--concurrency' '--failed-to' '--plan' '--undoable' '--help' '-h'
            set -g __trackerctl_od 'Mark the tracker as blocked' 'Mark the tracker as blocked' 'Read the tracker ids from a file, - for stdin: one per line, or a...' 'Run on the trackers of `trackerctl panel tracker list` whose FIELD...' 'Requests in flight at once, with several trackers' 'Write the trackers not done (failed, not sent) to FILE for --from-file' 'Run the reads that choose the trackers and print the writes that...' 'Read each tracker given by id before writing it, so that `trackerctl...' 'Show the help and exit' 'Show the help and exit'
            set -g __trackerctl_v '--from-file' '--where' '--concurrency' '--failed-to'
            __trackerctl_globals
        case 'panel tracker tariff'
            set -g __trackerctl_s 'change'
            set -g __trackerctl_sd 'Move a tracker to another tariff'
            set -g __trackerctl_o '--help' '-h'
            set -g __trackerctl_od 'Show the help and exit' 'Show the help and exit'
        case 'panel tracker tariff change'
            set -g __trackerctl_o '--tariff-id' '--repay' '--no-repay' '--charge' '--no-charge' '--from-file' '--where' '--concurrency' '--failed-to' '--plan' '--undoable' '--help' '-h'
            set -g __trackerctl_od 'ID of the new tariff' 'Repay the remainder of the current tariff\'s payment' 'Repay the remainder of the current tariff\'s payment' 'Charge the payment for the new tariff (monthly and daily tariffs)' 'Charge the payment for the new tariff (monthly and daily tariffs)' 'Read the tracker ids from a file, - for stdin: one per line, or a...' 'Run on the trackers of `trackerctl panel tracker list` whose FIELD...' 'Requests in flight at once, with several trackers' 'Write the trackers not done (failed, not sent) to FILE for --from-file' 'Run the reads that choose the trackers and print the writes that...' 'Read each tracker given by id before writing it, so that `trackerctl...' 'Show the help and exit' 'Show the help and exit'
            set -g __trackerctl_v '--tariff-id' '--from-file' '--where' '--concurrency' '--failed-to'
            __trackerctl_globals
        case 'panel tracker raw-command'
            set -g __trackerctl_s 'send'
            set -g __trackerctl_sd 'Send a GPRS command to a device, processed by its protocol first'
            set -g __trackerctl_o '--help' '-h'
            set -g __trackerctl_od 'Show the help and exit' 'Show the help and exit'
        case 'panel tracker raw-command send'
            set -g __trackerctl_o '--command' '--type' '--reliable' '--no-reliable' '--help' '-h'
            set -g __trackerctl_od 'The command: text, or hexadecimal with --type hex' 'How the command is written (default text)' 'Resend the command when the device is disconnected or does not...' 'Resend the command when the device is disconnected or does not...' 'Show the help and exit' 'Show the help and exit'
            set -g __trackerctl_v '--command' '--type'
            __trackerctl_globals
        case 'panel bundle'
            set -g __trackerctl_s 'assign' 'order' 'import' 'list' 'read' 'update'
            set -g __trackerctl_sd 'Assign a bundle to a SIM card by ICCID' 'Bundle orders' 'Add bundles for many IMEIs at once' 'List the dealer\'s bundles, with filters, ordering and paging' 'Get one bundle by IMEI' 'Assign equipment to a bundle'
            set -g __trackerctl_o '--help' '-h'
            set -g __trackerctl_od 'Show the help and exit' 'Show the help and exit'
        case 'panel bundle assign'
            set -g __trackerctl_o '--iccid' '--help' '-h'
            set -g __trackerctl_od 'ICCID of the SIM card: 3-20 printable characters' 'Show the help and exit' 'Show the help and exit'
            set -g __trackerctl_v '--iccid'
            __trackerctl_globals
        case 'panel bundle order'
            set -g __trackerctl_s 'assign'
            set -g __trackerctl_sd 'Assign a bundle to an order'
            set -g __trackerctl_o '--help' '-h'
            set -g __trackerctl_od 'Show the help and exit' 'Show the help and exit'
        case 'panel bundle order assign'
            set -g __trackerctl_o '--order-id' '--help' '-h'
            set -g __trackerctl_od 'ID of the order; left out, the bundle is taken off its order (null...' 'Show the help and exit' 'Show the help and exit'
            set -g __trackerctl_v '--order-id'
            __trackerctl_globals
        case 'panel bundle import'
            set -g __trackerctl_o '--equip-id' '--factory-preset' '--no-factory-preset' '--from-file' '--chunk-size' '--concurrency' '--failed-to' '--help' '-h'
            set -g __trackerctl_od 'ID of the equipment' 'Whether the devices were preconfigured at the factory' 'Whether the devices were preconfigured at the factory' 'Read the ids from a file (one per line, or CSV with a header), - for...' 'Ids per request (at most 1000)' 'Requests in flight at once' 'Write the items not done (failed, not sent) to FILE for --from-file' 'Show the help and exit' 'Show the help and exit'
            set -g __trackerctl_v '--equip-id' '--from-file' '--chunk-size' '--concurrency' '--failed-to'
            __trackerctl_globals
        case 'panel bundle list'
            set -g __trackerctl_o '--user-id' '--tariff-id' '--clones-filter' '--filter' '--order-by' '--ascending' '--no-ascending' '--descending' '--offset' '--limit' '--where' '--all' '--help' '-h'
            set -g __trackerctl_od 'Only bundles of this user\'s trackers' 'Only bundles on this tariff' 'Clones in the result' 'Text that id, IMEI, model code, ICCID or assign time must contain' 'Field to order by' 'Order ascending (default) or descending; --descending is --no-ascending' 'Order ascending (default) or descending; --descending is --no-ascending' 'Order ascending (default) or descending; --descending is --no-ascending' 'Skip this many records' 'Return at most this many records' 'Only records whose FIELD compares to VALUE: = and != (* matches any...' 'Fetch every page; jsonl streams records as pages arrive' 'Show the help and exit' 'Show the help and exit'
            set -g __trackerctl_v '--user-id' '--tariff-id' '--clones-filter' '--filter' '--order-by' '--offset' '--limit' '--where'
            __trackerctl_globals
        case 'panel bundle read'
            set -g __trackerctl_o '--help' '-h'
            set -g __trackerctl_od 'Show the help and exit' 'Show the help and exit'
            __trackerctl_globals
        case 'panel bundle update'
            set -g __trackerctl_o '--equip-id' '--help' '-h'
            set -g __trackerctl_od 'ID of the equipment' 'Show the help and exit' 'Show the help and exit'
            set -g __trackerctl_v '--equip-id'
            __trackerctl_globals
        case 'auth'
            set -g __trackerctl_s 'login' 'status' 'token' 'logout'
            set -g __trackerctl_sd 'Log in and store the session for the profile' 'Show, per profile, the API URL, which credentials are stored and...' 'Print the stored credential itself, for use with curl: the only...' 'End the session on the server where it can, and forget the stored...'
            set -g __trackerctl_o '--help' '-h'
            set -g __trackerctl_od 'Show the help and exit' 'Show the help and exit'
        case 'auth login'
            set -g __trackerctl_o '--panel' '--api-key' '--login' '--password-stdin' '--remember' '--profile' '--api-url' '--timeout' '--ca-bundle' '--dry-run' '--verbose' '-v' '--quiet' '-q' '--no-color' '--help' '-h'
            set -g __trackerctl_od 'The dealer panel API (panel/*) instead of the user API' 'Store a user-API key (read from the prompt or stdin) instead of...' 'User e-mail, or the panel\'s numeric dealer login' 'Read the password (or API key) from stdin' 'Also keep the password in the secret store, so an ended session is...' 'Stored profile to use (default: default)' 'eu, us, me, sandbox, or a base URL' 'Deadline of each request in seconds: connecting, sending and reading...' 'CA certificates to trust (private CAs)' 'Print the requests that would be sent; send nothing' 'Trace requests and responses on stderr (credentials masked)' 'Trace requests and responses on stderr (credentials masked)' 'No progress bars, no notices' 'No progress bars, no notices' 'Plain text, no colour (so does NO_COLOR set to anything but empty)' 'Show the help and exit' 'Show the help and exit'
            set -g __trackerctl_v '--login' '--profile' '--api-url' '--timeout' '--ca-bundle'
        case 'auth status'
            set -g __trackerctl_o '--all' '--profile' '--api-url' '--output' '-o' '--columns' '--jq' '--timeout' '--ca-bundle' '--dry-run' '--verbose' '-v' '--quiet' '-q' '--no-color' '--help' '-h'
            set -g __trackerctl_od 'Every profile, not only the current one' 'Stored profile to use (default: default)' 'eu, us, me, sandbox, or a base URL' 'Output format (default: table on a terminal, else json)' 'Output format (default: table on a terminal, else json)' 'Fields the table/csv show, such as id,label,source.device_id' 'Filter the JSON output with a jq expression (implies -o json)...' 'Deadline of each request in seconds: connecting, sending and reading...' 'CA certificates to trust (private CAs)' 'Print the requests that would be sent; send nothing' 'Trace requests and responses on stderr (credentials masked)' 'Trace requests and responses on stderr (credentials masked)' 'No progress bars, no notices' 'No progress bars, no notices' 'Plain text, no colour (so does NO_COLOR set to anything but empty)' 'Show the help and exit' 'Show the help and exit'
            set -g __trackerctl_v '--profile' '--api-url' '--output' '-o' '--columns' '--jq' '--timeout' '--ca-bundle'
        case 'auth token'
            set -g __trackerctl_o '--panel' '--profile' '--api-url' '--verbose' '-v' '--quiet' '-q' '--no-color' '--help' '-h'
            set -g __trackerctl_od 'The dealer panel API (panel/*) instead of the user API' 'Stored profile to use (default: default)' 'eu, us, me, sandbox, or a base URL' 'Trace requests and responses on stderr (credentials masked)' 'Trace requests and responses on stderr (credentials masked)' 'No progress bars, no notices' 'No progress bars, no notices' 'Plain text, no colour (so does NO_COLOR set to anything but empty)' 'Show the help and exit' 'Show the help and exit'
            set -g __trackerctl_v '--profile' '--api-url'
        case 'auth logout'
            set -g __trackerctl_o '--panel' '--profile' '--api-url' '--timeout' '--ca-bundle' '--dry-run' '--verbose' '-v' '--quiet' '-q' '--no-color' '--help' '-h'
            set -g __trackerctl_od 'The dealer panel API (panel/*) instead of the user API' 'Stored profile to use (default: default)' 'eu, us, me, sandbox, or a base URL' 'Deadline of each request in seconds: connecting, sending and reading...' 'CA certificates to trust (private CAs)' 'Print the requests that would be sent; send nothing' 'Trace requests and responses on stderr (credentials masked)' 'Trace requests and responses on stderr (credentials masked)' 'No progress bars, no notices' 'No progress bars, no notices' 'Plain text, no colour (so does NO_COLOR set to anything but empty)' 'Show the help and exit' 'Show the help and exit'
            set -g __trackerctl_v '--profile' '--api-url' '--timeout' '--ca-bundle'
        case 'profile'
            set -g __trackerctl_s 'list' 'show' 'use' 'set' 'remove'
            set -g __trackerctl_sd 'List the profiles; the current one is marked' 'Show one profile\'s settings (never secrets: see `trackerctl auth...' 'Make NAME the profile used when --profile and TRACKERCTL_PROFILE are...' 'Create profile NAME or change its settings' 'Remove profile NAME and forget its stored credentials'
            set -g __trackerctl_o '--help' '-h'
            set -g __trackerctl_od 'Show the help and exit' 'Show the help and exit'
        case 'profile list'
            set -g __trackerctl_o '--profile' '--output' '-o' '--columns' '--jq' '--verbose' '-v' '--quiet' '-q' '--no-color' '--help' '-h'
            set -g __trackerctl_od 'Stored profile to use (default: default)' 'Output format (default: table on a terminal, else json)' 'Output format (default: table on a terminal, else json)' 'Fields the table/csv show, such as id,label,source.device_id' 'Filter the JSON output with a jq expression (implies -o json)...' 'Trace requests and responses on stderr (credentials masked)' 'Trace requests and responses on stderr (credentials masked)' 'No progress bars, no notices' 'No progress bars, no notices' 'Plain text, no colour (so does NO_COLOR set to anything but empty)' 'Show the help and exit' 'Show the help and exit'
            set -g __trackerctl_v '--profile' '--output' '-o' '--columns' '--jq'
        case 'profile show'
            set -g __trackerctl_o '--profile' '--output' '-o' '--columns' '--jq' '--verbose' '-v' '--quiet' '-q' '--no-color' '--help' '-h'
            set -g __trackerctl_od 'Stored profile to use (default: default)' 'Output format (default: table on a terminal, else json)' 'Output format (default: table on a terminal, else json)' 'Fields the table/csv show, such as id,label,source.device_id' 'Filter the JSON output with a jq expression (implies -o json)...' 'Trace requests and responses on stderr (credentials masked)' 'Trace requests and responses on stderr (credentials masked)' 'No progress bars, no notices' 'No progress bars, no notices' 'Plain text, no colour (so does NO_COLOR set to anything but empty)' 'Show the help and exit' 'Show the help and exit'
            set -g __trackerctl_v '--profile' '--output' '-o' '--columns' '--jq'
        case 'profile use'
            set -g __trackerctl_o '--profile' '--verbose' '-v' '--quiet' '-q' '--no-color' '--help' '-h'
            set -g __trackerctl_od 'Stored profile to use (default: default)' 'Trace requests and responses on stderr (credentials masked)' 'Trace requests and responses on stderr (credentials masked)' 'No progress bars, no notices' 'No progress bars, no notices' 'Plain text, no colour (so does NO_COLOR set to anything but empty)' 'Show the help and exit' 'Show the help and exit'
            set -g __trackerctl_v '--profile'
        case 'profile set'
            set -g __trackerctl_o '--api-url' '--output' '-o' '--timeout' '--allow-http' '--no-allow-http' '--ca-bundle' '--login' '--panel-login' '--console-url' '--profile' '--verbose' '-v' '--quiet' '-q' '--no-color' '--help' '-h'
            set -g __trackerctl_od 'eu, us, me, sandbox, or a base URL' 'Default output format' 'Default output format' 'Default deadline of each request (connecting, sending, reading the...' 'Allow plain http to a non-loopback host (private networks)' 'Allow plain http to a non-loopback host (private networks)' 'CA certificates to trust' 'User-API login (e-mail), used for renewals' 'Panel login (dealer id)' 'The device console\'s ws(s):// URL, where it is not the platform\'s...' 'Stored profile to use (default: default)' 'Trace requests and responses on stderr (credentials masked)' 'Trace requests and responses on stderr (credentials masked)' 'No progress bars, no notices' 'No progress bars, no notices' 'Plain text, no colour (so does NO_COLOR set to anything but empty)' 'Show the help and exit' 'Show the help and exit'
            set -g __trackerctl_v '--api-url' '--output' '-o' '--timeout' '--ca-bundle' '--login' '--panel-login' '--console-url' '--profile'
        case 'profile remove'
            set -g __trackerctl_o '--profile' '--verbose' '-v' '--quiet' '-q' '--no-color' '--help' '-h'
            set -g __trackerctl_od 'Stored profile to use (default: default)' 'Trace requests and responses on stderr (credentials masked)' 'Trace requests and responses on stderr (credentials masked)' 'No progress bars, no notices' 'No progress bars, no notices' 'Plain text, no colour (so does NO_COLOR set to anything but empty)' 'Show the help and exit' 'Show the help and exit'
            set -g __trackerctl_v '--profile'
        case 'api'
            set -g __trackerctl_o '--field' '-f' '--typed-field' '-F' '--input' '--help' '-h'
            set -g __trackerctl_od 'A string parameter (repeatable)' 'A string parameter (repeatable)' 'A parameter with a JSON value: numbers, true/false, arrays (repeatable)' 'A parameter with a JSON value: numbers, true/false, arrays (repeatable)' 'A JSON object to send as the body (fields are added over it)' 'Show the help and exit' 'Show the help and exit'
            set -g __trackerctl_v '--field' '-f' '--typed-field' '-F' '--input'
            __trackerctl_globals
        case 'sandbox'
            set -g __trackerctl_s 'serve' 'reset'
            set -g __trackerctl_sd 'Serve the emulator over HTTP for curl, jq pipelines and tests...' 'Wipe the sandbox database and seed it afresh'
            set -g __trackerctl_o '--help' '-h'
            set -g __trackerctl_od 'Show the help and exit' 'Show the help and exit'
        case 'sandbox serve'
            set -g __trackerctl_o '--host' '--port' '--db' '--fail-rate' '--drop-rate' '--latency' '--rate-limit' '--seed' '--move' '--heartbeat' '--verbose' '-v' '--quiet' '-q' '--no-color' '--help' '-h'
            set -g __trackerctl_od 'Address to listen on' 'Port to listen on (0: any free port)' 'SQLite file (default: TRACKERCTL_SANDBOX_DB, or...' 'Share of requests refused unprocessed (HTTP 503, code 8)' 'Share of requests processed, then left without an answer (and of...' 'Milliseconds added to every answer and WebSocket frame' 'Requests per second beyond which the answer is HTTP 429, code 15' 'Make the fault decisions and --move reproducible' 'Every SECONDS the connected trackers report: active ones drive on...' 'Heartbeat interval of the event subscription; a client silent for...' 'Trace requests and responses on stderr (credentials masked)' 'Trace requests and responses on stderr (credentials masked)' 'No progress bars, no notices' 'No progress bars, no notices' 'Plain text, no colour (so does NO_COLOR set to anything but empty)' 'Show the help and exit' 'Show the help and exit'
            set -g __trackerctl_v '--host' '--port' '--db' '--fail-rate' '--drop-rate' '--latency' '--rate-limit' '--seed' '--move' '--heartbeat'
        case 'sandbox reset'
            set -g __trackerctl_o '--trackers' '--bundles' '--db' '--output' '-o' '--columns' '--jq' '--verbose' '-v' '--quiet' '-q' '--no-color' '--help' '-h'
            set -g __trackerctl_od 'Generate N more trackers on top of the fixed seed' 'Generate N more bundles' 'SQLite file (default: TRACKERCTL_SANDBOX_DB, or...' 'Output format (default: table on a terminal, else json)' 'Output format (default: table on a terminal, else json)' 'Fields the table/csv show, such as id,label,source.device_id' 'Filter the JSON output with a jq expression (implies -o json)...' 'Trace requests and responses on stderr (credentials masked)' 'Trace requests and responses on stderr (credentials masked)' 'No progress bars, no notices' 'No progress bars, no notices' 'Plain text, no colour (so does NO_COLOR set to anything but empty)' 'Show the help and exit' 'Show the help and exit'
            set -g __trackerctl_v '--trackers' '--bundles' '--db' '--output' '-o' '--columns' '--jq'
        case 'completion'
            set -g __trackerctl_s 'bash' 'zsh' 'fish' 'install'
            set -g __trackerctl_sd 'Print the bash completion script' 'Print the zsh completion script' 'Print the fish completion script' 'Write the completion script where the shell loads it from, and say where'
            set -g __trackerctl_o '--help' '-h'
            set -g __trackerctl_od 'Show the help and exit' 'Show the help and exit'
        case 'completion bash'
            set -g __trackerctl_o '--verbose' '-v' '--quiet' '-q' '--no-color' '--help' '-h'
            set -g __trackerctl_od 'Trace requests and responses on stderr (credentials masked)' 'Trace requests and responses on stderr (credentials masked)' 'No progress bars, no notices' 'No progress bars, no notices' 'Plain text, no colour (so does NO_COLOR set to anything but empty)' 'Show the help and exit' 'Show the help and exit'
        case 'completion zsh'
            set -g __trackerctl_o '--verbose' '-v' '--quiet' '-q' '--no-color' '--help' '-h'
            set -g __trackerctl_od 'Trace requests and responses on stderr (credentials masked)' 'Trace requests and responses on stderr (credentials masked)' 'No progress bars, no notices' 'No progress bars, no notices' 'Plain text, no colour (so does NO_COLOR set to anything but empty)' 'Show the help and exit' 'Show the help and exit'
        case 'completion fish'
            set -g __trackerctl_o '--verbose' '-v' '--quiet' '-q' '--no-color' '--help' '-h'
            set -g __trackerctl_od 'Trace requests and responses on stderr (credentials masked)' 'Trace requests and responses on stderr (credentials masked)' 'No progress bars, no notices' 'No progress bars, no notices' 'Plain text, no colour (so does NO_COLOR set to anything but empty)' 'Show the help and exit' 'Show the help and exit'
        case 'completion install'
            set -g __trackerctl_o '--verbose' '-v' '--quiet' '-q' '--no-color' '--help' '-h'
            set -g __trackerctl_od 'Trace requests and responses on stderr (credentials masked)' 'Trace requests and responses on stderr (credentials masked)' 'No progress bars, no notices' 'No progress bars, no notices' 'Plain text, no colour (so does NO_COLOR set to anything but empty)' 'Show the help and exit' 'Show the help and exit'
        case 'undo'
            set -g __trackerctl_o '--plan' '--concurrency' '--help' '-h'
            set -g __trackerctl_od 'Print the writes that would revert the run, one JSON line each; send...' 'Requests in flight at once' 'Show the help and exit' 'Show the help and exit'
            set -g __trackerctl_v '--concurrency'
            __trackerctl_globals
        case 'history'
            set -g __trackerctl_o '--since' '--action' '--profile' '--output' '-o' '--columns' '--jq' '--verbose' '-v' '--quiet' '-q' '--no-color' '--help' '-h'
            set -g __trackerctl_od 'Only writes since then: a duration ago (90s, 15m, 12h, 30d, 2w) or a...' 'Only this action: its API path (panel/tracker/move) or its command...' 'Only the writes of this profile (default: every profile\'s)' 'Output format (default: table on a terminal, else json)' 'Output format (default: table on a terminal, else json)' 'Fields the table/csv show, such as id,label,source.device_id' 'Filter the JSON output with a jq expression (implies -o json)...' 'Trace requests and responses on stderr (credentials masked)' 'Trace requests and responses on stderr (credentials masked)' 'No progress bars, no notices' 'No progress bars, no notices' 'Plain text, no colour (so does NO_COLOR set to anything but empty)' 'Show the help and exit' 'Show the help and exit'
            set -g __trackerctl_v '--since' '--action' '--profile' '--output' '-o' '--columns' '--jq'
    end
end

# __trackerctl_values NODE OPTION: _w = the words its value completes to, or _d = a dynamic source.
function __trackerctl_values
    switch "$argv[1]|$argv[2]"
        case 'tracker read|--from-file'
            set -g __trackerctl_d files
        case 'tracker read|--failed-to'
            set -g __trackerctl_d files
        case 'tracker corrupt|--from-file'
            set -g __trackerctl_d files
        case 'tracker corrupt|--failed-to'
            set -g __trackerctl_d files
        case 'tracker delete|--from-file'
            set -g __trackerctl_d files
        case 'tracker delete|--failed-to'
            set -g __trackerctl_d files
        case 'tracker change-phone|--from-file'
            set -g __trackerctl_d files
        case 'tracker change-phone|--failed-to'
            set -g __trackerctl_d files
        case 'tracker get-diagnostics|--from-file'
            set -g __trackerctl_d files
        case 'tracker get-diagnostics|--failed-to'
            set -g __trackerctl_d files
        case 'tracker get-fuel|--from-file'
            set -g __trackerctl_d files
        case 'tracker get-fuel|--failed-to'
            set -g __trackerctl_d files
        case 'tracker get-inputs|--from-file'
            set -g __trackerctl_d files
        case 'tracker get-inputs|--failed-to'
            set -g __trackerctl_d files
        case 'tracker get-last-gps-point|--from-file'
            set -g __trackerctl_d files
        case 'tracker get-last-gps-point|--failed-to'
            set -g __trackerctl_d files
        case 'tracker get-readings|--from-file'
            set -g __trackerctl_d files
        case 'tracker get-readings|--failed-to'
            set -g __trackerctl_d files
        case 'tracker get-state|--from-file'
            set -g __trackerctl_d files
        case 'tracker get-state|--failed-to'
            set -g __trackerctl_d files
        case 'tracker get-states|--from-file'
            set -g __trackerctl_d files
        case 'tracker tags set|--from-file'
            set -g __trackerctl_d files
        case 'tracker tags set|--failed-to'
            set -g __trackerctl_d files
        case 'tracker location-request|--type'
            set -g __trackerctl_w 'sms' 'gsm' 'gprs'
        case 'tracker location-request|--from-file'
            set -g __trackerctl_d files
        case 'tracker location-request|--failed-to'
            set -g __trackerctl_d files
        case 'tracker register-retry|--from-file'
            set -g __trackerctl_d files
        case 'tracker register-retry|--failed-to'
            set -g __trackerctl_d files
        case 'tracker replace|--from-file'
            set -g __trackerctl_d files
        case 'tracker replace|--failed-to'
            set -g __trackerctl_d files
        case 'tracker replace-quick|--from-file'
            set -g __trackerctl_d files
        case 'tracker replace-quick|--failed-to'
            set -g __trackerctl_d files
        case 'tracker replace-retry|--from-file'
            set -g __trackerctl_d files
        case 'tracker replace-retry|--failed-to'
            set -g __trackerctl_d files
        case 'tracker send-command|--from-file'
            set -g __trackerctl_d files
        case 'tracker send-command|--failed-to'
            set -g __trackerctl_d files
        case 'tracker raw-command send|--type'
            set -g __trackerctl_w 'text' 'hex'
        case 'tracker raw-command send|--from-file'
            set -g __trackerctl_d files
        case 'tracker raw-command send|--failed-to'
            set -g __trackerctl_d files
        case 'panel tracker bundle import|--from-file'
            set -g __trackerctl_d files
        case 'panel tracker bundle import|--failed-to'
            set -g __trackerctl_d files
        case 'panel tracker bundle list|--clones-filter'
            set -g __trackerctl_w 'exclude_clones' 'only_include_clones' 'not_set'
        case 'panel tracker bundle list|--order-by'
            set -g __trackerctl_w 'id' 'label' 'status' 'model' 'device_id' 'phone' 'creation_date' 'user_id' 'comment'
        case 'panel tracker clone|--from-file'
            set -g __trackerctl_d files
        case 'panel tracker clone|--failed-to'
            set -g __trackerctl_d files
        case 'panel tracker batch-clone|--from-file'
            set -g __trackerctl_d files
        case 'panel tracker batch-clone|--failed-to'
            set -g __trackerctl_d files
        case 'panel tracker console connect|--from-file'
            set -g __trackerctl_d files
        case 'panel tracker console connect|--failed-to'
            set -g __trackerctl_d files
        case 'panel tracker console open|--timeout'
            true
        case 'panel tracker corrupt|--from-file'
            set -g __trackerctl_d files
        case 'panel tracker corrupt|--failed-to'
            set -g __trackerctl_d files
        case 'panel tracker batch-delete-clones|--from-file'
            set -g __trackerctl_d files
        case 'panel tracker batch-delete-clones|--failed-to'
            set -g __trackerctl_d files
        case 'panel tracker delete-clone|--from-file'
            set -g __trackerctl_d files
        case 'panel tracker delete-clone|--failed-to'
            set -g __trackerctl_d files
        case 'panel tracker list|--clones-filter'
            set -g __trackerctl_w 'exclude_clones' 'only_include_clones' 'not_set'
        case 'panel tracker list|--order-by'
            set -g __trackerctl_w 'id' 'label' 'status' 'model' 'device_id' 'phone' 'creation_date'
        case 'panel tracker move|--from-file'
            set -g __trackerctl_d files
        case 'panel tracker move|--failed-to'
            set -g __trackerctl_d files
        case 'panel tracker read|--from-file'
            set -g __trackerctl_d files
        case 'panel tracker read|--failed-to'
            set -g __trackerctl_d files
        case 'panel tracker register-retry|--from-file'
            set -g __trackerctl_d files
        case 'panel tracker register-retry|--failed-to'
            set -g __trackerctl_d files
        case 'panel tracker register-entry|--from-file'
            set -g __trackerctl_d files
        case 'panel tracker register-entry|--failed-to'
            set -g __trackerctl_d files
        case 'panel tracker settings update|--from-file'
            set -g __trackerctl_d files
        case 'panel tracker settings update|--failed-to'
            set -g __trackerctl_d files
        case 'panel tracker source update|--from-file'
            set -g __trackerctl_d files
        case 'panel tracker source update|--failed-to'
            set -g __trackerctl_d files
        case 'panel tracker tariff change|--from-file'
            set -g __trackerctl_d files
        case 'panel tracker tariff change|--failed-to'
            set -g __trackerctl_d files
        case 'panel tracker raw-command send|--type'
            set -g __trackerctl_w 'text' 'hex'
        case 'panel bundle import|--from-file'
            set -g __trackerctl_d files
        case 'panel bundle import|--failed-to'
            set -g __trackerctl_d files
        case 'panel bundle list|--clones-filter'
            set -g __trackerctl_w 'exclude_clones' 'only_include_clones' 'not_set'
        case 'panel bundle list|--order-by'
            set -g __trackerctl_w 'id' 'label' 'status' 'model' 'device_id' 'phone' 'creation_date' 'user_id' 'comment'
        case 'profile set|--api-url'
            set -g __trackerctl_w 'eu' 'us' 'me' 'sandbox'
        case 'profile set|--output'
            set -g __trackerctl_w 'table' 'json' 'jsonl' 'csv'
        case 'profile set|-o'
            set -g __trackerctl_w 'table' 'json' 'jsonl' 'csv'
        case 'profile set|--timeout'
            true
        case 'profile set|--ca-bundle'
            set -g __trackerctl_d files
        case 'api|--input'
            set -g __trackerctl_d files
        case 'sandbox serve|--db'
            set -g __trackerctl_d files
        case 'sandbox reset|--db'
            set -g __trackerctl_d files
        case 'history|--action'
            set -g __trackerctl_d files
        case 'history|--profile'
            set -g __trackerctl_d profiles
        case '*|--profile'
            set -g __trackerctl_d profiles
        case '*|--api-url'
            set -g __trackerctl_w 'eu' 'us' 'me' 'sandbox'
        case '*|--output'
            set -g __trackerctl_w 'table' 'json' 'jsonl' 'csv'
        case '*|-o'
            set -g __trackerctl_w 'table' 'json' 'jsonl' 'csv'
        case '*|--ca-bundle'
            set -g __trackerctl_d files
    end
end

# __trackerctl_arg NODE N: the same for the N-th positional argument (from 0).
function __trackerctl_arg
    switch "$argv[1]|$argv[2]"
        case 'profile show|0'
            set -g __trackerctl_d profiles
        case 'profile use|0'
            set -g __trackerctl_d profiles
        case 'profile set|0'
            set -g __trackerctl_d profiles
        case 'profile remove|0'
            set -g __trackerctl_d profiles
        case 'api|0'
            set -g __trackerctl_w 'tracker/read' 'tracker/list' 'tracker/corrupt' 'tracker/delete' 'tracker/change_phone' 'tracker/get_diagnostics' 'tracker/get_fuel' 'tracker/get_inputs' 'tracker/get_last_gps_point' 'tracker/get_readings' 'tracker/get_state' 'tracker/get_states' 'tracker/list_models' 'tracker/tags/set' 'tracker/location_request' 'tracker/register' 'tracker/register_retry' 'tracker/register_quick' 'tracker/replace' 'tracker/replace_quick' 'tracker/replace_retry' 'tracker/send_command' 'tracker/raw_command/send' 'panel/tracker/active/history/list' 'panel/tracker/bundle/assign' 'panel/tracker/bundle/order/assign' 'panel/tracker/bundle/import' 'panel/tracker/bundle/list' 'panel/tracker/bundle/read' 'panel/tracker/bundle/update' 'panel/tracker/clone' 'panel/tracker/batch_clone' 'panel/tracker/console/connect' 'panel/tracker/corrupt' 'panel/tracker/batch_delete_clones' 'panel/tracker/delete_clone' 'panel/tracker/list' 'panel/tracker/move' 'panel/tracker/read' 'panel/tracker/register_retry' 'panel/tracker/settings/update' 'panel/tracker/source/update' 'panel/tracker/tariff/change' 'panel/tracker/raw_command/send'
        case 'completion install|0'
            set -g __trackerctl_w 'bash' 'zsh' 'fish'
    end
end

# Profile names: the built-in ones and the [profiles.NAME] tables of the config file, read with
# builtins only (no process is started).
function __trackerctl_profiles
    set -l f $TRACKERCTL_CONFIG
    if test -z "$f"
        set f $XDG_CONFIG_HOME
        test -n "$f"; or set f $HOME/.config
        set f $f/trackerctl/config.toml
    end
    set f (string replace -r '^~' $HOME -- $f)
    set -g __trackerctl_w 'default' 'sandbox'
    test -r "$f"; or return 0
    for name in (string replace -rf '^\\s*\\[\\s*profiles\\s*\\.\\s*["\']?([A-Za-z0-9][A-Za-z0-9_.-]*)["\']?\\s*\\].*$' '$1' <$f)
        contains -- $name $__trackerctl_w; or set -ga __trackerctl_w $name
    end
end

# __trackerctl_described NAMES DESCRIPTIONS: print NAME<tab>DESCRIPTION lines (the two are variable names).
function __trackerctl_described
    set -l k 1
    for name in $$argv[1]
        printf '%s\t%s\n' $name $$argv[2][$k]
        set k (math $k + 1)
    end
end

function __trackerctl_complete
    set -l tokens (commandline -opc)
    set -l cur (commandline -ct)
    set -l node ''
    set -l opt ''
    set -l dd ''
    set -l prefix ''
    set -l n 0
    set -l i 2
    set -g __trackerctl_w
    set -g __trackerctl_d
    __trackerctl_node ''
    while test $i -le (count $tokens)
        set -l word $tokens[$i]
        if test -n "$dd"
            set n (math $n + 1)
        else if test "$word" = --
            set dd 1
        else if string match -q -- '-*' $word
            if not string match -q -- '*=*' $word; and contains -- $word $__trackerctl_v
                test $i -eq (count $tokens); and set opt $word  # its value is the next word
                set i (math $i + 1)
            end
        else if contains -- $word $__trackerctl_s
            if test -z "$node"
                set node $word
            else
                set node "$node $word"
            end
            set n 0
            __trackerctl_node $node
        else
            set n (math $n + 1)
        end
        set i (math $i + 1)
    end
    if test -z "$opt" -a -z "$dd"; and string match -q -- '-*=*' $cur  # --option=value
        set opt (string split -m1 = -- $cur)[1]
        set prefix "$opt="
        set cur (string split -m1 = -- $cur)[2]
    end
    if test -n "$opt"
        __trackerctl_values $node $opt
    else if test -z "$dd"; and string match -q -- '-*' $cur
        __trackerctl_described __trackerctl_o __trackerctl_od
        return
    else if set -q __trackerctl_s[1]
        __trackerctl_described __trackerctl_s __trackerctl_sd
        return
    else
        __trackerctl_arg $node $n
    end
    switch "$__trackerctl_d"
        case profiles
            __trackerctl_profiles
        case files
            for p in (__fish_complete_path $cur)
                printf '%s%s\n' $prefix $p
            end
            return
    end
    for w in $__trackerctl_w
        printf '%s%s\n' $prefix $w
    end
end

complete -c trackerctl -e
complete -c trackerctl -f -a '(__trackerctl_complete)'
