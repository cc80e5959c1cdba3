-- Of the customers who first viewed a product on the app in a week (earlier web views do not matter), how many
-- ordered in the following weeks? first_time: the first target event that matches the filters.
select *
from ({{ retention_warehouse.retention_insight(
    period='week', total_intervals=8, date_to='2024-05-26', retention_type='first_time',
    target_event='product_view', target_filters={'device': 'app'}, returning_event='order'
) }}) as insight
order by cohort_start, period_number
