-- Customers active on k or more of the days of May 1..28: the cumulative stickiness curve.
select *
from ({{ retention_warehouse.stickiness_insight(
    interval='day', date_from='2024-05-01', date_to='2024-05-28', cumulative=true
) }}) as insight
order by k
