"""The roster: the women, their records, and everything that reads or keeps roster.json.

By job: ``model`` (Person, Roster and the frozen types), ``checks`` (the field rules and the
engine that applies them), ``load`` (roster.json in and out), ``migrate`` (schema 1 to 2),
``scripts`` (which letters a name may hold), ``names`` (name forms and transliteration),
``importers`` (published lists), ``upkeep`` (release and merge: the edits), ``cycles`` (who an
appeal features, ISO weeks) and ``facts`` (the totals every text states).

The names below are the ones other packages use; import the rest from their module.
"""

from campaign_kit.roster.checks import KNOWN_FIELDS, check_roster_data
from campaign_kit.roster.load import dump_roster, load_roster, parse_roster, validate_roster_data
from campaign_kit.roster.migrate import migrate_roster
from campaign_kit.roster.model import (
    CUSTODY_STATUSES,
    FACILITIES,
    STATUSES,
    PartialDate,
    Person,
    Roster,
    age_on,
)
from campaign_kit.roster.scripts import MAX_NAME_LEN, MAX_WORD_LEN, script_problems, text_problems

__all__ = [
    "CUSTODY_STATUSES",
    "FACILITIES",
    "KNOWN_FIELDS",
    "MAX_NAME_LEN",
    "MAX_WORD_LEN",
    "STATUSES",
    "PartialDate",
    "Person",
    "Roster",
    "age_on",
    "check_roster_data",
    "dump_roster",
    "load_roster",
    "migrate_roster",
    "parse_roster",
    "script_problems",
    "text_problems",
    "validate_roster_data",
]
