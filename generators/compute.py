"""Values a generator computes from the validated input, so nobody types a total by hand.

A template names its computation in fields.yaml (`compute: budget`). A computation takes
the validated values and returns extra names for the template; `provides` lists those
names so the template checker knows they are declared, and `consumes` the fields it reads,
which a template may then show only through the computed names.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from generators.fields import FieldError, FieldErrors

CENT = Decimal("0.01")


@dataclass(frozen=True)
class Computation:
    """A named computation, the fields it reads and the template names it provides."""

    name: str
    consumes: tuple[str, ...]
    provides: tuple[str, ...]
    run: Callable[[Mapping[str, Any]], dict[str, Any]]


def money(value: Decimal) -> Decimal:
    """`value` rounded to cents, half up, as accountants round (not banker's rounding)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def budget(values: Mapping[str, Any]) -> dict[str, Any]:
    """Group budget items by category, in first-seen order, with subtotals and a grand total.

    Each amount is first rounded to cents, so the printed amounts, subtotals and total add
    up exactly. Returns `groups` (each `{"category", "items", "subtotal"}`) and `total`.
    A negative or non-numeric amount is a FieldError naming `items[N].amount` (N from 1).
    """
    items = values.get("items") or []
    problems: list[FieldError] = []
    groups: dict[str, dict[str, Any]] = {}
    for index, item in enumerate(items, start=1):
        amount = _amount(item.get("amount"), index, problems)
        if amount is None:
            continue
        category = str(item.get("category", ""))
        group = groups.setdefault(
            category, {"category": category, "items": [], "subtotal": Decimal("0.00")}
        )
        group["items"].append({**item, "amount": amount})
        group["subtotal"] += amount
    if problems:
        raise FieldErrors(problems)
    ordered = list(groups.values())
    total = sum((group["subtotal"] for group in ordered), Decimal("0.00"))
    return {"groups": ordered, "total": total}


def _amount(value: object, index: int, problems: list[FieldError]) -> Decimal | None:
    field = f"items[{index}].amount"
    if isinstance(value, bool):
        problems.append(FieldError(field, f"must be a number, got {value!r}"))
        return None
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except InvalidOperation:
        problems.append(FieldError(field, f"must be a number, got {str(value)!r}"))
        return None
    if not amount.is_finite():
        problems.append(FieldError(field, f"must be a number, got {str(value)!r}"))
        return None
    if amount < 0:
        problems.append(FieldError(field, f"must not be negative, got {amount}"))
        return None
    return money(amount)


COMPUTATIONS: dict[str, Computation] = {
    "budget": Computation(
        name="budget", consumes=("items",), provides=("groups", "total"), run=budget
    ),
}


def run(name: str | None, values: Mapping[str, Any]) -> dict[str, Any]:
    """The names computation `name` adds for the template ({} when the template has none)."""
    if name is None:
        return {}
    return COMPUTATIONS[name].run(values)
