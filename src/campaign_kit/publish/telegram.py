"""Telegram through the Bot API: a photo with its caption per post, the thread as replies.

The Bot API has no idempotency key and a bot cannot read back a channel, so the ledger is
the only guard: a post whose ``sending`` entry was never confirmed is reported as uncertain,
and a person who has looked at the channel resolves it (``publish --resolve``).

Only two failures prove a message was not sent, and only they are retried: a connection that
never reached the server, and the Bot API's own refusal (``{"ok": false, "error_code": 4xx}``;
429 waits ``retry_after``). A 5xx, a lost, slow or cut-off answer, or anything that is not
the Bot API's JSON (a proxy's HTML page, even with 200) may come after the message went out:
the post is uncertain.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from urllib3.exceptions import NewConnectionError

from campaign_kit import jsonstrict
from campaign_kit.errors import PublishError
from campaign_kit.publish.cycle import Item, Kit
from campaign_kit.publish.publisher import Intent, Publisher, Remote
from campaign_kit.publish.remote import Refused, RetryPolicy, Secrets, Transient, Uncertain


class Telegram(Publisher):
    """Publishes items to one Telegram chat or channel through a bot (token, chat and API in ``env``)."""

    name = "telegram"

    def __init__(self, env: dict[str, str], secrets: Secrets, retry: RetryPolicy) -> None:
        super().__init__(secrets, retry)
        self._token = env["CAMPAIGN_KIT_TELEGRAM_TOKEN"]
        self.chat = env["CAMPAIGN_KIT_TELEGRAM_CHAT"]
        self.api = env["CAMPAIGN_KIT_TELEGRAM_API"].rstrip("/")
        self._session: Any = None

    def _request(self, what: str, method: str, data: dict[str, Any], files: dict[str, Any] | None) -> Any:
        import requests

        if self._session is None:
            self._session = requests.Session()

        def uncertain(why: str) -> Uncertain:
            return Uncertain(
                self.secrets.redact(f"{what}: {why}; the message may or may not be in the chat")
                + f". Look, then run publish again with --resolve {data.get('_key')}=sent:MESSAGE_ID "
                f"or --resolve {data.get('_key')}=unsent"
            )

        fields = {k: v for k, v in data.items() if not k.startswith("_")}

        def attempt() -> Any:
            try:
                response = self._session.post(
                    f"{self.api}/bot{self._token}/{method}",
                    data=fields,
                    files=files,
                    timeout=self.retry.timeout,
                )
                raw = response.content  # read it all here: a cut-off body raises now
            except requests.RequestException as exc:
                # Only a request that never reached Telegram is safe to send again: a refused
                # connection or a connect timeout. Anything later (a read timeout, a dropped
                # answer) may have posted, and the Bot API cannot be asked.
                reason = getattr(exc.args[0], "reason", None) if exc.args else None
                safe = isinstance(exc, requests.ConnectTimeout) or isinstance(reason, NewConnectionError)
                message = self.secrets.redact(f"{what}: no answer ({type(exc).__name__}: {exc})")
                if safe:
                    raise Transient(message) from None
                raise uncertain(f"no complete answer ({type(exc).__name__})") from None
            try:
                body = jsonstrict.loads(raw)
            except (ValueError, UnicodeDecodeError):
                body = None
            if not isinstance(body, dict) or not isinstance(body.get("ok"), bool):
                ctype = response.headers.get("Content-Type", "?").split(";")[0]
                raise uncertain(f"answer {response.status_code} is not the Bot API's JSON ({ctype})")
            if body["ok"]:
                result = body.get("result")
                if response.status_code != 200 or not isinstance(result, dict) or "message_id" not in result:
                    raise uncertain(f"answer {response.status_code} has no message in it")
                return result
            detail = self.secrets.redact(str(body.get("description") or response.reason)[:300])
            status = body.get("error_code")
            if not isinstance(status, int):
                status = response.status_code
            if status == 429:
                wait = (body.get("parameters") or {}).get("retry_after")
                wait = float(wait) if isinstance(wait, int | float) else None
                raise Transient(f"{what}: 429 {detail}", wait)
            if 400 <= status < 500 and 400 <= response.status_code < 500:
                raise Refused(f"{what}: {status} {detail}", status)
            raise uncertain(f"answer {status} {detail}")

        return self.retry.call(what, attempt)

    def intent(self, item: Item, kit: Kit, now: dt.datetime) -> Intent:
        """What the ledger records before the call (Telegram offers nothing to repeat safely)."""
        return {"first_sent_at": now.isoformat()}

    def resolve(self, item: Item, ref: str) -> Remote:
        """``--resolve KEY=sent:ID``: the message id (or its t.me link) a person found in the chat."""
        mid = ref.strip().rstrip("/").rsplit("/", 1)[-1].split("?")[0]
        if not mid.isdigit():
            raise PublishError(f"--resolve: {ref!r} is not a Telegram message id or t.me link")
        return {"id": mid, "chat": self.chat, "resolved_by_hand": True}

    def recover(self, item: Item, intent: Intent) -> Remote | None:
        """A bot cannot look a message up: an unconfirmed send is uncertain."""
        raise Uncertain(
            f"telegram: post {item.key} was sent at {intent['first_sent_at']} and not confirmed; "
            "look in the chat, then run publish again with "
            f"--resolve {item.key}=sent:MESSAGE_ID or --resolve {item.key}=unsent"
        )

    def send(
        self, item: Item, kit: Kit, intent: Intent, root: Remote | None, parent: Remote | None
    ) -> Remote:
        """Send the photo with its caption (or the text), replying to ``parent``; return the message id."""
        data: dict[str, Any] = {"chat_id": self.chat, "_key": item.key}
        if parent:
            data["reply_parameters"] = json.dumps({"message_id": int(parent["id"])})
        if item.card:
            card = kit.card_image(item.card, self.image_limit)
            data["caption"] = item.post.api_text
            files = {"photo": (item.card.rsplit("/", 1)[-1], card.data, card.mime)}
            result = self._request(f"telegram: post {item.key}", "sendPhoto", data, files)
        else:
            data["text"] = item.post.api_text
            result = self._request(f"telegram: post {item.key}", "sendMessage", data, None)
        return {"id": str(result["message_id"]), "chat": str(result.get("chat", {}).get("id", self.chat))}
