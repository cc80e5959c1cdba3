-- Committed app browsers: in how many weeks did a customer view at least 3 products on the app?
select *
from ({{ retention_warehouse.stickiness_insight(
    interval='week', date_from='2024-03-04', date_to='2024-05-26',
    event='product_view', filters={'device': 'app'}, min_events_per_interval=3
) }}) as insight
order by k
