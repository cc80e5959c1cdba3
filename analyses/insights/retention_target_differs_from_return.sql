-- Do searchers come back to buy? Cohorts of the weeks with a search, returns are valid orders in a later week.
select *
from ({{ retention_warehouse.retention_insight(
    period='week', total_intervals=6, date_to='2024-05-26', target_event='search', returning_event='order'
) }}) as insight
order by cohort_start, period_number
