-- Memory that only grows (SPEC §22): a leak is an event of kind `leak`, from its suspicion on
-- (the kind is written with the suspicion, so the detector knows which of a series' open events
-- are leaks), with the line fitted to its function's in-use bytes (JSON: rate and interval,
-- since, levels, limit and when it is reached).
alter table regression_event drop constraint regression_event_kind_check;
alter table regression_event add constraint regression_event_kind_check
    check (kind in ('regression', 'cost_shift', 'leak'));
alter table regression_event add column leak jsonb;
