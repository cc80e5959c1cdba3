"""The synthetic raw-data generator: determinism, the raw input contract, consistency, experiments, faults."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from retention_warehouse.generate import generate
from retention_warehouse.generate.faults import FAULT_CLASSES

TS = pa.timestamp("us")
STR, F64, I64, BOOL = pa.string(), pa.float64(), pa.int64(), pa.bool_()
# the raw input contract (shared metrics.md), with the generator's physical types
CONTRACT = {
    "customers": [("customer_id", STR), ("signup_at", TS), ("email", STR), ("country", STR),
                  ("acquisition_channel", STR), ("is_test", BOOL), ("updated_at", TS)],
    "orders": [("order_id", STR), ("customer_id", STR), ("ordered_at", TS), ("subtotal", F64), ("currency", STR),
               ("status", STR), ("discount", F64), ("shipping", F64), ("tax", F64), ("refunded_amount", F64),
               ("refunded_at", TS), ("cancelled_at", TS), ("channel", STR), ("coupon_code", STR),
               ("shipped_at", TS), ("delivered_at", TS), ("is_test", BOOL), ("updated_at", TS)],
    "order_items": [("order_item_id", STR), ("order_id", STR), ("product_id", STR), ("quantity", I64),
                    ("unit_price", F64)],
    "products": [("product_id", STR), ("category", STR), ("name", STR), ("list_price", F64)],
    "events": [("event_id", STR), ("occurred_at", TS), ("event_type", STR), ("customer_id", STR),
               ("anonymous_id", STR), ("session_id", STR), ("product_id", STR), ("received_at", TS),
               ("properties", STR)],
    "experiment_assignments": [("customer_id", STR), ("experiment_id", STR), ("variant", STR), ("assigned_at", TS)],
    "fx_rates": [("rate_date", pa.date32()), ("currency", STR), ("rate_to_reporting", F64)],
}
PRIMARY_KEY = {"customers": "customer_id", "orders": "order_id", "order_items": "order_item_id",
               "events": "event_id"}
SYSTEM_EVENTS = ("email_sent", "email_opened", "email_clicked", "push_sent", "sms_sent")
ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:@-]{0,127}")
ARGS = dict(customers=3000, seed=11, start_date="2024-01-01", days=240)
START = dt.datetime(2024, 1, 1)
END = START + dt.timedelta(days=ARGS["days"])


def generated(tmp_path_factory, name: str, args: dict, **extra) -> Path:
    """A dataset generated into a fresh temporary folder, with the returned counts kept in _counts.json."""
    out = tmp_path_factory.mktemp(name)
    (out / "_counts.json").write_text(json.dumps(generate(out, **args, **extra)))
    return out


@pytest.fixture(scope="module")
def clean_dir(tmp_path_factory) -> Path:
    return generated(tmp_path_factory, "clean", ARGS)


@pytest.fixture(scope="module")
def faulty_dir(tmp_path_factory) -> Path:
    return generated(tmp_path_factory, "faulty", ARGS, fault_rate=0.01)


def read(directory: Path, table: str) -> pa.Table:
    return pq.read_table(directory / f"{table}.parquet")


def con_for(directory: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("set TimeZone = 'UTC'")
    for table in CONTRACT:
        con.execute(f"create view {table} as select * from read_parquet('{directory / (table + '.parquet')}')")
    return con


def scalar(con, sql: str):
    return con.execute(sql).fetchone()[0]


# --- determinism and the contract -----------------------------------------------------------------------------------
def test_same_arguments_give_identical_bytes(clean_dir, tmp_path):
    generate(tmp_path, **ARGS)
    files = sorted(p.relative_to(clean_dir) for p in clean_dir.rglob("*.parquet"))
    files += [Path("_truth/parameters.json")]
    assert len(files) >= 10
    for rel in files:
        assert (clean_dir / rel).read_bytes() == (tmp_path / rel).read_bytes(), rel


def test_another_seed_gives_other_data(clean_dir, tmp_path):
    generate(tmp_path, **(ARGS | {"seed": 12, "customers": 300}))
    other = read(tmp_path, "customers")
    assert not other["email"].equals(read(clean_dir, "customers")["email"].slice(0, other.num_rows))


def test_schema_is_exactly_the_contract(clean_dir):
    for table, cols in CONTRACT.items():
        schema = pq.read_schema(clean_dir / f"{table}.parquet")
        assert [(f.name, f.type) for f in schema] == cols, table


def test_schema_agrees_with_the_loader_contract():
    contract = pytest.importorskip("retention_warehouse.contract")
    for table, cols in CONTRACT.items():
        assert [c.name for c in contract.TABLES[table]] == [name for name, _ in cols], table


def test_returned_counts_are_the_rows_written(clean_dir):
    counts = json.loads((clean_dir / "_counts.json").read_text())
    assert list(counts) == list(CONTRACT)
    for table, n in counts.items():
        assert pq.read_metadata(clean_dir / f"{table}.parquet").num_rows == n
    assert counts["customers"] == ARGS["customers"]
    assert counts["products"] == 500
    assert counts["fx_rates"] == 8 * ARGS["days"]
    assert 40 < counts["events"] / counts["customers"] < 200


def test_invalid_arguments_are_rejected(tmp_path):
    for bad in ({"customers": 0}, {"days": 0}, {"fault_rate": 1.5}, {"seed": -1}, {"chunk_customers": 0}):
        with pytest.raises(ValueError):
            generate(tmp_path, **(dict(customers=10, days=30) | bad))


# --- clean data: ids, integrity, consistency --------------------------------------------------------------------------
def test_ids_have_their_formats(clean_dir):
    formats = {("customers", "customer_id"): r"c\d{7}", ("orders", "order_id"): r"o\d{8}",
               ("order_items", "order_item_id"): r"oi\d{9}", ("products", "product_id"): r"p\d{5}",
               ("events", "event_id"): r"e\d{10}", ("events", "session_id"): r"s\d{9}",
               ("events", "anonymous_id"): r"a\d{9}"}
    for (table, column), fmt in formats.items():
        values = read(clean_dir, table)[column].drop_null()
        assert pc.all(pc.match_substring_regex(values, f"^{fmt}$")).as_py(), (table, column)
        assert all(ID_PATTERN.fullmatch(v) for v in values.unique().to_pylist()), (table, column)
    for table, key in PRIMARY_KEY.items():
        keys = read(clean_dir, table)[key]
        assert keys.null_count == 0 and len(keys.unique()) == len(keys), table


def test_referential_integrity(clean_dir):
    con = con_for(clean_dir)
    assert scalar(con, "select count(*) from order_items where order_id not in (select order_id from orders)") == 0
    assert scalar(con, "select count(*) from orders where order_id not in (select order_id from order_items)") == 0
    assert scalar(con, "select count(*) from orders where customer_id not in (select customer_id from customers)") == 0
    for table in ("events", "experiment_assignments"):
        assert scalar(con, f"select count(*) from {table} where customer_id not in "
                           "(select customer_id from customers)") == 0, table
    for table in ("events", "order_items"):
        assert scalar(con, f"select count(*) from {table} where product_id not in "
                           "(select product_id from products)") == 0, table
    # subtotal = sum(quantity * unit_price), in the order currency
    assert scalar(con, """select count(*) from orders o join (select order_id, sum(quantity * unit_price) s
                          from order_items group by 1) i using (order_id) where abs(o.subtotal - i.s) > 0.005""") == 0
    # every order has a rate on its day; USD is 1
    assert scalar(con, """select count(*) from orders o left join fx_rates f
                          on f.currency = o.currency and f.rate_date = cast(o.ordered_at as date)
                          where f.rate_to_reporting is null""") == 0
    assert scalar(con, "select count(*) from fx_rates where currency = 'USD' and rate_to_reporting <> 1") == 0
    # orders and events of a customer happen after the signup (anonymous browsing may precede it)
    assert scalar(con, "select count(*) from orders join customers using (customer_id) where ordered_at <= signup_at") == 0


def test_money_is_rounded_and_positive(clean_dir):
    con = con_for(clean_dir)
    for col in ("subtotal", "discount", "shipping", "tax", "refunded_amount"):
        assert scalar(con, f"select count(*) from orders where abs({col} * 100 - round({col} * 100)) > 1e-6") == 0
        assert scalar(con, f"select count(*) from orders where {col} < 0") == 0
    assert scalar(con, "select count(*) from order_items where unit_price <= 0 or quantity < 1") == 0
    assert scalar(con, "select count(*) from orders where discount > subtotal") == 0
    assert scalar(con, "select count(*) from orders where (coupon_code is null) <> (discount = 0)") == 0
    currencies = {r[0] for r in con.execute("select distinct currency from orders").fetchall()}
    assert currencies == {"USD", "GBP", "EUR", "CNY", "JPY", "BRL", "CAD", "AUD"}
    assert scalar(con, """select count(*) from orders join customers using (customer_id)
                          where (country = 'JP') <> (currency = 'JPY')""") == 0


def test_order_status_agrees_with_the_other_columns(clean_dir):
    con = con_for(clean_dir)
    statuses = dict(con.execute("select status, count(*) from orders group by 1").fetchall())
    assert set(statuses) <= {"placed", "paid", "shipped", "delivered", "cancelled", "refunded", "partially_refunded"}
    for status in ("delivered", "cancelled", "refunded", "partially_refunded", "shipped"):
        assert statuses.get(status, 0) > 0, status
    violations = {
        "cancelled with shipping or refund": """status = 'cancelled' and (shipped_at is not null or delivered_at is not null
                                               or refunded_at is not null or refunded_amount is not null)""",
        "cancelled_at on a live order": "status <> 'cancelled' and cancelled_at is not null",
        "refund columns without refund status": """status not in ('refunded', 'partially_refunded')
                                                   and (refunded_at is not null or refunded_amount is not null)""",
        "full refund amount": "status = 'refunded' and abs(refunded_amount - (subtotal - discount)) > 0.005",
        "partial refund amount": """status = 'partially_refunded'
                                    and not (refunded_amount > 0 and refunded_amount < subtotal - discount)""",
        "refund before delivery": "status in ('refunded', 'partially_refunded') and not refunded_at > delivered_at",
        "delivered without timestamps": """status in ('delivered', 'refunded', 'partially_refunded')
                                           and (delivered_at is null or shipped_at is null)""",
        "shipped": "status = 'shipped' and (shipped_at is null or delivered_at is not null)",
        "placed or paid with later steps": "status in ('placed', 'paid') and coalesce(shipped_at, delivered_at) is not null",
        "order of steps": "not (shipped_at > ordered_at and delivered_at > shipped_at) and delivered_at is not null",
        "delivery delay": "datediff('day', ordered_at, delivered_at) not between 1 and 15",
        "updated_at is the latest timestamp": """updated_at <> greatest(ordered_at, coalesce(shipped_at, ordered_at),
                    coalesce(delivered_at, ordered_at), coalesce(cancelled_at, ordered_at), coalesce(refunded_at, ordered_at))""",
        "channel": "channel not in ('web', 'app')",
        "test flag": "is_test",
    }
    for name, condition in violations.items():
        assert scalar(con, f"select count(*) from orders where {condition}") == 0, name
    # a few cancelled orders carry no cancellation time
    assert scalar(con, "select count(*) from orders where status = 'cancelled' and cancelled_at is null") > 0
    assert scalar(con, "select count(*) from orders where status = 'cancelled' and cancelled_at is not null") > 0


def test_everything_happens_inside_the_period(clean_dir):
    con = con_for(clean_dir)
    checks = {"customers": ["signup_at", "updated_at"],
              "orders": ["ordered_at", "shipped_at", "delivered_at", "cancelled_at", "refunded_at", "updated_at"],
              "events": ["occurred_at", "received_at"], "experiment_assignments": ["assigned_at"]}
    for table, cols in checks.items():
        for col in cols:
            lo, hi = con.execute(f"select min({col}), max({col}) from {table}").fetchone()
            assert START <= lo and hi < END, (table, col, lo, hi)
    assert scalar(con, "select count(*) from customers where updated_at <= signup_at or is_test") == 0
    assert scalar(con, "select min(rate_date) from fx_rates") == START.date()
    assert scalar(con, "select max(rate_date) from fx_rates") == (END - dt.timedelta(days=1)).date()


def test_events_tell_the_story_of_customers_and_orders(clean_dir):
    con = con_for(clean_dir)
    types = {r[0] for r in con.execute("select distinct event_type from events").fetchall()}
    assert types == {"page_view", "product_view", "search", "add_to_cart", "checkout_started", "coupon_applied",
                     "order_completed", "app_open", "login", "signup", "review_submitted", *SYSTEM_EVENTS}
    assert all(re.fullmatch(r"[a-z]+(_[a-z]+)*", t) for t in types)
    # one signup event per customer at signup_at, one order_completed per order at ordered_at
    assert scalar(con, """select count(*) from customers c left join events e
                          on e.customer_id = c.customer_id and e.event_type = 'signup' and e.occurred_at = c.signup_at
                          where e.event_id is null""") == 0
    assert scalar(con, "select count(*) from events where event_type = 'signup'") == ARGS["customers"]
    assert scalar(con, """select count(*) from orders o left join events e
                          on e.event_type = 'order_completed' and json_extract_string(e.properties, '$.order_id') = o.order_id
                          and e.occurred_at = o.ordered_at and e.customer_id = o.customer_id
                          where e.event_id is null""") == 0
    # products on product events, none elsewhere; system events are not in sessions
    assert scalar(con, """select count(*) from events where (product_id is not null) <>
                          (event_type in ('product_view', 'add_to_cart', 'review_submitted'))""") == 0
    assert scalar(con, f"""select count(*) from events where event_type in {SYSTEM_EVENTS}
                          and (customer_id is null or session_id is not null or anonymous_id is not null)""") == 0
    assert scalar(con, """select count(*) from events where event_type not in
                          ('email_sent', 'email_opened', 'email_clicked', 'push_sent', 'sms_sent')
                          and (session_id is null or anonymous_id is null)""") == 0
    assert scalar(con, "select count(*) from events where not json_valid(properties)") == 0
    for event_type, key in (("search", "query"), ("coupon_applied", "coupon_code"), ("page_view", "page"),
                            ("order_completed", "order_id"), ("review_submitted", "rating"), ("signup", "method"),
                            ("product_view", "device"), ("email_sent", "campaign"), ("push_sent", "campaign")):
        assert scalar(con, f"""select count(*) from events where event_type = '{event_type}'
                              and json_extract_string(properties, '$.{key}') is null""") == 0, event_type
    assert scalar(con, """select count(*) from events where event_type = 'coupon_applied' and
                          json_extract_string(properties, '$.coupon_code') not in (select coupon_code from orders)""") == 0
    assert scalar(con, "select count(*) from events where received_at < occurred_at "
                       "or received_at > occurred_at + interval 2 hour") == 0
    # the purchase funnel: items added to the cart before the order, in its session
    assert scalar(con, """select count(*) from order_items i join orders o using (order_id)
                          left join events e on e.customer_id = o.customer_id and e.event_type = 'add_to_cart'
                          and e.product_id = i.product_id and e.occurred_at between o.ordered_at - interval 3 hour
                          and o.ordered_at where e.event_id is null""") == 0


def test_anonymous_ids_stitch_to_customers(clean_dir):
    con = con_for(clean_dir)
    # an anonymous id never belongs to two customers
    assert scalar(con, """select count(*) from (select anonymous_id from events where customer_id is not null
                          and anonymous_id is not null group by 1 having count(distinct customer_id) > 1)""") == 0
    # sessions start anonymous and become identified: never the other way round
    assert scalar(con, """select count(*) from (select session_id, max(case when customer_id is null then occurred_at end) last_anon,
                          min(case when customer_id is not null then occurred_at end) first_known
                          from events where session_id is not null group by 1) where last_anon > first_known""") == 0
    anon_only = scalar(con, """select count(*) from events where customer_id is null and anonymous_id is not null""")
    stitched = scalar(con, """select count(*) from events where customer_id is null and anonymous_id in
                              (select anonymous_id from events where customer_id is not null)""")
    assert 0 < stitched < anon_only                  # stitchable pre-login events and never-identified visitors
    # every device a customer uses is identified somewhere: stitching recovers all their events
    assert scalar(con, """select count(*) from events e where customer_id is null and anonymous_id is not null
                          and session_id in (select session_id from events where event_type = 'signup')""") > 0


# --- experiments --------------------------------------------------------------------------------------------------------
def within_30_rates(directory: Path) -> dict[tuple[str, str], float]:
    """Within-30 retention per experiment and variant, computed from the raw tables as metrics.md defines it:
    active on a day 1..30 after the assignment day; activity = a non-system event (stitched through anonymous
    ids) or a valid order."""
    con = con_for(directory)
    rows = con.execute(f"""
        with stitch as (
            select anonymous_id, min(customer_id) as customer_id from events
            where customer_id is not null and anonymous_id is not null group by 1
        ),
        activity as (
            select distinct coalesce(e.customer_id, s.customer_id) as customer_id, cast(e.occurred_at as date) as d
            from events e left join stitch s on s.anonymous_id = e.anonymous_id
            where e.event_type not in {SYSTEM_EVENTS} and coalesce(e.customer_id, s.customer_id) is not null
            union
            select customer_id, cast(ordered_at as date) from orders where status <> 'cancelled'
        ),
        outcome as (
            select a.experiment_id, a.variant, a.customer_id,
                   max(case when act.d between cast(a.assigned_at as date) + 1 and cast(a.assigned_at as date) + 30
                            then 1 else 0 end) as retained
            from experiment_assignments a left join activity act on act.customer_id = a.customer_id
            group by all
        )
        select experiment_id, variant, avg(retained), count(*) from outcome group by all
    """).fetchall()
    return {(e, v): rate for e, v, rate, _ in rows}


def test_experiment_assignments_are_one_per_customer_at_signup(clean_dir):
    con = con_for(clean_dir)
    assert scalar(con, """select count(*) from (select customer_id, experiment_id from experiment_assignments
                          group by all having count(*) > 1)""") == 0
    assert scalar(con, """select count(*) from experiment_assignments a join customers c using (customer_id)
                          where a.assigned_at <= c.signup_at or a.assigned_at > c.signup_at + interval 1 minute""") == 0
    arms = dict(((e, v), n) for e, v, n in con.execute(
        "select experiment_id, variant, count(*) from experiment_assignments group by all").fetchall())
    assert set(arms) == {(e, v) for e in ("exp_onboarding_coupon", "exp_aa_check") for v in ("control", "treatment")}
    assert min(arms.values()) > 500
    assert abs(arms[("exp_onboarding_coupon", "control")] - arms[("exp_onboarding_coupon", "treatment")]) <= 1


def test_experiment_realises_the_declared_lift(clean_dir):
    """The within-30 lift measured from the raw tables is the declared one. Tolerance 0.01: assignment is
    pair-matched on the untreated outcome, so the arms differ by at most a couple of customers without the
    treatment (2 / ~1,100 per arm = 0.002), and the treatment converts exactly round(lift * arm size) customers,
    so the realised lift is the declared one to within ~0.003; 0.01 leaves room for neither sampling noise (none by
    design) nor a broken mechanism (an unpaired design would wander by +-0.04 at this size)."""
    declared = json.loads((clean_dir / "_truth/parameters.json").read_text())["experiments"]
    lifts = {e["experiment_id"]: e["declared_lift"]["within_30d_retention"] for e in declared}
    assert lifts == {"exp_onboarding_coupon": 0.08, "exp_aa_check": 0.0}
    rates = within_30_rates(clean_dir)
    for experiment, lift in lifts.items():
        realised = rates[(experiment, "treatment")] - rates[(experiment, "control")]
        assert realised == pytest.approx(lift, abs=0.01), experiment
    control = rates[("exp_onboarding_coupon", "control")]
    assert 0.3 < control < 0.85                         # room for the lift, and a realistic retention
    # the generator's own account agrees with the raw data
    realised_truth = {e["experiment_id"]: e["realised"]["within_30d_lift"] for e in declared}
    for experiment in lifts:
        assert realised_truth[experiment] == pytest.approx(
            rates[(experiment, "treatment")] - rates[(experiment, "control")], abs=1e-9)


# --- ground truth --------------------------------------------------------------------------------------------------------
def test_ground_truth(clean_dir):
    truth = pq.read_table(clean_dir / "_truth/customers.parquet").to_pandas()
    for col in ("customer_id", "acquisition_channel", "lambda", "p", "true_dropout_at", "is_alive_at_end",
                "favourite_category", "early_review", "early_app", "early_coupon", "slow_first_delivery",
                "first_order_refunded"):
        assert col in truth.columns, col
    assert len(truth) == ARGS["customers"]
    assert (truth["is_alive_at_end"] == truth["true_dropout_at"].isna()).all()
    dropped = truth.dropna(subset=["true_dropout_at", "last_purchase_at"])
    assert (dropped["true_dropout_at"] >= dropped["last_purchase_at"]).all()
    assert 0.2 < truth["is_prospect"].mean() < 0.5
    assert ((truth["p"] > 0) & (truth["p"] < 1)).all() and (truth["lambda"] > 0).all()
    # early behaviours move p as declared
    params = json.loads((clean_dir / "_truth/parameters.json").read_text())
    effects = params["early_behaviour_effects"]
    assert effects["early_review"]["dropout_multiplier"] < 1 < effects["slow_first_delivery"]["dropout_multiplier"]
    expected = np.ones(len(truth))
    for name in ("early_review", "early_app", "early_coupon", "slow_first_delivery", "first_order_refunded"):
        expected *= np.where(truth[name], effects[name]["dropout_multiplier"], 1.0)
    assert np.allclose(truth["p"], np.minimum(truth["p_base"] * expected, 0.95))
    assert params["seed"] == ARGS["seed"] and params["days"] == ARGS["days"] and params["fault_rate"] == 0.0
    assert set(params["purchase_process"]["populations"]) == {"organic", "paid_search", "social", "referral", "email",
                                                              "affiliate"}
    # the orders in the raw data are the purchases of the process plus cancelled ones (a cancellation still in
    # the future at the end of the period leaves a live order)
    con = con_for(clean_dir)
    extra = scalar(con, "select count(*) from orders where status <> 'cancelled'") - int(truth["purchases"].sum())
    assert 0 <= extra <= 5


def test_single_population_is_one_bg_nbd_population(tmp_path):
    generate(tmp_path, customers=1000, seed=3, days=200, single_population=True)
    params = json.loads((tmp_path / "_truth/parameters.json").read_text())
    pop = params["purchase_process"]["populations"]
    assert list(pop) == ["single_population"]
    assert pop["single_population"]["r"] == 0.243 and pop["single_population"]["b"] == 2.426
    assert params["early_behaviour_effects"]["applied_as"].startswith("disabled")
    truth = pq.read_table(tmp_path / "_truth/customers.parquet").to_pandas()
    assert not truth["is_prospect"].any()
    assert (truth["p"] == truth["p_base"]).all()
    con = con_for(tmp_path)
    # everybody buys minutes after signing up (except a signup in the very last minutes)
    late = scalar(con, """select count(*) from customers c where not exists (select 1 from orders o
                          where o.customer_id = c.customer_id and o.ordered_at < c.signup_at + interval 30 minute)""")
    assert late <= 1


# --- faults -------------------------------------------------------------------------------------------------------------
def test_every_fault_class_is_injected_and_recorded(faulty_dir):
    manifest = pq.read_table(faulty_dir / "_truth/faults.parquet")
    assert manifest.schema.names == ["source_table", "record_id", "fault_class", "expected_outcome"]
    seen = {}
    for t, c, o in zip(*(manifest[col].to_pylist() for col in ("source_table", "fault_class", "expected_outcome"))):
        seen[(c, t, o)] = seen.get((c, t, o), 0) + 1
    assert set(seen) == set(FAULT_CLASSES)
    assert min(seen.values()) >= 1
    assert manifest["record_id"].null_count == 0
    assert json.loads((faulty_dir / "_truth/parameters.json").read_text())["fault_rate"] == 0.01


def _without_faults(faulty_dir: Path) -> dict[str, pa.Table]:
    """The faulty run with the manifest's rows taken out (and late events' received_at left aside)."""
    manifest = pq.read_table(faulty_dir / "_truth/faults.parquet").to_pandas()
    merged = manifest[manifest.expected_outcome == "merged"]
    added = manifest[~manifest.expected_outcome.isin(["merged", "kept"])]
    result = {}
    for table in CONTRACT:
        df = read(faulty_dir, table).to_pandas()
        n_before = len(df)
        if table == "experiment_assignments":
            key = df.customer_id + "|" + df.experiment_id
            dup = set(merged[merged.source_table == table].record_id)
            # a duplicate assignment comes later than the clean one: keep the earliest
            df = df.assign(_k=key).sort_values(["_k", "assigned_at"], kind="stable")
            df = df[~(df._k.isin(dup) & df._k.duplicated(keep="first"))].sort_index().drop(columns="_k")
        elif table in PRIMARY_KEY:
            key = df[PRIMARY_KEY[table]]
            df = df[~key.isin(set(added[added.source_table == table].record_id))]
            dup = set(merged[merged.source_table == table].record_id)
            if table == "events":
                df = df[~(df.event_id.isin(dup) & df.duplicated(keep="first"))]
            elif dup:
                # an older copy (earlier updated_at) folds into the clean row
                latest = df.groupby(PRIMARY_KEY[table])["updated_at"].transform("max")
                df = df[~(df[PRIMARY_KEY[table]].isin(dup) & (df.updated_at < latest))]
        n_removed = n_before - len(df)
        n_listed = len(manifest[(manifest.source_table == table) & (manifest.expected_outcome != "kept")])
        assert n_removed == n_listed, table
        result[table] = pa.Table.from_pandas(df.reset_index(drop=True), preserve_index=False)
    return result


def test_clean_rows_do_not_depend_on_the_fault_rate(clean_dir, faulty_dir):
    stripped = _without_faults(faulty_dir)
    manifest = pq.read_table(faulty_dir / "_truth/faults.parquet").to_pandas()
    late = set(manifest[manifest.fault_class == "late_arriving"].record_id)
    for table in CONTRACT:
        clean = read(clean_dir, table)
        got = stripped[table].cast(clean.schema)
        if table == "events":
            is_late = pc.is_in(clean["event_id"], pa.array(sorted(late)))
            assert pc.sum(is_late).as_py() == len(late)
            delay = (pc.subtract(got["received_at"], got["occurred_at"]).cast(pa.int64()).to_numpy()
                     / 86_400_000_000)
            late_mask = is_late.to_numpy(zero_copy_only=False)
            assert ((delay[late_mask] >= 2) & (delay[late_mask] <= 10)).all()
            assert got.drop_columns(["received_at"]).equals(clean.drop_columns(["received_at"]))
            assert got.filter(pc.invert(is_late)).equals(clean.filter(pc.invert(is_late)))
        else:
            assert got.equals(clean), table


def test_injected_rows_are_wrong_in_exactly_one_way(faulty_dir):
    con = con_for(faulty_dir)
    con.execute(f"create view faults as select * from read_parquet('{faulty_dir / '_truth/faults.parquet'}')")

    def rows(table: str, key: str, fault_class: str, extra: str = "true") -> int:
        return scalar(con, f"""select count(*) from {table} where {key} in (select record_id from faults
                               where source_table = '{table}' and fault_class = '{fault_class}') and {extra}""")

    def listed(table: str, fault_class: str) -> int:
        return scalar(con, f"select count(*) from faults where source_table = '{table}' and fault_class = '{fault_class}'")

    in_period = f"between timestamp '{START}' and timestamp '{END}'"
    expectations = [
        ("orders", "order_id", "null_key", f"customer_id is null and subtotal > 0 and ordered_at {in_period}"),
        ("orders", "order_id", "negative_amount", f"subtotal < 0 and currency <> 'XYZ' and ordered_at {in_period}"),
        ("orders", "order_id", "unknown_currency", f"currency = 'XYZ' and subtotal > 0 and ordered_at {in_period}"),
        ("orders", "order_id", "future_timestamp", "year(ordered_at) = 2099 and subtotal > 0"),
        ("orders", "order_id", "test_order", f"is_test and subtotal > 0 and ordered_at {in_period}"),
        ("orders", "order_id", "outlier", f"subtotal >= 5000000 and not is_test and ordered_at {in_period}"),
        ("order_items", "order_item_id", "null_key", "product_id is null and unit_price > 0"),
        ("order_items", "order_item_id", "negative_amount", "unit_price < 0 and product_id is not null"),
        ("order_items", "order_item_id", "outlier", "quantity >= 10000 and unit_price > 0"),
        ("order_items", "order_item_id", "orphan_item",
         "order_id not in (select order_id from orders) and product_id is not null"),
        ("events", "event_id", "null_key", f"occurred_at is null and received_at {in_period}"),
        ("events", "event_id", "future_timestamp", f"year(occurred_at) = 2099 and received_at {in_period}"),
        ("events", "event_id", "out_of_range_timestamp", f"year(occurred_at) = 1970 and received_at {in_period}"),
        ("events", "event_id", "hostile_string", f"not regexp_full_match(event_type, '[a-z]+(_[a-z]+)*') "
                                                 f"and occurred_at {in_period}"),
        ("customers", "customer_id", "test_account", f"is_test and signup_at {in_period}"),
        ("customers", "customer_id", "hostile_string",
         f"not regexp_full_match(customer_id, '[A-Za-z0-9][A-Za-z0-9_.:@-]{{0,127}}') and not is_test"),
        ("orders", "order_id", "test_account",
         "customer_id in (select customer_id from customers where is_test) and not is_test and subtotal > 0"),
        ("order_items", "order_item_id", "test_account",
         "order_id in (select record_id from faults where fault_class = 'test_account')"),
        ("events", "event_id", "test_account",
         f"customer_id in (select customer_id from customers where is_test) and occurred_at {in_period}"),
    ]
    for table, key, fault_class, condition in expectations:
        assert listed(table, fault_class) >= 1, (table, fault_class)
        assert rows(table, key, fault_class, condition) == listed(table, fault_class), (table, fault_class)
    # new rows of real customers: the customer exists and is real
    assert scalar(con, """select count(*) from orders where order_id in (select record_id from faults where
                          fault_class in ('negative_amount', 'unknown_currency', 'future_timestamp', 'test_order', 'outlier'))
                          and customer_id not in (select customer_id from customers where not is_test)""") == 0
    # injected orders other than the test accounts' have no items
    assert scalar(con, """select count(*) from order_items where order_id in (select record_id from faults
                          where source_table = 'orders' and expected_outcome not in ('test_account', 'merged'))""") == 0
    # duplicates: older resent orders and customers, later assignments
    con.execute("""create view resent as select *, row_number() over (partition by order_id order by updated_at) as rn,
                   count(*) over (partition by order_id) as n from orders where order_id in
                   (select record_id from faults where fault_class = 'resent_order')""")
    assert scalar(con, "select count(*) from resent where n <> 2") == 0
    assert scalar(con, "select count(distinct updated_at) = 2 * count(distinct order_id) from resent")
    assert scalar(con, """select count(*) from resent where rn = 1 and not (status = 'placed' and updated_at = ordered_at
                          and coalesce(shipped_at, delivered_at, cancelled_at, refunded_at) is null
                          and refunded_amount is null)""") == 0
    assert scalar(con, """select count(*) from (select customer_id from customers where customer_id in
                          (select record_id from faults where fault_class = 'duplicate_customer')
                          group by 1 having count(*) <> 2 or count(distinct updated_at) <> 2)""") == 0
    assert scalar(con, """select count(*) from (select customer_id, experiment_id from experiment_assignments
                          where customer_id || '|' || experiment_id in (select record_id from faults
                          where fault_class = 'duplicate_assignment') group by all
                          having count(*) <> 2 or count(distinct assigned_at) <> 2)""") == 0
    assert scalar(con, """select count(*) from (select event_id from events where event_id in (select record_id from faults
                          where fault_class = 'duplicate_event') group by 1 having count(*) <> 2
                          or count(distinct (occurred_at, event_type, customer_id, anonymous_id, session_id, product_id,
                          received_at, properties)) <> 1)""") == 0


def test_fault_free_run_has_an_empty_manifest(clean_dir):
    manifest = pq.read_table(clean_dir / "_truth/faults.parquet")
    assert manifest.num_rows == 0
    assert manifest.schema.names == ["source_table", "record_id", "fault_class", "expected_outcome"]


# --- chunked generation -------------------------------------------------------------------------------------------------
CHUNKED = dict(customers=300, seed=7, start_date="2024-01-01", days=120, chunk_customers=100)
ID_FORMATS = {("customers", "customer_id"): r"c\d{7}", ("orders", "order_id"): r"o\d{8}",
              ("orders", "customer_id"): r"c\d{7}", ("order_items", "order_item_id"): r"oi\d{9}",
              ("order_items", "order_id"): r"o\d{8}", ("events", "event_id"): r"e\d{10}",
              ("events", "customer_id"): r"c\d{7}", ("events", "session_id"): r"s\d{9}",
              ("events", "anonymous_id"): r"a\d{9}", ("experiment_assignments", "customer_id"): r"c\d{7}"}


@pytest.fixture(scope="module")
def chunked_dir(tmp_path_factory) -> Path:
    return generated(tmp_path_factory, "chunked", CHUNKED)


@pytest.fixture(scope="module")
def chunked_faulty_dir(tmp_path_factory) -> Path:
    return generated(tmp_path_factory, "chunked_faulty", CHUNKED, fault_rate=0.02)


def all_bytes(directory: Path) -> dict[Path, bytes]:
    return {p.relative_to(directory): p.read_bytes() for p in sorted(directory.rglob("*"))
            if p.is_file() and p.name != "_counts.json"}


def test_chunks_are_appended_as_row_groups_of_one_file_per_table(chunked_dir):
    assert sorted(p.name for p in chunked_dir.glob("*.parquet")) == sorted(f"{t}.parquet" for t in CONTRACT)
    for table in ("customers", "orders", "events"):
        assert pq.ParquetFile(chunked_dir / f"{table}.parquet").metadata.num_row_groups == 3, table
    for table in ("products", "fx_rates"):
        assert pq.ParquetFile(chunked_dir / f"{table}.parquet").metadata.num_row_groups == 1, table
    for table, cols in CONTRACT.items():
        assert [(f.name, f.type) for f in pq.read_schema(chunked_dir / f"{table}.parquet")] == cols, table


def test_chunked_ids_are_unique_ordered_and_keep_their_formats(chunked_dir):
    for (table, column), fmt in ID_FORMATS.items():
        values = read(chunked_dir, table)[column].drop_null()
        assert pc.all(pc.match_substring_regex(values, f"^{fmt}$")).as_py(), (table, column)
        assert all(ID_PATTERN.fullmatch(v) for v in values.unique().to_pylist()), (table, column)
    for table, key in PRIMARY_KEY.items():
        keys = read(chunked_dir, table)[key].to_pylist()
        assert None not in keys and len(set(keys)) == len(keys), table
        assert keys == sorted(keys), table                   # ids rise from chunk to chunk
    customers = read(chunked_dir, "customers")["customer_id"].to_pylist()
    assert customers == [f"c{i:07d}" for i in range(1, CHUNKED["customers"] + 1)]
    con = con_for(chunked_dir)
    assert scalar(con, "select count(*) from (select customer_id, experiment_id from experiment_assignments "
                       "group by all having count(*) > 1)") == 0
    # sessions and anonymous ids of different chunks never meet
    assert scalar(con, """select count(*) from (select session_id from events where session_id is not null
                          group by 1 having count(distinct anonymous_id) > 1 or count(distinct customer_id) > 1)""") == 0
    assert scalar(con, """select count(*) from (select anonymous_id from events where anonymous_id is not null
                          group by 1 having count(distinct customer_id) > 1)""") == 0
    assert scalar(con, "select count(distinct email) from customers") == CHUNKED["customers"]


def test_chunked_referential_integrity(chunked_dir):
    con = con_for(chunked_dir)
    assert scalar(con, "select count(*) from orders where customer_id not in (select customer_id from customers)") == 0
    assert scalar(con, "select count(*) from order_items where order_id not in (select order_id from orders)") == 0
    assert scalar(con, "select count(*) from orders where order_id not in (select order_id from order_items)") == 0
    for table in ("events", "experiment_assignments"):
        assert scalar(con, f"select count(*) from {table} where customer_id not in "
                           "(select customer_id from customers)") == 0, table
    for table in ("events", "order_items"):
        assert scalar(con, f"select count(*) from {table} where product_id not in "
                           "(select product_id from products)") == 0, table
    # the order of every order_completed event is the customer's order at that time
    assert scalar(con, """select count(*) from orders o left join events e
                          on e.event_type = 'order_completed' and json_extract_string(e.properties, '$.order_id') = o.order_id
                          and e.occurred_at = o.ordered_at and e.customer_id = o.customer_id
                          where e.event_id is null""") == 0
    assert scalar(con, """select count(*) from events where json_extract_string(properties, '$.order_id')
                          not in (select order_id from orders)""") == 0
    truth = pq.read_table(chunked_dir / "_truth/customers.parquet")
    assert truth["customer_id"].equals(read(chunked_dir, "customers")["customer_id"])


def test_shared_tables_and_the_first_chunk_are_those_of_a_single_run(chunked_dir, tmp_path):
    single = dict(CHUNKED, customers=CHUNKED["chunk_customers"])
    generate(tmp_path, **single)
    for table in ("products", "fx_rates"):
        assert (chunked_dir / f"{table}.parquet").read_bytes() == (tmp_path / f"{table}.parquet").read_bytes(), table
    # chunk 0 draws from the seed's own streams and numbers its ids from 1
    for table in ("customers", "orders", "order_items", "events", "experiment_assignments"):
        one = read(tmp_path, table)
        assert read(chunked_dir, table).slice(0, one.num_rows).equals(one), table
    one = pq.read_table(tmp_path / "_truth/customers.parquet")
    assert pq.read_table(chunked_dir / "_truth/customers.parquet").slice(0, one.num_rows).equals(one)


def test_chunked_counts_and_parameters_describe_the_whole_dataset(chunked_dir):
    counts = json.loads((chunked_dir / "_counts.json").read_text())
    params = json.loads((chunked_dir / "_truth/parameters.json").read_text())
    assert params["row_counts"] == counts
    for table, n in counts.items():
        assert pq.read_metadata(chunked_dir / f"{table}.parquet").num_rows == n, table
    assert counts["customers"] == params["customers"] == CHUNKED["customers"]
    assert counts["products"] == 500 and counts["fx_rates"] == 8 * CHUNKED["days"]
    assert params["seed"] == CHUNKED["seed"] and params["faults_by_class"] == {}
    assert params["chunking"]["chunk_customers"] == CHUNKED["chunk_customers"] and params["chunking"]["chunks"] == 3
    assert pq.read_metadata(chunked_dir / "_truth/customers.parquet").num_rows == CHUNKED["customers"]
    # the realised lifts are those of all chunks together
    experiments = pq.read_table(chunked_dir / "_truth/experiments.parquet").to_pandas()
    assert len(experiments) == counts["experiment_assignments"]
    rates = experiments.groupby(["experiment_id", "variant"])["active_within_30d"].mean()
    for e in params["experiments"]:
        realised = e["realised"]
        assert realised["assigned"] == (experiments["experiment_id"] == e["experiment_id"]).sum()
        assert realised["control_rate"] == rates[(e["experiment_id"], "control")]
        assert realised["treatment_rate"] == rates[(e["experiment_id"], "treatment")]


def test_chunked_generation_is_deterministic(chunked_dir, tmp_path):
    generate(tmp_path, **CHUNKED)
    assert all_bytes(tmp_path) == all_bytes(chunked_dir)


def test_up_to_one_chunk_is_the_unchunked_output(tmp_path):
    args = dict(customers=150, seed=5, days=60, fault_rate=0.01)
    generate(tmp_path / "default", **args)
    generate(tmp_path / "exact", **args, chunk_customers=150)
    reference = all_bytes(tmp_path / "default")
    assert len(reference) == 11 and all_bytes(tmp_path / "exact") == reference
    assert "chunking" not in json.loads((tmp_path / "default/_truth/parameters.json").read_text())


def test_chunked_faults_are_injected_per_chunk_with_unique_ids(chunked_faulty_dir):
    manifest = pq.read_table(chunked_faulty_dir / "_truth/faults.parquet").to_pandas()
    per_class = manifest.groupby(["fault_class", "source_table", "expected_outcome"]).size()
    assert set(per_class.index) == set(FAULT_CLASSES)
    assert per_class.min() >= 3                              # at least one per class and chunk
    params = json.loads((chunked_faulty_dir / "_truth/parameters.json").read_text())
    assert params["faults_by_class"] == manifest.groupby("fault_class", sort=False).size().to_dict()
    for table, n in params["row_counts"].items():
        assert pq.read_metadata(chunked_faulty_dir / f"{table}.parquet").num_rows == n, table
    # a record is listed once per fault; keys repeat only where a duplicate was injected
    assert not manifest.duplicated(["source_table", "record_id"]).any()
    merged = manifest[manifest.expected_outcome == "merged"]
    for table, key in PRIMARY_KEY.items():
        keys = read(chunked_faulty_dir, table)[key]
        assert len(keys) - len(keys.unique()) == (merged.source_table == table).sum(), table
    con = con_for(chunked_faulty_dir)
    # test accounts' devices and sessions are their own
    assert scalar(con, """select count(*) from (select anonymous_id from events where anonymous_id is not null
                          group by 1 having count(distinct customer_id) > 1)""") == 0
    assert scalar(con, """select count(*) from (select session_id from events where session_id is not null
                          group by 1 having count(distinct customer_id) > 1)""") == 0
    # orphan items point at orders that do not exist, every other item at an order
    orphans = set(manifest[manifest.fault_class == "orphan_item"].record_id)
    missing = {r[0] for r in con.execute("select order_item_id from order_items where order_id not in "
                                         "(select order_id from orders)").fetchall()}
    assert missing == orphans


def test_cli_passes_the_chunk_size(tmp_path):
    from retention_warehouse.__main__ import main

    assert main(["generate", "--customers", "120", "--days", "30", "--seed", "9", "--chunk-customers", "50",
                 "--out", str(tmp_path / "cli")]) == 0
    generate(tmp_path / "api", customers=120, days=30, seed=9, chunk_customers=50)
    assert all_bytes(tmp_path / "cli") == all_bytes(tmp_path / "api")
    assert json.loads((tmp_path / "cli/_truth/parameters.json").read_text())["chunking"]["chunks"] == 3
