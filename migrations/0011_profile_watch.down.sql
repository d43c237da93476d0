drop table watch_backfill;
drop table watch_series;
drop function profile_summary_partition(bigint);
-- Drops the day partitions with it.
drop table profile_summary;
