-- How sticky is the shop? Customers active on exactly k of the 28 days of May 1..28 (any activity).
select *
from ({{ retention_warehouse.stickiness_insight(interval='day', date_from='2024-05-01', date_to='2024-05-28') }}) as insight
order by k
