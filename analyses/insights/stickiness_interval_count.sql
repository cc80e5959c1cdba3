-- Buckets of 2 weeks: in how many of the fortnights up to May 26 did a customer view products?
-- (Fortnights are counted back from the week of date_to.)
select *
from ({{ retention_warehouse.stickiness_insight(
    interval='week', interval_count=2, date_from='2024-01-01', date_to='2024-05-26', event='product_view'
) }}) as insight
order by k
