"""Fixtures every test module may take: ``root`` and ``backend`` (a new workspace and its account,
see cloud_support) and ``smtp`` (a real SMTP server on 127.0.0.1, see smtp_support)."""

pytest_plugins = ("cloud_support", "smtp_support")
