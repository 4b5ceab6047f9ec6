"""The project: ``campaign.toml``, languages, Jinja, typography, the schedule, who an appeal is about."""
