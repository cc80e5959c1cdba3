{#- Fails the run before any model is built (on-run-start) when the configuration is wrong: a var of
    dbt_project.yml's `vars:` block of the wrong type, out of its range or out of order, an unknown time zone, a
    raw table the configuration points at that does not exist, or a raw orders table with no row. Each problem is
    listed on its own line. A var added to dbt_project.yml gets its check in validate_vars. -#}
{% macro validate_configuration() %}
    {%- if execute and flags.WHICH in ['run', 'build', 'test', 'seed', 'snapshot'] -%}
    {%- set problems = [] -%}
    {%- do problems.extend(validate_vars()) -%}
    {%- if var('reporting_timezone') is string and var('reporting_timezone') | length > 0 -%}
        {%- do problems.extend(validate_time_zone()) -%}
    {%- endif -%}
    {%- do problems.extend(validate_raw_tables()) -%}
    {%- if problems -%}
        {{ exceptions.raise_compiler_error("Invalid configuration:\n  - " ~ problems | join("\n  - ")) }}
    {%- endif -%}
    {%- endif -%}
    select 1
{% endmacro %}

{#- The raw tables the sources read (models/staging/shop/_shop__sources.yml); orders is the required one. -#}
{% macro config_raw_table_names() %}
    {{ return(['customers', 'orders', 'order_items', 'products', 'events', 'experiment_assignments', 'fx_rates',
               'loyalty_ledger']) }}
{% endmacro %}

{#- One problem line: "<name> must be <requirement>, got '<value>'" (a number written as text says so). -#}
{% macro config_problem(name, requirement, value=none) %}
    {%- set value = var(name) if value is none else value -%}
    {%- set as_text = ' (text)' if value is string and modules.re.match('^\s*[-+]?[0-9.]+\s*$', value) else '' -%}
    {{ return(name ~ " must be " ~ requirement ~ ", got '" ~ value ~ "'" ~ as_text) }}
{% endmacro %}

{#- True for a finite int or float (not a boolean, not NaN or infinity, not a numeric string). -#}
{% macro config_is_number(value) %}
    {{ return((value is integer or value is float) and (value - value) == 0) }}
{% endmacro %}

{#- True for text that is safe to inline in a SQL string literal: non-empty, no quote or backslash. -#}
{% macro config_is_text(value) %}
    {{ return(value is string and value | trim | length > 0 and "'" not in value and "\\" not in value) }}
{% endmacro %}

{#- True for a list (not a string or a mapping) of config_is_text items. -#}
{% macro config_is_text_list(value) %}
    {%- set ns = namespace(ok=value is iterable and value is not string and value is not mapping) -%}
    {%- if ns.ok -%}
        {%- for item in value -%}
            {%- if not config_is_text(item) %}{% set ns.ok = false %}{% endif -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(ns.ok) }}
{% endmacro %}

{#- [] or the problem of a var that must be a whole number from `minimum` (up to `maximum`), e.g. days. -#}
{% macro config_whole_number(name, minimum, maximum=none, unit=none) %}
    {%- set value = var(name) -%}
    {%- set what = 'a whole number' ~ (' of ' ~ unit if unit else '') -%}
    {%- if maximum is none -%}
        {%- set ok = value is integer and value >= minimum -%}
        {%- set requirement = what ~ ', ' ~ minimum ~ ' or more' -%}
    {%- else -%}
        {%- set ok = value is integer and minimum <= value <= maximum -%}
        {%- set requirement = what ~ ' from ' ~ minimum ~ ' to ' ~ maximum -%}
    {%- endif -%}
    {{ return([] if ok else [config_problem(name, requirement)]) }}
{% endmacro %}

{#- [] or a problem when the calendar date year-month-day does not exist (e.g. 2024-02-30). -#}
{% macro config_calendar_date_problems(name, value, year, month, day) %}
    {%- set leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) -%}
    {%- set month_days = [31, 29 if leap else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] -%}
    {%- if month < 1 or month > 12 or day < 1 or day > month_days[month - 1] -%}
        {{ return([name ~ " is not a calendar date: '" ~ value ~ "'"]) }}
    {%- endif -%}
    {{ return([]) }}
{% endmacro %}

{% macro validate_vars() %}
    {%- set problems = [] -%}

    {#- raw data location (models/staging/shop/_shop__sources.yml) -#}
    {%- if not (var('raw_database', none) is none or config_is_text(var('raw_database', none))) -%}
        {%- do problems.append(config_problem('raw_database', "null (the target's database) or a database name")) -%}
    {%- endif -%}
    {%- if not config_is_text(var('raw_schema', 'raw')) -%}
        {%- do problems.append(config_problem('raw_schema', 'a schema name', var('raw_schema', 'raw'))) -%}
    {%- endif -%}
    {%- set raw_tables = var('raw_tables') -%}
    {%- if raw_tables is not mapping -%}
        {%- do problems.append(config_problem('raw_tables', 'a mapping of each raw table ('
            ~ config_raw_table_names() | join(', ') ~ ') to its table name')) -%}
    {%- else -%}
        {#- (an entry left out fails dbt's parsing of the sources first) -#}
        {%- for table_name in config_raw_table_names() if table_name in raw_tables -%}
            {%- if not config_is_text(raw_tables[table_name]) -%}
                {%- do problems.append(config_problem('raw_tables.' ~ table_name, 'a table name',
                    raw_tables[table_name])) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- for table_name in raw_tables if table_name not in config_raw_table_names() -%}
            {%- do problems.append("raw_tables has an unknown entry '" ~ table_name ~ "' (the raw tables are "
                ~ config_raw_table_names() | join(', ') ~ ")") -%}
        {%- endfor -%}
    {%- endif -%}

    {#- time -#}
    {%- if not config_is_text(var('reporting_timezone')) -%}
        {%- do problems.append(config_problem('reporting_timezone', 'an IANA time zone name such as UTC or Europe/Berlin')) -%}
    {%- endif -%}
    {%- if not (var('week_start') is string and var('week_start') | lower in ['monday', 'sunday']) -%}
        {%- do problems.append("week_start must be 'monday' or 'sunday', got '" ~ var('week_start') ~ "'") -%}
    {%- endif -%}
    {#- min_valid_timestamp: a date or timestamp (UTC), 1900-01-01 or later and before this run; every earlier
        timestamp is quarantined (timestamp_out_of_range), so it bounds the history every spine must cover -#}
    {%- set min_valid = var('min_valid_timestamp') | string -%}
    {%- set min_valid_day = none -%}
    {%- set parts = modules.re.match(
        '^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,6})?)?)?$', min_valid) -%}
    {%- if not parts -%}
        {%- do problems.append(config_problem('min_valid_timestamp',
            'a date written YYYY-MM-DD or a timestamp YYYY-MM-DD HH:MM:SS (UTC)', min_valid)) -%}
    {%- else -%}
        {%- set date_problems = config_calendar_date_problems('min_valid_timestamp', min_valid,
            parts.group(1) | int, parts.group(2) | int, parts.group(3) | int) -%}
        {%- do problems.extend(date_problems) -%}
        {%- if not date_problems and ((parts.group(4) or '0') | int > 23 or (parts.group(5) or '0') | int > 59
              or (parts.group(6) or '0') | int > 59) -%}
            {%- do problems.append("min_valid_timestamp is not a time of day: '" ~ min_valid ~ "'") -%}
        {%- elif not date_problems -%}
            {%- if min_valid[:10] < '1900-01-01' -%}
                {%- do problems.append("min_valid_timestamp must be 1900-01-01 or later, got '" ~ min_valid ~ "'") -%}
            {%- elif min_valid[:10] > run_started_at.strftime('%Y-%m-%d') -%}
                {%- do problems.append("min_valid_timestamp must be in the past (every row before it is quarantined,"
                    ~ " so nothing would be trusted), got '" ~ min_valid ~ "'") -%}
            {%- else -%}
                {%- set min_valid_day = min_valid[:10] -%}
            {%- endif -%}
        {%- endif -%}
    {%- endif -%}
    {%- set as_of = var('as_of_date') -%}
    {%- if as_of -%}
        {%- set as_of_parts = modules.re.match('^(\d{4})-(\d{2})-(\d{2})$', as_of | string) -%}
        {%- if not as_of_parts -%}
            {%- do problems.append("as_of_date must be a date written YYYY-MM-DD, got '" ~ as_of ~ "'") -%}
        {%- else -%}
            {%- set date_problems = config_calendar_date_problems('as_of_date', as_of,
                as_of_parts.group(1) | int, as_of_parts.group(2) | int, as_of_parts.group(3) | int) -%}
            {%- do problems.extend(date_problems) -%}
            {%- if not date_problems and min_valid_day and (as_of | string) < min_valid_day -%}
                {%- do problems.append("as_of_date (" ~ as_of ~ ") is before min_valid_timestamp (" ~ min_valid
                    ~ "): every trusted row would lie after it") -%}
            {%- endif -%}
        {%- endif -%}
    {%- endif -%}

    {%- set scope_since = var('test_scope_since') -%}
    {%- if scope_since is not none -%}
        {%- set scope_parts = modules.re.match('^(\d{4})-(\d{2})-(\d{2})$', scope_since | string) -%}
        {%- if not scope_parts -%}
            {%- do problems.append("test_scope_since must be null (data tests check whole tables) or the first event"
                ~ " day the daily job rebuilt, written YYYY-MM-DD, got '" ~ scope_since ~ "'") -%}
        {%- else -%}
            {%- do problems.extend(config_calendar_date_problems('test_scope_since', scope_since,
                scope_parts.group(1) | int, scope_parts.group(2) | int, scope_parts.group(3) | int)) -%}
        {%- endif -%}
    {%- endif -%}

    {#- money and data-quality guards -#}
    {%- if not (var('reporting_currency') is string and modules.re.match('^[A-Z]{3}$', var('reporting_currency'))) -%}
        {%- do problems.append("reporting_currency must be a 3-letter ISO code, got '" ~ var('reporting_currency') ~ "'") -%}
    {%- endif -%}
    {%- if not (config_is_number(var('max_order_amount')) and var('max_order_amount') > 0) -%}
        {%- do problems.append(config_problem('max_order_amount',
            'a positive number (per order, in the reporting currency)')) -%}
    {%- endif -%}
    {%- do problems.extend(config_whole_number('max_item_quantity', 1, unit='units')) -%}
    {%- for name in ['id_pattern', 'event_type_pattern'] -%}
        {%- if not (var(name) is string and var(name) | length > 0 and "'" not in var(name)) -%}
            {%- do problems.append(config_problem(name, 'a non-empty regular expression without a single quote')) -%}
        {%- endif -%}
    {%- endfor -%}
    {#- null_spellings: the texts read as missing (macros/privacy/pii_guard.sql), an IN list that cannot be empty
        on every engine -#}
    {%- set spellings = var('null_spellings', ['']) -%}
    {%- if not (spellings is iterable and spellings is not string and spellings is not mapping
                and spellings | length > 0 and spellings | reject('string') | list | length == 0) -%}
        {%- do problems.append(config_problem('null_spellings', "a list of one text or more (e.g. [''] for empty"
            ~ " text only)", spellings)) -%}
    {%- endif -%}

    {#- activity -#}
    {%- if not config_is_text_list(var('system_event_types')) -%}
        {%- do problems.append(config_problem('system_event_types', 'a list of event types (e.g. [email_sent, push_sent])')) -%}
    {%- else -%}
        {#- the funnels count these customer actions from the qualifying-event counts (decision D-032) -#}
        {%- for step in ['product_view', 'add_to_cart', 'checkout_started'] -%}
            {%- if step in var('system_event_types') -%}
                {%- do problems.append("system_event_types must not include the funnel step '" ~ step
                    ~ "' (a customer action, counted by the funnels)") -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}

    {#- value, lifecycle, churn warning and CLV -#}
    {%- for name in ['rfm_lookback_days', 'new_customer_days', 'active_window_days', 'dormant_after_days',
                     'churned_after_days', 'clv_horizon_days', 'clv_time_unit_days'] -%}
        {%- do problems.extend(config_whole_number(name, 1, unit='days')) -%}
    {%- endfor -%}
    {%- if var('active_window_days') is integer and var('dormant_after_days') is integer
          and var('churned_after_days') is integer
          and not (var('active_window_days') <= var('dormant_after_days') < var('churned_after_days')) -%}
        {%- do problems.append("lifecycle thresholds out of order: need active_window_days ("
            ~ var('active_window_days') ~ ") <= dormant_after_days (" ~ var('dormant_after_days')
            ~ ") < churned_after_days (" ~ var('churned_after_days') ~ ")") -%}
    {%- endif -%}
    {%- if not (config_is_number(var('churn_warning_factor')) and var('churn_warning_factor') > 0) -%}
        {%- do problems.append(config_problem('churn_warning_factor', 'a number greater than 0')) -%}
    {%- endif -%}
    {%- if not (config_is_number(var('churn_warning_p_alive')) and 0 < var('churn_warning_p_alive') < 1) -%}
        {%- do problems.append(config_problem('churn_warning_p_alive', 'between 0 and 1 (a probability, both excluded)')) -%}
    {%- endif -%}

    {#- retention insights: brackets [first, last] of days since the cohort day, ascending and disjoint; the N-day
        value days, ascending; Klaviyo's conditions for the predictive fields -#}
    {%- set brackets = var('retention_brackets') -%}
    {%- set brackets_ok = brackets is iterable and brackets is not string and brackets is not mapping
        and brackets | length > 0 -%}
    {%- set check = namespace(ok=brackets_ok, last=0) -%}
    {%- if brackets_ok -%}
        {%- for bracket in brackets -%}
            {%- if not (bracket is iterable and bracket is not string and bracket is not mapping
                        and bracket | length == 2 and bracket[0] is integer and bracket[1] is integer
                        and check.last < bracket[0] <= bracket[1]) -%}
                {%- set check.ok = false -%}
            {%- else -%}
                {%- set check.last = bracket[1] -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {%- if not check.ok -%}
        {%- do problems.append(config_problem('retention_brackets', 'a list of [first, last] day pairs, 1 or more,'
            ~ ' ascending and disjoint (e.g. [[1, 1], [2, 3], [4, 7]])', brackets)) -%}
    {%- endif -%}
    {%- set nday = var('nday_value_days') -%}
    {%- set nday_ok = nday is iterable and nday is not string and nday is not mapping and nday | length > 0
        and nday | reject('integer') | list | length == 0 -%}
    {%- set check = namespace(ok=nday_ok) -%}
    {%- if nday_ok -%}
        {%- for day in nday -%}
            {%- if day < 1 or (not loop.first and day <= loop.previtem) -%}{%- set check.ok = false -%}{%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {%- if not check.ok -%}
        {%- do problems.append(config_problem('nday_value_days', 'a list of whole numbers of days, 1 or more,'
            ~ ' ascending (e.g. [1, 7, 30])', nday)) -%}
    {%- endif -%}
    {%- do problems.extend(config_whole_number('predictive_min_customers', 1, unit='customers')) -%}
    {%- do problems.extend(config_whole_number('predictive_min_history_days', 1, unit='days')) -%}
    {%- do problems.extend(config_whole_number('predictive_min_repeat_orders', 1, unit='orders')) -%}

    {#- activation and experiments -#}
    {%- do problems.extend(config_whole_number('browse_abandonment_min_views', 1, unit='product views')) -%}
    {%- do problems.extend(config_whole_number('browse_abandonment_window_hours', 1, unit='hours')) -%}
    {%- do problems.extend(config_whole_number('cart_abandonment_window_hours', 1, unit='hours')) -%}
    {%- do problems.extend(config_whole_number('win_back_min_m_score', 1, 5)) -%}
    {%- set tiers = config_membership_tiers() -%}
    {%- if not (var('win_back_min_tier') is string and var('win_back_min_tier') in tiers) -%}
        {%- do problems.append(config_problem('win_back_min_tier', 'a membership tier of the membership_tiers seed ('
            ~ tiers | join(', ') ~ ')')) -%}
    {%- endif -%}
    {%- if not config_is_text(var('experiment_control_variant')) -%}
        {%- do problems.append(config_problem('experiment_control_variant', 'the name of the control variant')) -%}
    {%- endif -%}

    {#- personalization -#}
    {%- do problems.extend(config_whole_number('affinity_window_days', 0, unit='days')) -%}
    {%- do problems.extend(config_whole_number('affinity_min_pair_count', 1, unit='transactions')) -%}
    {%- if not (config_is_number(var('affinity_min_support')) and 0 <= var('affinity_min_support') <= 1) -%}
        {%- do problems.append(config_problem('affinity_min_support', 'a share from 0 to 1')) -%}
    {%- endif -%}
    {%- do problems.extend(config_whole_number('recommendation_top_k', 1)) -%}
    {%- if not config_is_text_list(var('consumable_categories')) -%}
        {%- do problems.append(config_problem('consumable_categories', 'a list of product categories (may be empty)')) -%}
    {%- endif -%}
    {#- the scopes fct_product_affinity builds: 'order' (items of one order) and 'window' (of one customer within
        affinity_window_days) -#}
    {%- if var('recommendation_affinity_scope') not in ['window', 'order'] -%}
        {%- do problems.append("recommendation_affinity_scope must be 'window' or 'order', got '"
            ~ var('recommendation_affinity_scope') ~ "'") -%}
    {%- endif -%}
    {%- do problems.extend(config_whole_number('recommendation_categories', 1)) -%}
    {%- if not (config_is_number(var('recommendation_purchase_weight')) and var('recommendation_purchase_weight') >= 0) -%}
        {%- do problems.append(config_problem('recommendation_purchase_weight', 'a number, 0 or more')) -%}
    {%- endif -%}
    {%- for name, minimum, maximum, unit in [
            ('recommendation_affinity_rules_per_product', 1, none, none),
            ('driver_behaviour_window_days', 0, 29, 'days'),
            ('driver_min_products_viewed', 1, none, 'products'),
            ('driver_min_items', 1, none, 'items')] -%}
        {%- do problems.extend(config_whole_number(name, minimum, maximum, unit)) -%}
    {%- endfor -%}

    {%- do problems.extend(validate_loyalty_vars()) -%}

    {#- incremental processing, schemas and grants (custom_schema_prefix and bi_roles are optional vars) -#}
    {%- do problems.extend(config_whole_number('event_lookback_days', 0, unit='days')) -%}
    {%- set prefix = var('custom_schema_prefix', none) -%}
    {%- if not (prefix is none or prefix is string and modules.re.match('^[A-Za-z_][A-Za-z0-9_]*$', prefix)) -%}
        {%- do problems.append(config_problem('custom_schema_prefix', 'a name of letters, digits and underscores')) -%}
    {%- endif -%}
    {%- if not config_is_text_list(var('bi_roles', [])) -%}
        {%- do problems.append(config_problem('bi_roles', 'a list of role names', var('bi_roles', []))) -%}
    {%- endif -%}
    {{ return(problems) }}
{% endmacro %}

{#- The tiers of the membership_tiers seed: read from the warehouse once it is seeded, else the shipped ones. -#}
{% macro config_membership_tiers() %}
    {%- set shipped = ['none', 'bronze', 'gold', 'platinum'] -%}
    {%- set seeds = graph.nodes.values() | selectattr('resource_type', 'equalto', 'seed')
        | selectattr('name', 'equalto', 'membership_tiers') | list -%}
    {%- if seeds | length == 0 -%}
        {{ return(shipped) }}
    {%- endif -%}
    {%- set seed = seeds[0] -%}
    {%- set relation = adapter.get_relation(database=seed.database, schema=seed.schema,
        identifier=seed.alias or seed.name) -%}
    {%- if relation is none -%}
        {{ return(shipped) }}
    {%- endif -%}
    {%- set rows = run_query('select membership_tier from ' ~ relation ~ ' order by tier_rank') -%}
    {{ return(rows.columns[0].values() | list if rows.columns[0].values() | length > 0 else shipped) }}
{% endmacro %}

{% macro validate_time_zone() %}
    {{ return(adapter.dispatch('validate_time_zone', 'retention_warehouse')()) }}
{% endmacro %}

{% macro default__validate_time_zone() %}
    {%- set zone = var('reporting_timezone') | string -%}
    {%- set rows = run_query("select count(*) from pg_timezone_names() where name = '" ~ zone | replace("'", "''") ~ "'") -%}
    {{ return([] if rows.columns[0].values()[0] > 0 else ["reporting_timezone is not a known IANA time zone: '" ~ zone ~ "'"]) }}
{% endmacro %}

{% macro postgres__validate_time_zone() %}
    {%- set zone = var('reporting_timezone') | string -%}
    {%- set rows = run_query("select count(*) from pg_timezone_names where name = '" ~ zone | replace("'", "''") ~ "'") -%}
    {{ return([] if rows.columns[0].values()[0] > 0 else ["reporting_timezone is not a known IANA time zone: '" ~ zone ~ "'"]) }}
{% endmacro %}

{% macro spark__validate_time_zone() %}
    {%- set zone = var('reporting_timezone') | string -%}
    {{ return([] if modules.re.match('^(UTC|[A-Za-z]+(/[A-Za-z0-9_+-]+)+)$', zone) else
              ["reporting_timezone is not an IANA time zone name: '" ~ zone ~ "'"]) }}
{% endmacro %}

{#- Every raw table the configuration points at must exist (orders is the one the loader cannot create empty
    for a company's own tables), and orders must hold at least one row: every as-of metric needs one. Only the
    entries validate_vars accepted are looked up. -#}
{% macro validate_raw_tables() %}
    {%- set problems = [] -%}
    {%- set raw_tables = var('raw_tables') -%}
    {%- set database = var('raw_database', none) or target.database -%}
    {%- set schema = var('raw_schema', 'raw') -%}
    {%- if raw_tables is not mapping or not config_is_text(schema)
          or not (var('raw_database', none) is none or config_is_text(var('raw_database', none))) -%}
        {{ return(problems) }}
    {%- endif -%}
    {#- loyalty_ledger is an optional entry of raw_tables (a mapping written before it existed still works) -#}
    {%- set raw_tables = dict(raw_tables) -%}
    {%- if 'loyalty_ledger' not in raw_tables -%}{%- do raw_tables.update({'loyalty_ledger': 'loyalty_ledger'}) -%}{%- endif -%}
    {%- for table_name in config_raw_table_names() if config_is_text(raw_tables.get(table_name)) -%}
        {%- set identifier = raw_tables[table_name] -%}
        {%- set relation = adapter.get_relation(database=database, schema=schema, identifier=identifier) -%}
        {%- if relation is none -%}
            {%- if table_name == 'orders' -%}
                {%- do problems.append("the required raw table orders does not exist: " ~ schema ~ "." ~ identifier
                    ~ " (load your files with `python -m retention_warehouse load DIR`, or set the vars raw_schema"
                    ~ " and raw_tables to point at your own table)") -%}
            {%- else -%}
                {%- do problems.append("the raw table " ~ table_name ~ " the configuration points at does not exist: "
                    ~ schema ~ "." ~ identifier ~ " (the loader creates absent tables empty; with your own tables,"
                    ~ " create it empty or point raw_tables." ~ table_name ~ " at an existing table)") -%}
            {%- endif -%}
        {%- elif table_name == 'orders' -%}
            {%- set first_row = run_query('select 1 as found from ' ~ relation ~ ' limit 1') -%}
            {%- if first_row.rows | length == 0 -%}
                {%- do problems.append("the raw table orders is empty: load at least one order (" ~ schema ~ "."
                    ~ identifier ~ " has no row; `python -m retention_warehouse load DIR` with an orders file that"
                    ~ " holds rows, or point raw_tables.orders at a table with orders)") -%}
            {%- endif -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(problems) }}
{% endmacro %}

{#- The loyalty vars (dbt_project.yml, "loyalty"; docs: loyalty_ledger_rules). -#}
{% macro validate_loyalty_vars() %}
    {%- set problems = [] -%}
    {%- if var('loyalty_ledger_source') not in ['auto', 'supplied', 'derived'] -%}
        {%- do problems.append("loyalty_ledger_source must be 'auto', 'supplied' or 'derived', got '"
            ~ var('loyalty_ledger_source') ~ "'") -%}
    {%- endif -%}
    {%- for name in ['loyalty_points_per_currency_unit', 'loyalty_points_per_review', 'loyalty_points_per_share'] -%}
        {%- if not (config_is_number(var(name)) and var(name) >= 0) -%}
            {%- do problems.append(config_problem(name, 'a number of points, 0 or more')) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- do problems.extend(config_whole_number('loyalty_points_signup', 0, unit='points')) -%}
    {%- for name in ['loyalty_review_event_types', 'loyalty_share_event_types'] -%}
        {%- if not (config_is_text_list(var(name)) and var(name) | length > 0) -%}
            {%- do problems.append(config_problem(name, 'a list of one event type or more')) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if not (config_is_number(var('loyalty_redemption_value')) and var('loyalty_redemption_value') > 0) -%}
        {%- do problems.append(config_problem('loyalty_redemption_value',
            'a positive number (reporting currency per point)')) -%}
    {%- endif -%}
    {%- if not (config_is_text(var('loyalty_redemption_coupon_prefix'))
                and '%' not in var('loyalty_redemption_coupon_prefix')
                and '_' not in var('loyalty_redemption_coupon_prefix')) -%}
        {%- do problems.append(config_problem('loyalty_redemption_coupon_prefix',
            'a coupon code prefix without % or _')) -%}
    {%- endif -%}
    {%- if var('loyalty_expiry_rule') not in ['inactivity', 'lifetime', 'none'] -%}
        {%- do problems.append("loyalty_expiry_rule must be 'inactivity', 'lifetime' or 'none', got '"
            ~ var('loyalty_expiry_rule') ~ "'") -%}
    {%- endif -%}
    {%- for name in ['loyalty_expiry_days', 'loyalty_expiring_horizon_days', 'loyalty_audience_unredeemed_days'] -%}
        {%- do problems.extend(config_whole_number(name, 1, unit='days')) -%}
    {%- endfor -%}
    {%- do problems.extend(config_whole_number('loyalty_behaviour_days', 1, unit='days')) -%}
    {%- do problems.extend(config_whole_number('loyalty_retention_days', 2, unit='days')) -%}
    {%- if var('loyalty_behaviour_days') is integer and var('loyalty_retention_days') is integer
          and not var('loyalty_behaviour_days') < var('loyalty_retention_days') -%}
        {%- do problems.append("loyalty_retention_days (" ~ var('loyalty_retention_days')
            ~ ") must be greater than loyalty_behaviour_days (" ~ var('loyalty_behaviour_days') ~ ")") -%}
    {%- endif -%}
    {%- for name in ['loyalty_audience_min_expiring_points', 'loyalty_audience_min_balance'] -%}
        {%- do problems.extend(config_whole_number(name, 1, unit='points')) -%}
    {%- endfor -%}
    {%- set windows = var('coupon_repeat_windows') -%}
    {%- set windows_ok = windows is iterable and windows is not string and windows is not mapping
        and windows | length > 0 and windows | reject('integer') | list | length == 0 -%}
    {%- set check = namespace(ok=windows_ok) -%}
    {%- if windows_ok -%}
        {%- for day in windows -%}
            {%- if day < 1 or (not loop.first and day <= loop.previtem) -%}{%- set check.ok = false -%}{%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {%- if not check.ok -%}
        {%- do problems.append(config_problem('coupon_repeat_windows', 'a list of whole numbers of days, 1 or more,'
            ~ ' ascending (e.g. [30, 90])', windows)) -%}
    {%- endif -%}
    {{ return(problems) }}
{% endmacro %}
