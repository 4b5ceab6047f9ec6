"""The posting plan: [schedule] and [[accounts]] read and checked, due times, schedule.csv, calendar.ics."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import icalendar
import pytest
from click.testing import CliRunner

from campaign_kit.campaign.config import parse_campaign
from campaign_kit.campaign.cycles import parse_cycle
from campaign_kit.campaign.schedule import Account, PostingPlan, Schedule, account_for
from campaign_kit.cli import cli
from campaign_kit.errors import ConfigError
from campaign_kit.model import Post
from campaign_kit.render.calendar import calendar_ics
from campaign_kit.render.posts import schedule_csv
from conftest import REPO, person, write_roster
from publish_kit import CAMPAIGN_TOML as BASE
from publish_kit import account, strip_tables, table

CYCLE = parse_cycle("2026-W13")  # 23-29 March 2026: Europe/Vilnius moves to summer time on the 29th


def campaign(extra: str):
    return parse_campaign(strip_tables(BASE, "schedule", "accounts") + "\n" + extra)


def problems(extra: str) -> list[str]:
    with pytest.raises(ConfigError) as err:
        campaign(extra)
    return [f"{p.field}: {p.message}" for p in err.value.problems]


PLAN = (
    table("schedule", timezone="Europe/Vilnius", days=["mon", "wed", "fri"], roll_call="sun")
    + table("schedule.times", bluesky="10:00", telegram="12:30")
    + account("bluesky", ["en"], handle="belaruswomen.org", secret="CAMPAIGN_KIT_BLUESKY_EN")
    + account("telegram", ["be", "ru"], chat="@belaruswomen_by", secret="CAMPAIGN_KIT_TELEGRAM")
)


def test_schedule_and_accounts_are_read():
    c = campaign(PLAN)
    assert c.schedule.timezone == "Europe/Vilnius" and c.schedule.days == (0, 2, 4)
    assert c.schedule.roll_call == 6 and c.schedule.times["telegram"] == dt.time(12, 30)
    assert [a.label for a in c.accounts] == ["bluesky:belaruswomen.org", "telegram:@belaruswomen_by"]
    assert account_for(c.accounts, "telegram", "ru").secret == "CAMPAIGN_KIT_TELEGRAM"
    assert account_for(c.accounts, "telegram", "en") is None  # "no account", not an error
    assert c.accounts[0].service == "https://bsky.social"  # the default PDS


def test_defaults_without_a_schedule():
    c = campaign("")
    assert c.schedule == Schedule() and c.accounts == ()
    plan = PostingPlan(c.schedule, c.accounts, CYCLE.start)
    assert plan.post_due("x", 0).isoformat() == "2026-03-23T10:00:00+00:00"
    assert plan.thread_due("x").isoformat() == "2026-03-29T10:00:00+00:00"
    assert plan.account("bluesky", "en") is None


def test_due_times_carry_the_zone_offset_across_a_clock_change():
    plan = PostingPlan(campaign(PLAN).schedule, (), CYCLE.start)
    assert plan.post_due("bluesky", 0).isoformat() == "2026-03-23T10:00:00+02:00"  # Monday, winter
    assert plan.post_due("telegram", 2).isoformat() == "2026-03-27T12:30:00+02:00"  # Friday
    assert plan.thread_due("bluesky").isoformat() == "2026-03-29T10:00:00+03:00"  # Sunday, summer
    # More women than days: the next round goes out an hour later on the same days.
    assert plan.post_due("bluesky", 3).isoformat() == "2026-03-23T11:00:00+02:00"
    assert plan.post_due("x", 1).isoformat() == "2026-03-25T10:00:00+02:00"  # not in times: 10:00


def test_a_wall_time_skipped_by_the_clock_change_moves_forward():
    schedule = Schedule(timezone="Europe/Vilnius", times={"x": dt.time(3, 30)})
    # 03:30 on 29 March 2026 does not exist in Vilnius (03:00 -> 04:00).
    assert schedule.local(dt.date(2026, 3, 29), dt.time(3, 30)).isoformat() == "2026-03-29T04:30:00+03:00"


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ('[schedule]\ntimezone = "Mars/Olympus"', "schedule.timezone: 'Mars/Olympus' is not an IANA"),
        ('[schedule]\ntimezone = "../../etc/passwd"', "schedule.timezone: '../../etc/passwd' is not an IANA"),
        ('[schedule]\ntimezone = "Europe"', "schedule.timezone: 'Europe' is not an IANA"),
        ('[schedule]\ntimezone = ""', "schedule.timezone: '' is not an IANA"),
        ('[schedule]\ndays = ["mon", "funday"]', "schedule.days: 'funday' is not a day"),
        ('[schedule]\ndays = ["mon", "mon"]', "schedule.days: a day is listed twice"),
        ("[schedule]\ndays = []", "schedule.days: name at least one day"),
        ('[schedule]\nroll_call = "someday"', "schedule.roll_call: 'someday' is not a day"),
        (
            '[schedule.times]\nbluesky = "25:00"',
            "schedule.times.bluesky: '25:00' is not a time of day like \"09:30\"",
        ),
        ('[schedule.times]\nmyspace = "10:00"', "schedule.times.myspace: unknown platform"),
        ('[schedule]\nwhen = "soon"', "schedule.when: unknown key"),
    ],
)
def test_schedule_mistakes_are_named(extra: str, expected: str):
    assert any(p.startswith(expected) for p in problems(extra)), problems(extra)


def test_account_mistakes_are_named_and_a_pasted_secret_is_not_repeated():
    found = problems(
        account("bluesky", ["en"], handle="belaruswomen.org", secret="abcd-efgh-ijkl-mnop")
        + account("bluesky", ["en", "pl"], handle="not a handle", secret="CAMPAIGN_KIT_BLUESKY_EN2")
        + account("telegram", ["be"], chat="my channel")
        + account("mastodon", ["ru"], secret="CAMPAIGN_KIT_MASTODON", service="https://bsky.social")
        + account("myspace", ["ru"])
    )
    text = "\n".join(found)
    assert "accounts[0].secret: must be the NAME of an environment variable" in text
    assert "abcd-efgh-ijkl-mnop" not in text
    assert "accounts[1].langs: 'pl' is not one of campaign.toml's languages" in text
    assert "accounts[1].handle: 'not a handle' is not a Bluesky handle" in text
    assert "accounts[2].chat: 'my channel' is not a @channel name" in text
    assert "accounts[2].secret: missing" in text
    assert "accounts[3].url: missing" in text
    assert "accounts[3].service: does not apply to a mastodon account" in text
    assert "accounts[4].platform: 'myspace' is not one of campaign.toml's platforms" in text


def test_one_account_per_platform_and_language():
    found = problems(
        account("bluesky", ["en", "be"], handle="belaruswomen.org", secret="A_SECRET")
        + account("bluesky", ["be"], handle="by.belaruswomen.org", secret="B_SECRET")
    )
    assert found == [
        "accounts[1].langs: bluesky be already has an account (bluesky:belaruswomen.org); "
        "a language goes out from one account per platform"
    ]


def test_http_only_to_this_machine():
    found = problems(
        account("bluesky", ["en"], handle="kit.test", service="http://pds.example.org", secret="A_SECRET")
    )
    assert found and found[0].startswith("accounts[0].service: 'http://pds.example.org' must be an https://")
    local = campaign(
        account("bluesky", ["en"], handle="kit.test", service="http://127.0.0.1:2583", secret="A_SECRET")
    )
    assert local.accounts[0].service == "http://127.0.0.1:2583"


def test_validate_names_the_file_and_field(tmp_path: Path):
    write_roster(tmp_path, [person()])
    (tmp_path / "campaign.toml").write_text(
        strip_tables(BASE, "schedule") + '\n[schedule]\ntimezone = "Europe/Nowhere"\n', encoding="utf-8"
    )
    result = CliRunner().invoke(cli, ["validate", "--project", str(tmp_path), "--json"])
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert any(
        p.get("field") == "schedule.timezone" and p.get("path", "").endswith("campaign.toml")
        for p in data["problems"]
    ), data


def post(kind: str, platform: str, lang: str, when: dt.datetime, **over) -> Post:
    base = dict(
        kind=kind,
        id="ablab-hanna" if kind == "post" else None,
        platform=platform,
        lang=lang,
        text=f"{platform} {lang} text",
        api_text=f"{platform} {lang} text",
        length=10,
        limit=300,
        alt_text="alt" if kind == "post" else None,
        card="cards/en/ablab-hanna/landscape.png" if kind == "post" else None,
        date=when.date(),
        due=when,
        account="bluesky:belaruswomen.org",
    )
    base.update(over)
    return Post(**base)


def test_schedule_csv_has_date_and_time_and_absolute_images():
    tz = dt.timezone(dt.timedelta(hours=2))
    posts = [
        post("post", "bluesky", "en", dt.datetime(2026, 3, 24, 10, 0, tzinfo=tz)),
        post("post", "x", "be", dt.datetime(2026, 3, 23, 9, 5, tzinfo=tz), account=None),
        post("thread", "bluesky", "en", dt.datetime(2026, 3, 29, 10, 0, tzinfo=tz), part=1, parts=1),
    ]
    data = schedule_csv(posts, lambda card: "https://cdn.example.org/mothers/2026-W13/" + card)
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert [r["platform"] for r in rows] == ["x", "bluesky"]  # by due time; threads left out
    first = rows[0]
    assert (first["due"], first["due_utc"]) == ("2026-03-23T09:05:00+02:00", "2026-03-23T07:05:00Z")
    assert (first["date"], first["time"], first["timezone_offset"]) == ("2026-03-23", "09:05", "UTC+02:00")
    assert first["account"] == "" and rows[1]["account"] == "bluesky:belaruswomen.org"
    assert rows[1]["image"] == "https://cdn.example.org/mothers/2026-W13/cards/en/ablab-hanna/landscape.png"
    assert schedule_csv(posts) != data and b"cards/en/ablab-hanna/landscape.png" in schedule_csv(posts)


def test_calendar_lists_each_post_and_each_thread_once_and_is_deterministic():
    tz = dt.timezone(dt.timedelta(hours=3))
    posts = [
        post("post", "bluesky", "en", dt.datetime(2026, 3, 23, 10, 0, tzinfo=tz), text="Hanna\nAblab"),
        *[
            post("thread", "telegram", "be", dt.datetime(2026, 3, 29, 12, 0, tzinfo=tz), part=n, parts=3)
            for n in (2, 1, 3)
        ],
        post("post", "x", "ru", dt.datetime(2026, 3, 23, 9, 0, tzinfo=tz), account=None),
        post("post", "x", "en", dt.datetime(2026, 3, 23, 9, 0, tzinfo=tz), due=None),
    ]
    data = calendar_ics(posts, appeal="mothers", cycle="2026-W13")
    assert data == calendar_ics(list(reversed(posts)), appeal="mothers", cycle="2026-W13")
    assert b"\r\n" in data and all(len(line) <= 75 for line in data.split(b"\r\n"))
    cal = icalendar.Calendar.from_ical(data)
    events = cal.walk("VEVENT")
    assert [(e.decoded("dtstart"), str(e["summary"])) for e in events] == [
        (dt.datetime(2026, 3, 23, 6, 0, tzinfo=dt.UTC), "X ru: ablab-hanna"),
        (dt.datetime(2026, 3, 23, 7, 0, tzinfo=dt.UTC), "Bluesky en: ablab-hanna"),
        (dt.datetime(2026, 3, 29, 9, 0, tzinfo=dt.UTC), "Telegram be: roll call (3 parts)"),
    ]
    assert "Account: bluesky:belaruswomen.org" in str(events[1]["description"])
    assert "Hanna\nAblab" in str(events[1]["description"])
    assert "campaign-kit does not post to X" in str(events[0]["description"])
    assert len({str(e["uid"]) for e in events}) == 3


def test_an_account_label_never_holds_the_secret():
    account = Account("mastodon", ("en",), secret="MASTO_TOKEN", url="https://m.example", handle="kit")
    assert account.label == "mastodon:https://m.example/@kit"
    assert "MASTO" not in account.label


def test_due_and_account_round_trip_through_posts_json():
    tz = dt.timezone(dt.timedelta(hours=2))
    made = post("post", "bluesky", "en", dt.datetime(2026, 3, 24, 10, 0, tzinfo=tz))
    data = made.to_dict()
    assert data["due"] == "2026-03-24T10:00:00+02:00" and data["account"] == "bluesky:belaruswomen.org"
    back = Post.from_dict(json.loads(json.dumps(data)))
    assert back == made and back.due.utcoffset() == dt.timedelta(hours=2)
    from campaign_kit.errors import BuildError

    for bad in ("tomorrow", "2026-03-24T10:00:00"):  # no offset: a due time must say its zone
        with pytest.raises(BuildError, match="'due' is not an ISO 8601 time with an offset"):
            Post.from_dict({**data, "due": bad})


def test_publish_options_until_and_everything_are_checked_as_usage(tmp_path: Path):
    publish = ["publish", "--project", str(tmp_path), "--platform", "bluesky"]
    bad = CliRunner().invoke(cli, [*publish, "--until", "soon"])
    assert bad.exit_code == 2 and "is not an ISO 8601 time" in bad.output
    both = CliRunner().invoke(cli, [*publish, "--until", "2026-12-01", "--everything"])
    assert both.exit_code == 2 and "not both" in both.output


def test_a_send_build_writes_the_plan_with_absolute_images(tmp_path: Path):
    import shutil

    (tmp_path / "campaign.toml").write_text(campaign_text := strip_tables(BASE, "schedule") + PLAN, "utf-8")
    parse_campaign(campaign_text)
    shutil.copytree(REPO / "templates", tmp_path / "templates")
    shutil.copytree(REPO / "assets", tmp_path / "assets")
    write_roster(tmp_path, [person()])
    args = ["build", "--project", str(tmp_path), "--cycle", "2026-W13", "--lang", "en,be", "--only", "posts"]
    result = CliRunner().invoke(cli, [*args, "--asset-base-url", "https://cdn.example.org/kit/"])
    assert result.exit_code == 0, result.output
    folder = tmp_path / "out" / "mothers" / "2026-W13"
    rows = list(csv.DictReader(io.StringIO((folder / "schedule.csv").read_text("utf-8-sig"), newline="")))
    bluesky = next(r for r in rows if r["platform"] == "bluesky" and r["lang"] == "en")
    assert bluesky["image"] == "https://cdn.example.org/kit/mothers/2026-W13/cards/en/ablab-hanna/square.png"
    assert (bluesky["due"], bluesky["account"]) == ("2026-03-23T10:00:00+02:00", "bluesky:belaruswomen.org")
    manifest = json.loads((folder / "manifest.json").read_text("utf-8"))
    assert "calendar.ics" in json.dumps(manifest["files"])
    events = icalendar.Calendar.from_ical((folder / "calendar.ics").read_bytes()).walk("VEVENT")
    posts = json.loads((folder / "posts.json").read_text("utf-8"))
    threads = {(p["platform"], p["lang"]) for p in posts if p["kind"] == "thread"}
    assert len(events) == sum(p["kind"] == "post" for p in posts) + len(threads)
    # The same inputs, the same bytes; without the base URL, images are paths in the folder.
    before = (folder / "calendar.ics").read_bytes()
    again = CliRunner().invoke(cli, [*args, "--force"])
    assert again.exit_code == 0, again.output
    assert (folder / "calendar.ics").read_bytes() == before
    local = list(csv.DictReader(io.StringIO((folder / "schedule.csv").read_text("utf-8-sig"), newline="")))
    assert next(r for r in local if r["platform"] == "bluesky" and r["lang"] == "en")["image"] == (
        "cards/en/ablab-hanna/square.png"
    )
