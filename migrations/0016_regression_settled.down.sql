-- Back to four states. A settled event ended without a rollback; the nearest older state that
-- keeps it closed (not watched, not fired again) is `resolved`, at the slice it settled.
update regression_event
set state = 'resolved', resolved_at = settled_at, resolved_time = coalesce(resolved_time, now())
where state = 'settled';
alter table regression_event drop column settled_at;
alter table regression_event drop constraint regression_event_state_check;
alter table regression_event add constraint regression_event_state_check
    check (state in ('suspected', 'confirmed', 'went_away', 'resolved'));
