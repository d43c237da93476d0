drop index if exists watch_series_next_idx;
