"""Live monitoring: poll feeds, news sitemaps and pages on a schedule, store what is new through
the one ingest path, raise and deliver alerts; state in the store, so a restart resumes.

``load_config(path)`` reads a ``sources.toml``; ``Monitor(store, config).run()`` polls until
``stop()`` (``run(once=True)``: one round, for cron); ``status(conn)`` is each source's health.
"""

from dyadwatch.monitor.config import MonitorConfig, SourceConfig, load_config, source_id
from dyadwatch.monitor.service import Monitor, PollResult, RunReport
from dyadwatch.monitor.status import status

__all__ = ["Monitor", "MonitorConfig", "PollResult", "RunReport", "SourceConfig", "load_config",
           "source_id", "status"]
