delete from notification_outbox where kind = 'regression_webhook' and outcome is null
    and subject in (select 'regression:' || id || ':' || state from regression_event
                    where kind = 'leak');
delete from regression_event where kind = 'leak';
alter table regression_event drop column if exists leak;
alter table regression_event drop constraint regression_event_kind_check;
alter table regression_event add constraint regression_event_kind_check
    check (kind in ('regression', 'cost_shift'));
