"""Scale: shards of the inputs processed in parallel (local processes or Dask), to Parquet.

- ``shards``: planning (directories in groups of files, JSONL and WARC in record ranges),
  fingerprints, reading the documents of one shard
- ``worker``: one shard in a worker process (the pipeline loaded once per process)
- ``runner``: ``run_batch`` with the ``local`` and ``dask`` engines, resume, progress

The output layout, atomic commits, direct queries and loading are ``dyadwatch.store.parquet``.
"""

from dyadwatch.scale.runner import ENGINES, BatchReport, ShardResult, run_batch
from dyadwatch.scale.shards import ShardSpec, plan, read_shard

__all__ = ["ENGINES", "BatchReport", "ShardResult", "ShardSpec", "plan", "read_shard",
           "run_batch"]
