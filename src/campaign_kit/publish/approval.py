"""``approval.json``: who reviewed exactly which kit, and the check ``publish`` makes.

``approve`` takes only a complete build: every file ``manifest.json`` lists hashes to its
record, nothing else lies in the folder, no build of the cycle is running (it holds the build
lock while it reads), and every kind in the folder was made from the same inputs (roster,
campaign, templates, assets) as the review page. It then records the appeal, the cycle, the
manifest's sha256 and every post to send (text, alt text, card path and sha256, due time and
account when the posts carry them). The approval's ``id`` is the sha256 of all of that, who
and when included, so an edit of any field (``approved_by`` too) is refused.

``publish`` (:func:`approved_kit`) checks that the folder's path, its manifest and the
approval agree on appeal and cycle, that the manifest and every post are still what was
approved, and hands out the cards through a :class:`CardStore` that reads each card once and
checks those bytes against the approval: the bytes checked are the bytes sent.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import os
import stat
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from campaign_kit import paths
from campaign_kit.build.manifest import Entry
from campaign_kit.errors import ApprovalError, BusyError
from campaign_kit.output import BuildLock
from campaign_kit.publish.cycle import Item, Kit, kit_from, read_built
from campaign_kit.publish.files import (
    file_digest,
    out_root_of,
    parse_json,
    read_bytes,
    read_json,
    sha256,
    write_json_atomic,
)
from campaign_kit.publish.images import CardStore

SCHEMA = 2
MAX_NAME = 100
# What each recorded input is, as a person knows it (for "made from another roster.json").
INPUT_NAMES = {
    "roster": "roster.json",
    "campaign": "campaign.toml",
    "templates": "templates/",
    "assets": "assets/",
}
# Kinds a publish reads or a reviewer looks at: they must all come from one set of inputs.
REQUIRED_KINDS = ("posts", "review")


def _canonical(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def _digest(data: Any) -> str:
    return hashlib.sha256(_canonical(data)).hexdigest()


@dataclass(frozen=True)
class ApprovedPost:
    """One post as it was approved.

    Attributes:
        key: Its ledger key (``bluesky:en:ablab-hanna``, ``bluesky:en:thread:2``).
        platform: The platform.
        lang: The language.
        kind: ``post`` or ``thread``.
        part: The thread part's number (None for a post).
        text: The text as sent (the API text).
        alt_text: The card's alt text.
        card: The card's path in the cycle folder, or None.
        card_sha256: The card's sha256, or None.
        due: When it is due (ISO 8601), when the posts carry a posting plan.
        account: The account it goes to (never a secret), when the posts carry one.
        record_sha256: sha256 of its whole ``posts.json`` record (any other field changed).

    """

    key: str
    platform: str
    lang: str
    kind: str
    part: int | None
    text: str
    alt_text: str | None
    card: str | None
    card_sha256: str | None
    due: str | None
    account: Any
    record_sha256: str

    @property
    def content(self) -> str:
        """Digest of what a reader sees: text, alt text, card bytes, and the account it is on."""
        return _digest([self.text, self.alt_text, self.card_sha256, self.account])

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (an ``approval.json`` ``posts`` record)."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: Any) -> ApprovedPost:
        """Read a record back (KeyError/TypeError when malformed)."""
        if not isinstance(data, dict):
            raise TypeError("a post record must be an object")
        return cls(**{f.name: data[f.name] for f in dataclasses.fields(cls)})


@dataclass(frozen=True)
class Approval:
    """A recorded approval.

    Attributes:
        id: sha256 over every other field (who and when included).
        appeal: The appeal key.
        cycle: The ISO week.
        by: Who approved.
        at: When (UTC, ISO 8601).
        manifest_sha256: sha256 of ``manifest.json`` as approved.
        inputs: The input digests the approved build was made from.
        posts: Ledger key -> the post as approved, in publishing order.
        threads: Thread id (``bluesky:en:thread``) -> digest of the whole thread as approved.

    """

    id: str
    appeal: str
    cycle: str
    by: str
    at: str
    manifest_sha256: str
    inputs: dict[str, str]
    posts: dict[str, ApprovedPost]
    threads: dict[str, str]

    @property
    def digest(self) -> str:
        """The approval's id (the name older callers used)."""
        return self.id

    @property
    def files(self) -> dict[str, str]:
        """Card path -> sha256 of every card a post carries."""
        return {p.card: p.card_sha256 for p in self.posts.values() if p.card and p.card_sha256}

    def record(self) -> dict[str, Any]:
        """The ``approval.json`` document."""
        return {"schema": SCHEMA, "id": self.id, **_body(self)}


