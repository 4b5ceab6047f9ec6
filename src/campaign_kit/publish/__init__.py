"""Approve a built cycle and publish it to Bluesky, Mastodon and Telegram, exactly once.

``approval`` binds a review to the exact bytes that will go out; ``ledger`` records every
remote call before and after it is made, so a killed run resumes without posting twice;
``bluesky``, ``mastodon`` and ``telegram`` each speak one platform's API; ``runner`` ties
them together. Nothing here prints: the CLI reports what the runner returns.
"""

from campaign_kit.platforms import PUBLISHED as PLATFORMS  # the one table: platforms.py

__all__ = ["PLATFORMS"]
