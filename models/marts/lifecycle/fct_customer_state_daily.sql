{{ config(enabled=target.type != 'spark') }}
-- the snapshot turned into daily history (GitLab's pattern): one row per customer and day from the day a
-- recorded state became valid to the day before it was replaced (or as_of_date for the current state)
with

snapshot_rows as (

    select * from {{ ref('snap_customer_state') }}

),

numbers as (

    select * from {{ ref('int_numbers') }}

),

versions as (

    select
        customer_id,
        lifecycle_stage,
        membership_tier,
        rfm_segment,
        cast(dbt_valid_from as date) as valid_from,
        case
            when dbt_valid_to is null then {{ as_of_date() }}
            else cast({{ dbt.dateadd('day', -1, 'cast(dbt_valid_to as date)') }} as date)
        end as valid_through
    from snapshot_rows

),

final as (

    select
        versions.customer_id,
        cast({{ dbt.dateadd('day', 'numbers.n', 'versions.valid_from') }} as date) as state_date,
        versions.lifecycle_stage,
        versions.membership_tier,
        versions.rfm_segment
    from versions
    inner join numbers
        on numbers.n <= {{ dbt.datediff('versions.valid_from', 'versions.valid_through', 'day') }}

)

select * from final