def _head(a: Approval) -> dict[str, Any]:
    """What was approved, by whom and when: the head of the record and of the summary."""
    return {
        "appeal": a.appeal,
        "cycle": a.cycle,
        "approved_by": a.by,
        "approved_at": a.at,
        "manifest_sha256": a.manifest_sha256,
    }


def _body(a: Approval) -> dict[str, Any]:
    """Everything the id is the digest of."""
    return {
        **_head(a),
        "inputs": a.inputs,
        "posts": [p.to_dict() for p in a.posts.values()],
        "threads": dict(sorted(a.threads.items())),
    }


def check_name(name: str) -> str:
    """Validate the approver's name: 1 to 100 printable characters, trimmed."""
    name = name.strip()
    if not name:
        raise ApprovalError("--by: give the name of the person who reviewed the kit")
    if len(name) > MAX_NAME:
        raise ApprovalError(f"--by: a name of at most {MAX_NAME} characters, not {len(name)}")
    if any(unicodedata.category(c).startswith("C") for c in name):
        raise ApprovalError("--by: the name holds a control character")
    return name


def _build_command(folder: Path) -> str:
    return f"campaign-kit build --appeal {folder.parent.name} --cycle {folder.name}"


def _approved_post(item: Item, card_sha: str | None) -> ApprovedPost:
    record = dict(item.record) or item.post.to_dict()
    due, account = record.get("due"), record.get("account")
    return ApprovedPost(
        key=item.key,
        platform=item.platform,
        lang=item.lang,
        kind=item.post.kind,
        part=item.post.part if item.post.kind == "thread" else None,
        text=item.post.api_text,
        alt_text=item.post.alt_text,
        card=item.card,
        card_sha256=card_sha,
        due=None if due is None else str(due),
        account=account,
        record_sha256=_digest(record),
    )


def thread_digests(items: list[Item], posts: Mapping[str, ApprovedPost]) -> dict[str, str]:
    """Thread id -> digest of the whole thread: platform, language, and every part's content.

    A thread is one unit: its parts may go out only if every part already out was sent as a
    part of the thread with this very digest.
    """
    parts: dict[str, list[Any]] = {}
    for item in items:
        if item.thread_id:
            p = posts[item.key]
            parts.setdefault(item.thread_id, []).append([p.part, p.content])
    return {tid: _digest([tid, sorted(ps)]) for tid, ps in parts.items()}


@dataclass(frozen=True)
class _Build:
    manifest_sha256: str
    manifest: dict[str, Any]
    entries: dict[str, Entry]
    kit: Kit


def _entries(folder: Path, manifest: Mapping[str, Any]) -> dict[str, Entry]:
    raw = manifest.get("files")
    if not isinstance(raw, list):
        raise ApprovalError(f"{folder / paths.MANIFEST}: lists no files; run `{_build_command(folder)}`")
    entries: dict[str, Entry] = {}
    for n, item in enumerate(raw):
        entry = Entry.from_dict(item)
        if entry is None:
            raise ApprovalError(
                f"{folder / paths.MANIFEST}: files[{n}] is malformed; run `{_build_command(folder)}`"
            )
        entries[entry.path] = entry
    return entries


def _walk(folder: Path) -> Iterator[tuple[str, bool]]:
    """``(relative path, is a link)`` of every file and link below ``folder``, links not followed."""
    for root, dirs, files in os.walk(folder, followlinks=False):
        base = Path(root)
        keep = []
        for d in sorted(dirs):
            if (base / d).is_symlink():
                yield (base / d).relative_to(folder).as_posix(), True
            elif not d.startswith("."):
                keep.append(d)
        dirs[:] = keep
        for name in sorted(files):
            full = base / name
            if name.startswith("."):
                continue
            try:
                mode = full.lstat().st_mode
            except OSError:
                continue
            yield full.relative_to(folder).as_posix(), stat.S_ISLNK(mode)


