"""A tiny knowledge base written by the tests (invented people), for checks that need one."""

from __future__ import annotations

import functools
import tempfile
from pathlib import Path

from dyadwatch.actors.kb import DATA_DIR, KB, load_kb

ROLES = """person_id,name,aliases,country,role,title,sector,start,end,source
ana-ruiz,Ana Ruiz,,USA,head_of_state_and_government,President of the United States,GOV,2029-01-20,,test
john-carter,John Carter,,USA,head_of_state_and_government,President of the United States,GOV,2025-01-20,2029-01-20,test
robert-lane,Robert Lane,Bob Lane,USA,foreign_minister,Secretary of State,GOV,2025-01-21,,test
"""


@functools.lru_cache(maxsize=1)
def tiny_kb() -> KB:
    """Shipped codes, countries and titles plus three invented office holders."""
    tmp = Path(tempfile.mkdtemp(prefix="dyadwatch-kb-"))
    (tmp / "roles_curated.csv").write_text(ROLES, encoding="utf-8")
    return load_kb(DATA_DIR / "codes.json", DATA_DIR / "countries.csv", DATA_DIR / "titles.csv",
                   tmp / "roles_curated.csv")
