drop index if exists watch_backfill_series_idx;
alter table watch_series drop column if exists failed_slice;
alter table watch_series drop column if exists watched_from;
