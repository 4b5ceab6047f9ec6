"""Allow ``python -m campaign_kit``."""

from campaign_kit.cli import cli

if __name__ == "__main__":
    cli(prog_name="campaign-kit")
