"""``publish`` and ``publish --status``: the approved kit, post by post, through the ledger."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import logging
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from campaign_kit import paths
from campaign_kit.campaign.schedule import Account
from campaign_kit.errors import ApprovalError, CampaignKitError, PublishError
from campaign_kit.publish import PLATFORMS
from campaign_kit.publish.accounts import settings_for
from campaign_kit.publish.approval import Approval, approved_kit, changes, read_approval, rebuilt_since
from campaign_kit.publish.cycle import Item, Kit, load_cycle
from campaign_kit.publish.files import publish_lock
from campaign_kit.publish.ledger import DONE, FAILED, SENDING, UNCERTAIN, Ledger
from campaign_kit.publish.mastodon import StatusOptions
from campaign_kit.publish.publisher import Publisher
from campaign_kit.publish.remote import (
    DEFAULTS,
    ENV,
    GaveUp,
    Refused,
    RetryPolicy,
    Secrets,
    Uncertain,
    read_env,
)

# Reported as (item key, what happened, detail) while the run goes.
Progress = Callable[[str, str, str], None]


@dataclass
class Report:
    """What a publish run did.

    Attributes:
        published: Keys posted by this run.
        already: Keys a previous run had posted.
        recovered: Keys a killed run had posted, found on the platform by this one.
        uncertain: Key -> why it may or may not be out (a person must look).
        blocked: Thread parts not sent because the part before is not out.
        planned: For ``--dry-run``: key -> what would happen.
        not_due: Key -> its due time, for posts not due yet (left for a later run).
        no_account: Key -> why it is not published: campaign.toml names no account for its
            platform and language.
        left: Key -> why this run leaves it for another (a thread under ``--at``).
        next_due: The earliest due time among ``not_due`` (ISO 8601), or None.
        rows: Every post considered, in sending order, with its due time, account, text, card
            and what happens to it (``--dry-run`` prints these).
        stopped: Thread id -> why none of it is sent: it was begun under another approval.
        outdated: Key -> note for a post that went out under an earlier approval with other
            content than the approval now (it stays out; a person may correct it).
        restarted: Thread ids set aside with ``--restart-thread`` by this run.

    """

    published: list[str] = field(default_factory=list)
    already: list[str] = field(default_factory=list)
    recovered: list[str] = field(default_factory=list)
    uncertain: dict[str, str] = field(default_factory=dict)
    blocked: list[str] = field(default_factory=list)
    planned: dict[str, str] = field(default_factory=dict)
    not_due: dict[str, str] = field(default_factory=dict)
    no_account: dict[str, str] = field(default_factory=dict)
    left: dict[str, str] = field(default_factory=dict)
    next_due: str | None = None
    rows: list[dict[str, Any]] = field(default_factory=list)
    stopped: dict[str, str] = field(default_factory=dict)
    outdated: dict[str, str] = field(default_factory=dict)
    restarted: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form (``rows`` under the name ``posts``)."""
        return {"posts" if k == "rows" else k: v for k, v in dataclasses.asdict(self).items()}


def parse_platforms(value: str) -> tuple[str, ...]:
    """``bluesky,mastodon`` -> ``("bluesky", "mastodon")``; PublishError for anything else."""
    names = tuple(dict.fromkeys(p.strip() for p in value.split(",") if p.strip()))
    unknown = [n for n in names if n not in PLATFORMS]
    if not names or unknown:
        raise PublishError(
            f"--platform: {', '.join(unknown) or 'none given'}; publish supports {', '.join(PLATFORMS)}"
        )
    return names


def parse_at(value: str, now: dt.datetime | None = None) -> dt.datetime:
    """``--at``: an ISO 8601 time with an offset, at least five minutes ahead (Mastodon's rule)."""
    try:
        at = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise PublishError(
            f"--at: {value!r} is not an ISO 8601 time like 2026-12-01T09:00:00+00:00"
        ) from None
    if at.tzinfo is None:
        raise PublishError(f"--at: {value!r} needs a time zone offset (e.g. +00:00 or Z)")
    if at - (now or dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=5):
        raise PublishError(f"--at: {value!r} must be at least 5 minutes from now")
    return at


