"""The review page after the build: its status frame, approval from the page, and serving it locally."""
