"""trackerctl.credentials: environment, then keyring (bounded in time), then a 0600 file."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # so that `tests.helpers...` names the same module in and out of process
    sys.path.insert(0, str(ROOT))

import keyring  # noqa: E402 - imported up front so backend discovery in the timing tests is quick

from tests.helpers import fake_keyring  # noqa: E402
from tests.helpers.fake_keyring import HangingKeyring, MemoryKeyring  # noqa: E402
from trackerctl.errors import AuthError, UsageError  # noqa: E402
from trackerctl.credentials import ENV_VARS, CredentialStore, Secret, mask  # noqa: E402

HASH = "fa7b" + "5e0c" * 6 + "1b06"  # 32 characters, like a session hash
FAKES = "tests.helpers.fake_keyring."
KEYRING_VARS = (
    "PYTHON_KEYRING_BACKEND",
    "TRACKERCTL_KEYRING",
    "DBUS_SESSION_BUS_ADDRESS",
    "FAKE_KEYRING_FILE",
)
needs_posix = pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")


@pytest.fixture(autouse=True)
def clean_keyring(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    """Each test starts with no keyring decided, no keyring variables and no keyring config."""
    for name in (*KEYRING_VARS, *ENV_VARS.values()):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))  # hides a real keyringrc.cfg
    fake_keyring.reset()
    yield
    fake_keyring.reset()


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    return tmp_path / "config" / "trackerctl"


def use_backend(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", FAKES + name)


def write_file(config_dir: Path, content: str | bytes, mode: int = 0o600) -> Path:
    config_dir.mkdir(parents=True, exist_ok=True)
    path = config_dir / "credentials.json"
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    path.chmod(mode)
    return path


def file_secrets(config_dir: Path) -> dict:
    return json.loads((config_dir / "credentials.json").read_text())["profiles"]


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# mask and Secret


def test_mask_keeps_four_characters_at_each_end():
    assert mask(HASH) == "fa7b\u20261b06"
    assert Secret(HASH, "file").masked() == "fa7b\u20261b06"


@pytest.mark.parametrize("short", ["", "hunter2", "a" * 23])
def test_mask_hides_short_secrets_entirely(short: str):
    assert mask(short) == "\u2026"


def test_secret_repr_and_str_never_show_the_value():
    secret = Secret(HASH, "keyring")
    assert HASH not in repr(secret) and HASH not in str(secret) and HASH not in f"{secret}"
    assert secret.value == HASH


# environment


@pytest.mark.parametrize("kind, variable", sorted(ENV_VARS.items()))
def test_environment_wins_over_keyring_and_file(monkeypatch, config_dir, kind, variable):
    use_backend(monkeypatch, "MemoryKeyring")
    MemoryKeyring.entries[("trackerctl", f"default:{kind}")] = "from-keyring"
    write_file(config_dir, json.dumps({"profiles": {"default": {kind: "from-file"}}}))
    store = CredentialStore(config_dir, env={variable: "from-env"})
    assert store.get("default", kind) == Secret("from-env", "env")


def test_environment_defaults_to_os_environ(monkeypatch, config_dir):
    monkeypatch.setenv("TRACKERCTL_PANEL_HASH", "panel-from-env")
    assert CredentialStore(config_dir).get("any", "panel") == Secret("panel-from-env", "env")


def test_empty_environment_value_counts_as_unset(config_dir):
    write_file(config_dir, json.dumps({"profiles": {"default": {"user": "from-file"}}}))
    store = CredentialStore(config_dir, env={"TRACKERCTL_HASH": ""})
    assert store.get("default", "user") == Secret("from-file", "file")


def test_nothing_stored_gives_none(config_dir):
    assert CredentialStore(config_dir, env={}).get("default", "user") is None
    assert not config_dir.exists()


def test_unknown_kind_is_rejected(config_dir):
    with pytest.raises(ValueError, match="unknown secret kind"):
        CredentialStore(config_dir, env={}).get("default", "token")  # type: ignore[arg-type]


# no keyring: the file


@needs_posix
def test_without_keyring_secrets_go_to_a_0600_file(config_dir):
    # This machine has no D-Bus session and no backend: the keyring is unusable.
    store = CredentialStore(config_dir, env={})
    assert store.set("default", "user", HASH) == "file"
    assert store.set("default", "panel_password", "pw") == "file"
    path = config_dir / "credentials.json"
    assert mode_of(path) == 0o600
    assert mode_of(config_dir) == 0o700
    assert file_secrets(config_dir) == {"default": {"user": HASH, "panel_password": "pw"}}
    assert store.get("default", "user") == Secret(HASH, "file")
    assert store.location() == f"file {path}"
    assert store.notices == []
    assert sorted(p.name for p in config_dir.iterdir()) == ["credentials.json", "credentials.json.lock"]  # no temporary left
    assert mode_of(config_dir / "credentials.json.lock") == 0o600


@needs_posix
def test_file_is_0600_even_under_a_permissive_umask(config_dir):
    old = os.umask(0)
    try:
        CredentialStore(config_dir, env={}).set("default", "user", HASH)
    finally:
        os.umask(old)
    assert mode_of(config_dir / "credentials.json") == 0o600


@needs_posix
def test_secret_is_never_in_a_readable_file_before_the_rename(config_dir, monkeypatch):
    seen: list[tuple[int, str]] = []
    real_replace = os.replace

    def spy(src, dst):
        seen.append((mode_of(Path(src)), Path(src).read_text()))
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", spy)
    CredentialStore(config_dir, env={}).set("default", "user", HASH)
    assert len(seen) == 1 and seen[0][0] == 0o600 and HASH in seen[0][1]


def test_failed_write_leaves_the_old_file_and_no_temporary(config_dir, monkeypatch):
    path = write_file(config_dir, json.dumps({"profiles": {"default": {"user": "old"}}}))
    before = path.read_bytes()

    def broken(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken)
    with pytest.raises(OSError):
        CredentialStore(config_dir, env={}).set("default", "user", HASH)
    assert path.read_bytes() == before
    assert sorted(p.name for p in config_dir.iterdir()) == ["credentials.json", "credentials.json.lock"]


@needs_posix
def test_group_readable_file_is_refused_not_tightened(config_dir):
    # CLI-CONTRACT.md 10: a file readable by others is refused (it used to be re-chmodded with a notice).
    path = write_file(config_dir, json.dumps({"profiles": {"default": {"user": HASH}}}), mode=0o644)
    store = CredentialStore(config_dir, env={})
    for action in (lambda: store.get("default", "user"), lambda: store.set("default", "user", "new")):
        with pytest.raises(AuthError) as caught:
            action()
        assert caught.value.message == f"credentials file {path} is readable by others (mode 0644): run `chmod 600 {path}`"
    assert mode_of(path) == 0o644 and file_secrets(config_dir) == {"default": {"user": HASH}}
    assert store.notices == []


@pytest.mark.parametrize("value", ["0", "off", "file", "OFF"])
def test_trackerctl_keyring_opt_out_keeps_a_working_keyring_unused(monkeypatch, config_dir, value):
    use_backend(monkeypatch, "MemoryKeyring")
    monkeypatch.setenv("TRACKERCTL_KEYRING", value)
    store = CredentialStore(config_dir, env={})
    assert store.set("default", "user", HASH) == "file"
    assert MemoryKeyring.entries == {}


@pytest.mark.parametrize(
    "backend",
    ["keyring.backends.fail.Keyring", "keyring.backends.null.Keyring", FAKES + "ZeroPriorityKeyring"],
)
def test_backends_that_cannot_store_mean_the_file(monkeypatch, config_dir, backend):
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", backend)
    store = CredentialStore(config_dir, env={})
    assert store.set("default", "user", HASH) == "file"
    assert MemoryKeyring.entries == {}
    assert store.notices == []


def test_chainer_with_nothing_to_chain_means_the_file(monkeypatch, config_dir):
    from keyring.backends import chainer

    monkeypatch.setattr(chainer.ChainerBackend, "backends", [])
    keyring.set_keyring(chainer.ChainerBackend())
    assert CredentialStore(config_dir, env={}).set("default", "user", HASH) == "file"


# a working keyring


def test_memory_backend_receives_the_secret(monkeypatch, config_dir):
    use_backend(monkeypatch, "MemoryKeyring")
    store = CredentialStore(config_dir, env={})
    assert store.set("work", "panel", HASH) == "keyring"
    assert MemoryKeyring.entries == {("trackerctl", "work:panel"): HASH}
    assert store.get("work", "panel") == Secret(HASH, "keyring")
    assert store.location() == "keyring (fake keyring MemoryKeyring)"
    assert not (config_dir / "credentials.json").exists()


def test_backend_chosen_with_set_keyring_is_used(config_dir):
    keyring.set_keyring(MemoryKeyring())
    assert CredentialStore(config_dir, env={}).set("default", "user", HASH) == "keyring"
    assert MemoryKeyring.entries == {("trackerctl", "default:user"): HASH}


def test_backend_named_in_keyringrc_is_used(monkeypatch, config_dir, tmp_path):
    rc = tmp_path / "xdg" / "python_keyring" / "keyringrc.cfg"
    rc.parent.mkdir(parents=True)
    rc.write_text(f"[backend]\ndefault-keyring = {FAKES}MemoryKeyring\n")
    assert CredentialStore(config_dir, env={}).set("default", "user", HASH) == "keyring"


def test_keyring_value_wins_over_the_file(monkeypatch, config_dir):
    use_backend(monkeypatch, "MemoryKeyring")
    MemoryKeyring.entries[("trackerctl", "default:user")] = "from-keyring"
    write_file(config_dir, json.dumps({"profiles": {"default": {"user": "from-file", "panel": "p"}}}))
    store = CredentialStore(config_dir, env={})
    assert store.get("default", "user") == Secret("from-keyring", "keyring")
    assert store.get("default", "panel") == Secret("p", "file")  # keyring has none: the file's


def test_storing_in_the_keyring_drops_the_stale_file_copy(monkeypatch, config_dir):
    use_backend(monkeypatch, "MemoryKeyring")
    write_file(config_dir, json.dumps({"profiles": {"default": {"user": "old", "panel": "p"}}}))
    assert CredentialStore(config_dir, env={}).set("default", "user", HASH) == "keyring"
    assert file_secrets(config_dir) == {"default": {"panel": "p"}}


def test_delete_removes_from_keyring_and_file(monkeypatch, config_dir):
    use_backend(monkeypatch, "MemoryKeyring")
    MemoryKeyring.entries[("trackerctl", "default:user")] = "from-keyring"
    profiles = {"default": {"user": "f", "panel": "p"}, "b": {"user": "u"}}
    write_file(config_dir, json.dumps({"profiles": profiles}))
    store = CredentialStore(config_dir, env={})
    store.delete("default", "user")
    assert MemoryKeyring.entries == {}
    assert file_secrets(config_dir) == {"default": {"panel": "p"}, "b": {"user": "u"}}
    assert store.get("default", "user") is None
    store.delete("default", "user")  # absent everywhere: no error
    assert store.notices == []


def test_delete_of_the_last_secret_removes_the_file(config_dir):
    store = CredentialStore(config_dir, env={})
    store.set("default", "user", HASH)
    store.delete("default", "user")
    assert not (config_dir / "credentials.json").exists()
    store.delete("default", "user")
    store.delete("never", "panel")


# a keyring that hangs or fails


def test_hanging_keyring_falls_back_to_the_file_within_the_timeout(monkeypatch, config_dir):
    write_file(config_dir, json.dumps({"profiles": {"default": {"user": "from-file"}}}))
    use_backend(monkeypatch, "HangingKeyring")
    store = CredentialStore(config_dir, env={}, keyring_timeout=0.3)
    started = time.monotonic()
    secret = store.get("default", "user")
    elapsed = time.monotonic() - started
    assert secret == Secret("from-file", "file")
    assert elapsed < 2.0
    assert HangingKeyring.calls == 1  # the read itself hung, not the discovery
    assert len(store.notices) == 1 and "did not answer within 0.3 s" in store.notices[0]
    # The keyring is now off for the process: no second wait, no second notice.
    started = time.monotonic()
    assert store.set("default", "panel", "p") == "file"
    assert CredentialStore(config_dir, env={}).get("default", "panel") == Secret("p", "file")
    assert time.monotonic() - started < 0.3
    assert HangingKeyring.calls == 1 and len(store.notices) == 1
    assert store.location().startswith("file ")


def test_hanging_backend_discovery_is_bounded_too(monkeypatch, config_dir):
    use_backend(monkeypatch, "SlowStartKeyring")
    store = CredentialStore(config_dir, env={}, keyring_timeout=0.3)
    started = time.monotonic()
    assert store.set("default", "user", HASH) == "file"
    assert time.monotonic() - started < 2.0
    assert len(store.notices) == 1 and "while opening it" in store.notices[0]


def test_raising_keyring_falls_back_to_the_file(monkeypatch, config_dir):
    write_file(config_dir, json.dumps({"profiles": {"default": {"user": "from-file"}}}))
    use_backend(monkeypatch, "RaisingKeyring")
    store = CredentialStore(config_dir, env={})
    assert store.get("default", "user") == Secret("from-file", "file")
    assert len(store.notices) == 1 and "KeyringLocked" in store.notices[0]
    assert store.set("default", "panel", "p") == "file"


def test_raising_keyring_on_set_stores_in_the_file(monkeypatch, config_dir):
    use_backend(monkeypatch, "RaisingKeyring")
    store = CredentialStore(config_dir, env={})
    assert store.set("default", "user", HASH) == "file"
    assert file_secrets(config_dir) == {"default": {"user": HASH}}
    assert len(store.notices) == 1


def test_missing_backend_module_is_a_notice_not_a_crash(monkeypatch, config_dir):
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "no.such.module.Keyring")
    store = CredentialStore(config_dir, env={})
    assert store.set("default", "user", HASH) == "file"
    assert len(store.notices) == 1 and "ModuleNotFoundError" in store.notices[0]


# a malformed file


MALFORMED = [
    ("not json", "not JSON"),
    ("", "not JSON"),
    (b"\xff\xfe{}", "not UTF-8"),
    ("[]", "top level is not an object"),
    ('{"profiles": []}', '"profiles" is not an object'),
    ('{"profiles": {"default": "x"}}', 'profile "default" is not an object'),
    ('{"profiles": {"default": {"user": 5}}}', '"default.user" is not a string'),
]


@pytest.mark.parametrize("content, reason", MALFORMED)
def test_malformed_file_is_a_usage_error_and_is_never_overwritten(monkeypatch, config_dir, content, reason):
    path = write_file(config_dir, content)
    before = path.read_bytes()
    store = CredentialStore(config_dir, env={})
    for action in (
        lambda: store.get("default", "user"),
        lambda: store.set("default", "user", HASH),
        lambda: store.delete("default", "user"),
    ):
        with pytest.raises(UsageError) as caught:
            action()
        assert caught.value.message.startswith(f"credentials file {path} is not valid: ")
        assert reason in caught.value.message
    assert path.read_bytes() == before
    assert mode_of(path) == 0o600


def test_malformed_file_stops_set_before_the_keyring_is_written(monkeypatch, config_dir):
    use_backend(monkeypatch, "MemoryKeyring")
    write_file(config_dir, "{")
    with pytest.raises(UsageError):
        CredentialStore(config_dir, env={}).set("default", "user", HASH)
    assert MemoryKeyring.entries == {}


# process-level behaviour, in subprocesses


def run_python(code: str, tmp_path: Path, **env: str) -> str:
    environ = {k: v for k, v in os.environ.items() if k not in KEYRING_VARS and k not in ENV_VARS.values()}
    environ.update(PYTHONPATH=str(ROOT), XDG_CONFIG_HOME=str(tmp_path / "xdg"), HOME=str(tmp_path), **env)
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True, text=True, env=environ, timeout=60, check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_importing_the_module_does_not_import_keyring(tmp_path):
    out = run_python("import sys, trackerctl.credentials; print('keyring' in sys.modules)", tmp_path)
    assert out == "False"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the D-Bus rule is for Linux")
def test_without_dbus_keyring_is_not_even_imported(tmp_path):
    out = run_python(
        f"""
        import sys
        from pathlib import Path
        from trackerctl.credentials import CredentialStore
        store = CredentialStore(Path({str(tmp_path / 'cfg')!r}), env={{}})
        print(store.set("default", "user", "x" * 32), store.get("default", "user").source,
              'keyring' in sys.modules)
        """,
        tmp_path,
    )
    assert out == "file file False"


def test_backend_discovery_on_this_machine_falls_back_to_the_file(tmp_path):
    # With a (dead) D-Bus address the full keyring scan runs; here it finds nothing (fail.Keyring).
    out = run_python(
        f"""
        import keyring
        from pathlib import Path
        from trackerctl.credentials import CredentialStore
        print(type(keyring.get_keyring()).__module__)
        keyring.core._keyring_backend = None
        store = CredentialStore(Path({str(tmp_path / 'cfg')!r}), env={{}})
        print(store.set("default", "user", "x" * 32), store.notices)
        """,
        tmp_path,
        DBUS_SESSION_BUS_ADDRESS=f"unix:path={tmp_path}/no-bus",
    )
    found, where = out.splitlines()
    if found != "keyring.backends.fail":
        pytest.skip(f"this machine has a keyring backend ({found})")
    assert where == "file []"  # no backend is the normal case: no notice


def test_hanging_backend_selected_from_the_environment_of_a_subprocess(tmp_path):
    write_file(tmp_path / "cfg", json.dumps({"profiles": {"default": {"user": "from-file"}}}))
    started = time.monotonic()
    out = run_python(
        f"""
        from pathlib import Path
        from trackerctl.credentials import CredentialStore
        store = CredentialStore(Path({str(tmp_path / 'cfg')!r}), env={{}}, keyring_timeout=0.5)
        secret = store.get("default", "user")
        print(secret.value, secret.source, len(store.notices))
        """,
        tmp_path,
        PYTHON_KEYRING_BACKEND=FAKES + "HangingKeyring",
    )
    assert out == "from-file file 1"
    assert time.monotonic() - started < 10  # the daemon thread does not hold the exit for 30 s


def test_json_file_backend_is_shared_between_processes(tmp_path):
    store = f"""
        from pathlib import Path
        from trackerctl.credentials import CredentialStore
        store = CredentialStore(Path({str(tmp_path / 'cfg')!r}), env={{}})
        """
    env = {
        "PYTHON_KEYRING_BACKEND": FAKES + "JsonFileKeyring",
        "FAKE_KEYRING_FILE": str(tmp_path / "kr.json"),
    }
    assert run_python(store + 'print(store.set("default", "user", "x" * 32))', tmp_path, **env) == "keyring"
    got = run_python(store + 'print(store.get("default", "user"))', tmp_path, **env)
    assert got == "Secret('xxxx\u2026xxxx', source='keyring')"
    assert json.loads((tmp_path / "kr.json").read_text()) == {"trackerctl/default:user": "x" * 32}
    assert not (tmp_path / "cfg" / "credentials.json").exists()