def parse_until(value: str, zone: dt.tzinfo) -> dt.datetime:
    """``--until``: an ISO 8601 time; without an offset it is local time in the schedule's zone.

    A date alone (``2026-11-25``) means the end of that day there.
    """
    text = value.strip().replace("Z", "+00:00")
    try:
        if len(text) == 10:
            day = dt.date.fromisoformat(text)
            return dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=zone)
        until = dt.datetime.fromisoformat(text)
    except ValueError:
        raise PublishError(
            f"--until: {value!r} is not an ISO 8601 time like 2026-11-25T12:00 or 2026-11-25T12:00+02:00"
        ) from None
    return until if until.tzinfo is not None else until.replace(tzinfo=zone)


def parse_resolve(values: tuple[str, ...]) -> dict[str, str | None]:
    """``KEY=sent:ID`` / ``KEY=unsent`` -> ``{KEY: ID or None}``."""
    out: dict[str, str | None] = {}
    for value in values:
        key, _, verdict = value.partition("=")
        if verdict == "unsent":
            out[key] = None
        elif verdict.startswith("sent:") and verdict[5:].strip():
            out[key] = verdict[5:].strip()
        else:
            raise PublishError(f"--resolve: {value!r} is not KEY=sent:LINK_OR_ID or KEY=unsent")
    return out


def make_publishers(
    platforms: tuple[str, ...],
    environ: Mapping[str, str],
    secrets: Secrets,
    retry: RetryPolicy,
    visibility: str,
    at: dt.datetime | None,
    templates: Path | None = None,
) -> dict[str, Publisher]:
    """One publisher per platform, from the environment (PublishError naming missing variables)."""
    if at is not None and platforms != ("mastodon",):
        raise PublishError("--at: only Mastodon schedules posts; use it with --platform mastodon alone")
    options = StatusOptions(visibility, at, templates)
    out: dict[str, Publisher] = {}
    for name in platforms:
        out[name] = make_publisher(name, read_env(name, environ, secrets), secrets, retry, options)
    return out


def make_publisher(
    platform: str, env: Mapping[str, str], secrets: Secrets, retry: RetryPolicy, options: StatusOptions
) -> Publisher:
    """One platform's publisher for one account, from its settings (``read_env``'s form)."""
    from campaign_kit.publish.bluesky import Bluesky
    from campaign_kit.publish.mastodon import Mastodon
    from campaign_kit.publish.telegram import Telegram

    settings = dict(env)
    if platform == "bluesky":
        return Bluesky(settings, secrets, retry)
    if platform == "mastodon":
        return Mastodon(settings, secrets, retry, options)
    return Telegram(settings, secrets, retry)


@dataclass(frozen=True)
class Route:
    """Where an item goes out: a campaign.toml account, or a platform's Version 2 variables.

    Attributes:
        key: The publisher's key: the account's label, or the platform's name.
        platform: The platform.
        account: The account, or None for the environment variables.

    """

    key: str
    platform: str
    account: Account | None

    @property
    def label(self) -> str:
        """The account as people read it (never a secret)."""
        if self.account is not None:
            return self.account.label
        return f"{self.platform} (the {ENV[self.platform][0].rsplit('_', 1)[0]}_* variables)"


def route_items(items: list[Item], accounts: tuple[Account, ...]) -> tuple[dict[str, Route], dict[str, str]]:
    """Each item's route; and the items no account carries, with why.

    Raises:
        PublishError: A post was built for an account campaign.toml no longer has (the kit
            must be rebuilt and approved again before it goes anywhere else).

    """
    by_label = {a.label: a for a in accounts}
    routes: dict[str, Route] = {}
    skipped: dict[str, str] = {}
    for item in items:
        label = item.post.account
        if not accounts:
            if label is not None:
                raise PublishError(
                    f"post {item.key} was built for {label}, but campaign.toml has no [[accounts]] now; "
                    "rebuild, review and approve the kit again"
                )
            routes[item.key] = Route(item.platform, item.platform, None)
        elif label is None:
            skipped[item.key] = f"no account for {item.lang} on {item.platform}"
        else:
            account = by_label.get(label)
            if account is None or account.platform != item.platform or item.lang not in account.langs:
                raise PublishError(
                    f"post {item.key} was built for {label}, which campaign.toml no longer has for "
                    f"{item.lang}; rebuild, review and approve the kit again"
                )
            routes[item.key] = Route(label, item.platform, account)
    return routes, skipped


