# bash completion for trackerctl                               -*- shell-script -*-
# Generated from the command tree by `python -m trackerctl.cli.docs`: do not edit.
#
# Install: copy to ~/.local/share/bash-completion/completions/trackerctl (bash-completion loads it
# on first use), or `source` it from ~/.bashrc. Needs bash 4 or later.

# Options every command (and the root) accepts.
_trackerctl_globals() {
  o+=" "'--profile --api-url --output -o --columns --jq --timeout --ca-bundle --dry-run --yes -y --verbose -v --quiet -q --no-color'
  v+=" "'--profile --api-url --output -o --columns --jq --timeout --ca-bundle'
}

# _trackerctl_node NODE: s = sub-commands, o = options, v = options that take a value.
_trackerctl_node() {
  s='' o='' v=''
  case $1 in
    '') s='tracker panel auth profile api sandbox completion undo history' o='--version --help -h' v=''; _trackerctl_globals ;;
    'tracker') s='read list corrupt delete change-phone get-diagnostics get-fuel get-inputs get-last-gps-point get-readings get-state get-states list-models tags location-request register register-retry register-quick replace replace-quick replace-retry send-command raw-command' o='--help -h' v='' ;;
    'tracker read') s='' o='--from-file --where --concurrency --failed-to --help -h' v='--from-file --where --concurrency --failed-to'; _trackerctl_globals ;;
    'tracker list') s='' o='--label --where --help -h' v='--label --where'; _trackerctl_globals ;;
    'tracker corrupt') s='' o='--from-file --where --concurrency --failed-to --plan --help -h' v='--from-file --where --concurrency --failed-to'; _trackerctl_globals ;;
    'tracker delete') s='' o='--from-file --where --concurrency --failed-to --plan --help -h' v='--from-file --where --concurrency --failed-to'; _trackerctl_globals ;;
    'tracker change-phone') s='' o='--phone --apn-name --apn-user --apn-password --from-file --where --concurrency --failed-to --plan --help -h' v='--phone --apn-name --apn-user --apn-password --from-file --where --concurrency --failed-to'; _trackerctl_globals ;;
    'tracker get-diagnostics') s='' o='--from-file --where --concurrency --failed-to --help -h' v='--from-file --where --concurrency --failed-to'; _trackerctl_globals ;;
    'tracker get-fuel') s='' o='--from-file --where --concurrency --failed-to --help -h' v='--from-file --where --concurrency --failed-to'; _trackerctl_globals ;;
    'tracker get-inputs') s='' o='--from-file --where --concurrency --failed-to --help -h' v='--from-file --where --concurrency --failed-to'; _trackerctl_globals ;;
    'tracker get-last-gps-point') s='' o='--from-file --where --concurrency --failed-to --help -h' v='--from-file --where --concurrency --failed-to'; _trackerctl_globals ;;
    'tracker get-readings') s='' o='--from-file --where --concurrency --failed-to --help -h' v='--from-file --where --concurrency --failed-to'; _trackerctl_globals ;;
    'tracker get-state') s='' o='--from-file --where --concurrency --failed-to --watch --poll --help -h' v='--from-file --where --concurrency --failed-to --watch'; _trackerctl_globals ;;
    'tracker get-states') s='' o='--list-blocked --no-list-blocked --allow-not-exist --no-allow-not-exist --from-file --chunk-size --concurrency --watch --poll --help -h' v='--from-file --chunk-size --concurrency --watch'; _trackerctl_globals ;;
    'tracker list-models') s='' o='--compact-view --no-compact-view --compact-index --no-compact-index --code --help -h' v='--code'; _trackerctl_globals ;;
    'tracker tags') s='set' o='--help -h' v='' ;;
    'tracker tags set') s='' o='--tag --from-file --where --concurrency --failed-to --plan --undoable --help -h' v='--tag --from-file --where --concurrency --failed-to'; _trackerctl_globals ;;
    'tracker location-request') s='' o='--type --from-file --where --concurrency --failed-to --plan --help -h' v='--type --from-file --where --concurrency --failed-to'; _trackerctl_globals ;;
    'tracker register') s='' o='--label --group-id --model --plugin-id --device-id --send-register-commands --no-send-register-commands --param --param-json --help -h' v='--label --group-id --model --plugin-id --device-id --param --param-json'; _trackerctl_globals ;;
    'tracker register-retry') s='' o='--device-id --apn-name --apn-user --apn-password --send-register-commands --no-send-register-commands --from-file --where --concurrency --failed-to --plan --help -h' v='--device-id --apn-name --apn-user --apn-password --from-file --where --concurrency --failed-to'; _trackerctl_globals ;;
    'tracker register-quick') s='' o='--label --group-id --imei --help -h' v='--label --group-id --imei'; _trackerctl_globals ;;
    'tracker replace') s='' o='--model --device-id --plugin-id --send-register-commands --no-send-register-commands --from-file --where --concurrency --failed-to --plan --param --param-json --help -h' v='--model --device-id --plugin-id --from-file --where --concurrency --failed-to --param --param-json'; _trackerctl_globals ;;
    'tracker replace-quick') s='' o='--imei --from-file --where --concurrency --failed-to --plan --help -h' v='--imei --from-file --where --concurrency --failed-to'; _trackerctl_globals ;;
    'tracker replace-retry') s='' o='--apn-name --apn-user --apn-password --from-file --where --concurrency --failed-to --plan --help -h' v='--apn-name --apn-user --apn-password --from-file --where --concurrency --failed-to'; _trackerctl_globals ;;
    'tracker send-command') s='' o='--command --from-file --where --concurrency --failed-to --plan --help -h' v='--command --from-file --where --concurrency --failed-to'; _trackerctl_globals ;;
    'tracker raw-command') s='send' o='--help -h' v='' ;;
    'tracker raw-command send') s='' o='--command --type --reliable --no-reliable --from-file --where --concurrency --failed-to --plan --help -h' v='--command --type --from-file --where --concurrency --failed-to'; _trackerctl_globals ;;
    'panel') s='tracker bundle' o='--help -h' v='' ;;
    'panel tracker') s='active bundle clone batch-clone console corrupt batch-delete-clones delete-clone list move read register-retry register-entry settings source tariff raw-command' o='--help -h' v='' ;;
    'panel tracker active') s='history' o='--help -h' v='' ;;
    'panel tracker active history') s='list' o='--help -h' v='' ;;
    'panel tracker active history list') s='' o='--from --to --help -h' v='--from --to'; _trackerctl_globals ;;
    'panel tracker bundle') s='assign order import list read update' o='--help -h' v='' ;;
    'panel tracker bundle assign') s='' o='--iccid --help -h' v='--iccid'; _trackerctl_globals ;;
    'panel tracker bundle order') s='assign' o='--help -h' v='' ;;
    'panel tracker bundle order assign') s='' o='--order-id --help -h' v='--order-id'; _trackerctl_globals ;;
    'panel tracker bundle import') s='' o='--equip-id --factory-preset --no-factory-preset --from-file --chunk-size --concurrency --failed-to --help -h' v='--equip-id --from-file --chunk-size --concurrency --failed-to'; _trackerctl_globals ;;
    'panel tracker bundle list') s='' o='--user-id --tariff-id --clones-filter --filter --order-by --ascending --no-ascending --descending --offset --limit --where --all --help -h' v='--user-id --tariff-id --clones-filter --filter --order-by --offset --limit --where'; _trackerctl_globals ;;
    'panel tracker bundle read') s='' o='--help -h' v=''; _trackerctl_globals ;;
    'panel tracker bundle update') s='' o='--equip-id --help -h' v='--equip-id'; _trackerctl_globals ;;
    'panel tracker clone') s='' o='--label --user-id --from-file --where --concurrency --failed-to --plan --help -h' v='--label --user-id --from-file --where --concurrency --failed-to'; _trackerctl_globals ;;
    'panel tracker batch-clone') s='' o='--user-id --ignore-existing --no-ignore-existing --from-file --chunk-size --concurrency --failed-to --help -h' v='--user-id --from-file --chunk-size --concurrency --failed-to'; _trackerctl_globals ;;
    'panel tracker console') s='connect open' o='--help -h' v='' ;;
    'panel tracker console connect') s='' o='--from-file --where --concurrency --failed-to --help -h' v='--from-file --where --concurrency --failed-to'; _trackerctl_globals ;;
    'panel tracker console open') s='' o='--send --follow --until-reply --timeout --profile --api-url --output -o --jq --ca-bundle --dry-run --verbose -v --quiet -q --no-color --help -h' v='--send --timeout --profile --api-url --output -o --jq --ca-bundle' ;;
    'panel tracker corrupt') s='' o='--corrupt-clones --no-corrupt-clones --from-file --where --concurrency --failed-to --plan --help -h' v='--from-file --where --concurrency --failed-to'; _trackerctl_globals ;;
    'panel tracker batch-delete-clones') s='' o='--from-file --chunk-size --concurrency --failed-to --help -h' v='--from-file --chunk-size --concurrency --failed-to'; _trackerctl_globals ;;
    'panel tracker delete-clone') s='' o='--from-file --where --concurrency --failed-to --plan --help -h' v='--from-file --where --concurrency --failed-to'; _trackerctl_globals ;;
    'panel tracker list') s='' o='--user-id --tariff-id --filter --clones-filter --order-by --ascending --no-ascending --descending --offset --limit --where --all --help -h' v='--user-id --tariff-id --filter --clones-filter --order-by --offset --limit --where'; _trackerctl_globals ;;
    'panel tracker move') s='' o='--user-id --from-file --where --concurrency --failed-to --plan --undoable --help -h' v='--user-id --from-file --where --concurrency --failed-to'; _trackerctl_globals ;;
    'panel tracker read') s='' o='--from-file --where --concurrency --failed-to --help -h' v='--from-file --where --concurrency --failed-to'; _trackerctl_globals ;;
    'panel tracker register-retry') s='' o='--send-register-commands --no-send-register-commands --from-file --where --concurrency --failed-to --plan --help -h' v='--from-file --where --concurrency --failed-to'; _trackerctl_globals ;;
    'panel tracker register-entry') s='' o='--send-register-commands --no-send-register-commands --from-file --where --concurrency --failed-to --plan --help -h' v='--from-file --where --concurrency --failed-to'; _trackerctl_globals ;;
    'panel tracker settings') s='update' o='--help -h' v='' ;;
    'panel tracker settings update') s='' o='--label --deleted --no-deleted --comment --from-file --where --concurrency --failed-to --plan --undoable --help -h' v='--label --comment --from-file --where --concurrency --failed-to'; _trackerctl_globals ;;
    'panel tracker source') s='update' o='--help -h' v='' ;;
    'panel tracker source update') s='' o='--blocked --no-blocked --from-file --where --concurrency --failed-to --plan --undoable --help -h' v='--from-file --where --concurrency --failed-to'; _trackerctl_globals ;;
    'panel tracker tariff') s='change' o='--help -h' v='' ;;
    'panel tracker tariff change') s='' o='--tariff-id --repay --no-repay --charge --no-charge --from-file --where --concurrency --failed-to --plan --undoable --help -h' v='--tariff-id --from-file --where --concurrency --failed-to'; _trackerctl_globals ;;
    'panel tracker raw-command') s='send' o='--help -h' v='' ;;
    'panel tracker raw-command send') s='' o='--command --type --reliable --no-reliable --help -h' v='--command --type'; _trackerctl_globals ;;
    'panel bundle') s='assign order import list read update' o='--help -h' v='' ;;
    'panel bundle assign') s='' o='--iccid --help -h' v='--iccid'; _trackerctl_globals ;;
    'panel bundle order') s='assign' o='--help -h' v='' ;;
    'panel bundle order assign') s='' o='--order-id --help -h' v='--order-id'; _trackerctl_globals ;;
    'panel bundle import') s='' o='--equip-id --factory-preset --no-factory-preset --from-file --chunk-size --concurrency --failed-to --help -h' v='--equip-id --from-file --chunk-size --concurrency --failed-to'; _trackerctl_globals ;;
    'panel bundle list') s='' o='--user-id --tariff-id --clones-filter --filter --order-by --ascending --no-ascending --descending --offset --limit --where --all --help -h' v='--user-id --tariff-id --clones-filter --filter --order-by --offset --limit --where'; _trackerctl_globals ;;
    'panel bundle read') s='' o='--help -h' v=''; _trackerctl_globals ;;
    'panel bundle update') s='' o='--equip-id --help -h' v='--equip-id'; _trackerctl_globals ;;
    'auth') s='login status token logout' o='--help -h' v='' ;;
    'auth login') s='' o='--panel --api-key --login --password-stdin --remember --profile --api-url --timeout --ca-bundle --dry-run --verbose -v --quiet -q --no-color --help -h' v='--login --profile --api-url --timeout --ca-bundle' ;;
    'auth status') s='' o='--all --profile --api-url --output -o --columns --jq --timeout --ca-bundle --dry-run --verbose -v --quiet -q --no-color --help -h' v='--profile --api-url --output -o --columns --jq --timeout --ca-bundle' ;;
    'auth token') s='' o='--panel --profile --api-url --verbose -v --quiet -q --no-color --help -h' v='--profile --api-url' ;;
    'auth logout') s='' o='--panel --profile --api-url --timeout --ca-bundle --dry-run --verbose -v --quiet -q --no-color --help -h' v='--profile --api-url --timeout --ca-bundle' ;;
    'profile') s='list show use set remove' o='--help -h' v='' ;;
    'profile list') s='' o='--profile --output -o --columns --jq --verbose -v --quiet -q --no-color --help -h' v='--profile --output -o --columns --jq' ;;
    'profile show') s='' o='--profile --output -o --columns --jq --verbose -v --quiet -q --no-color --help -h' v='--profile --output -o --columns --jq' ;;
    'profile use') s='' o='--profile --verbose -v --quiet -q --no-color --help -h' v='--profile' ;;
    'profile set') s='' o='--api-url --output -o --timeout --allow-http --no-allow-http --ca-bundle --login --panel-login --console-url --profile --verbose -v --quiet -q --no-color --help -h' v='--api-url --output -o --timeout --ca-bundle --login --panel-login --console-url --profile' ;;
    'profile remove') s='' o='--profile --verbose -v --quiet -q --no-color --help -h' v='--profile' ;;
    'api') s='' o='--field -f --typed-field -F --input --help -h' v='--field -f --typed-field -F --input'; _trackerctl_globals ;;
    'sandbox') s='serve reset' o='--help -h' v='' ;;
    'sandbox serve') s='' o='--host --port --db --fail-rate --drop-rate --latency --rate-limit --seed --move --heartbeat --verbose -v --quiet -q --no-color --help -h' v='--host --port --db --fail-rate --drop-rate --latency --rate-limit --seed --move --heartbeat' ;;
    'sandbox reset') s='' o='--trackers --bundles --db --output -o --columns --jq --verbose -v --quiet -q --no-color --help -h' v='--trackers --bundles --db --output -o --columns --jq' ;;
    'completion') s='bash zsh fish install' o='--help -h' v='' ;;
    'completion bash') s='' o='--verbose -v --quiet -q --no-color --help -h' v='' ;;
    'completion zsh') s='' o='--verbose -v --quiet -q --no-color --help -h' v='' ;;
    'completion fish') s='' o='--verbose -v --quiet -q --no-color --help -h' v='' ;;
    'completion install') s='' o='--verbose -v --quiet -q --no-color --help -h' v='' ;;
    'undo') s='' o='--plan --concurrency --help -h' v='--concurrency'; _trackerctl_globals ;;
    'history') s='' o='--since --action --profile --output -o --columns --jq --verbose -v --quiet -q --no-color --help -h' v='--since --action --profile --output -o --columns --jq' ;;
  esac
}

