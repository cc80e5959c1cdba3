{{ config(enabled=target.type != 'spark') }}
-- the snapshot turned into daily history (GitLab's pattern): one row per customer and day from the day a
-- recorded state became valid to the day before it was replaced (or as_of_date for the current state).
-- int_numbers spans the current data (first active day to as_of_date), but the snapshot keeps the versions of
-- every past build, which can span more (a build re-run with an older as_of_date, or history since deleted), so
-- a day offset is high x spine size + low, two numbers of the spine: size^2 days (at least 32^2 = 1,024).
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

spine_size as (

    select count(*) as size
    from numbers

),

version_days as (

    select
        versions.customer_id,
        versions.valid_from,
        versions.lifecycle_stage,
        versions.membership_tier,
        versions.rfm_segment,
        {{ dbt.datediff('versions.valid_from', 'versions.valid_through', 'day') }}
            as last_offset,
        spine_size.size
    from versions
    cross join spine_size

),

offsets as (

    select
        version_days.customer_id,
        version_days.valid_from,
        version_days.lifecycle_stage,
        version_days.membership_tier,
        version_days.rfm_segment,
        high.n * version_days.size + low.n as day_offset
    from version_days
    inner join numbers as high
        on high.n * version_days.size <= version_days.last_offset
    inner join numbers as low
        on high.n * version_days.size + low.n <= version_days.last_offset

),

final as (

    select
        customer_id,
        cast({{ dbt.dateadd('day', 'day_offset', 'valid_from') }} as date) as state_date,
        lifecycle_stage,
        membership_tier,
        rfm_segment
    from offsets

)

select * from final