def _check_place(folder: Path, manifest: Mapping[str, Any]) -> None:
    where = (folder.parent.name, folder.name)
    said = (manifest.get("appeal"), manifest.get("cycle"))
    if said != where:
        raise ApprovalError(
            f"{folder}: holds the build of {said[0]} {said[1]} (manifest.json), not {where[0]} {where[1]}: "
            f"a copied or renamed cycle folder is never approved or published; run `{_build_command(folder)}`"
        )


def _verified_build(folder: Path) -> _Build:
    """The build in ``folder``, checked to be complete and made from one set of inputs."""
    manifest_bytes, manifest, posts_bytes = read_built(folder)
    _check_place(folder, manifest)
    entries = _entries(folder, manifest)
    problems: list[str] = []
    for rel, entry in sorted(entries.items()):
        if rel == paths.POSTS_JSON:
            found = None if posts_bytes is None else (sha256(posts_bytes), len(posts_bytes))
        else:
            found = file_digest(folder, rel)
        if found is None:
            problems.append(f"{rel} is missing")
        elif found != (entry.sha256, entry.size):
            problems.append(f"{rel} differs from its record")
    built = {paths.MANIFEST, *paths.NOT_BUILT}
    for rel, is_link in _walk(folder):
        if is_link:
            problems.append(f"{rel} is a symbolic link")
        elif rel not in entries and rel not in built and rel.split("/", 1)[0] not in paths.NOT_BUILT_DIRS:
            problems.append(f"{rel} is not in manifest.json")
    if problems:
        shown = problems[:12] + ([f"... and {len(problems) - 12} more"] if len(problems) > 12 else [])
        raise ApprovalError(
            f"{folder}: cannot approve: the folder is not the complete build manifest.json records "
            "(a build was stopped, or files were changed by hand):\n"
            + "\n".join(f"  {line}" for line in shown)
            + f"\nRun `{_build_command(folder)}`, review index.html, then approve"
        )
    kinds = {e.kind for e in entries.values()}
    absent = [k for k in REQUIRED_KINDS if k not in kinds]
    if absent:
        raise ApprovalError(
            f"{folder}: cannot approve: the build has no {' and no '.join(absent)} "
            f"(publish sends the posts, the reviewer reads the review page); run `{_build_command(folder)}`"
        )
    _check_one_set_of_inputs(folder, manifest, kinds)
    raw_posts = parse_json(folder / paths.POSTS_JSON, posts_bytes or b"null")
    kit = kit_from(folder, manifest, raw_posts)
    return _Build(sha256(manifest_bytes), manifest, entries, kit)


def _check_one_set_of_inputs(folder: Path, manifest: Mapping[str, Any], kinds: set[str]) -> None:
    inputs = {k: v for k, v in (manifest.get("inputs") or {}).items() if k != "all"}
    built_from = manifest.get("built_from")
    if not isinstance(built_from, dict) or not inputs:
        raise ApprovalError(
            f"{folder}: cannot approve: manifest.json does not say what each part was made from "
            f"(an older campaign-kit made it); run `{_build_command(folder)}`"
        )
    stale: list[str] = []
    for kind in sorted(kinds):
        made = built_from.get(kind)
        if made == inputs:
            continue
        which = sorted(
            INPUT_NAMES.get(k, k) for k in inputs if not isinstance(made, dict) or made.get(k) != inputs[k]
        )
        stale.append(f"{kind} (another {', '.join(which)})")
    if stale:
        raise ApprovalError(
            f"{folder}: cannot approve: parts of this kit were made from other inputs than the review "
            f"page: {'; '.join(stale)}. A build with --only left them as they were. Run "
            f"`{_build_command(folder)}` (without --only) so every part is made from the same roster, "
            "campaign, templates and assets; review index.html, then approve"
        )


def _approved_posts(folder: Path, kit: Kit, card_sha: Mapping[str, str]) -> dict[str, ApprovedPost]:
    posts: dict[str, ApprovedPost] = {}
    for item in kit.items:
        if item.key in posts:
            raise ApprovalError(f"{folder / paths.POSTS_JSON}: two posts are {item.key}; build again")
        sha = None
        if item.card:
            sha = card_sha.get(item.card)
            if sha is None:
                raise ApprovalError(
                    f"{folder}: post {item.key} carries {item.card}, which manifest.json does not list; "
                    f"run `{_build_command(folder)}`"
                )
        posts[item.key] = _approved_post(item, sha)
    return posts


