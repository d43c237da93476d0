-- In-use memory joins the logical profile types (SPEC §17): baselines and alert rules accept it.
alter table performance_baseline drop constraint performance_baseline_profile_type_check;
alter table performance_baseline add constraint performance_baseline_profile_type_check
    check (profile_type in ('cpu', 'alloc', 'lock', 'wall', 'inuse'));
alter table alert_rule drop constraint alert_rule_profile_type_check;
alter table alert_rule add constraint alert_rule_profile_type_check
    check (profile_type in ('cpu', 'alloc', 'lock', 'wall', 'inuse'));
