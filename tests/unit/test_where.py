"""`--where FIELD OP VALUE` (trackerctl/fleet/where.py): every operator on every kind, globs, empty
VALUE, times (dates, date-times, durations ago, a whole day), absent fields, and every refusal."""

from __future__ import annotations

from datetime import timedelta

import pytest

from trackerctl.api.endpoints import FIELD_KINDS, PANEL_TRACKER_FIELDS
from trackerctl.errors import EXIT_USAGE, UsageError
from trackerctl.fleet.where import Condition, matches
from trackerctl.when import utcnow


def cond(text: str) -> Condition:
    return Condition.parse(text, FIELD_KINDS, PANEL_TRACKER_FIELDS)


def holds(text: str, record: dict) -> bool:
    return cond(text).holds(record)


def ago(**delta: float) -> str:
    return (utcnow() - timedelta(**delta)).strftime("%Y-%m-%d %H:%M:%S")


TRUCK = {"id": 123456, "label": "Truck 01 north", "user_id": 183654, "deleted": False, "clone": False,
         "comment": "", "creation_date": "2024-03-05 10:20:30", "last_connection": "2026-11-20 08:00:00",
         "source": {"id": 5, "model": "telfmb920", "blocked": True, "tariff_id": 1294,
                    "tariff_end_date": "2026-12-01", "device_id": "862436965665430"}}


# ---- text --------------------------------------------------------------------------------------
@pytest.mark.parametrize("text, expected", [
    ("label=Truck 01 north", True),
    ("label=truck 01 NORTH", True),  # case is ignored
    ("label=Truck 01", False),  # whole value, not a substring
    ("label=Truck*", True),
    ("label=truck*", True),
    ("label=*north", True),
    ("label=*NORTH", True),
    ("label=T*k*h", True),  # * in the middle, twice
    ("label=Tr*01*", True),
    ("label=Van*", False),
    ("label=*", True),
    ("label!=Truck*", False),
    ("label!=Van*", True),
    ("label!=truck 01 north", False),
    ("source.model=TELFMB*", True),
    ("source.model=telfmb92", False),
    ("source.device_id=862436*430", True),
    ("label = Truck 01 north", True),  # spaces around OP
    ("label==Truck 01 north", True),  # == is =
])
def test_text(text, expected):
    assert holds(text, TRUCK) is expected


@pytest.mark.parametrize("label, value, expected", [
    ("Box [1]", "Box [1]", True),
    ("Box 1", "Box [1]", False),  # [ ] are no character class
    ("Box [1]", "Box [*", True),
    ("a.b", "a.b", True),
    ("axb", "a.b", False),  # . is no wildcard
    ("a+b", "a+b", True),
    ("aab", "a+b", False),  # + is no repetition
    ("a?c", "a?c", True),
    ("abc", "a?c", False),  # ? is no wildcard either
    ("(x)|y", "(x)|y", True),
    ("x", "(x)|y", False),
    ("cost $5 ^up", "cost $5 ^up", True),
    ("back\\slash", "back\\slash", True),
    ("line\nbreak", "line*break", True),
])
def test_glob_takes_everything_but_star_literally(label, value, expected):
    assert holds(f"label={value}", {"label": label}) is expected


def test_an_operator_character_after_the_operator_is_part_of_value():
    assert holds("label=>3", {"label": ">3"}) and not holds("label=>3", {"label": "3"})


def test_text_compares_only_text():
    assert holds("label=12", {"label": 12}) is False
    assert holds("label!=12", {"label": 12}) is True


# ---- numbers -------------------------------------------------------------------------------------
@pytest.mark.parametrize("op, value, expected", [
    ("=", 1294, True), ("=", 1295, False),
    ("!=", 1294, False), ("!=", 1295, True),
    ("<", 1295, True), ("<", 1294, False), ("<", 1293, False),
    ("<=", 1294, True), ("<=", 1293, False), ("<=", 1295, True),
    (">", 1293, True), (">", 1294, False), (">", 1295, False),
    (">=", 1294, True), (">=", 1295, False), (">=", 1293, True),
])
def test_numbers(op, value, expected):
    assert holds(f"source.tariff_id{op}{value}", TRUCK) is expected


def test_negative_numbers_and_ids():
    assert holds("group_id>-1", {"group_id": 0}) is True
    assert holds("group_id<-1", {"group_id": 0}) is False
    assert holds("id=123456", TRUCK) and not holds("id=12345", TRUCK)


def test_a_boolean_is_no_number():
    assert holds("group_id=1", {"group_id": True}) is False
    assert holds("group_id>0", {"group_id": True}) is False


