-- Profiling-based alert rules.
create table alert_rule (
    id                   serial primary key,
    app_name             varchar(255) not null check (char_length(app_name) >= 1),
    profile_type         varchar(16)  not null check (profile_type in ('cpu', 'alloc', 'lock', 'wall')),
    function_pattern     varchar(1024),
    threshold_percent    double precision not null check (threshold_percent > 0 and threshold_percent <= 100),
    severity             varchar(16)  not null default 'warning' check (severity in ('info', 'warning', 'critical')),
    notification_channel varchar(255),
    enabled              boolean not null default true,
    created_by           varchar(255),
    created_at           timestamptz not null default now(),
    updated_at           timestamptz not null default now()
);

create index alert_rule_app_enabled_idx on alert_rule (app_name, enabled);

create trigger alert_rule_updated_at
    before update on alert_rule
    for each row execute function set_updated_at();
