{#- The cohort retention matrices of the given period grains (metrics.md, "Cohort retention"), as CTEs named
    <grain>_... ending in `cohort_matrices` (every grain's rows). One definition for fct_cohort_retention and
    its segment slices.

    cohorts          relation/CTE: cohort_basis, customer_id, cohort_date (+ segment_columns); one row per
                     customer and cohort basis (and segment type)
    cohort_activity  relation/CTE: int_cohort_activity_days, one row per cohort basis, activity basis, customer and
                     day on or after the cohort date, with is_first_day_of_week, is_first_day_of_month and
                     is_last_active_day
    numbers          relation/CTE with a column n = 0, 1, 2, ...

    retained(c, n)  = cohort customers active in period n (once per customer and period): the customer's first
                      active day of each period is flagged, so it is a count of flagged rows, never a distinct
    unbounded(c, n) = cohort customers active in period n or later, up to as_of_date: each customer's last active
                      day is flagged, its period is the customer's last period; a histogram of last periods and a
                      reverse running sum, never a cross join of every period
    All grains come from one pass over the activity rows into counts per cohort day and activity day (D-033). Both
    activity bases travel side by side as columns (any_activity_..., purchase_...) until the last step, so the
    dense spine and its running sums are built once per cohort and period, not once per activity basis.
    The matrix is dense: every started period of every cohort, for both activity bases, 0 when nobody came. -#}
{% macro cohort_matrix_ctes(grains, cohorts, cohort_activity, numbers, segment_columns=[]) %}
{%- set activity_bases = ['any_activity', 'purchase'] -%}
{#- per grain, the day count that counts each customer once per period -#}
{%- set retained_counts = {'day': 'active', 'week': 'first_day_of_week', 'month': 'first_day_of_month'} -%}
{%- set seg_cols = [] -%}
{%- for column in segment_columns %}{% do seg_cols.append(column ~ ', ') %}{% endfor -%}
{%- set seg = seg_cols | join('') -%}
{%- for grain in grains %}{% if grain not in retained_counts %}
{{ exceptions.raise_compiler_error("unknown period grain '" ~ grain ~ "' (day, week or month)") }}
{%- endif %}{% endfor -%}
cohort_day_sizes as (

    select
        cohort_basis,
        {{ seg }}cohort_date,
        count(*) as cohort_size
    from {{ cohorts }}
    group by cohort_basis, {{ seg }}cohort_date

),

{% if segment_columns %}
segment_activity as (

    select
        {{ cohort_activity }}.cohort_basis,
        {{ cohort_activity }}.activity_basis,
        {% for column in segment_columns %}{{ cohorts }}.{{ column }},
        {% endfor %}{{ cohort_activity }}.cohort_date,
        {{ cohort_activity }}.activity_date,
        {{ cohort_activity }}.is_first_day_of_week,
        {{ cohort_activity }}.is_first_day_of_month,
        {{ cohort_activity }}.is_last_active_day
    from {{ cohort_activity }}
    inner join {{ cohorts }}
        on {{ cohort_activity }}.cohort_basis = {{ cohorts }}.cohort_basis
            and {{ cohort_activity }}.customer_id = {{ cohorts }}.customer_id

),
{% set activity = 'segment_activity' %}
{% else %}
{% set activity = cohort_activity %}
{% endif %}

-- one pass over the activity rows: per cohort day and activity day and for each activity basis, the customers
-- active, those on their first active day of the week and of the month, and those on their last active day
cohort_day_counts as (

    select
        cohort_basis,
        {{ seg }}cohort_date,
        activity_date,
        {%- for basis in activity_bases %}
        sum(case when activity_basis = '{{ basis }}' then 1 else 0 end) as {{ basis }}_active,
        sum(case when activity_basis = '{{ basis }}' and is_first_day_of_week then 1 else 0 end)
            as {{ basis }}_first_day_of_week,
        sum(case when activity_basis = '{{ basis }}' and is_first_day_of_month then 1 else 0 end)
            as {{ basis }}_first_day_of_month,
        sum(case when activity_basis = '{{ basis }}' and is_last_active_day then 1 else 0 end)
            as {{ basis }}_last_active{% if not loop.last %},{% endif %}
        {%- endfor %}
    from {{ activity }}
    group by cohort_basis, {{ seg }}cohort_date, activity_date

),

{% for grain in grains %}
{{ grain }}_cohort_sizes as (

    select
        cohort_basis,
        {{ seg }}{{ period_start(grain, 'cohort_date') }} as cohort_start,
        sum(cohort_size) as cohort_size
    from cohort_day_sizes
    group by cohort_basis, {{ seg }}{{ period_start(grain, 'cohort_date') }}

),

-- retained: at day grain the day counts are already one row per cohort start and period; a coarser grain adds up
-- the customers on their first active day of each period
{{ grain }}_period_counts as (

    select
        cohort_basis,
        {{ seg }}{{ period_start(grain, 'cohort_date') }} as cohort_start,
        {{ period_number(grain, period_start(grain, 'cohort_date'), period_start(grain, 'activity_date')) }}
            as period_number,
        {%- for basis in activity_bases %}
        {% if grain == 'day' -%}
        {{ basis }}_active as {{ basis }}_retained,
        {{ basis }}_last_active{% if not loop.last %},{% endif %}
        {%- else -%}
        sum({{ basis }}_{{ retained_counts[grain] }}) as {{ basis }}_retained,
        sum({{ basis }}_last_active) as {{ basis }}_last_active{% if not loop.last %},{% endif %}
        {%- endif %}
        {%- endfor %}
    from cohort_day_counts
    {%- if grain != 'day' %}
    group by
        cohort_basis,
        {{ seg }}{{ period_start(grain, 'cohort_date') }},
        {{ period_number(grain, period_start(grain, 'cohort_date'), period_start(grain, 'activity_date')) }}
    {%- endif %}

),

-- each cohort's last started period, a column of its own: the spine's join then compares two columns (a range
-- join) instead of evaluating the period arithmetic for every cohort and number
{{ grain }}_cohort_bounds as (

    select
        cohort_basis,
        {{ seg }}cohort_start,
        cohort_size,
        {{ period_number(grain, 'cohort_start', period_start(grain, as_of_date())) }} as last_period_number
    from {{ grain }}_cohort_sizes

),

{{ grain }}_spine as (

    select
        {{ grain }}_cohort_bounds.cohort_basis,
        {% for column in segment_columns %}{{ grain }}_cohort_bounds.{{ column }},
        {% endfor %}{{ grain }}_cohort_bounds.cohort_start,
        {{ grain }}_cohort_bounds.cohort_size,
        {{ numbers }}.n as period_number
    from {{ grain }}_cohort_bounds
    inner join {{ numbers }}
        on {{ numbers }}.n <= {{ grain }}_cohort_bounds.last_period_number

),

-- unbounded: customers whose last active period is this one or later, a running sum from the last period back
{{ grain }}_matrix_by_basis as (

    select
        {{ grain }}_spine.cohort_basis,
        {% for column in segment_columns %}{{ grain }}_spine.{{ column }},
        {% endfor %}{{ grain }}_spine.cohort_start,
        {{ grain }}_spine.period_number,
        {{ grain }}_spine.cohort_size,
        {%- for basis in activity_bases %}
        coalesce({{ grain }}_period_counts.{{ basis }}_retained, 0) as {{ basis }}_retained,
        sum(coalesce({{ grain }}_period_counts.{{ basis }}_last_active, 0)) over (
            partition by {{ grain }}_spine.cohort_basis,
                {% for column in segment_columns %}{{ grain }}_spine.{{ column }}, {% endfor %}{{ grain }}_spine.cohort_start
            order by {{ grain }}_spine.period_number desc
            rows between unbounded preceding and current row
        ) as {{ basis }}_unbounded{% if not loop.last %},{% endif %}
        {%- endfor %}
    from {{ grain }}_spine
    left join {{ grain }}_period_counts
        on {{ grain }}_spine.cohort_basis = {{ grain }}_period_counts.cohort_basis
            {% for column in segment_columns %}and {{ grain }}_spine.{{ column }} = {{ grain }}_period_counts.{{ column }}
            {% endfor %}and {{ grain }}_spine.cohort_start = {{ grain }}_period_counts.cohort_start
            and {{ grain }}_spine.period_number = {{ grain }}_period_counts.period_number

),

{{ grain }}_matrix as (

    select
        {{ grain }}_matrix_by_basis.cohort_basis,
        activity_bases.activity_basis,
        cast('{{ grain }}' as {{ type_string() }}) as period_grain,
        {% for column in segment_columns %}{{ grain }}_matrix_by_basis.{{ column }},
        {% endfor %}{{ grain }}_matrix_by_basis.cohort_start,
        {{ grain }}_matrix_by_basis.period_number,
        {{ add_periods(grain, grain ~ '_matrix_by_basis.period_number', grain ~ '_matrix_by_basis.cohort_start') }}
            as period_start,
        {{ grain }}_matrix_by_basis.cohort_size,
        {%- for measure in ['retained', 'unbounded'] %}
        case activity_bases.activity_basis
            {%- for basis in activity_bases %}
            when '{{ basis }}' then {{ grain }}_matrix_by_basis.{{ basis }}_{{ measure }}
            {%- endfor %}
        end as {{ 'retained_customers' if measure == 'retained' else 'unbounded_retained_customers' }},
        {%- endfor %}
        {{ period_end(grain, add_periods(grain, grain ~ '_matrix_by_basis.period_number', grain ~ '_matrix_by_basis.cohort_start')) }}
            <= {{ as_of_date() }} as is_complete
    from {{ grain }}_matrix_by_basis
    cross join (
        {%- for basis in activity_bases %}
        select cast('{{ basis }}' as {{ type_string() }}) as activity_basis
        {% if not loop.last %}union all{% endif %}
        {%- endfor %}
    ) as activity_bases

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
