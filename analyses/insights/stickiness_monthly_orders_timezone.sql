-- In how many calendar months (New York time) did each customer place a valid order? Sunday weeks and time zone
-- arguments work the same way for stickiness.
select *
from ({{ retention_warehouse.stickiness_insight(
    interval='month', date_from='2024-01-01', date_to='2024-05-31', event='order', timezone='America/New_York'
) }}) as insight
order by k
