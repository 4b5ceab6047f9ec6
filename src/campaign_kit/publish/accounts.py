"""The accounts ``publish`` posts from, and their secrets, looked up by name.

campaign.toml names each account's secret (``secret = "CAMPAIGN_KIT_BLUESKY_EN"``); the value is
looked up here, first in the environment, then in the system keyring (where
``campaign-kit login`` puts it for people who do not keep secrets in environment variables).
A value lives only in memory: it is registered with :class:`Secrets` so every message that
leaves publish is scrubbed of it, and it is never written anywhere.

A project without ``[[accounts]]`` keeps the Version 2 way: one account per platform from the
``CAMPAIGN_KIT_<PLATFORM>_*`` variables, carrying every language.
"""

from __future__ import annotations

from collections.abc import Mapping

from campaign_kit.campaign.schedule import Account
from campaign_kit.errors import PublishError
from campaign_kit.publish.remote import DEFAULTS, Secrets

KEYRING_SERVICE = "campaign-kit"


def keyring_name() -> str:
    """The system keyring in use, for messages (``SecretService Keyring``); never a secret."""
    try:
        import keyring

        backend = keyring.get_keyring()
        return str(getattr(backend, "name", type(backend).__name__))
    except Exception:  # a broken keyring set-up names itself as missing, never a traceback
        return "no system keyring"


def lookup_secret(name: str, environ: Mapping[str, str]) -> str | None:
    """The secret called ``name``: the environment first, then the system keyring; None if neither.

    A keyring that is missing or locked counts as not having it (the caller's message says
    where to put it); nothing about the value is ever returned in an error.
    """
    value = (environ.get(name) or "").strip()
    if value:
        return value
    try:
        import keyring
        from keyring.errors import KeyringError

        try:
            stored = keyring.get_password(KEYRING_SERVICE, name)
        except KeyringError:
            return None
    except Exception:  # a keyring backend failing in its own way must not end the run
        return None
    return stored.strip() if stored and stored.strip() else None


def store_secret(name: str, value: str) -> str:
    """Store ``value`` as ``name`` in the system keyring; return the keyring's name.

    Raises:
        PublishError: No usable system keyring, or it refused (the message names the keyring
            and the secret's name, never the value).

    """
    try:
        import keyring
        from keyring.errors import KeyringError
    except ImportError:  # pragma: no cover - keyring is a dependency
        raise PublishError("the keyring library is not installed") from None
    where = keyring_name()
    try:
        keyring.set_password(KEYRING_SERVICE, name, value)
    except KeyringError as exc:
        raise PublishError(
            f"cannot store {name} in the system keyring ({where}: {type(exc).__name__}); "
            f"set the environment variable {name} instead"
        ) from None
    return where


def forget_secret(name: str) -> bool:
    """Delete ``name`` from the system keyring; False if it was not there."""
    import keyring
    from keyring.errors import KeyringError, PasswordDeleteError

    try:
        keyring.delete_password(KEYRING_SERVICE, name)
    except PasswordDeleteError:
        return False
    except KeyringError as exc:
        raise PublishError(f"cannot reach the system keyring ({type(exc).__name__})") from None
    return True


def settings_for(
    account: Account, environ: Mapping[str, str], secrets: Secrets, *, need_secret: bool = True
) -> dict[str, str]:
    """The publisher settings of ``account``, in the form the platform modules take.

    Args:
        account: From campaign.toml.
        environ: The environment (the secret, and ``CAMPAIGN_KIT_TELEGRAM_API`` for a
            self-hosted Bot API server).
        secrets: Where the secret's value is registered for redaction.
        need_secret: False for a dry run, which sends nothing and needs no credentials.

    Raises:
        PublishError: The secret is in neither the environment nor the keyring (named by its
            name, with how to set it).

    """
    value = lookup_secret(account.secret, environ) if need_secret else ""
    if value is None:
        raise PublishError(
            f"{account.label} ({', '.join(account.langs)}): its secret {account.secret} is neither "
            f"an environment variable nor in the system keyring; set it, or store it with: "
            f"campaign-kit login {account.secret}"
        )
    secrets.add(value)
    if account.platform == "bluesky":
        return {
            "CAMPAIGN_KIT_BLUESKY_HANDLE": account.handle,
            "CAMPAIGN_KIT_BLUESKY_PASSWORD": value,
            "CAMPAIGN_KIT_BLUESKY_PDS": account.service,
        }
    if account.platform == "mastodon":
        return {"CAMPAIGN_KIT_MASTODON_URL": account.url, "CAMPAIGN_KIT_MASTODON_TOKEN": value}
    if account.platform == "telegram":
        api = (environ.get("CAMPAIGN_KIT_TELEGRAM_API") or DEFAULTS["CAMPAIGN_KIT_TELEGRAM_API"]).strip()
        return {
            "CAMPAIGN_KIT_TELEGRAM_TOKEN": value,
            "CAMPAIGN_KIT_TELEGRAM_CHAT": account.chat,
            "CAMPAIGN_KIT_TELEGRAM_API": api,
        }
    raise PublishError(f"{account.label}: campaign-kit does not publish to {account.platform}")


def find_account(accounts: tuple[Account, ...], name: str) -> Account:
    """The account ``login NAME`` means: by label, secret name, handle, chat, URL or platform:lang.

    Raises:
        PublishError: No account, or more than one, answers to ``name`` (listing the accounts).

    """
    found = [a for a in accounts if name in a.names()]
    unique = {a.secret: a for a in found}
    if len(unique) == 1:
        return found[0]
    listed = "; ".join(f"{a.label} (secret {a.secret})" for a in accounts if a.secret) or "none"
    if not found:
        raise PublishError(f"no account {name!r} in campaign.toml (accounts: {listed})")
    raise PublishError(f"{name!r} names more than one account; use the secret's name (accounts: {listed})")