# _trackerctl_values NODE OPTION: w = the words its value completes to, or d = a dynamic source.
_trackerctl_values() {
  case $1\|$2 in
    'tracker read|--from-file') d='files' ;;
    'tracker read|--failed-to') d='files' ;;
    'tracker corrupt|--from-file') d='files' ;;
    'tracker corrupt|--failed-to') d='files' ;;
    'tracker delete|--from-file') d='files' ;;
    'tracker delete|--failed-to') d='files' ;;
    'tracker change-phone|--from-file') d='files' ;;
    'tracker change-phone|--failed-to') d='files' ;;
    'tracker get-diagnostics|--from-file') d='files' ;;
    'tracker get-diagnostics|--failed-to') d='files' ;;
    'tracker get-fuel|--from-file') d='files' ;;
    'tracker get-fuel|--failed-to') d='files' ;;
    'tracker get-inputs|--from-file') d='files' ;;
    'tracker get-inputs|--failed-to') d='files' ;;
    'tracker get-last-gps-point|--from-file') d='files' ;;
    'tracker get-last-gps-point|--failed-to') d='files' ;;
    'tracker get-readings|--from-file') d='files' ;;
    'tracker get-readings|--failed-to') d='files' ;;
    'tracker get-state|--from-file') d='files' ;;
    'tracker get-state|--failed-to') d='files' ;;
    'tracker get-states|--from-file') d='files' ;;
    'tracker tags set|--from-file') d='files' ;;
    'tracker tags set|--failed-to') d='files' ;;
    'tracker location-request|--type') w='sms gsm gprs' ;;
    'tracker location-request|--from-file') d='files' ;;
    'tracker location-request|--failed-to') d='files' ;;
    'tracker register-retry|--from-file') d='files' ;;
    'tracker register-retry|--failed-to') d='files' ;;
    'tracker replace|--from-file') d='files' ;;
    'tracker replace|--failed-to') d='files' ;;
    'tracker replace-quick|--from-file') d='files' ;;
    'tracker replace-quick|--failed-to') d='files' ;;
    'tracker replace-retry|--from-file') d='files' ;;
    'tracker replace-retry|--failed-to') d='files' ;;
    'tracker send-command|--from-file') d='files' ;;
    'tracker send-command|--failed-to') d='files' ;;
    'tracker raw-command send|--type') w='text hex' ;;
    'tracker raw-command send|--from-file') d='files' ;;
    'tracker raw-command send|--failed-to') d='files' ;;
    'panel tracker bundle import|--from-file') d='files' ;;
    'panel tracker bundle import|--failed-to') d='files' ;;
    'panel tracker bundle list|--clones-filter') w='exclude_clones only_include_clones not_set' ;;
    'panel tracker bundle list|--order-by') w='id label status model device_id phone creation_date user_id comment' ;;
    'panel tracker clone|--from-file') d='files' ;;
    'panel tracker clone|--failed-to') d='files' ;;
    'panel tracker batch-clone|--from-file') d='files' ;;
    'panel tracker batch-clone|--failed-to') d='files' ;;
    'panel tracker console connect|--from-file') d='files' ;;
    'panel tracker console connect|--failed-to') d='files' ;;
    'panel tracker console open|--timeout') : ;;
    'panel tracker corrupt|--from-file') d='files' ;;
    'panel tracker corrupt|--failed-to') d='files' ;;
    'panel tracker batch-delete-clones|--from-file') d='files' ;;
    'panel tracker batch-delete-clones|--failed-to') d='files' ;;
    'panel tracker delete-clone|--from-file') d='files' ;;
    'panel tracker delete-clone|--failed-to') d='files' ;;
    'panel tracker list|--clones-filter') w='exclude_clones only_include_clones not_set' ;;
    'panel tracker list|--order-by') w='id label status model device_id phone creation_date' ;;
    'panel tracker move|--from-file') d='files' ;;
    'panel tracker move|--failed-to') d='files' ;;
    'panel tracker read|--from-file') d='files' ;;
    'panel tracker read|--failed-to') d='files' ;;
    'panel tracker register-retry|--from-file') d='files' ;;
    'panel tracker register-retry|--failed-to') d='files' ;;
    'panel tracker register-entry|--from-file') d='files' ;;
    'panel tracker register-entry|--failed-to') d='files' ;;
    'panel tracker settings update|--from-file') d='files' ;;
    'panel tracker settings update|--failed-to') d='files' ;;
    'panel tracker source update|--from-file') d='files' ;;
    'panel tracker source update|--failed-to') d='files' ;;
    'panel tracker tariff change|--from-file') d='files' ;;
    'panel tracker tariff change|--failed-to') d='files' ;;
    'panel tracker raw-command send|--type') w='text hex' ;;
    'panel bundle import|--from-file') d='files' ;;
    'panel bundle import|--failed-to') d='files' ;;
    'panel bundle list|--clones-filter') w='exclude_clones only_include_clones not_set' ;;
    'panel bundle list|--order-by') w='id label status model device_id phone creation_date user_id comment' ;;
    'profile set|--api-url') w='eu us me sandbox' ;;
    'profile set|--output') w='table json jsonl csv' ;;
    'profile set|-o') w='table json jsonl csv' ;;
    'profile set|--timeout') : ;;
    'profile set|--ca-bundle') d='files' ;;
    'api|--input') d='files' ;;
    'sandbox serve|--db') d='files' ;;
    'sandbox reset|--db') d='files' ;;
    'history|--action') d='files' ;;
    'history|--profile') d='profiles' ;;
    *'|--profile') d='profiles' ;;
    *'|--api-url') w='eu us me sandbox' ;;
    *'|--output') w='table json jsonl csv' ;;
    *'|-o') w='table json jsonl csv' ;;
    *'|--ca-bundle') d='files' ;;
  esac
}

