"""Email after the build: a proof by SMTP (``send-test``) and the hand-off to the team's email platform."""