SECRET_NAMES = frozenset(
    ("CAMPAIGN_KIT_BLUESKY_PASSWORD", "CAMPAIGN_KIT_MASTODON_TOKEN", "CAMPAIGN_KIT_TELEGRAM_TOKEN")
)

# Loggers of the HTTP stacks underneath: urllib3 logs request lines, and Telegram's hold the token.
_LOGGERS = ("urllib3.connectionpool", "urllib3", "requests", "httpx", "httpcore", "mastodon", "atproto")


class _Redact(logging.Filter):
    def __init__(self, secrets: Secrets) -> None:
        super().__init__()
        self.secrets = secrets

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = self.secrets.redact(message)
        if clean != message:
            record.msg, record.args = clean, ()
        return True


@contextlib.contextmanager
def _redacted_logs(secrets: Secrets) -> Iterator[None]:
    """Scrub secrets from log records of the HTTP libraries, should anyone turn logging on."""
    flt = _Redact(secrets)
    targets: list[logging.Filterer] = [logging.getLogger(n) for n in _LOGGERS]
    targets += list(logging.getLogger().handlers)
    for target in targets:
        target.addFilter(flt)
    try:
        yield
    finally:
        for target in targets:
            target.removeFilter(flt)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def publish(
    folder: Path,
    platforms: tuple[str, ...],
    environ: Mapping[str, str],
    *,
    langs: tuple[str, ...] | None = None,
    at: dt.datetime | None = None,
    dry_run: bool = False,
    visibility: str = "public",
    resolve: Mapping[str, str | None] | None = None,
    restart_threads: tuple[str, ...] = (),
    retry: RetryPolicy | None = None,
    progress: Progress | None = None,
    templates: Path | None = None,
    accounts: tuple[Account, ...] = (),
    until: dt.datetime | None = None,
    everything: bool = False,
    now: dt.datetime | None = None,
) -> Report:
    """Publish what is due of the approved cycle in ``folder``, resuming where a run stopped.

    A post is due when its ``due`` time is at or before ``until`` (default: ``now``, default
    the clock); ``everything`` sends every post now. Each post goes out from the account
    campaign.toml names for its platform and language; a language without one is reported
    in ``no_account``, not sent. Without any ``[[accounts]]``, each platform's Version 2
    environment variables name one account for every language. With ``at`` (Mastodon's
    server-side scheduling), thread parts are left for a run on their own day: a reply
    cannot be scheduled.

    Args:
        folder: The cycle folder.
        platforms: The platforms to publish to.
        environ: The environment (secrets by name; the Version 2 variables).
        langs: Only these languages (default: all).
        at: ``--at`` (Mastodon only).
        dry_run: Check everything and report what would happen; needs no credentials.
        visibility: Mastodon's visibility.
        resolve: ``--resolve`` verdicts.
        restart_threads: ``--restart-thread``: threads stopped because they were begun under
            another approval, to post anew as approved now (their earlier parts set aside).
        retry: The retry policy.
        progress: Told of every post as it goes.
        templates: The project's templates (card layouts, for Mastodon's focus point).
        accounts: campaign.toml's ``[[accounts]]``.
        until: Send what is due up to this time.
        everything: Send everything now, whatever its due time.
        now: The time it is (tests simulate days with it).

    Every post goes out exactly as approved: the posts are compared with the approval, and
    each card is read once, checked against the approval's sha256, and those bytes are sent.
    A roll-call thread begun under another approval (with other content) is never continued:
    it is reported in ``Report.stopped`` until a person restarts it (``restart_threads``).

    Raises:
        ApprovalError: The cycle is not approved, or changed since, or its folder, manifest
            and approval disagree on appeal or cycle.
        PublishError: A variable is missing, a post does not fit, a platform refused a post
            (naming post and platform), or retries ran out. Posts already out stay recorded.

    """
    secrets = Secrets()
    try:
        with _redacted_logs(secrets):
            return _publish(
                folder,
                platforms,
                environ,
                secrets,
                langs,
                at,
                dry_run,
                visibility,
                resolve or {},
                tuple(restart_threads),
                retry,
                progress,
                templates,
                accounts,
                None if everything else (until or now or _now()),
            )
    except CampaignKitError as exc:
        # Whatever an SDK put into a message, no secret leaves this function.
        raise type(exc)(secrets.redact(exc.message), exc.problems) from None


