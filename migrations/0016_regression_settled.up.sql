-- Regressions after regressions (SPEC §19): a confirmed regression not resolved after
-- `watch.settle_slices` slices is `settled` at the newest slice then (`settled_at`, a slice
-- start like the other `*_at`); it is no longer open, so its function is suspected again.
alter table regression_event drop constraint regression_event_state_check;
alter table regression_event add constraint regression_event_state_check
    check (state in ('suspected', 'confirmed', 'went_away', 'resolved', 'settled'));
alter table regression_event add column settled_at bigint;
