-- Back to events without their cost (SPEC §19's columns): the shares they came from stay.
alter table regression_event drop column process_cost_percent;
alter table regression_event drop column cost_ratio;
