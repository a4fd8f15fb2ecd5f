"""Shell completion: the generated scripts are current, and real bash, zsh and fish complete with them.

Each shell loads the checked-in script from completions/ and is driven through its own completion
machinery: bash through COMP_WORDS/COMP_CWORD and COMPREPLY, zsh through a real interactive shell in
a zpty (compinit, the script autoloaded from $fpath, TAB pressed; a compadd wrapper reports what zsh
would offer), fish through `complete -C`. PATH is emptied before completing, so a script that
started Python (or any other program) would fail these tests.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from trackerctl.cli.docs import shells
from trackerctl.cli.docs.tree import walk
from trackerctl.config import Config

REPO = Path(__file__).resolve().parents[2]
COMPLETIONS = REPO / "completions"
NO_PATH = "/nonexistent"  # completing must not need any program


@pytest.fixture(scope="module")
def tree():
    return walk()


def need(shell: str) -> str:
    path = shutil.which(shell)
    if path is None:
        if os.environ.get("CI"):
            pytest.fail(f"{shell} is not installed (.ci/run installs it)")
        pytest.skip(f"{shell} is not installed")
    return path


@pytest.fixture
def config(tmp_path) -> Path:
    """A config file written by trackerctl itself, with two profiles beside the built-in ones."""
    path = tmp_path / "cfg" / "config.toml"
    Config(path, current_profile="work", profiles={"work": {"api_url": "eu"}, "eu-prod.2": {"output": "json"}}).save()
    return path


def shell_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TRACKERCTL_", "XDG_"))}
    env.update(HOME=str(tmp_path / "home"), XDG_CONFIG_HOME=str(tmp_path / "xdg-empty"), XDG_DATA_HOME=str(tmp_path / "data"))
    env.update(extra)
    (tmp_path / "home").mkdir(exist_ok=True)
    return env


# Partial command lines and what TAB offers, the same in every shell (bash gets `--opt=` split at =).
CASES = [
    ("trackerctl panel tracker ba", {"batch-clone", "batch-delete-clones"}),
    ("trackerctl tracker get-st", {"get-state", "get-states"}),
    ("trackerctl -o ", {"table", "json", "jsonl", "csv"}),
    ("trackerctl tracker list --output j", {"json", "jsonl"}),
    ("trackerctl panel tracker list --order-by ", {"id", "label", "status", "model", "device_id", "phone", "creation_date"}),
    ("trackerctl panel tracker list --clones-filter ", {"exclude_clones", "only_include_clones", "not_set"}),
    ("trackerctl panel bundle list --order-by ", {"id", "label", "status", "model", "device_id", "phone", "creation_date", "user_id", "comment"}),
    ("trackerctl tracker raw-command send 5 --type ", {"text", "hex"}),
    ("trackerctl panel tracker list --cl", {"--clones-filter"}),
    ("trackerctl ", {"tracker", "panel", "auth", "profile", "api", "sandbox", "completion", "undo", "history"}),
    ("trackerctl panel ", {"tracker", "bundle"}),
    ("trackerctl panel bundle im", {"import"}),
    ("trackerctl panel tracker register-", {"register-retry", "register-entry"}),
    ("trackerctl --profile sandbox -q panel tracker bundle order ", {"assign"}),
    ("trackerctl completion ", {"bash", "zsh", "fish", "install"}),
    ("trackerctl completion install ", {"bash", "zsh", "fish"}),
    ("trackerctl tracker read 5 --columns id ", set()),  # an id: nothing to offer
    ("trackerctl panel tracker list --user-id ", set()),  # an option's value is not a command
    ("trackerctl --no", {"--no-color"}),
]
PROFILE_CASES = [
    ("trackerctl --profile ", {"default", "sandbox", "work", "eu-prod.2"}),
    ("trackerctl tracker list --profile w", {"work"}),
    ("trackerctl profile use ", {"default", "sandbox", "work", "eu-prod.2"}),
    ("trackerctl profile remove e", {"eu-prod.2"}),
]


# ---- the files are current -------------------------------------------------------------------------
@pytest.mark.parametrize("shell", shells.SHELLS)
def test_checked_in_script_is_current(shell, tree):
    path = COMPLETIONS / shells.FILE_NAMES[shell]
    assert path.is_file(), f"{path} is missing: run `python -m trackerctl.cli.docs`"
    assert path.read_text(encoding="utf-8") == shells.script(shell, tree), (
        f"{path} is stale: run `python -m trackerctl.cli.docs`"
    )


def test_no_stray_files_in_completions():
    assert {p.name for p in COMPLETIONS.iterdir()} == set(shells.FILE_NAMES.values())


@pytest.mark.parametrize("shell", shells.SHELLS)
def test_completion_command_prints_the_same_script(shell):
    proc = subprocess.run([sys.executable, "-m", "trackerctl", "completion", shell], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == (COMPLETIONS / shells.FILE_NAMES[shell]).read_text(encoding="utf-8")
    assert proc.stderr == ""


def test_completion_refuses_an_unknown_shell():
    proc = subprocess.run([sys.executable, "-m", "trackerctl", "completion", "tcsh"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and proc.stdout == ""


def test_the_tree_walk_builds_every_leaf_aliases_included(tree):
    paths = {n.path for n in tree.walk()}
    assert ("panel", "bundle", "import") in paths and ("panel", "tracker", "bundle", "import") in paths
    assert ("panel", "tracker", "register-entry") in paths and ("completion",) in paths
    from trackerctl.api.endpoints import REGISTRY

    for action in REGISTRY.actions:
        for path in (action.command_path, *action.aliases):
            assert path in paths, path


# ---- bash ------------------------------------------------------------------------------------------
BASH_DRIVER = r"""
source "$SCRIPT" || exit 9
PATH=$NO_PATH
COMP_WORDS=("$@")
COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
COMP_LINE="$*" COMP_POINT=${#COMP_LINE}
COMPREPLY=()
_trackerctl trackerctl "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
printf '%s\n' "${COMPREPLY[@]}"
"""


def bash_words(line: str) -> list[str]:
    """COMP_WORDS as bash makes them: split at blanks, and at `=` (it is in COMP_WORDBREAKS)."""
    words = []
    for w in line.split(" "):
        if "=" in w and w.startswith("-"):
            opt, _, value = w.partition("=")
            words += [opt, "=", value] if value else [opt, "="]
        else:
            words.append(w)
    return words


def bash_complete(line: str, env: dict[str, str]) -> set[str]:
    bash = need("bash")
    env = {**env, "SCRIPT": str(COMPLETIONS / "trackerctl.bash"), "NO_PATH": NO_PATH}
    proc = subprocess.run([bash, "--norc", "--noprofile", "-c", BASH_DRIVER, "bash", *bash_words(line)],
                          env=env, capture_output=True, text=True, timeout=30)
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr
    return set(proc.stdout.split())


@pytest.mark.parametrize(("line", "expected"), CASES)
def test_bash(line, expected, tmp_path):
    assert bash_complete(line, shell_env(tmp_path)) == expected


@pytest.mark.parametrize(("line", "expected"), PROFILE_CASES)
def test_bash_profiles(line, expected, tmp_path, config):
    assert bash_complete(line, shell_env(tmp_path, TRACKERCTL_CONFIG=str(config))) == expected


def test_bash_option_equals_value(tmp_path):
    env = shell_env(tmp_path)
    assert bash_complete("trackerctl --output=j", env) == {"json", "jsonl"}
    assert bash_complete("trackerctl --output=", env) == {"table", "json", "jsonl", "csv"}
    assert bash_complete("trackerctl --output=json panel tracker ba", env) == {"batch-clone", "batch-delete-clones"}


def test_bash_profiles_from_the_default_config_path(tmp_path, config):
    xdg = tmp_path / "xdg"
    (xdg / "trackerctl").mkdir(parents=True)
    (xdg / "trackerctl" / "config.toml").write_text(config.read_text() + "\n[profiles.bare]\n# [profiles.commented]\n")
    env = shell_env(tmp_path, XDG_CONFIG_HOME=str(xdg))
    assert bash_complete("trackerctl --profile ", env) == {"default", "sandbox", "work", "eu-prod.2", "bare"}


def test_bash_files(tmp_path):
    (tmp_path / "ids.txt").write_text("1\n")
    env = shell_env(tmp_path)
    line = f"trackerctl panel tracker batch-delete-clones --from-file {tmp_path}/id"
    bash = need("bash")
    env = {**env, "SCRIPT": str(COMPLETIONS / "trackerctl.bash"), "NO_PATH": NO_PATH}
    proc = subprocess.run([bash, "--norc", "--noprofile", "-c", BASH_DRIVER, "bash", *line.split(" ")], env=env,
                          capture_output=True, text=True, timeout=30)
    assert proc.stdout.split() == [f"{tmp_path}/ids.txt"]


# ---- zsh ---------------------------------------------------------------------------------------------
ZSH_DRIVER = r"""
# zsh -f driver.zsh MODE DIR LINE: complete LINE in an interactive zsh (a zpty) with compinit, the
# completion autoloaded from DIR ($fpath) or sourced (MODE=source), and print every match offered.
zmodload zsh/zpty || exit 9
zpty z zsh -f -i
if [[ $1 == source ]]; then
  zpty -w z "autoload -Uz compinit; compinit -u -D; source ${(q)2}/_trackerctl"
else
  zpty -w z "fpath=(${(q)2} \$fpath); autoload -Uz compinit; compinit -u -D"
fi
zpty -w z 'compadd() {
  if [[ ${@[1,(i)(-|--)]} == *-(O|A|D)\ * ]]; then builtin compadd "$@"; return; fi
  local -a __hits; builtin compadd -A __hits "$@"; local h
  for h in $__hits; do print -r -- "<<$h>>"; done
  builtin compadd "$@"
}'
zpty -w z 'null-line() { print -n $'"'"'\0'"'"'; }; compprefuncs=(null-line); comppostfuncs=(null-line exit)'
zpty -w z "zstyle ':completion:*' insert-tab false; bindkey '^I' complete-word; PS1=''; PATH=${(q)NO_PATH}"
zpty -n -w z "$3"$'\t'
local out=''
zpty -r z out $'*\0*\0' || exit 8
zpty -d z
out=${out#*$'\0'}
out=${out%$'\0'*}
local l
for l in ${(f)out}; do
  [[ $l == *'<<'*'>>'* ]] || continue
  l=${l#*<<}
  print -r -- ${l%>>*}
done
"""


def zsh_complete(line: str, env: dict[str, str], tmp_path: Path, mode: str = "fpath") -> set[str]:
    zsh = need("zsh")
    driver = tmp_path / "driver.zsh"
    driver.write_text(ZSH_DRIVER)
    proc = subprocess.run([zsh, "-f", str(driver), mode, str(COMPLETIONS), line], env={**env, "NO_PATH": NO_PATH},
                          capture_output=True, text=True, timeout=30)
    assert proc.returncode == 0, proc.stderr
    return set(proc.stdout.split())


@pytest.mark.parametrize(("line", "expected"), CASES)
def test_zsh(line, expected, tmp_path):
    assert zsh_complete(line, shell_env(tmp_path), tmp_path) == expected


@pytest.mark.parametrize(("line", "expected"), PROFILE_CASES)
def test_zsh_profiles(line, expected, tmp_path, config):
    assert zsh_complete(line, shell_env(tmp_path, TRACKERCTL_CONFIG=str(config)), tmp_path) == expected


def test_zsh_sourced_after_compinit_and_option_equals_value(tmp_path):
    env = shell_env(tmp_path)
    assert zsh_complete("trackerctl panel tracker ba", env, tmp_path, mode="source") == {"batch-clone", "batch-delete-clones"}
    assert zsh_complete("trackerctl --output=j", env, tmp_path) == {"json", "jsonl"}


# ---- fish ----------------------------------------------------------------------------------------------
def fish_complete(line: str, env: dict[str, str]) -> set[str]:
    fish = need("fish")
    script = f"source {COMPLETIONS / 'trackerctl.fish'}; set -x PATH {NO_PATH}; complete -C {fish_quote(line)}"
    proc = subprocess.run([fish, "--no-config", "-c", script], env=env, capture_output=True, text=True, timeout=30)
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr
    return {row.split("\t")[0] for row in proc.stdout.splitlines() if row}


def fish_quote(s: str) -> str:
    return "'" + s.replace("\\", "\\\\").replace("'", "\\'") + "'"


@pytest.mark.parametrize(("line", "expected"), CASES)
def test_fish(line, expected, tmp_path):
    assert fish_complete(line, shell_env(tmp_path)) == expected


@pytest.mark.parametrize(("line", "expected"), PROFILE_CASES)
def test_fish_profiles(line, expected, tmp_path, config):
    assert fish_complete(line, shell_env(tmp_path, TRACKERCTL_CONFIG=str(config))) == expected


def test_fish_option_equals_value(tmp_path):
    assert fish_complete("trackerctl --output=j", shell_env(tmp_path)) == {"--output=json", "--output=jsonl"}


# ---- completion install ---------------------------------------------------------------------------------
def install(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "trackerctl", "completion", "install", *args], env=env,
                          capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize(("shell", "where"), [
    ("bash", "data/bash-completion/completions/trackerctl"),
    ("zsh", "data/zsh/site-functions/_trackerctl"),
    ("fish", "config/fish/completions/trackerctl.fish"),
])
def test_install_writes_the_script_where_the_shell_loads_it(shell, where, tmp_path):
    env = shell_env(tmp_path, XDG_CONFIG_HOME=str(tmp_path / "config"), SHELL=f"/usr/bin/{shell}")
    proc = install(env)  # the shell $SHELL names
    target = tmp_path / where
    assert (proc.returncode, proc.stdout) == (0, f"{target}\n"), proc.stderr
    assert str(target) in proc.stderr
    assert target.read_text(encoding="utf-8") == (COMPLETIONS / shells.FILE_NAMES[shell]).read_text(encoding="utf-8")
    assert install(env, shell).returncode == 0  # again: replaced, not refused
    if shell == "bash":
        bash = need("bash")
        run = subprocess.run([bash, "--norc", "--noprofile", "-c", f"source {target} && complete -p trackerctl"], env=env,
                             capture_output=True, text=True, timeout=30)
        assert run.returncode == 0 and "trackerctl" in run.stdout, run.stderr
    elif shell == "zsh":
        zsh = need("zsh")
        run = subprocess.run([zsh, "-f", "-c", f"fpath=({target.parent} $fpath); autoload -U compinit; compinit -u -d {tmp_path}/zcd; "
                              "print -r -- $_comps[trackerctl]"], env=env, capture_output=True, text=True, timeout=30)
        assert run.stdout.strip() == "_trackerctl", run.stderr
        assert "fpath=(" in proc.stderr  # FPATH did not hold the directory: the line to add is given
    else:
        fish = need("fish")  # fish itself finds it (no `source`) for a trackerctl on PATH: the one installed with this Python
        env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
        run = subprocess.run([fish, "-c", "complete -C 'trackerctl compl'"], env=env, capture_output=True, text=True, timeout=30)
        assert run.stdout.split("\t")[0] == "completion", (run.stdout, run.stderr)


def test_install_honours_bash_completion_user_dir(tmp_path):
    env = shell_env(tmp_path, BASH_COMPLETION_USER_DIR=str(tmp_path / "bc"))
    proc = install(env, "bash")
    assert proc.stdout == f"{tmp_path / 'bc' / 'completions' / 'trackerctl'}\n"


@pytest.mark.parametrize("shell_var", ["/bin/tcsh", ""])
def test_install_without_a_known_shell_asks_for_one(shell_var, tmp_path):
    proc = install(shell_env(tmp_path, SHELL=shell_var))
    assert (proc.returncode, proc.stdout) == (2, "") and "give bash, zsh or fish" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) <= 2 and "Traceback" not in proc.stderr
