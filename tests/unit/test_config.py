"""The config file: profiles, validation, atomic writes."""

from __future__ import annotations

import pytest

from trackerctl.errors import UsageError
from trackerctl.config import Config, check_profile_name, default_config_path


def test_round_trip(tmp_path):
    path = tmp_path / "c" / "config.toml"
    cfg = Config(path, "work", {"work": {"api_url": "us", "output": "json", "timeout": 12.5, "allow_http": True, "login": 'a"b@c'}})
    cfg.save()
    again = Config.load(path)
    assert again.current_profile == "work"
    assert again.profiles == cfg.profiles
    assert "hash" not in path.read_text()


def test_missing_file_is_empty(tmp_path):
    cfg = Config.load(tmp_path / "none.toml")
    assert cfg.profiles == {} and cfg.current_profile is None
    assert cfg.profile("sandbox") == {"api_url": "sandbox"}


@pytest.mark.parametrize("text,why", [
    ("not = [toml", "not valid TOML"),
    ("[profiles.x]\napi-url = 'eu'\n", "unknown setting 'api-url'"),
    ("[profiles.x]\ntimeout = 'slow'\n", "must be a float"),
    ("[profiles.x]\nallow_http = 1\n", "must be a bool"),
    ("colour = true\n", "unknown key"),
    ("[profiles.'bad name']\napi_url = 'eu'\n", "invalid profile name"),
])
def test_malformed_config_is_a_usage_error_naming_the_file(tmp_path, text, why):
    path = tmp_path / "config.toml"
    path.write_text(text)
    with pytest.raises(UsageError) as e:
        Config.load(path)
    assert str(path) in e.value.message and why in e.value.message


@pytest.mark.parametrize("name", ["", "-x", "a b", "x" * 65, "../etc"])
def test_bad_profile_names(name):
    with pytest.raises(UsageError):
        check_profile_name(name)


def test_config_path_from_env(tmp_path):
    assert default_config_path({"TRACKERCTL_CONFIG": str(tmp_path / "a.toml")}) == tmp_path / "a.toml"
    assert default_config_path({"XDG_CONFIG_HOME": str(tmp_path)}) == tmp_path / "trackerctl" / "config.toml"


def test_odd_text_and_dotted_profile_names_survive_a_round_trip(tmp_path):
    """The file is written by tomli-w: quotes, backslashes, control characters, non-ASCII and a
    profile name with a dot come back as they went in."""
    path = tmp_path / "config.toml"
    odd = 'a "quoted" \\ back\tslash \x1b é 東京'
    Config(path, current_profile="eu.prod", profiles={"eu.prod": {"login": odd, "timeout": 2.5, "allow_http": True}}).save()
    again = Config.load(path)
    assert again.current_profile == "eu.prod" and again.profiles == {"eu.prod": {"login": odd, "timeout": 2.5, "allow_http": True}}
    assert path.read_text().startswith("# trackerctl configuration")


@pytest.mark.parametrize("typo, meant", [("wrok", "work"), ("Work", "work"), ("sandbx", "sandbox"), ("defualt", "default"),
                                         ("production", None), ("work", None)])
def test_the_closest_profile_to_a_typo(tmp_path, typo, meant):
    """Built-in names and `default` are candidates too; a name is never its own suggestion."""
    cfg = Config(tmp_path / "config.toml", None, {"work": {"api_url": "us"}})
    assert cfg.closest(typo) == meant


def test_the_error_for_an_unknown_profile_suggests_or_falls_back(tmp_path):
    cfg = Config(tmp_path / "config.toml", None, {"work": {"api_url": "us"}})
    near = cfg.no_such_profile("wrok")
    assert isinstance(near, UsageError) and near.message == "no profile named 'wrok'"
    assert near.hint == "did you mean 'work'? (`trackerctl profile list` shows them all)"
    assert cfg.no_such_profile("zzzz").hint == "see `trackerctl profile list`"
    assert cfg.no_such_profile("zzzz", otherwise="create it").hint == "create it"


def test_profile_set_console_url_is_checked_like_the_console_checks_it(tmp_path):
    """`profile set --console-url`: ws:// only to loopback (or with allow_http), as `console open` requires."""
    from typer.testing import CliRunner

    from trackerctl.cli.app import build_cli
    from trackerctl.cli.context import AppContext

    env = {"TRACKERCTL_CONFIG": str(tmp_path / "config.toml")}

    def run(*argv: str):
        return CliRunner().invoke(build_cli(), ["profile", "set", "lab", *argv], obj=AppContext(env=env))

    refused = run("--console-url", "ws://10.0.0.5:8383/console")
    assert refused.exit_code == 2 and "refusing plain ws://" in refused.stderr and not (tmp_path / "config.toml").exists()
    assert run("--console-url", "ws://10.0.0.5:8383/console", "--allow-http").exit_code == 0
    assert run("--console-url", "wss://panel.example.com/console").exit_code == 0
    assert Config.load(tmp_path / "config.toml").profiles["lab"]["console_url"] == "wss://panel.example.com/console"
