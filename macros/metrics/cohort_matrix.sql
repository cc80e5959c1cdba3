{#- The cohort retention matrices of the given period grains (metrics.md, "Cohort retention"), as CTEs named
    <grain>_... ending in `cohort_matrices` (every grain's rows). One definition for fct_cohort_retention and
    its segment slices.

    cohorts          relation/CTE: cohort_basis, customer_id, cohort_date (+ segment_columns)
    cohort_activity  relation/CTE: cohort_basis, activity_basis, customer_id, cohort_date, activity_date, one row
                     per cohort basis, activity basis, customer and day, only days on or after the cohort date
                     (int_cohort_activity_days)
    numbers          relation/CTE with a column n = 0, 1, 2, ...

    retained(c, n)  = cohort customers active in period n (once per customer and period)
    unbounded(c, n) = cohort customers active in period n or later, up to as_of_date; derived from each
                      customer's last active period (a histogram and a reverse running sum), never by
                      cross-joining every period: linear in the activity. The last active day is found once
                      for all grains: a period number only grows with the day, so the last period is the
                      period of the last day.
    The matrix is dense: every started period of every cohort, for both activity bases, 0 when nobody came. -#}
{% macro cohort_matrix_ctes(grains, cohorts, cohort_activity, numbers, segment_columns=[]) %}
{%- set seg_cols = [] -%}
{%- for column in segment_columns %}{% do seg_cols.append(column ~ ', ') %}{% endfor -%}
{%- set seg = seg_cols | join('') -%}
-- each customer's last active day in each cohort basis and activity basis, for every grain's unbounded retention
cohort_last_activity as (

    select
        cohort_basis,
        activity_basis,
        customer_id,
        max(activity_date) as last_activity_date
    from {{ cohort_activity }}
    group by cohort_basis, activity_basis, customer_id

),

{% for grain in grains %}
{{ grain }}_customer_cohorts as (

    select
        cohort_basis,
        customer_id,
        {{ seg }}{{ period_start(grain, 'cohort_date') }} as cohort_start
    from {{ cohorts }}

),

{{ grain }}_cohort_sizes as (

    select
        cohort_basis,
        {{ seg }}cohort_start,
        count(*) as cohort_size
    from {{ grain }}_customer_cohorts
    group by cohort_basis, {{ seg }}cohort_start

),

-- at day grain the activity rows are already one per customer and period
{{ grain }}_customer_periods as (

    select {% if grain != 'day' %}distinct{% endif %}
        cohort_basis,
        activity_basis,
        customer_id,
        {{ period_start(grain, 'cohort_date') }} as cohort_start,
        {{ period_number(grain, period_start(grain, 'cohort_date'), period_start(grain, 'activity_date')) }}
            as period_number
    from {{ cohort_activity }}

),

{% if segment_columns %}
{{ grain }}_segment_periods as (

    select
        {{ grain }}_customer_periods.cohort_basis,
        {{ grain }}_customer_periods.activity_basis,
        {% for column in segment_columns %}{{ grain }}_customer_cohorts.{{ column }},
        {% endfor %}{{ grain }}_customer_periods.cohort_start,
        {{ grain }}_customer_periods.customer_id,
        {{ grain }}_customer_periods.period_number
    from {{ grain }}_customer_periods
    inner join {{ grain }}_customer_cohorts
        on {{ grain }}_customer_periods.cohort_basis = {{ grain }}_customer_cohorts.cohort_basis
            and {{ grain }}_customer_periods.customer_id = {{ grain }}_customer_cohorts.customer_id

),
{% set periods = grain ~ '_segment_periods' %}
{% else %}
{% set periods = grain ~ '_customer_periods' %}
{% endif %}

{{ grain }}_retained as (

    select
        cohort_basis,
        activity_basis,
        {{ seg }}cohort_start,
        period_number,
        count(*) as retained_customers
    from {{ periods }}
    group by cohort_basis, activity_basis, {{ seg }}cohort_start, period_number

),

{{ grain }}_last_periods as (

    select
        cohort_last_activity.cohort_basis,
        cohort_last_activity.activity_basis,
        {% for column in segment_columns %}{{ grain }}_customer_cohorts.{{ column }},
        {% endfor %}{{ grain }}_customer_cohorts.cohort_start,
        {{ grain }}_customer_cohorts.customer_id,
        {{ period_number(grain, grain ~ '_customer_cohorts.cohort_start',
            period_start(grain, 'cohort_last_activity.last_activity_date')) }} as last_period_number
    from cohort_last_activity
    inner join {{ grain }}_customer_cohorts
        on cohort_last_activity.cohort_basis = {{ grain }}_customer_cohorts.cohort_basis
            and cohort_last_activity.customer_id = {{ grain }}_customer_cohorts.customer_id

),

{{ grain }}_last_period_counts as (

    select
        cohort_basis,
        activity_basis,
        {{ seg }}cohort_start,
        last_period_number as period_number,
        count(*) as customers_last_active
    from {{ grain }}_last_periods
    group by cohort_basis, activity_basis, {{ seg }}cohort_start, last_period_number

),

{{ grain }}_spine as (

    select
        {{ grain }}_cohort_sizes.cohort_basis,
        activity_bases.activity_basis,
        {% for column in segment_columns %}{{ grain }}_cohort_sizes.{{ column }},
        {% endfor %}{{ grain }}_cohort_sizes.cohort_start,
        {{ grain }}_cohort_sizes.cohort_size,
        {{ numbers }}.n as period_number
    from {{ grain }}_cohort_sizes
    cross join (
        select cast('any_activity' as {{ type_string() }}) as activity_basis
        union all
        select cast('purchase' as {{ type_string() }}) as activity_basis
    ) as activity_bases
    inner join {{ numbers }}
        on {{ numbers }}.n <= {{ period_number(grain, grain ~ '_cohort_sizes.cohort_start', period_start(grain, as_of_date())) }}

),

{{ grain }}_matrix as (

    select
        {{ grain }}_spine.cohort_basis,
        {{ grain }}_spine.activity_basis,
        cast('{{ grain }}' as {{ type_string() }}) as period_grain,
        {% for column in segment_columns %}{{ grain }}_spine.{{ column }},
        {% endfor %}{{ grain }}_spine.cohort_start,
        {{ grain }}_spine.period_number,
        {{ add_periods(grain, grain ~ '_spine.period_number', grain ~ '_spine.cohort_start') }} as period_start,
        {{ grain }}_spine.cohort_size,
        coalesce({{ grain }}_retained.retained_customers, 0) as retained_customers,
        sum(coalesce({{ grain }}_last_period_counts.customers_last_active, 0)) over (
            partition by {{ grain }}_spine.cohort_basis, {{ grain }}_spine.activity_basis,
                {% for column in segment_columns %}{{ grain }}_spine.{{ column }}, {% endfor %}{{ grain }}_spine.cohort_start
            order by {{ grain }}_spine.period_number desc
            rows between unbounded preceding and current row
        ) as unbounded_retained_customers,
        {{ period_end(grain, add_periods(grain, grain ~ '_spine.period_number', grain ~ '_spine.cohort_start')) }}
            <= {{ as_of_date() }} as is_complete
    from {{ grain }}_spine
    left join {{ grain }}_retained
        on {{ grain }}_spine.cohort_basis = {{ grain }}_retained.cohort_basis
            and {{ grain }}_spine.activity_basis = {{ grain }}_retained.activity_basis
            {% for column in segment_columns %}and {{ grain }}_spine.{{ column }} = {{ grain }}_retained.{{ column }}
            {% endfor %}and {{ grain }}_spine.cohort_start = {{ grain }}_retained.cohort_start
            and {{ grain }}_spine.period_number = {{ grain }}_retained.period_number
    left join {{ grain }}_last_period_counts
        on {{ grain }}_spine.cohort_basis = {{ grain }}_last_period_counts.cohort_basis
            and {{ grain }}_spine.activity_basis = {{ grain }}_last_period_counts.activity_basis
            {% for column in segment_columns %}and {{ grain }}_spine.{{ column }} = {{ grain }}_last_period_counts.{{ column }}
            {% endfor %}and {{ grain }}_spine.cohort_start = {{ grain }}_last_period_counts.cohort_start
            and {{ grain }}_spine.period_number = {{ grain }}_last_period_counts.period_number

),

{% endfor %}
cohort_matrices as (

    {% for grain in grains %}
    select * from {{ grain }}_matrix
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

)
{% endmacro %}

{#- A share as a double fraction; null when the denominator is 0. -#}
{% macro safe_rate(numerator, denominator) -%}
    case when {{ denominator }} > 0 then cast({{ numerator }} as {{ type_rate() }}) / {{ denominator }} end
{%- endmacro %}
