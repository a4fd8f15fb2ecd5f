"""Completion latency benchmark (run on demand: `python tests/bench/bench_completion.py`).

Every figure is set against `python -c pass` measured in the same run, interleaved (pass, A, pass,
B, ...), as medians. Two kinds of figures:

- whole process: a fresh shell that loads completions/<script> and answers one TAB, what a
  first TAB costs at worst (bash-completion and fish load the script on first use; zsh autoloads it);
- per TAB: the cost of one more completion in a shell that has the script loaded, taken as
  (time of 1 + K completions - time of 1 completion) / K in one process.

The only dynamic values, profile names, are read by the shell itself from the config file; the
Python alternative (a callback loading the config with trackerctl.config) is timed for comparison.
Target: dynamic completion within 4x `python -c pass`; static completion never starts Python.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
COMPLETIONS = REPO / "completions"
K = 100  # completions per process for the per-TAB figure

LINES = {
    "command": "trackerctl panel tracker ba",
    "option value": "trackerctl panel tracker list --order-by ",
    "option names": "trackerctl panel tracker list --",
    "profile names (dynamic)": "trackerctl --profile ",
}

BASH = r"""
source "$SCRIPT"
COMP_WORDS=($LINE); [[ $LINE == *' ' ]] && COMP_WORDS+=('')
COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
for ((k = 0; k < REPEAT; k++)); do COMPREPLY=(); _trackerctl; done
(( ${#COMPREPLY[@]} )) || exit 3
"""

# zsh: the script's own work, with the compsys functions it calls (_describe, compadd) replaced by
# recorders: compinit itself (about 0.1-0.3 s, once per shell) is not the script's cost.
ZSH = r"""
_got=()
compdef() { : }
compadd() { _got+=("$@") }
_describe() { _got+=(${(P)${@[-1]}}) }
compset() { return 0 }
source $SCRIPT
words=(${=LINE}); [[ $LINE == *' ' ]] && words+=('')
CURRENT=$#words
for ((k = 0; k < REPEAT; k++)); do _got=(); _trackerctl; done
(( $#_got )) || exit 3
"""

FISH = r"""
source $SCRIPT
for k in (string split ' ' (string repeat -n $REPEAT 'x ' | string trim))
    set -g got (complete -C "$LINE")
end
set -q got[1]; or exit 3
"""


def timed(cmd: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    proc = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"failed ({proc.returncode}): {cmd[:3]}... {proc.stderr[-500:]}")
    return elapsed


def shell_cmd(shell: str, line: str, repeat: int) -> tuple[list[str], dict[str, str]]:
    script = {"bash": "trackerctl.bash", "zsh": "_trackerctl", "fish": "trackerctl.fish"}[shell]
    env = {"SCRIPT": str(COMPLETIONS / script), "LINE": line, "REPEAT": str(repeat)}
    if shell == "bash":
        return ["bash", "--norc", "--noprofile", "-c", BASH], env
    if shell == "zsh":
        return ["zsh", "-f", "-c", ZSH], env
    return ["fish", "--no-config", "-c", FISH], env


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=21, help="runs per measurement")
    parser.add_argument("--profiles", type=int, default=50, help="profiles in the test config file")
    args = parser.parse_args()
    shells = [s for s in ("bash", "zsh", "fish") if shutil.which(s)]
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "config.toml"
        sys.path.insert(0, str(REPO))
        from trackerctl.config import Config

        Config(config, profiles={f"account-{i:03d}": {"api_url": "eu"} for i in range(args.profiles)}).save()
        base_env = {k: v for k, v in os.environ.items() if not k.startswith(("TRACKERCTL_", "XDG_"))}
        base_env.update(HOME=tmp, TRACKERCTL_CONFIG=str(config), PYTHONPATH=str(REPO))

        cases: dict[str, tuple[list[str], dict[str, str]]] = {}
        for shell in shells:
            for what, line in LINES.items():
                for repeat in (1, 1 + K):
                    cmd, env = shell_cmd(shell, line, repeat)
                    cases[f"{shell}|{what}|{repeat}"] = (cmd, {**base_env, **env})
        python_alt = [sys.executable, "-c",
                      "from trackerctl.config import Config, default_config_path; "
                      "print(*Config.load(default_config_path()).names())"]
        cases["python|profile names via trackerctl.config|1"] = (python_alt, base_env)
        cases["python|trackerctl completion bash (generates the script)|1"] = ([sys.executable, "-m", "trackerctl", "completion", "bash"], base_env)

        passes: list[float] = []
        times: dict[str, list[float]] = {name: [] for name in cases}
        for _ in range(args.n):
            for name, (cmd, env) in cases.items():
                passes.append(timed([sys.executable, "-c", "pass"], base_env))
                times[name].append(timed(cmd, env))
        p = statistics.median(passes)
        med = {name: statistics.median(v) for name, v in times.items()}

    print(f"python -c pass: {p * 1000:.1f} ms (median of {len(passes)}, interleaved); {args.profiles} profiles in the config")
    print(f"{'shell':6s} {'completing':28s} {'first TAB (whole process)':>28s} {'per TAB, script loaded':>24s}")
    for shell in shells:
        for what in LINES:
            one, many = med[f"{shell}|{what}|1"], med[f"{shell}|{what}|{1 + K}"]
            per = max(many - one, 0.0) / K
            print(f"{shell:6s} {what:28s} {one * 1000:9.1f} ms = {one / p:5.2f}x pass {per * 1e6:10.0f} us = {per / p:6.4f}x pass")
    for name in cases:
        if name.startswith("python|"):
            t = med[name]
            print(f"{name.split('|')[1]:64s} {t * 1000:7.1f} ms = {t / p:5.2f}x pass")
    worst = max(med[f"{s}|profile names (dynamic)|1"] for s in shells) / p if shells else 0
    print(f"dynamic (profile names), worst shell, whole process: {worst:.2f}x pass; target <= 4x: {'ok' if worst <= 4 else 'MISSED'}")


if __name__ == "__main__":
    main()
