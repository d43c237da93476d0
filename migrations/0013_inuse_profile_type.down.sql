-- Back to four types: the in-use baselines and alert rules cannot be kept under the old check.
delete from performance_baseline where profile_type = 'inuse';
delete from alert_rule where profile_type = 'inuse';
alter table performance_baseline drop constraint performance_baseline_profile_type_check;
alter table performance_baseline add constraint performance_baseline_profile_type_check
    check (profile_type in ('cpu', 'alloc', 'lock', 'wall'));
alter table alert_rule drop constraint alert_rule_profile_type_check;
alter table alert_rule add constraint alert_rule_profile_type_check
    check (profile_type in ('cpu', 'alloc', 'lock', 'wall'));