def _publish(
    folder: Path,
    platforms: tuple[str, ...],
    environ: Mapping[str, str],
    secrets: Secrets,
    langs: tuple[str, ...] | None,
    at: dt.datetime | None,
    dry_run: bool,
    visibility: str,
    resolve: Mapping[str, str | None],
    restart: tuple[str, ...],
    retry: RetryPolicy | None,
    progress: Progress | None,
    templates: Path | None,
    accounts: tuple[Account, ...],
    cutoff: dt.datetime | None,
) -> Report:
    kit, approval = approved_kit(folder)
    items = kit.select(platforms, langs)
    if not items:
        raise PublishError(f"{folder}: no posts for {', '.join(platforms)}")
    threads = {i.thread_id for i in items if i.thread_id}
    unknown = [t for t in restart if t not in threads]
    if unknown:
        raise PublishError(
            f"--restart-thread: {', '.join(unknown)} is not a thread being published "
            f"(threads: {', '.join(sorted(threads)) or 'none'})"
        )
    if at is not None and platforms != ("mastodon",):
        raise PublishError("--at: only Mastodon schedules posts; use it with --platform mastodon alone")
    routes, skipped = route_items(items, accounts)
    report = Report(no_account=skipped)
    # Oldest due first, so a run that catches up sends the week in its order; the sort is
    # stable, so a thread's parts (one due time) stay in order.
    items.sort(key=lambda i: _due_key(i))
    due: list[Item] = []
    for item in items:
        if item.key in skipped:
            continue
        if at is not None and item.thread is not None:
            report.left[item.key] = (
                "a thread part: Mastodon cannot schedule a reply, so the thread goes out on its own "
                "day from a run without --at"
            )
        elif cutoff is not None and item.post.due is not None and item.post.due > cutoff:
            report.not_due[item.key] = item.post.due.isoformat()
        else:
            due.append(item)
    if report.not_due:
        report.next_due = min(report.not_due.values(), key=dt.datetime.fromisoformat)
    # A dry run builds every route's publisher without credentials, to check every post;
    # a real run only those with something due, so a missing secret stops only its own posts.
    checked = [i for i in (items if dry_run else due) if i.key in routes and i.key not in report.left]
    needed = {routes[i.key].key: routes[i.key] for i in checked}
    options = StatusOptions(visibility, at, templates)
    publishers = {
        key: make_publisher(
            route.platform,
            _settings(route, environ, secrets, dry_run),
            secrets,
            retry or RetryPolicy(),
            options,
        )
        for key, route in needed.items()
    }
    for item in checked:  # reads and checks every card once, before anything is sent
        publishers[routes[item.key].key].check(item, kit)
    tell = progress or (lambda key, action, detail: None)
    ledger_view = Ledger(folder, kit.appeal, kit.cycle)  # reads only; nothing is saved
    for item in items:
        report.rows.append(_row(item, routes.get(item.key), report, ledger_view.state(item.key)))
    due_threads = {i.thread_id for i in due if i.thread_id}
    if dry_run:
        report.stopped.update({} if restart else _stopped_threads(ledger_view, approval, due_threads))
        for item in due:
            if item.thread_id in report.stopped:
                report.planned[item.key] = "stopped: thread begun under another approval"
                continue
            state = ledger_view.state(item.key)
            if state == FAILED and not (ledger_view.get(item.key) or {}).get("unsent"):
                state = SENDING  # failed after a try that may have landed: looked for first
            report.planned[item.key] = {
                DONE: "already published",
                SENDING: "check on the platform, then send if not out",
                UNCERTAIN: "uncertain: resolve by hand",
            }.get(state or "", "send")
        return report
    with publish_lock(folder):
        ledger = Ledger(folder, kit.appeal, kit.cycle)
        by_item = {i.key: publishers[routes[i.key].key] for i in due}
        _apply_resolve(ledger, due, resolve, by_item)
        for thread_id in restart:
            if thread_id not in _stopped_threads(ledger, approval, {thread_id}):
                raise PublishError(
                    f"--restart-thread: {thread_id} is not stopped (nothing of it went out under "
                    "another approval); nothing to restart"
                )
            ledger.abandon(thread_id, f"restarted by hand under approval {approval.id[:12]}")
            report.restarted.append(thread_id)
        report.stopped.update(_stopped_threads(ledger, approval, due_threads))
        for item in due:
            if item.thread_id in report.stopped:
                continue
            item = _with_generation(item, ledger)
            _publish_one(item, kit, ledger, publishers[routes[item.key].key], report, tell, approval)
    return report