# _trackerctl_arg NODE N: the same for the N-th positional argument (from 0).
_trackerctl_arg() {
  case $1\|$2 in
    'profile show|0') d='profiles' ;;
    'profile use|0') d='profiles' ;;
    'profile set|0') d='profiles' ;;
    'profile remove|0') d='profiles' ;;
    'api|0') w='tracker/read tracker/list tracker/corrupt tracker/delete tracker/change_phone tracker/get_diagnostics tracker/get_fuel tracker/get_inputs tracker/get_last_gps_point tracker/get_readings tracker/get_state tracker/get_states tracker/list_models tracker/tags/set tracker/location_request tracker/register tracker/register_retry tracker/register_quick tracker/replace tracker/replace_quick tracker/replace_retry tracker/send_command tracker/raw_command/send panel/tracker/active/history/list panel/tracker/bundle/assign panel/tracker/bundle/order/assign panel/tracker/bundle/import panel/tracker/bundle/list panel/tracker/bundle/read panel/tracker/bundle/update panel/tracker/clone panel/tracker/batch_clone panel/tracker/console/connect panel/tracker/corrupt panel/tracker/batch_delete_clones panel/tracker/delete_clone panel/tracker/list panel/tracker/move panel/tracker/read panel/tracker/register_retry panel/tracker/settings/update panel/tracker/source/update panel/tracker/tariff/change panel/tracker/raw_command/send' ;;
    'completion install|0') w='bash zsh fish' ;;
  esac
}