# ---- booleans ----------------------------------------------------------------------------------
@pytest.mark.parametrize("text, expected", [
    ("deleted=false", True), ("deleted=true", False), ("deleted!=false", False), ("deleted!=true", True),
    ("deleted=FALSE", True), ("deleted=False", True),
    ("source.blocked=true", True), ("source.blocked=false", False), ("source.blocked!=true", False),
])
def test_booleans(text, expected):
    assert holds(text, TRUCK) is expected


def test_a_boolean_field_holding_no_boolean_is_not_false():
    assert holds("deleted=false", {"deleted": 0}) is False
    assert holds("deleted=false", {"deleted": "false"}) is False


# ---- times ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("text, expected", [
    ("creation_date<2024-03-06", True),
    ("creation_date<2024-03-05", False),
    ("creation_date>2024-03-05", True),  # 10:20 is after the day's start
    ("creation_date>=2024-03-05 10:20:30", True),
    ("creation_date>2024-03-05 10:20:30", False),
    ("creation_date<=2024-03-05 10:20:30", True),
    ("creation_date<2024-03-05 10:20:30", False),
    ("creation_date=2024-03-05 10:20:30", True),
    ("creation_date=2024-03-05 10:20:31", False),
    ("creation_date!=2024-03-05 10:20:31", True),
    ("creation_date!=2024-03-05 10:20:30", False),
    ("source.tariff_end_date<2026-12-02", True),
    ("source.tariff_end_date<2026-12-01", False),
    ("source.tariff_end_date<=2026-12-01", True),
    ("source.tariff_end_date>=2026-12-01", True),
    ("source.tariff_end_date>2026-11-30 23:59:59", True),
    ("source.tariff_end_date>2026-12-01", False),
])
def test_times(text, expected):
    assert holds(text, TRUCK) is expected


@pytest.mark.parametrize("text, expected", [
    ("creation_date=2024-03-05", True),  # a date alone: the whole day
    ("creation_date=2024-03-04", False),
    ("creation_date=2024-03-06", False),
    ("creation_date!=2024-03-05", False),
    ("creation_date!=2024-03-06", True),
])
def test_equal_to_a_date_holds_for_the_whole_day(text, expected):
    assert holds(text, TRUCK) is expected
    assert holds(text, {"creation_date": "2024-03-05 00:00:00"}) is expected
    assert holds(text, {"creation_date": "2024-03-05 23:59:59"}) is expected


@pytest.mark.parametrize("value, text, expected", [
    (dict(days=10), "last_connection<30d", False),  # 10 days ago is not older than 30 days
    (dict(days=10), "last_connection>30d", True),
    (dict(days=10), "last_connection<5d", True),
    (dict(days=10), "last_connection<=5d", True),
    (dict(days=10), "last_connection>=5d", False),
    (dict(days=40), "last_connection<30d", True),
    (dict(hours=2), "last_connection>12h", True),
    (dict(hours=2), "last_connection<12h", False),
    (dict(hours=2), "last_connection<1h", True),
    (dict(hours=2), "last_connection<90m", True),
    (dict(hours=2), "last_connection>3w", True),
    (dict(days=15), "last_connection<2w", True),
    (dict(days=15), "last_connection>2w", False),
    (dict(minutes=1), "last_connection>120s", True),
    (dict(minutes=5), "last_connection>120s", False),
])
def test_relative_times_are_that_long_ago(value, text, expected):
    assert holds(text, {"last_connection": ago(**value)}) is expected


def test_a_star_in_a_time_compares_its_text():
    assert holds("creation_date=2024-03*", TRUCK) is True
    assert holds("creation_date=2024-04*", TRUCK) is False
    assert holds("creation_date!=2024-04*", TRUCK) is True


def test_a_time_that_is_no_time_satisfies_no_order():
    for value in ("never", "", 5, None):
        assert holds("last_connection<2030-01-01", {"last_connection": value}) is False
        assert holds("last_connection>2000-01-01", {"last_connection": value}) is False


# ---- empty VALUE: no value -----------------------------------------------------------------------
@pytest.mark.parametrize("record, equal", [
    ({"last_connection": None}, True),
    ({}, True),
    ({"last_connection": "2026-11-20 08:00:00"}, False),
])
def test_empty_value_means_null_or_absent(record, equal):
    assert holds("last_connection=", record) is equal
    assert holds("last_connection!=", record) is (not equal)


