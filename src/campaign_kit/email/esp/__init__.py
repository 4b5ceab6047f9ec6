"""Hand-off of a built newsletter to the team's email platform (ESP).

``export`` writes, per language, what each platform needs (subject, preheader, From name, HTML
and text with the platform's own merge tags) under ``out/<appeal>/<cycle>/esp/<esp>/``;
``listmonk.push`` creates a draft campaign per language over listmonk's API, sends its test and
schedules it. Both start from the files a send build wrote (``newsletter/<lang>.html``, ``.txt``
and ``.json``), so what reaches the platform is exactly what was reviewed.
"""

from campaign_kit.email.esp.export import EXPORT_DIR, Handoff, export, load_handoffs, translate

__all__ = ["EXPORT_DIR", "Handoff", "export", "load_handoffs", "translate"]
