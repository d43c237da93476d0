-- Regressions measured as cost (SPEC §19): each event keeps its cost ratio
-- r = (a/(1−a)) / (b/(1−b)) of the shares b before and a after, and the process's extra cost
-- 100·b·(r − 1). Both are null where unbounded (before 0 %, or after 100 %), as the service
-- writes them; existing events get the values of their stored shares, by the same rule.
alter table regression_event add column cost_ratio double precision;
alter table regression_event add column process_cost_percent double precision;

update regression_event e
set cost_ratio = case
        when s.a = s.b then 1
        when s.b = 0 or s.a = 1 then null
        when s.a = 0 or s.b = 1 then 0
        else s.a * (1 - s.b) / (s.b * (1 - s.a))
    end,
    process_cost_percent = case
        when s.a = s.b then 0
        when s.a = 1 then null
        else 100 * ((1 - s.b) * s.a / (1 - s.a) - s.b)
    end
from (
    select id,
           least(greatest(before_percent / 100, 0), 1) as b,
           least(greatest(after_percent / 100, 0), 1) as a
    from regression_event
) s
where s.id = e.id;