def test_empty_value_on_text_numbers_booleans_and_lists():
    assert holds("comment=", {"comment": ""}) and holds("comment=", {"comment": None}) and holds("comment=", {})
    assert not holds("comment=", {"comment": "x"}) and holds("comment!=", {"comment": "x"})
    assert holds("group_id=", {}) and not holds("group_id=", {"group_id": 0})
    assert holds("deleted!=", {"deleted": False})
    assert holds("source.phone=", {"source": {"phone": None}}) and holds("source.phone=", {"source": None})


# ---- absent fields -------------------------------------------------------------------------------
@pytest.mark.parametrize("text", [
    "user_id=183654", "user_id<1", "user_id<=999999999", "user_id>0", "user_id>=0",
    "label=*", "deleted=false", "deleted=true", "last_connection<30d", "last_connection>30d",
    "last_connection=2026-11-20", "creation_date>=2000-01-01", "source.model=*", "source.tariff_id>0",
])
def test_a_record_without_the_field_satisfies_no_comparison(text):
    assert holds(text, {"id": 1}) is False
    assert holds(text, {"id": 1, "source": {}}) is False


@pytest.mark.parametrize("text", ["user_id!=183654", "label!=*", "deleted!=false", "deleted!=true",
                                  "source.model!=telfmb*", "last_connection!=2026-11-20"])
def test_not_equal_holds_for_a_record_without_the_field(text):
    assert holds(text, {"id": 1}) is True
    assert holds(text, {"id": 1, "source": None}) is True


def test_all_conditions_must_hold():
    both = [cond("label=Truck*"), cond("deleted=false")]
    assert matches(TRUCK, both)
    assert not matches({**TRUCK, "deleted": True}, both)
    assert not matches({**TRUCK, "label": "Van"}, both)
    assert matches(TRUCK, [])


def test_a_condition_says_what_it_is():
    assert str(cond("source.tariff_id >= 12")) == "source.tariff_id>=12"
    assert str(cond("label=Truck*")) == "label=Truck*"


# ---- refusals ------------------------------------------------------------------------------------
def refused(text: str, fields=PANEL_TRACKER_FIELDS) -> str:
    with pytest.raises(UsageError) as raised:
        Condition.parse(text, FIELD_KINDS, fields)
    error = raised.value
    assert error.exit_code == EXIT_USAGE == 2
    assert "\n" not in error.message and "Traceback" not in error.message
    assert "--where" in error.message
    return error.message


@pytest.mark.parametrize("text, field", [
    ("label<5", "label"), ("label>Truck", "label"), ("label<=a", "label"), ("label>=a", "label"),
    ("source.model<t", "source.model"),
    ("deleted<true", "deleted"), ("deleted>=false", "deleted"),
    ("source.blocked=maybe", "source.blocked"), ("deleted=1", "deleted"), ("deleted=yes", "deleted"),
    ("user_id=abc", "user_id"), ("user_id<1.5", "user_id"), ("user_id=1e3", "user_id"), ("user_id>*", "user_id"),
    ("user_id=１２", "user_id"),  # digits of another script
    ("user_id=99999999999999999999", "user_id"),
    ("creation_date<yesterday", "creation_date"), ("creation_date<2026-13-45", "creation_date"),
    ("creation_date>30x", "creation_date"), ("creation_date<20*", "creation_date"),
    ("last_connection<", "last_connection"), ("last_connection>=", "last_connection"), ("user_id<", "user_id"),
    ("source.tariff_id>=x", "source.tariff_id"),
])
def test_a_value_or_operator_that_does_not_fit_the_kind(text, field):
    message = refused(text)
    assert field in message


@pytest.mark.parametrize("text", ["tag_bindings=1", "tag_bindings!=x"])
def test_lists_cannot_be_compared(text):
    assert "tag_bindings" in refused(text, ("id", "tag_bindings"))


def test_an_unknown_field_says_which_one_may_be_meant():
    message = refused("lable=Truck*")
    assert "lable" in message and "did you mean label?" in message
    message = refused("source.modle=x")
    assert "source.modle" in message and "did you mean source.model?" in message


def test_an_unknown_field_with_nothing_near_names_the_fields():
    message = refused("zzzz=1")
    assert "zzzz" in message and "did you mean" not in message and "label" in message


def test_a_field_of_another_list_is_unknown_here():
    from trackerctl.api.endpoints import TRACKER_FIELDS

    message = refused("deleted=false", TRACKER_FIELDS)  # the user API's list has no deleted mark
    assert "deleted" in message and "no field" in message


@pytest.mark.parametrize("text", ["label", "label Truck", "=Truck", "1label=x", "label~x", ""])
def test_text_that_is_no_condition(text):
    refused(text)
