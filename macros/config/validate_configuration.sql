{#- Fails the run before any model is built (on-run-start) when the configuration is wrong: vars out of their
    domain or out of order, an unknown time zone, or a raw table the configuration points at that does not
    exist. Each problem is listed on its own line. -#}
{% macro validate_configuration() %}
    {%- if execute and flags.WHICH in ['run', 'build', 'test', 'seed', 'snapshot'] -%}
    {%- set problems = [] -%}
    {%- do problems.extend(validate_vars()) -%}
    {%- do problems.extend(validate_time_zone()) -%}
    {%- do problems.extend(validate_raw_tables()) -%}
    {%- if problems -%}
        {{ exceptions.raise_compiler_error("Invalid configuration:\n  - " ~ problems | join("\n  - ")) }}
    {%- endif -%}
    {%- endif -%}
    select 1
{% endmacro %}

{% macro validate_vars() %}
    {%- set problems = [] -%}
    {%- if var('week_start') | lower not in ['monday', 'sunday'] -%}
        {%- do problems.append("week_start must be 'monday' or 'sunday', got '" ~ var('week_start') ~ "'") -%}
    {%- endif -%}
    {%- set as_of = var('as_of_date') -%}
    {%- if as_of -%}
        {%- if not modules.re.match('^\d{4}-\d{2}-\d{2}$', as_of | string) -%}
            {%- do problems.append("as_of_date must be a date written YYYY-MM-DD, got '" ~ as_of ~ "'") -%}
        {%- else -%}
            {%- set parsed = none -%}
            {%- set parts = (as_of | string).split('-') -%}
            {%- set month, day = parts[1] | int, parts[2] | int -%}
            {%- set year = parts[0] | int -%}
            {%- set month_days = [31, 29 if (year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)) else 28,
                                  31, 30, 31, 30, 31, 31, 30, 31, 30, 31] -%}
            {%- if month < 1 or month > 12 or day < 1 or day > month_days[month - 1] -%}
                {%- do problems.append("as_of_date is not a calendar date: '" ~ as_of ~ "'") -%}
            {%- endif -%}
        {%- endif -%}
    {%- endif -%}
    {%- if not modules.re.match('^[A-Z]{3}$', var('reporting_currency') | string) -%}
        {%- do problems.append("reporting_currency must be a 3-letter ISO code, got '" ~ var('reporting_currency') ~ "'") -%}
    {%- endif -%}
    {%- for name in ['new_customer_days', 'active_window_days', 'dormant_after_days', 'churned_after_days',
                     'rfm_lookback_days', 'clv_horizon_days', 'max_item_quantity'] -%}
        {%- if not (var(name) is number and var(name) >= 1) -%}
            {%- do problems.append(name ~ " must be a positive number of days or units, got '" ~ var(name) ~ "'") -%}
        {%- endif -%}
    {%- endfor -%}
    {%- for name, minimum, what in [('event_lookback_days', 0, 'a whole number of days'),
                                     ('recommendation_affinity_rules_per_product', 1, 'a whole number')] -%}
        {%- if not (var(name) is integer and var(name) >= minimum) -%}
            {%- do problems.append(name ~ " must be " ~ what ~ ", " ~ minimum ~ " or more, got '" ~ var(name) ~ "'") -%}
        {%- endif -%}
    {%- endfor -%}
    {#- the funnels count these customer actions from the qualifying-event counts (decision D-032) -#}
    {%- for step in ['product_view', 'add_to_cart', 'checkout_started'] -%}
        {%- if step in var('system_event_types') -%}
            {%- do problems.append("system_event_types must not include the funnel step '" ~ step
                ~ "' (a customer action, counted by the funnels)") -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if var('active_window_days') is number and var('dormant_after_days') is number
          and var('churned_after_days') is number
          and not (var('active_window_days') <= var('dormant_after_days') < var('churned_after_days')) -%}
        {%- do problems.append("lifecycle thresholds out of order: need active_window_days ("
            ~ var('active_window_days') ~ ") <= dormant_after_days (" ~ var('dormant_after_days')
            ~ ") < churned_after_days (" ~ var('churned_after_days') ~ ")") -%}
    {%- endif -%}
    {%- if not (var('churn_warning_factor') is number and var('churn_warning_factor') > 0) -%}
        {%- do problems.append("churn_warning_factor must be > 0, got '" ~ var('churn_warning_factor') ~ "'") -%}
    {%- endif -%}
    {%- if not (var('churn_warning_p_alive') is number and 0 < var('churn_warning_p_alive') < 1) -%}
        {%- do problems.append("churn_warning_p_alive must be between 0 and 1, got '" ~ var('churn_warning_p_alive') ~ "'") -%}
    {%- endif -%}
    {{ return(problems) }}
{% endmacro %}

{% macro validate_time_zone() %}
    {{ return(adapter.dispatch('validate_time_zone', 'retention')()) }}
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
    for a company's own tables). -#}
{% macro validate_raw_tables() %}
    {%- set problems = [] -%}
    {%- set database = var('raw_database', none) or target.database -%}
    {%- set schema = var('raw_schema', 'raw') -%}
    {%- for table_name, identifier in var('raw_tables').items() -%}
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
        {%- endif -%}
    {%- endfor -%}
    {{ return(problems) }}
{% endmacro %}
