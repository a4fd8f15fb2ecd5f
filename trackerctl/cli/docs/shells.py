"""Completion scripts for bash, zsh and fish, generated from the command tree.

Each script carries the tree itself (sub-commands, options, which options take a value, and the
fixed values of options and arguments) as `case` tables, and a small walker in the shell's own
language that follows the words typed so far through the tree. TAB therefore never starts Python.
The only dynamic values, profile names, are read by the shell from the config file's
`[profiles.NAME]` headers, with builtins only (no process is started in bash, zsh or fish).

Tables, in every shell:
  node NODE      sub-commands (with a description), options, the options that take a value
  values NODE OPT  the words an option's value completes to, or a dynamic source
  arg NODE N     the same for the N-th positional argument (0-based)
NODE is the command path without `trackerctl` ("" for the root, "panel tracker list").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from trackerctl.cli.docs.tree import BUILTIN_PROFILE_NAMES, FILES, PROFILES, Completer, Node, Opt, first_sentence, walk

SHELLS = ("bash", "zsh", "fish")
FILE_NAMES = {"bash": "trackerctl.bash", "zsh": "_trackerctl", "fish": "trackerctl.fish"}

# A `[profiles.NAME]` header of the config file (NAME bare, "quoted" or 'quoted').
_NAME = "[A-Za-z0-9][A-Za-z0-9_.-]*"
_ERE = r"""^[[:space:]]*\[[[:space:]]*profiles[[:space:]]*\.[[:space:]]*["']?(""" + _NAME + r""")["']?[[:space:]]*\]"""
_PCRE = r"""^\s*\[\s*profiles\s*\.\s*["']?(""" + _NAME + r""")["']?\s*\].*$"""

HEADER = "Generated from the command tree by `python -m trackerctl.cli.docs`: do not edit."


def script(shell: str, root: Node | None = None) -> str:
    """The completion script for `shell` (bash, zsh or fish)."""
    if shell not in SHELLS:
        raise ValueError(f"unknown shell {shell!r}: one of {', '.join(SHELLS)}")
    plan = Plan(root or walk())
    return {"bash": _bash, "zsh": _zsh, "fish": _fish}[shell](plan)


def scripts(root: Node | None = None) -> dict[str, str]:
    """File name in completions/ -> text, for every shell."""
    root = root or walk()
    return {FILE_NAMES[shell]: script(shell, root) for shell in SHELLS}


# ---- what every shell's tables hold --------------------------------------------------------------
@dataclass
class NodeData:
    key: str
    subs: list[tuple[str, str]]  # (name, description)
    opts: list[Opt]  # options of this node, globals excluded when `all_globals`
    all_globals: bool  # accepts every global option unchanged: the tables refer to them once
    values: list[tuple[str, Completer]]  # (option spelling, completer) particular to this node
    args: list[tuple[str, Completer]]  # (index pattern: "0", "1", or "*" for a variadic tail)


class Plan:
    def __init__(self, root: Node) -> None:
        self.globals: list[Opt] = [o for o in root.options if o.is_global]
        global_names = {n for o in self.globals for n in o.names}
        self.nodes: list[NodeData] = []
        for node in root.walk():
            has_all = {n for o in node.options if o.is_global for n in o.names} == global_names
            opts = [o for o in node.options if not (has_all and o.is_global)]
            values = []
            for o in node.options:
                if o.takes_value and not o.is_global and (o.completer or global_names & set(o.names)):
                    values += [(name, o.completer) for name in o.names]
            args = []
            for i, a in enumerate(node.args):
                if a.completer:
                    args.append(("*" if a.variadic else str(i), a.completer))
            subs = [(c.path[-1], first_sentence(node.listing.get(c.path[-1]) or c.summary)) for c in node.children]
            self.nodes.append(NodeData(" ".join(node.path), subs, opts, has_all, values, args))
        self.global_values = [(name, o.completer) for o in self.globals if o.takes_value for name in o.names]


def _desc(o: Opt) -> str:
    return first_sentence(o.help) if o.help else ""


def _sq(s: str) -> str:
    """Single-quoted for bash and zsh."""
    return "'" + s.replace("'", "'\\''") + "'"


def _fq(s: str) -> str:
    """Single-quoted for fish."""
    return "'" + s.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _words(words: list[str] | tuple[str, ...]) -> str:
    return " ".join(words)


def _valued(opts: list[Opt]) -> list[str]:
    return [n for o in opts if o.takes_value for n in o.names]


def _names(opts: list[Opt]) -> list[str]:
    return [n for o in opts for n in o.names]


def _completer_lines(c: Completer, words_var: str, dyn_var: str, assign) -> str:
    if c.dynamic:
        return assign(dyn_var, c.dynamic)
    return assign(words_var, _words(c.words))


# ---- bash --------------------------------------------------------------------------------------
def _case_arms(plan: Plan, arm: Callable[[str, str, "Completer | None"], str]) -> tuple[list[str], list[str]]:
    """The `case` arms completing option values and positional arguments, in every shell's syntax:
    `arm(glob, literal, completer)` renders one, its pattern being `glob` (a `*` or nothing) before
    `literal`, or `literal` then `*` when the literal ends with `|` (any positional of a node)."""
    value_cases = []
    for n in plan.nodes:
        for name, c in n.values:
            value_cases.append(arm("", n.key + "|" + name, c))
    for name, c in plan.global_values:
        if c:
            value_cases.append(arm("*", "|" + name, c))
    arg_cases = []
    for n in plan.nodes:
        for index, c in n.args:
            arg_cases.append(arm("", n.key + "|" + ("" if index == "*" else index), c))
    return value_cases, arg_cases


def _sh_arm(assign: Callable[[str, str], str], opening: str) -> Callable[[str, str, "Completer | None"], str]:
    """bash and zsh (zsh patterns may open with a parenthesis: `opening`)."""

    def arm(glob: str, literal: str, c: "Completer | None") -> str:
        pattern = glob + _sq(literal) + ("*" if literal.endswith("|") else "")
        return f"    {opening}{pattern}) {_completer_lines(c, 'w', 'd', assign) if c else ':'} ;;"

    return arm


def _bash(plan: Plan) -> str:
    def assign(var: str, value: str) -> str:
        return f"{var}={_sq(value)}"

    node_cases = []
    for n in plan.nodes:
        g = " _trackerctl_globals" if n.all_globals else ""
        node_cases.append(
            f"    {_sq(n.key)}) s={_sq(_words([s for s, _ in n.subs]))} o={_sq(_words(_names(n.opts)))} "
            f"v={_sq(_words(_valued(n.opts)))}{';' if g else ''}{g} ;;"
        )
    value_cases, arg_cases = _case_arms(plan, _sh_arm(assign, ""))
    glob = plan.globals
    return BASH_TEMPLATE.format(
        header=HEADER,
        globals_o=_sq(_words(_names(glob))),
        globals_v=_sq(_words(_valued(glob))),
        node_cases="\n".join(node_cases),
        value_cases="\n".join(value_cases),
        arg_cases="\n".join(arg_cases),
        builtin=_sq(_words(BUILTIN_PROFILE_NAMES)),
        regex=_sq(_ERE),
        profiles=PROFILES,
        files=FILES,
    )


BASH_TEMPLATE = r"""# bash completion for trackerctl                               -*- shell-script -*-
# {header}
#
# Install: copy to ~/.local/share/bash-completion/completions/trackerctl (bash-completion loads it
# on first use), or `source` it from ~/.bashrc. Needs bash 4 or later.

# Options every command (and the root) accepts.
_trackerctl_globals() {{
  o+=" "{globals_o}
  v+=" "{globals_v}
}}

# _trackerctl_node NODE: s = sub-commands, o = options, v = options that take a value.
_trackerctl_node() {{
  s='' o='' v=''
  case $1 in
{node_cases}
  esac
}}

# _trackerctl_values NODE OPTION: w = the words its value completes to, or d = a dynamic source.
_trackerctl_values() {{
  case $1\|$2 in
{value_cases}
  esac
}}

# _trackerctl_arg NODE N: the same for the N-th positional argument (from 0).
_trackerctl_arg() {{
  case $1\|$2 in
{arg_cases}
  esac
}}

# Profile names: the built-in ones and the [profiles.NAME] tables of the config file, read with
# builtins only (no process is started).
_trackerctl_profiles() {{
  local f=${{TRACKERCTL_CONFIG:-${{XDG_CONFIG_HOME:-$HOME/.config}}/trackerctl/config.toml}} line
  local re={regex}
  f=${{f/#\~/$HOME}}
  w={builtin}
  [[ -r $f ]] || return 0
  local -a lines
  mapfile -t lines < "$f" 2>/dev/null || return 0
  for line in "${{lines[@]}}"; do
    [[ $line == *profiles* && $line =~ $re && " $w " != *" ${{BASH_REMATCH[1]}} "* ]] && w+=" ${{BASH_REMATCH[1]}}"
  done
}}

_trackerctl() {{
  local cur=${{COMP_WORDS[COMP_CWORD]}} node='' word opt='' dd='' s o v w='' d='' x
  local -i i=1 n=0
  COMPREPLY=()
  _trackerctl_node ''
  while (( i < COMP_CWORD )); do
    word=${{COMP_WORDS[i]}}
    if [[ -n $dd ]]; then
      n+=1
    elif [[ $word == -- ]]; then
      dd=1
    elif [[ $word == -* ]]; then
      if [[ ${{COMP_WORDS[i+1]}} == = ]]; then  # --option=value: bash splits it at the =
        (( i + 2 >= COMP_CWORD )) && opt=$word
        i+=2
      elif [[ " $v " == *" $word "* ]]; then  # its value is the next word
        (( i + 1 == COMP_CWORD )) && opt=$word
        i+=1
      fi
    elif [[ " $s " == *" $word "* ]]; then
      node=${{node:+$node }}$word n=0
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
    {profiles}) _trackerctl_profiles ;;
    {files})
      compopt -o filenames 2>/dev/null
      local IFS=$'\n'
      COMPREPLY=($(compgen -f -- "$cur"))
      return 0 ;;
  esac
  for x in $w; do
    [[ $x == "$cur"* ]] && COMPREPLY+=("$x")
  done
  return 0
}}

complete -F _trackerctl trackerctl
"""


# ---- zsh ---------------------------------------------------------------------------------------
def _zsh_described(items: list[tuple[str, str]]) -> str:
    return " ".join(_sq(name.replace(":", r"\:") + (":" + d if d else "")) for name, d in items)


def _zsh(plan: Plan) -> str:
    def assign(var: str, value: str) -> str:
        return f"{var}=({value})" if var == "w" else f"{var}={value}"

    node_cases = []
    for n in plan.nodes:
        opts = [(name, _desc(o)) for o in n.opts for name in o.names]
        g = "; _trackerctl_globals" if n.all_globals else ""
        node_cases.append(
            f"    ({_sq(n.key)}) s=({_zsh_described(n.subs)}) o=({_zsh_described(opts)}) "
            f"v=({_words(_valued(n.opts))}){g} ;;"
        )
    value_cases, arg_cases = _case_arms(plan, _sh_arm(assign, "("))
    glob = plan.globals
    return ZSH_TEMPLATE.format(
        header=HEADER,
        globals_o=_zsh_described([(name, _desc(o)) for o in glob for name in o.names]),
        globals_v=_words(_valued(glob)),
        node_cases="\n".join(node_cases),
        value_cases="\n".join(value_cases),
        arg_cases="\n".join(arg_cases),
        builtin=_words(BUILTIN_PROFILE_NAMES),
        regex=_sq(_ERE),
        profiles=PROFILES,
        files=FILES,
    )


ZSH_TEMPLATE = r"""#compdef trackerctl
# zsh completion for trackerctl
# {header}
#
# Install: copy as _trackerctl into a directory of $fpath that comes before compinit runs
# (such as ~/.zfunc, with `fpath=(~/.zfunc $fpath)` in ~/.zshrc), or `source` it after compinit.

# Options every command (and the root) accepts.
_trackerctl_globals() {{
  o+=({globals_o})
  v+=({globals_v})
}}

# _trackerctl_node NODE: s = sub-commands, o = options (name:description), v = options taking a value.
_trackerctl_node() {{
  s=() o=() v=()
  case $1 in
{node_cases}
  esac
}}

# _trackerctl_values NODE OPTION: w = the words its value completes to, or d = a dynamic source.
_trackerctl_values() {{
  case "$1|$2" in
{value_cases}
  esac
}}

# _trackerctl_arg NODE N: the same for the N-th positional argument (from 0).
_trackerctl_arg() {{
  case "$1|$2" in
{arg_cases}
  esac
}}

# Profile names: the built-in ones and the [profiles.NAME] tables of the config file, read with
# builtins only (no process is started).
_trackerctl_profiles() {{
  emulate -L zsh
  local f=${{TRACKERCTL_CONFIG:-${{XDG_CONFIG_HOME:-$HOME/.config}}/trackerctl/config.toml}} line
  local re={regex}
  f=${{f/#\~/$HOME}}
  w=({builtin})
  [[ -r $f ]] || return 0
  for line in "${{(@f)$(<$f)}}"; do
    [[ $line == *profiles* && $line =~ $re ]] && (( ! ${{w[(Ie)$match[1]]}} )) && w+=($match[1])
  done
  return 0
}}

_trackerctl() {{  # runs with the options compsys sets (_comp_options)
  local cur=${{words[CURRENT]}} node='' word opt='' dd='' d=''
  local -a s o v w
  local -i i=2 n=0
  _trackerctl_node ''
  while (( i < CURRENT )); do
    word=${{words[i]}}
    if [[ -n $dd ]]; then
      n+=1
    elif [[ $word == -- ]]; then
      dd=1
    elif [[ $word == -* ]]; then
      if [[ $word != *=* ]] && (( ${{v[(Ie)$word]}} )); then  # its value is the next word
        (( i + 1 == CURRENT )) && opt=$word
        i+=1
      fi
    elif [[ ${{${{s%%:*}}[(Ie)$word]}} != 0 ]]; then  # a sub-command
      node=${{node:+$node }}$word n=0
      _trackerctl_node "$node"
    else
      n+=1
    fi
    i+=1
  done
  if [[ -z $opt && -z $dd && $cur == -*=* ]]; then  # --option=value
    opt=${{cur%%=*}}
    compset -P '*='
  fi
  if [[ -n $opt ]]; then
    _trackerctl_values "$node" "$opt"
  elif [[ -z $dd && $cur == -* ]]; then
    _describe -t options 'option' o
    return
  elif (( $#s )); then
    _describe -t commands 'command' s
    return
  else
    _trackerctl_arg "$node" "$n"
  fi
  case $d in
    ({profiles}) _trackerctl_profiles ;;
    ({files}) _files; return ;;
  esac
  (( $#w )) && compadd -a w
}}

if [[ $zsh_eval_context[-1] == loadautofunc ]]; then
  _trackerctl "$@"  # autoloaded from $fpath by compinit
else
  compdef _trackerctl trackerctl  # sourced
fi
"""


# ---- fish --------------------------------------------------------------------------------------
def _fish(plan: Plan) -> str:
    def lst(words: list[str]) -> str:
        return " ".join(_fq(w) for w in words)

    def assign(var: str, value: str) -> str:
        return f"set -g __trackerctl_{var} {value}"

    node_cases = []
    for n in plan.nodes:
        lines = [f"        case {_fq(n.key)}"]
        if n.subs:
            lines.append(f"            set -g __trackerctl_s {lst([s for s, _ in n.subs])}")
            lines.append(f"            set -g __trackerctl_sd {lst([d for _, d in n.subs])}")
        names = [(name, _desc(o)) for o in n.opts for name in o.names]
        lines.append(f"            set -g __trackerctl_o {lst([a for a, _ in names])}")
        lines.append(f"            set -g __trackerctl_od {lst([b for _, b in names])}")
        if _valued(n.opts):
            lines.append(f"            set -g __trackerctl_v {lst(_valued(n.opts))}")
        if n.all_globals:
            lines.append("            __trackerctl_globals")
        node_cases.append("\n".join(lines))

    def fish_assign(c: Completer) -> str:
        if c.dynamic:
            return f"set -g __trackerctl_d {c.dynamic}"
        return f"set -g __trackerctl_w {lst(list(c.words))}"

    def fish_arm(glob: str, literal: str, c: Completer | None) -> str:
        pattern = _fq(glob + literal + ("*" if literal.endswith("|") else ""))
        return f"        case {pattern}\n            {fish_assign(c) if c else 'true'}"

    value_cases, arg_cases = _case_arms(plan, fish_arm)
    glob = plan.globals
    gnames = [(name, _desc(o)) for o in glob for name in o.names]
    return FISH_TEMPLATE.format(
        header=HEADER,
        globals_o=lst([a for a, _ in gnames]),
        globals_od=lst([b for _, b in gnames]),
        globals_v=lst(_valued(glob)),
        node_cases="\n".join(node_cases),
        value_cases="\n".join(value_cases),
        arg_cases="\n".join(arg_cases),
        builtin=lst(list(BUILTIN_PROFILE_NAMES)),
        regex=_fq(_PCRE),
        profiles=PROFILES,
        files=FILES,
    )


FISH_TEMPLATE = r"""# fish completion for trackerctl
# {header}
#
# Install: copy to ~/.config/fish/completions/trackerctl.fish (fish loads it on first use).

# Options every command (and the root) accepts.
function __trackerctl_globals
    set -ga __trackerctl_o {globals_o}
    set -ga __trackerctl_od {globals_od}
    set -ga __trackerctl_v {globals_v}
end

# __trackerctl_node NODE: sub-commands (_s, descriptions _sd), options (_o, _od), options taking a value (_v).
function __trackerctl_node
    set -g __trackerctl_s
    set -g __trackerctl_sd
    set -g __trackerctl_o
    set -g __trackerctl_od
    set -g __trackerctl_v
    switch $argv[1]
{node_cases}
    end
end

# __trackerctl_values NODE OPTION: _w = the words its value completes to, or _d = a dynamic source.
function __trackerctl_values
    switch "$argv[1]|$argv[2]"
{value_cases}
    end
end

# __trackerctl_arg NODE N: the same for the N-th positional argument (from 0).
function __trackerctl_arg
    switch "$argv[1]|$argv[2]"
{arg_cases}
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
    set -g __trackerctl_w {builtin}
    test -r "$f"; or return 0
    for name in (string replace -rf {regex} '$1' <$f)
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
        case {profiles}
            __trackerctl_profiles
        case {files}
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
"""
