-- Audit trail of triage and diff assessments.
create table triage_history (
    id             serial primary key,
    app_name       varchar(255) not null check (char_length(app_name) >= 1),
    profile_types  varchar(64)  not null default 'cpu',
    diagnosis      varchar(100) not null check (char_length(diagnosis) >= 1),
    severity       varchar(16)  not null check (severity in ('low', 'medium', 'high')),
    top_functions  jsonb,
    recommendation text,
    requested_by   varchar(255),
    created_at     timestamptz  not null default now()
);

create index triage_history_app_created_idx on triage_history (app_name, created_at desc, id desc);