def approve(folder: Path, by: str, now: dt.datetime | None = None, dry_run: bool = False) -> Approval:
    """Record that the kit in ``folder`` was reviewed by ``by``; write ``approval.json``.

    With ``dry_run`` every check runs and the approval is returned, but nothing is written.

    Raises:
        ApprovalError: The name is empty or odd; a build is running; the folder is not the
            complete build its manifest records, or its parts come from different inputs
            (each message says which build to run).
        BuildError: The folder holds no build, or a link was planted in it.

    """
    by = check_name(by)
    lock = BuildLock(out_root_of(folder), f"{folder.parent.name}-{folder.name}")
    try:
        lock.__enter__()
    except BusyError:
        raise ApprovalError(
            f"{folder}: a build of this cycle is running; wait for it to finish, review the page it "
            "makes, then approve"
        ) from None
    try:
        build = _verified_build(folder)
        card_sha = {rel: e.sha256 for rel, e in build.entries.items()}
        posts = _approved_posts(folder, build.kit, card_sha)
        when = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).replace(microsecond=0)
        inputs = {k: v for k, v in build.manifest["inputs"].items() if k != "all"}
        approval = Approval(
            id="",
            appeal=build.kit.appeal,
            cycle=build.kit.cycle,
            by=by,
            at=when.isoformat().replace("+00:00", "Z"),
            manifest_sha256=build.manifest_sha256,
            inputs=inputs,
            posts=posts,
            threads=thread_digests(list(build.kit.items), posts),
        )
        approval = dataclasses.replace(approval, id=_digest(_body(approval)))
        if not dry_run:
            write_json_atomic(folder / paths.APPROVAL, approval.record())
        return approval
    finally:
        lock.__exit__(None, None, None)


