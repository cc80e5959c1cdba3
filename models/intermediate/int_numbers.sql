-- integers 0 .. 9,999: the spine for period numbers, days of a date range and k of a distribution
with

series as (

    {{ dbt.generate_series(10000) }}

),

final as (

    select cast(generated_number - 1 as {{ dbt.type_int() }}) as n
    from series

)

select * from final
