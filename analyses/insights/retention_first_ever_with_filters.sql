-- Of the customers whose very first product view was on the app, how many ordered in the following weeks?
-- first_ever: a customer whose first product view was on the web is left out, even after a later app view.
select *
from ({{ retention_warehouse.retention_insight(
    period='week', total_intervals=8, date_to='2024-05-26', retention_type='first_ever',
    target_event='product_view', target_filters={'device': 'app'}, returning_event='order'
) }}) as insight
order by cohort_start, period_number
