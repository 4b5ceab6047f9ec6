"""Telegram through the Bot API: a photo with its caption per post, the thread as replies.

The Bot API has no idempotency key and a bot cannot read back a channel, so the ledger is
the only guard: a post whose ``sending`` entry was never confirmed is reported as uncertain,
and a person who has looked at the channel resolves it (``publish --resolve``).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from urllib3.exceptions import NewConnectionError

from campaign_kit.errors import PublishError
from campaign_kit.platforms import utf16_units
from campaign_kit.publish.cycle import Item, Kit
from campaign_kit.publish.images import load_card
from campaign_kit.publish.remote import Refused, RetryPolicy, Secrets, Transient, Uncertain

MAX_CAPTION = 1024
MAX_MESSAGE = 4096
PHOTO_LIMIT = 10 * 1024 * 1024


class Telegram:
    """Publishes items to one Telegram chat or channel through a bot.

    Args:
        env: Settings from :func:`campaign_kit.publish.remote.read_env`.
        secrets: Where the bot token is registered for redaction.
        retry: The retry policy.

    """

    name = "telegram"

    def __init__(self, env: dict[str, str], secrets: Secrets, retry: RetryPolicy) -> None:
        self._token = env["CAMPAIGN_KIT_TELEGRAM_TOKEN"]
        self.chat = env["CAMPAIGN_KIT_TELEGRAM_CHAT"]
        self.api = env["CAMPAIGN_KIT_TELEGRAM_API"].rstrip("/")
        self.secrets = secrets
        self.retry = retry
        self._session: Any = None

    def _request(self, what: str, method: str, data: dict[str, Any], files: dict[str, Any] | None) -> Any:
        import requests

        if self._session is None:
            self._session = requests.Session()

        def attempt() -> Any:
            try:
                response = self._session.post(
                    f"{self.api}/bot{self._token}/{method}", data=data, files=files, timeout=60
                )
            except requests.RequestException as exc:
                # Only a request that never reached Telegram is safe to send again: a refused
                # connection or a connect timeout. Anything later (a read timeout, a dropped
                # answer) may have posted, and the Bot API cannot be asked.
                reason = getattr(exc.args[0], "reason", None) if exc.args else None
                safe = isinstance(exc, requests.ConnectTimeout) or isinstance(reason, NewConnectionError)
                message = self.secrets.redact(f"{what}: no answer ({type(exc).__name__}: {exc})")
                raise (Transient(message) if safe else Uncertain(message)) from None
            try:
                body = response.json()
            except ValueError:
                body = {}
            if response.status_code == 200 and body.get("ok"):
                return body["result"]
            detail = self.secrets.redact(str(body.get("description") or response.reason))
            status = body.get("error_code") or response.status_code
            if status == 429 or status >= 500:
                wait = (body.get("parameters") or {}).get("retry_after")
                raise Transient(f"{what}: {status} {detail}", float(wait) if wait is not None else None)
            raise Refused(f"{what}: {status} {detail}", status)

        return self.retry.call(what, attempt)

    def check(self, item: Item, kit: Kit) -> None:
        """Check the caption or message fits, counted in UTF-16 units, without the network."""
        units = utf16_units(item.post.api_text)
        limit = MAX_CAPTION if item.card else MAX_MESSAGE
        if units > limit:
            kind = "caption" if item.card else "message"
            raise PublishError(
                f"telegram: post {item.key}'s {kind} is {units} UTF-16 units; the limit is {limit}"
            )
        if item.card:
            load_card(kit.folder / item.card, PHOTO_LIMIT)

    def intent(self, item: Item, kit: Kit, now: dt.datetime) -> dict[str, Any]:
        """What the ledger records before the call (Telegram offers nothing to repeat safely)."""
        return {"first_sent_at": now.isoformat()}

    def recover(self, item: Item, intent: dict[str, Any]) -> dict[str, Any] | None:
        """A bot cannot look a message up: an unconfirmed send is uncertain."""
        raise Uncertain(
            f"telegram: post {item.key} was sent at {intent['first_sent_at']} and not confirmed; "
            "look in the chat, then run publish again with "
            f"--resolve {item.key}=sent:MESSAGE_ID or --resolve {item.key}=unsent"
        )

    def send(
        self,
        item: Item,
        kit: Kit,
        intent: dict[str, Any],
        root: dict[str, Any] | None,
        parent: dict[str, Any] | None,
    ) -> dict[str, Any]:
        """Send the photo with its caption (or the text), replying to ``parent``; return the message id."""
        data: dict[str, Any] = {"chat_id": self.chat}
        if parent:
            data["reply_parameters"] = json.dumps({"message_id": int(parent["id"])})
        if item.card:
            card = load_card(kit.folder / item.card, PHOTO_LIMIT)
            data["caption"] = item.post.api_text
            files = {"photo": (item.card.rsplit("/", 1)[-1], card.data, card.mime)}
            result = self._request(f"telegram: post {item.key}", "sendPhoto", data, files)
        else:
            data["text"] = item.post.api_text
            result = self._request(f"telegram: post {item.key}", "sendMessage", data, None)
        return {"id": str(result["message_id"]), "chat": str(result.get("chat", {}).get("id", self.chat))}
