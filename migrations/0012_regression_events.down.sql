alter table watch_series drop column if exists examined_through;
delete from notification_outbox where kind = 'regression_webhook' and outcome is null;
drop table if exists regression_event;