def _with_generation(item: Item, ledger: Ledger) -> Item:
    """The item with the remote key of its thread's generation (unchanged before a restart)."""
    gen = ledger.generation(item.thread_id) if item.thread_id else 0
    return dataclasses.replace(item, remote_key=f"{item.key}#{gen}") if gen else item


def _begun(entry: Mapping[str, Any]) -> bool:
    """Whether a part is out or may be: done, sending, uncertain, or failed without proof it was not sent."""
    state = entry.get("state")
    return state in (DONE, SENDING, UNCERTAIN) or (state == FAILED and not entry.get("unsent"))


def _stopped_threads(ledger: Ledger, approval: Approval, threads: set[str]) -> dict[str, str]:
    """Thread id -> why it stops: a part went out (or may have) as part of another thread.

    A part counts as the same thread only when the ledger recorded it with the digest of
    the whole thread as approved now; a part known not to have been sent does not count.
    """
    out: dict[str, str] = {}
    for thread_id in sorted(threads):
        want = approval.threads.get(thread_id)
        begun = {k: e for k, e in ledger.thread_entries(thread_id).items() if _begun(e)}
        foreign = {k: e for k, e in begun.items() if e.get("thread_digest") != want}
        if not foreign:
            continue
        approvals = sorted({str(e.get("approval") or "unknown")[:12] for e in foreign.values()})
        lines = []
        for key, entry in sorted(foreign.items(), key=lambda kv: _part_number(kv[0])):
            remote = entry.get("remote") or {}
            where = remote.get("uri") or remote.get("url") or remote.get("id") or ""
            lines.append(f"    {key}: {entry['state']} {where}".rstrip())
        out[thread_id] = (
            f"thread {thread_id} was begun under approval {', '.join(approvals)} with other content than "
            f"the approval now ({approval.id[:12]}, by {approval.by} at {approval.at}); a thread is "
            "never continued under another approval, so none of it is sent. Its parts on record:\n"
            + "\n".join(lines)
            + "\n  Look at them on the platform and delete them (or leave them), then post the roll call "
            f"as approved now as a new thread: publish again with --restart-thread {thread_id}"
        )
    return out


def _part_number(key: str) -> int:
    tail = key.rsplit(":", 1)[-1]
    return int(tail) if tail.isdigit() else 0


def _due_key(item: Item) -> dt.datetime:
    return item.post.due.astimezone(dt.UTC) if item.post.due else dt.datetime.min.replace(tzinfo=dt.UTC)


def _settings(route: Route, environ: Mapping[str, str], secrets: Secrets, dry_run: bool) -> dict[str, str]:
    """A route's publisher settings; a dry run needs no credentials and gets none."""
    if route.account is not None:
        return settings_for(route.account, environ, secrets, need_secret=not dry_run)
    if dry_run:
        names = ENV[route.platform] + (("CAMPAIGN_KIT_TELEGRAM_API",) if route.platform == "telegram" else ())
        return {n: "" if n in SECRET_NAMES else (environ.get(n) or DEFAULTS.get(n, "")) for n in names}
    return read_env(route.platform, environ, secrets)


