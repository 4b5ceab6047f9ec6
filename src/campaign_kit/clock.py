"""Today's date for the rules that compare a record with the calendar.

The staleness rule (``checked_on`` against ``[roster] max_unchecked_days``) asks what day it is.
``CAMPAIGN_KIT_TODAY`` (an ISO date) answers in its place: the test suite pins it, so a test that
approves the frozen sample roster does not start failing a month after that roster's ``as_of``,
and a person can re-check a past week as it stood then.
"""

from __future__ import annotations

import datetime as dt
import os

from campaign_kit.errors import ConfigError

ENV = "CAMPAIGN_KIT_TODAY"


def today() -> dt.date:
    """Today's date, or the date ``CAMPAIGN_KIT_TODAY`` names.

    Raises:
        ConfigError: ``CAMPAIGN_KIT_TODAY`` is set but is not an ISO date (YYYY-MM-DD).

    """
    pinned = os.environ.get(ENV, "").strip()
    if not pinned:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(pinned)
    except ValueError:
        raise ConfigError(f"{ENV}={pinned!r} is not a date like 2026-12-07") from None
