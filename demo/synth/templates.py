"""Household shapes: who lives together and how their ages relate (desired ages, before calibration).

Each template gives the head's age as a mixture of ranges and each other member's age relative to an earlier
member. population.py draws households from these, then maps the desired ages onto the city's age pyramid
while keeping the order of ages, so a child never ends up older than its parent.
"""

from __future__ import annotations

from typing import NamedTuple

# 続柄 (relation to the head of household), in the words the register uses.
RELATIONS: tuple[str, ...] = (
    "世帯主",
    "妻",
    "夫",
    "子",
    "母",
    "父",
    "子の妻",
    "孫",
    "同居人",
    "兄",
    "姉",
    "弟",
    "妹",
    "縁故者",
)
HEAD, WIFE, HUSBAND, CHILD, MOTHER, FATHER, CHILD_WIFE, GRANDCHILD, LODGER = range(9)
ELDER_BROTHER, ELDER_SISTER, YOUNGER_BROTHER, YOUNGER_SISTER, KIN = range(9, 14)
SPOUSES = (WIFE, HUSBAND)


class Member(NamedTuple):
    """A household member other than the head: `kind` of relation, aged relative to member `of`."""

    kind: str  # spouse | child | son | parent | father | mother | child_wife | grandchild | other
    of: int
    low: float
    high: float


class Template(NamedTuple):
    """One household shape; `weight` is its share among households of the same size."""

    name: str
    size: int
    weight: float
    head_ages: tuple[tuple[float, float, float], ...]  # (weight, low, high)
    head_female: float  # share of female heads; -1: by age (people living alone)
    members: tuple[Member, ...]


_SPOUSE = Member("spouse", 0, -6.0, 2.0)  # the wife's age relative to the husband's


def _children(of: int, count: int) -> tuple[Member, ...]:
    first = Member("child", of, -37.0, -26.0)
    rest = tuple(Member("child", of + 1 + i, -5.0, -1.5) for i in range(count - 1))
    return (first, *rest)


def _three_generations(grandchildren: int) -> tuple[Member, ...]:
    son, wife = Member("son", 1, -34.0, -25.0), Member("child_wife", 2, -5.0, 2.0)
    first = Member("grandchild", 3, -36.0, -26.0)
    rest = tuple(Member("grandchild", 4 + i, -5.0, -1.5) for i in range(grandchildren - 1))
    return (_SPOUSE, son, wife, first, *rest)


_ALONE = ((0.08, 18.0, 22.0), (0.30, 22.0, 35.0), (0.14, 35.0, 50.0), (0.13, 50.0, 65.0), (0.35, 65.0, 97.0))
TEMPLATES: tuple[Template, ...] = (
    Template("alone", 1, 1.0, _ALONE, -1.0, ()),
    Template("couple", 2, 0.60, ((0.18, 23, 40), (0.22, 40, 65), (0.60, 65, 94)), 0.08, (_SPOUSE,)),
    Template("parent_child", 2, 0.22, ((0.45, 30, 55), (0.55, 55, 93)), 0.75, _children(0, 1)),
    Template("head_parent", 2, 0.11, ((1.0, 35, 66),), 0.45, (Member("parent", 0, 24, 36),)),
    Template("head_other", 2, 0.07, ((1.0, 22, 78),), 0.40, (Member("other", 0, -8, 8),)),
    Template("couple_child", 3, 0.70, ((0.72, 27, 56), (0.28, 56, 86)), 0.06, (_SPOUSE, *_children(1, 1))),
    Template("parent_2children", 3, 0.14, ((0.8, 30, 56), (0.2, 56, 85)), 0.82, _children(0, 2)),
    Template("couple_parent", 3, 0.12, ((1.0, 38, 66),), 0.06, (_SPOUSE, Member("parent", 0, 24, 35))),
    Template(
        "parent_child_grandchild",
        3,
        0.04,
        ((1.0, 55, 80),),
        0.80,
        (Member("child", 0, -34, -24), Member("grandchild", 1, -36, -22)),
    ),
    Template(
        "couple_2children", 4, 0.82, ((0.86, 30, 56), (0.14, 56, 80)), 0.05, (_SPOUSE, *_children(1, 2))
    ),
    Template(
        "couple_child_parent",
        4,
        0.18,
        ((1.0, 36, 60),),
        0.05,
        (_SPOUSE, *_children(1, 1), Member("parent", 0, 25, 35)),
    ),
    Template("couple_3children", 5, 0.55, ((1.0, 33, 56),), 0.05, (_SPOUSE, *_children(1, 3))),
    Template(
        "couple_2children_parent",
        5,
        0.30,
        ((1.0, 36, 58),),
        0.05,
        (_SPOUSE, *_children(1, 2), Member("parent", 0, 25, 35)),
    ),
    Template("three_generations", 5, 0.15, ((1.0, 58, 80),), 0.05, _three_generations(1)),
    Template(
        "couple_2children_parents",
        6,
        0.40,
        ((1.0, 36, 55),),
        0.04,
        (_SPOUSE, *_children(1, 2), Member("father", 0, 26, 36), Member("mother", 0, 24, 34)),
    ),
    Template("three_generations_2", 6, 0.60, ((1.0, 58, 80),), 0.05, _three_generations(2)),
    Template("three_generations_3", 7, 1.00, ((1.0, 58, 80),), 0.05, _three_generations(3)),
)

# Household size mix (facts page: 1: 38%, 2: 28%, 3: 17%, 4: 13%, 5+: 4%), nudged so the mean size meets
# 443,283 / 205,914 = 2.153; 5+ split 75/20/5 over sizes 5, 6, 7.
SIZE_SHARES: dict[int, float] = {1: 0.39, 2: 0.28, 3: 0.165, 4: 0.125, 5: 0.03, 6: 0.008, 7: 0.002}


def template_index(name: str) -> int:
    """Position of the template called `name` in TEMPLATES."""
    return next(i for i, t in enumerate(TEMPLATES) if t.name == name)
