"""The raw input contract (shared metrics.md, "Raw input contract"): what a user maps their data to.

Each table lists (column, type, required). Only starred columns of the contract are required, and only
``orders`` is a required table; the loader fills the rest with nulls and creates absent tables empty.
"""

from __future__ import annotations

from dataclasses import dataclass

STRING = "varchar"
TIMESTAMP = "timestamp"
DATE = "date"
AMOUNT = "decimal(18,2)"
RATE = "decimal(18,8)"  # fx rates: 8 decimals, rounded once by the loader so every engine sees the same
INTEGER = "bigint"
BOOLEAN = "boolean"


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    required: bool = False


def _cols(*spec: tuple) -> tuple[Column, ...]:
    return tuple(Column(*item) for item in spec)


TABLES: dict[str, tuple[Column, ...]] = {
    "customers": _cols(
        ("customer_id", STRING, True),
        ("signup_at", TIMESTAMP, True),
        ("email", STRING),
        ("country", STRING),
        ("acquisition_channel", STRING),
        ("is_test", BOOLEAN),
        ("updated_at", TIMESTAMP),
    ),
    "orders": _cols(
        ("order_id", STRING, True),
        ("customer_id", STRING, True),
        ("ordered_at", TIMESTAMP, True),
        ("subtotal", AMOUNT, True),
        ("currency", STRING),
        ("status", STRING),
        ("discount", AMOUNT),
        ("shipping", AMOUNT),
        ("tax", AMOUNT),
        ("refunded_amount", AMOUNT),
        ("refunded_at", TIMESTAMP),
        ("cancelled_at", TIMESTAMP),
        ("channel", STRING),
        ("coupon_code", STRING),
        ("shipped_at", TIMESTAMP),
        ("delivered_at", TIMESTAMP),
        ("is_test", BOOLEAN),
        ("updated_at", TIMESTAMP),
    ),
    "order_items": _cols(
        ("order_item_id", STRING, True),
        ("order_id", STRING, True),
        ("product_id", STRING, True),
        ("quantity", INTEGER, True),
        ("unit_price", AMOUNT, True),
    ),
    "products": _cols(
        ("product_id", STRING, True),
        ("category", STRING),
        ("name", STRING),
        ("list_price", AMOUNT),
    ),
    "events": _cols(
        ("event_id", STRING, True),
        ("occurred_at", TIMESTAMP, True),
        ("event_type", STRING, True),
        ("customer_id", STRING),
        ("anonymous_id", STRING),
        ("session_id", STRING),
        ("product_id", STRING),
        ("received_at", TIMESTAMP),
        ("properties", STRING),
    ),
    "experiment_assignments": _cols(
        ("customer_id", STRING, True),
        ("experiment_id", STRING, True),
        ("variant", STRING, True),
        ("assigned_at", TIMESTAMP, True),
    ),
    # a loyalty platform's points ledger (optional): without it the warehouse derives the ledger by rules
    # (dbt_project.yml, "loyalty"); points are signed whole numbers (earn > 0, redeem and expire < 0)
    "loyalty_ledger": _cols(
        ("customer_id", STRING, True),
        ("occurred_at", TIMESTAMP, True),
        ("points", INTEGER, True),
        ("reason", STRING, True),
        ("order_id", STRING),
        ("entry_id", STRING, True),
    ),
    "fx_rates": _cols(
        ("rate_date", DATE, True),
        ("currency", STRING, True),
        ("rate_to_reporting", RATE, True),
    ),
}

REQUIRED_TABLES = ("orders",)
