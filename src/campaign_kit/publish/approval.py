"""``approval.json``: who reviewed exactly which bytes, and the check ``publish`` makes.

The approval names every file a publish sends (``posts.json`` and each card a post carries)
with its sha256, and every post with the digest of its record, so a refusal can say which
post or card changed after the review rather than only that something did.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from campaign_kit import paths
from campaign_kit.errors import ApprovalError
from campaign_kit.publish.cycle import Kit, load_cycle
from campaign_kit.publish.files import read_json, write_json_atomic

SCHEMA = 1
MAX_NAME = 100


@dataclass(frozen=True)
class Approval:
    """A recorded approval.

    Attributes:
        by: Who approved.
        at: When (UTC, ISO 8601).
        digest: sha256 over every approved file's path and digest.
        files: Path -> sha256 of every file that will be published.
        posts: Ledger key -> sha256 of the post's record.

    """

    by: str
    at: str
    digest: str
    files: dict[str, str]
    posts: dict[str, str]


def _file_sha(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ApprovalError(f"{path}: cannot be read ({exc.strerror})") from None


def _post_digests(kit: Kit) -> dict[str, str]:
    return {
        i.key: hashlib.sha256(
            json.dumps(i.post.to_dict(), ensure_ascii=False, sort_keys=True).encode()
        ).hexdigest()
        for i in kit.items
    }


def _files(kit: Kit) -> dict[str, str | None]:
    rels = [paths.POSTS_JSON, *kit.card_paths()]
    return {rel: _file_sha(kit.folder / rel) for rel in rels}


def _digest(files: dict[str, str]) -> str:
    lines = "".join(f"{sha}  {rel}\n" for rel, sha in sorted(files.items()))
    return hashlib.sha256(lines.encode()).hexdigest()


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


def approve(folder: Path, by: str, now: dt.datetime | None = None) -> Approval:
    """Record that the kit in ``folder`` was reviewed by ``by``; write ``approval.json``.

    Raises:
        ApprovalError: The name is empty or odd, or a card a post carries is missing.
        BuildError: The folder holds no build.

    """
    by = check_name(by)
    kit = load_cycle(folder)
    found = _files(kit)
    missing = sorted(rel for rel, sha in found.items() if sha is None)
    if missing:
        raise ApprovalError(
            f"{folder}: cannot approve, {len(missing)} file(s) the posts need are missing: "
            + ", ".join(missing[:5])
        )
    files = {rel: sha for rel, sha in found.items() if sha is not None}
    when = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).replace(microsecond=0)
    approval = Approval(
        by=by,
        at=when.isoformat().replace("+00:00", "Z"),
        digest=_digest(files),
        files=files,
        posts=_post_digests(kit),
    )
    write_json_atomic(
        folder / paths.APPROVAL,
        {
            "schema": SCHEMA,
            "appeal": kit.appeal,
            "cycle": kit.cycle,
            "approved_by": approval.by,
            "approved_at": approval.at,
            "digest": approval.digest,
            "files": [{"path": rel, "sha256": sha} for rel, sha in sorted(files.items())],
            "posts": dict(sorted(approval.posts.items())),
        },
    )
    return approval


def read_approval(folder: Path) -> Approval | None:
    """The cycle's recorded approval, or None if it has none."""
    path = folder / paths.APPROVAL
    data = read_json(path)
    if data is None:
        return None
    try:
        if data["schema"] != SCHEMA:
            raise ApprovalError(f"{path}: schema {data['schema']!r} is not {SCHEMA}")
        files = {f["path"]: f["sha256"] for f in data["files"]}
        posts = dict(data["posts"])
        return Approval(str(data["approved_by"]), str(data["approved_at"]), data["digest"], files, posts)
    except (KeyError, TypeError) as exc:
        raise ApprovalError(f"{path}: malformed ({exc}); approve the cycle again") from None


def changes(folder: Path, approval: Approval, kit: Kit | None = None) -> list[str]:
    """What differs between the cycle folder and its approval, one line per change."""
    kit = kit or load_cycle(folder)
    out: list[str] = []
    now_posts = _post_digests(kit)
    for key in sorted(set(approval.posts) | set(now_posts)):
        before, after = approval.posts.get(key), now_posts.get(key)
        if before is None:
            out.append(f"post {key} is new")
        elif after is None:
            out.append(f"post {key} was removed")
        elif before != after:
            out.append(f"post {key} changed")
    now_files = _files(kit)
    for rel in sorted(set(approval.files) | set(now_files)):
        before, after = approval.files.get(rel), now_files.get(rel)
        if rel == paths.POSTS_JSON and before != after and out:
            continue  # already said post by post
        if before is None:
            out.append(f"{rel} is new")
        elif after is None:
            out.append(f"{rel} is missing")
        elif before != after:
            out.append(f"{rel} changed")
    return out


def require_approval(folder: Path, kit: Kit) -> Approval:
    """The cycle's approval, checked against the files as they are now.

    Raises:
        ApprovalError: Not approved, or approved files changed (each change named).

    """
    approval = read_approval(folder)
    if approval is None:
        raise ApprovalError(
            f"{folder}: not approved; review index.html, then run "
            f"`campaign-kit approve --appeal {kit.appeal} --cycle {kit.cycle} --by NAME`"
        )
    diff = changes(folder, approval, kit)
    if diff:
        shown = diff[:20] + ([f"... and {len(diff) - 20} more"] if len(diff) > 20 else [])
        raise ApprovalError(
            f"{folder}: changed since {approval.by} approved it at {approval.at}; "
            "review and approve again:\n" + "\n".join(f"  {line}" for line in shown)
        )
    return approval


def approval_summary(approval: Approval) -> dict[str, Any]:
    """JSON-ready summary of an approval (for ``--json``)."""
    return {
        "approved_by": approval.by,
        "approved_at": approval.at,
        "digest": approval.digest,
        "files": len(approval.files),
        "posts": len(approval.posts),
    }
