drop table if exists alert_transition;
drop table if exists alert_state;