def read_approval(folder: Path) -> Approval | None:
    """The cycle's recorded approval, or None if it has none.

    Raises:
        ApprovalError: The file is malformed, from an older version, or was edited (its id no
            longer matches its content).

    """
    path = folder / paths.APPROVAL
    data = read_json(path)
    if data is None:
        return None
    again = "approve the cycle again after a review"
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        schema = data.get("schema") if isinstance(data, dict) else None
        raise ApprovalError(f"{path}: schema {schema!r} is not {SCHEMA} (an older approval); {again}")
    try:
        posts = [ApprovedPost.from_dict(p) for p in data["posts"]]
        approval = Approval(
            id=str(data["id"]),
            appeal=str(data["appeal"]),
            cycle=str(data["cycle"]),
            by=str(data["approved_by"]),
            at=str(data["approved_at"]),
            manifest_sha256=str(data["manifest_sha256"]),
            inputs=dict(data["inputs"]),
            posts={p.key: p for p in posts},
            threads=dict(data["threads"]),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ApprovalError(f"{path}: malformed ({exc}); {again}") from None
    if _digest(_body(approval)) != approval.id or {k for k in data if k != "schema"} != {
        "id",
        *_body(approval),
    }:
        raise ApprovalError(
            f"{path}: was changed after it was written (its id no longer matches what it records); "
            f"nothing is published from it. {again}"
        )
    return approval


def _post_changes(approval: Approval, now: Mapping[str, ApprovedPost]) -> list[str]:
    out: list[str] = []
    labels = (("text", "text"), ("alt_text", "alt text"), ("card", "card"), ("card_sha256", "card"))
    labels += (("due", "due time"), ("account", "account"))
    for key in list(approval.posts) + [k for k in now if k not in approval.posts]:
        before, after = approval.posts.get(key), now.get(key)
        if before is None:
            out.append(f"post {key} is new")
        elif after is None:
            out.append(f"post {key} was removed")
        elif before != after:
            what = list(
                dict.fromkeys(label for f, label in labels if getattr(before, f) != getattr(after, f))
            )
            out.append(f"post {key} changed ({', '.join(what) or 'its record'})")
    return out


def rebuilt_since(folder: Path, approval: Approval) -> bool:
    """Whether the cycle was built again since the approval (its manifest differs).

    Not a change of what is sent by itself (see :func:`changes`): the review page says it.
    """
    manifest_bytes, _, _ = read_built(folder)
    return sha256(manifest_bytes) != approval.manifest_sha256


def changes(folder: Path, approval: Approval, kit: Kit | None = None) -> list[str]:
    """What differs, of what publish would send, between the folder and its approval (reads only).

    One line per change: the folder's appeal or cycle, a post new, removed or changed (and
    in what: text, alt text, card, due time, account), a card changed or missing.
    """
    out: list[str] = []
    _, manifest, posts_bytes = read_built(folder)
    where = (folder.parent.name, folder.name)
    if (approval.appeal, approval.cycle) != where or (manifest.get("appeal"), manifest.get("cycle")) != where:
        out.append(
            f"the folder is {where[0]} {where[1]}, its manifest.json says {manifest.get('appeal')} "
            f"{manifest.get('cycle')}, the approval {approval.appeal} {approval.cycle}"
        )
    if kit is None:
        raw = None if posts_bytes is None else parse_json(folder / paths.POSTS_JSON, posts_bytes)
        kit = kit_from(folder, manifest, raw)
    card_sha: dict[str, str] = {}
    for item in kit.items:
        if item.card and item.card not in card_sha:
            found = file_digest(folder, item.card)
            card_sha[item.card] = found[0] if found else "missing"
    now = {i.key: _approved_post(i, card_sha.get(i.card) if i.card else None) for i in kit.items}
    out += _post_changes(approval, now)
    for rel, sha in sorted(approval.files.items()):
        if card_sha.get(rel) not in (sha, None):
            out.append(f"{rel} {'is missing' if card_sha[rel] == 'missing' else 'changed'}")
    return out


def approved_kit(folder: Path) -> tuple[Kit, Approval]:
    """The kit to publish from ``folder``, checked against its approval, with its card store.

    Raises:
        ApprovalError: Not approved; the approval was edited; folder, manifest and approval
            disagree on appeal or cycle; or the manifest or any post changed since (each
            change named).

    """
    _, manifest, posts_bytes = read_built(folder)
    approval = read_approval(folder)
    if approval is None:
        raise ApprovalError(
            f"{folder}: not approved; review index.html, then run "
            f"`campaign-kit approve --appeal {folder.parent.name} --cycle {folder.name} --by NAME`"
        )
    where = (folder.parent.name, folder.name)
    said = (manifest.get("appeal"), manifest.get("cycle"))
    if not (where == said == (approval.appeal, approval.cycle)):
        raise ApprovalError(
            f"{folder}: the folder is {where[0]} {where[1]}, its manifest.json says {said[0]} {said[1]} "
            f"and its approval {approval.appeal} {approval.cycle}: a copied or renamed cycle folder is "
            "never published. Build and approve this cycle in its own folder"
        )
    # A rebuild that changed nothing publish sends (a roster edit outside the appeal, the
    # review page showing the approval) changes the manifest but not what goes out; the
    # posts and every card byte are checked below, so the manifest's digest is on record only.
    diff: list[str] = []
    entries = _entries(folder, manifest)
    record = entries.get(paths.POSTS_JSON)
    if posts_bytes is None or record is None or sha256(posts_bytes) != record.sha256:
        diff.append("posts.json differs from manifest.json's record")
    raw = None if posts_bytes is None else parse_json(folder / paths.POSTS_JSON, posts_bytes)
    kit = kit_from(folder, manifest, raw)
    # The cards are checked when read (once, by the store); here the posts' own fields.
    now = {
        i.key: _approved_post(i, approval.posts[i.key].card_sha256 if i.key in approval.posts else None)
        for i in kit.items
    }
    diff += _post_changes(approval, now)
    store = CardStore(lambda rel: read_bytes(folder, rel), approval.files, folder)
    diff += store.load()
    if diff:
        shown = diff[:20] + ([f"... and {len(diff) - 20} more"] if len(diff) > 20 else [])
        raise ApprovalError(
            f"{folder}: changed since {approval.by} approved it at {approval.at}; nothing was sent. "
            "Review and approve again:\n" + "\n".join(f"  {line}" for line in shown)
        )
    return dataclasses.replace(kit, cards=store), approval


def approval_summary(approval: Approval) -> dict[str, Any]:
    """JSON-ready summary of an approval (for ``--json``)."""
    return {
        "id": approval.id,
        **_head(approval),
        "posts": len(approval.posts),
        "cards": len(approval.files),
        "threads": sorted(approval.threads),
    }
