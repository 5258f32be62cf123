"""Section keys of a draft: "<grouping>:<group>/<kind>", e.g. "theme:protection/lesson" or "bloc:CAN/strength"."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import DraftSection
from ..records import FINDING_KINDS
from ..taxonomy import Taxonomy

GROUPINGS = ("theme", "bloc")
NO_GROUP = "-"  # an entry without a bloc (or theme): its findings gather in a section of their own
SECTION_RE = re.compile(rf"^({'|'.join(GROUPINGS)}):([A-Za-z0-9-]+)/({'|'.join(FINDING_KINDS)})$")


def section_key(grouping: str, group: str, kind: str) -> str:
    return f"{grouping}:{group}/{kind}"


def _groups(grouping: str, taxonomy: Taxonomy) -> list[str]:
    return [*(taxonomy.themes if grouping == "theme" else taxonomy.blocs), NO_GROUP]


def section_choices(grouping: str, taxonomy: Taxonomy) -> list[str]:
    """Every section a finding may be moved to under this grouping (all generated ones), in reading order."""
    return [section_key(grouping, g, k) for g in _groups(grouping, taxonomy) for k in FINDING_KINDS]


def section_texts(s: Session, draft_id: int) -> dict[str, str]:
    """The rapporteur's own text of each section, by key."""
    return {r.section: r.text for r in s.scalars(select(DraftSection).where(DraftSection.draft_id == draft_id))}