def _row(item: Item, route: Route | None, report: Report, state: str | None) -> dict[str, Any]:
    """One post of the plan, as ``--dry-run`` shows it and ``--json`` gives it."""
    if item.key in report.no_account:
        action = "skip: " + report.no_account[item.key]
    elif item.key in report.left:
        action = "leave: " + report.left[item.key]
    elif item.key in report.not_due:
        action = "wait: not due yet"
    else:
        action = {
            DONE: "done: already published",
            SENDING: "check on the platform, then send if not out",
            UNCERTAIN: "uncertain: resolve by hand (--resolve)",
        }.get(state or "", "send" if item.parent is None else "send as a reply to the part before")
    return {
        "key": item.key,
        "due": item.post.due.isoformat() if item.post.due else None,
        "account": route.label if route else None,
        "action": action,
        "text": item.post.api_text,
        "card": item.card,
    }


def _apply_resolve(
    ledger: Ledger, items: list[Item], resolve: Mapping[str, str | None], publishers: Mapping[str, Publisher]
) -> None:
    """Settle ``--resolve`` verdicts; ``publishers``: item key -> the publisher of its account."""
    by_key = {i.key: i for i in items}
    for key, remote_id in resolve.items():
        item = by_key.get(key)
        if item is None:
            raise PublishError(f"--resolve: no post {key!r} among the posts being published")
        state = ledger.state(key)
        if state not in (UNCERTAIN, SENDING, FAILED):
            raise PublishError(f"--resolve: post {key} is {state or 'not sent'}, not uncertain")
        if remote_id is None:
            ledger.update(
                key, item.platform, item.lang, FAILED, error="resolved by hand: not sent", unsent=True
            )
        else:
            # Each platform reads what a person pastes (a link, a URI, an id) into what replies
            # and the ledger need (Bluesky: the record's URI and CID, looked up on the PDS).
            try:
                remote = publishers[key].resolve(item, remote_id)
            except Refused as exc:
                raise PublishError(f"--resolve {key}: {exc.message}") from None
            ledger.update(key, item.platform, item.lang, DONE, remote=remote)