# Profile names: the built-in ones and the [profiles.NAME] tables of the config file, read with
# builtins only (no process is started).
_trackerctl_profiles() {
  local f=${TRACKERCTL_CONFIG:-${XDG_CONFIG_HOME:-$HOME/.config}/trackerctl/config.toml} line
  local re='^[[:space:]]*\[[[:space:]]*profiles[[:space:]]*\.[[:space:]]*["'\'']?([A-Za-z0-9][A-Za-z0-9_.-]*)["'\'']?[[:space:]]*\]'
  f=${f/#\~/$HOME}
  w='default sandbox'
  [[ -r $f ]] || return 0
  local -a lines
  mapfile -t lines < "$f" 2>/dev/null || return 0
  for line in "${lines[@]}"; do
    [[ $line == *profiles* && $line =~ $re && " $w " != *" ${BASH_REMATCH[1]} "* ]] && w+=" ${BASH_REMATCH[1]}"
  done
}

_trackerctl() {
  local cur=${COMP_WORDS[COMP_CWORD]} node='' word opt='' dd='' s o v w='' d='' x
  local -i i=1 n=0
  COMPREPLY=()
  _trackerctl_node ''
  while (( i < COMP_CWORD )); do
    word=${COMP_WORDS[i]}
    if [[ -n $dd ]]; then
      n+=1
    elif [[ $word == -- ]]; then
      dd=1
    elif [[ $word == -* ]]; then
      if [[ ${COMP_WORDS[i+1]} == = ]]; then  # --option=value: bash splits it at the =
        (( i + 2 >= COMP_CWORD )) && opt=$word
        i+=2
      elif [[ " $v " == *" $word "* ]]; then  # its value is the next word
        (( i + 1 == COMP_CWORD )) && opt=$word
        i+=1
      fi
    elif [[ " $s " == *" $word "* ]]; then
      node=${node:+$node }$word n=0
      _trackerctl_node "$node"
    else
      n+=1
    fi
    i+=1
  done
  [[ $cur == = ]] && cur=''
  if [[ -n $opt ]]; then
    _trackerctl_values "$node" "$opt"
  elif [[ -z $dd && $cur == -* ]]; then
    w=$o
  elif [[ -n $s ]]; then
    w=$s
  else
    _trackerctl_arg "$node" "$n"
  fi
  case $d in
    profiles) _trackerctl_profiles ;;
    files)
      compopt -o filenames 2>/dev/null
      local IFS=$'\n'
      COMPREPLY=($(compgen -f -- "$cur"))
      return 0 ;;
  esac
  for x in $w; do
    [[ $x == "$cur"* ]] && COMPREPLY+=("$x")
  done
  return 0
}

complete -F _trackerctl trackerctl
