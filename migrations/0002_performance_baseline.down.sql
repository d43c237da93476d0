drop table if exists performance_baseline;
