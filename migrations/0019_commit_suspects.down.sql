alter table regression_event drop column if exists suspects_reason;
alter table regression_event drop column if exists suspects_range;
alter table regression_event drop column if exists suspects;
alter table profile_summary drop column if exists git_refs;
