-- The change that caused it (SPEC §21). Each summary keeps the values of `service_git_ref` its
-- slice saw, as it keeps versions; each confirmed event keeps the commits named on it (JSON
-- array of suspects, best first), the range they were chosen from, or why none is named.
alter table profile_summary add column git_refs text[] not null default '{}';
alter table regression_event add column suspects jsonb;
alter table regression_event add column suspects_range jsonb;
alter table regression_event add column suspects_reason text;
