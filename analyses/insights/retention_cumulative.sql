-- Cumulative (rolling) retention: of each signup-week cohort, who came back in week n or any later week shown?
-- Cells stay incomplete while a later week shown could still add a return.
select *
from ({{ retention_warehouse.retention_insight(
    period='week', total_intervals=8, date_to='2024-05-26', retention_type='first_time', cumulative=true
) }}) as insight
order by cohort_start, period_number
