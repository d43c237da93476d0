-- Back to the outbox as two columns of the transitions. Undelivered alert webhooks move back
-- onto their transitions; delivered and given-up ones count as notified.
alter table alert_transition add column webhook varchar(255);
alter table alert_transition add column notified_at timestamptz;

update alert_transition t set webhook = left(o.destination, 255),
       notified_at = case when o.outcome is null then null else coalesce(o.settled_at, now()) end
from notification_outbox o
where o.kind = 'alert_webhook' and o.subject = 'alert_transition:' || t.id;

create index alert_transition_outbox_idx on alert_transition (id)
    where webhook is not null and notified_at is null;

drop table notification_outbox;