def _publish_one(
    item: Item,
    kit: Kit,
    ledger: Ledger,
    pub: Publisher,
    report: Report,
    tell: Progress,
    approval: Approval | None = None,
) -> None:
    state = ledger.state(item.key)
    approved = approval.posts.get(item.key) if approval else None
    # What this post is, as approved: recorded with every entry, so a later run can tell a
    # part of this thread (or this very post) from one sent under another approval.
    mark: dict[str, Any] = {}
    if approval is not None and approved is not None:
        mark = {"approval": approval.id, "content": approved.content}
        if item.thread_id:
            mark["thread_digest"] = approval.threads.get(item.thread_id)
    if state == DONE:
        report.already.append(item.key)
        content = (ledger.get(item.key) or {}).get("content")
        if mark and content is not None and content != mark["content"]:
            report.outdated[item.key] = (
                f"{item.key} went out under an earlier approval with other content than the approval "
                "now; it stays as it is: correct it on the platform if needed"
            )
        return
    if state == UNCERTAIN:
        report.uncertain[item.key] = ledger.get(item.key).get("reason", "")  # type: ignore[union-attr]
        return
    root = parent = None
    if item.parent is not None:
        if ledger.state(item.parent) != DONE:
            report.blocked.append(item.key)
            return
        parent = ledger.remote(item.parent)
        root = ledger.remote(item.thread) if item.thread else None
    entry = ledger.get(item.key) or {}
    # A post tried before whose write may have landed (sending; failed without proof it was not
    # sent) is looked for on the platform first, with the intent of that first try.
    tried = state == SENDING or (state == FAILED and not entry.get("unsent"))
    intent = entry.get("intent") if tried else None
    if intent is not None:
        try:
            found = pub.recover(item, intent)
        except Uncertain as exc:
            ledger.update(item.key, item.platform, item.lang, UNCERTAIN, reason=str(exc))
            report.uncertain[item.key] = str(exc)
            tell(item.key, "uncertain", str(exc))
            return
        except Refused as exc:
            raise PublishError(
                f"{item.platform}: cannot tell whether post {item.key} is out: {exc.message}"
            ) from None
        if found is not None:
            ledger.update(item.key, item.platform, item.lang, DONE, remote=found)
            report.recovered.append(item.key)
            tell(item.key, "recovered", found.get("uri") or found.get("url") or found.get("id", ""))
            return
        intent = pub.refresh(intent, _now())
    else:
        intent = pub.intent(item, kit, _now())
    attempts = int(entry.get("attempts", 0)) + 1
    ledger.update(item.key, item.platform, item.lang, SENDING, intent=intent, attempts=attempts, **mark)

    def not_sent(error: str) -> None:
        # This try sent nothing; but after a try that may have landed, that proves nothing of
        # the post: it stays "sending" with the first try's intent, to be looked for first.
        if tried:
            ledger.update(item.key, item.platform, item.lang, SENDING, intent=intent, error=error)
        else:
            ledger.update(item.key, item.platform, item.lang, FAILED, intent=intent, error=error, unsent=True)

    try:
        remote = pub.send(item, kit, intent, root, parent)
    except Refused as exc:
        not_sent(exc.message)
        raise PublishError(
            f"{item.platform} refused post {item.key}: {exc.message}; nothing of it was posted. "
            "Fix the cause and run publish again: what is out stays out"
        ) from None
    except Uncertain as exc:
        ledger.update(item.key, item.platform, item.lang, UNCERTAIN, reason=str(exc), intent=intent)
        report.uncertain[item.key] = str(exc)
        tell(item.key, "uncertain", str(exc))
        return
    except GaveUp as exc:
        if not exc.maybe_sent:
            not_sent(exc.message)
            raise
        # It may be out: it stays "sending" with the first try's intent (its Idempotency-Key
        # time, its record key), so the next run looks before it writes.
        ledger.update(item.key, item.platform, item.lang, SENDING, intent=intent, error=exc.message)
        raise PublishError(
            f"{exc.message}; post {item.key} may be out: the next run of publish looks for it "
            "on the platform before sending it again"
        ) from None
    except PublishError as exc:
        # Failures before any request for this post (log in, the card).
        not_sent(exc.message)
        raise
    ledger.update(item.key, item.platform, item.lang, DONE, remote=remote)
    report.published.append(item.key)
    tell(item.key, "published", remote.get("uri") or remote.get("url") or remote.get("id", ""))


def status(folder: Path, platforms: tuple[str, ...] = PLATFORMS) -> dict[str, Any]:
    """What is out and what is left, per post, with the approval's state; reads only."""
    kit = load_cycle(folder)
    try:
        approval = read_approval(folder)
    except ApprovalError as exc:
        approval, problem = None, exc.message
    else:
        problem = None
    if approval is None:
        approval_state: dict[str, Any] = {"approved": False}
        if problem:
            approval_state["problem"] = problem
    else:
        diff = changes(folder, approval, kit)
        approval_state = {
            "approved": not diff,
            "id": approval.id,
            "by": approval.by,
            "at": approval.at,
            "changed": diff,
            "rebuilt": rebuilt_since(folder, approval),
        }
    ledger = Ledger(folder, kit.appeal, kit.cycle)
    rows = []
    for item in kit.select(platforms):
        entry = ledger.get(item.key) or {}
        remote = entry.get("remote") or {}
        rows.append(
            {
                "key": item.key,
                "platform": item.platform,
                "lang": item.lang,
                "state": entry.get("state", "left"),
                "due": item.post.due.isoformat() if item.post.due else None,
                "account": item.post.account,
                "remote": remote.get("uri") or remote.get("url") or remote.get("id"),
                "note": entry.get("reason") or entry.get("error"),
            }
        )
    counts: dict[str, int] = {}
    for row in rows:
        counts[row["state"]] = counts.get(row["state"], 0) + 1
    return {
        "appeal": kit.appeal,
        "cycle": kit.cycle,
        "approval": approval_state,
        "counts": counts,
        "posts": rows,
        "ledger": str(folder / paths.LEDGER),
    }


__all__ = ["PLATFORMS", "ApprovalError", "Report", "parse_platforms", "publish", "status"]
