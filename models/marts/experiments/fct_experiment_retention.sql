-- experiment retention (metrics.md, "Activation and experiments"): per experiment and variant, customers assigned,
-- within-7 and within-30 retention (active on a day 1..N after the assignment day; complete windows only), the
-- absolute lift p_variant - p_control against the variant named experiment_control_variant ('control'), the
-- two-sided p-value of the pooled two-proportion z-test and the 95% Wald interval of the lift (unpooled standard
-- error). Statistics: macros/metrics/statistics.sql. Null on the control row and when there is nothing to test.
{%- set windows = [7, 30] %}
{%- set control_variant = var('experiment_control_variant', 'control') %}

with

experiment_windows as (

    select * from {{ ref('int_experiment_windows') }}

),

variant_counts as (

    select
        experiment_id,
        variant,
        count(*) as customers_assigned,
        {% for days in windows %}
        sum(case when is_complete_{{ days }}d then 1 else 0 end) as eligible_customers_{{ days }}d,
        sum(case when is_complete_{{ days }}d and is_retained_{{ days }}d then 1 else 0 end)
            as retained_customers_{{ days }}d,
        {% endfor %}
        min(assigned_date) as first_assigned_date,
        max(assigned_date) as last_assigned_date
    from experiment_windows
    group by 1, 2

),

-- each variant beside its experiment's control arm
compared as (

    select
        variant_counts.*,
        {% for days in windows %}
        control.eligible_customers_{{ days }}d as control_eligible_{{ days }}d,
        control.retained_customers_{{ days }}d as control_retained_{{ days }}d,
        {% endfor %}
        variant_counts.variant = '{{ control_variant }}' as is_control
    from variant_counts
    left join variant_counts as control
        on variant_counts.experiment_id = control.experiment_id
            and control.variant = '{{ control_variant }}'

),

-- shares per window: p_v (this variant), p_c (control), p_pooled (both arms), from the complete windows only
shares as (

    select
        {% for days in windows %}
        eligible_customers_{{ days }}d as n_v_{{ days }}d,
        control_eligible_{{ days }}d as n_c_{{ days }}d,
        {{ proportion('retained_customers_' ~ days ~ 'd', 'eligible_customers_' ~ days ~ 'd') }}
            as p_v_{{ days }}d,
        {{ proportion('control_retained_' ~ days ~ 'd', 'control_eligible_' ~ days ~ 'd') }}
            as p_c_{{ days }}d,
        {{ pooled_proportion(
            'control_retained_' ~ days ~ 'd', 'control_eligible_' ~ days ~ 'd',
            'retained_customers_' ~ days ~ 'd', 'eligible_customers_' ~ days ~ 'd'
        ) }}
            as p_pooled_{{ days }}d,
        {% endfor %}
        *
    from compared

),

tested as (

    select
        {% for days in windows %}
        case when not is_control then p_v_{{ days }}d - p_c_{{ days }}d end as within_{{ days }}d_lift,
        case
            when not is_control
                then {{ two_proportion_z(
                    'p_c_' ~ days ~ 'd', 'n_c_' ~ days ~ 'd', 'p_v_' ~ days ~ 'd', 'n_v_' ~ days ~ 'd',
                    'p_pooled_' ~ days ~ 'd'
                ) }}
        end as within_{{ days }}d_z_score,
        case
            when not is_control
                then {{ wald_standard_error(
                    'p_c_' ~ days ~ 'd', 'n_c_' ~ days ~ 'd', 'p_v_' ~ days ~ 'd', 'n_v_' ~ days ~ 'd'
                ) }}
        end as within_{{ days }}d_lift_se,
        {% endfor %}
        *
    from shares

),

final as (

    select
        experiment_id,
        variant,
        is_control,
        cast(customers_assigned as {{ dbt.type_int() }}) as customers_assigned,
        first_assigned_date,
        last_assigned_date,
        cast(eligible_customers_7d as {{ dbt.type_int() }}) as eligible_customers_7d,
        cast(retained_customers_7d as {{ dbt.type_int() }}) as retained_customers_7d,
        p_v_7d as within_7d_retention,
        within_7d_lift,
        within_7d_z_score,
        {{ two_sided_p_value('within_7d_z_score') }} as within_7d_p_value,
        {{ wald_interval_lower('within_7d_lift', 'within_7d_lift_se') }} as within_7d_lift_ci_lower,
        {{ wald_interval_upper('within_7d_lift', 'within_7d_lift_se') }} as within_7d_lift_ci_upper,
        cast(eligible_customers_30d as {{ dbt.type_int() }}) as eligible_customers_30d,
        cast(retained_customers_30d as {{ dbt.type_int() }}) as retained_customers_30d,
        p_v_30d as within_30d_retention,
        within_30d_lift,
        within_30d_z_score,
        {{ two_sided_p_value('within_30d_z_score') }} as within_30d_p_value,
        {{ wald_interval_lower('within_30d_lift', 'within_30d_lift_se') }} as within_30d_lift_ci_lower,
        {{ wald_interval_upper('within_30d_lift', 'within_30d_lift_se') }} as within_30d_lift_ci_upper
    from tested

)

select * from final
