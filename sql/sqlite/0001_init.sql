-- The warehouse schema, written once for both backends. `sql/generate.sh` turns it into
-- sql/sqlite/0001_init.sql and sql/postgres/0001_init.sql by replacing the type words:
--   TEXT   timestamp with zone   (SQLite: TEXT, RFC 3339 in UTC; PostgreSQL: TIMESTAMPTZ)
--   TEXT calendar date         (SQLite: TEXT YYYY-MM-DD;       PostgreSQL: DATE)
--   INTEGER boolean               (SQLite: INTEGER 0/1;           PostgreSQL: BOOLEAN)
--   INTEGER PRIMARY KEY AUTOINCREMENT an auto-increasing key (SQLite: INTEGER PRIMARY KEY AUTOINCREMENT; PostgreSQL: BIGSERIAL PRIMARY KEY)
--   date('now')  today's date in views (SQLite: date('now'), in UTC; PostgreSQL: CURRENT_DATE, in the session's zone)
-- JSON values are TEXT on both (cast with ::jsonb on PostgreSQL, json_* functions on SQLite).
-- Every table and column is documented in docs/warehouse.md.

CREATE TABLE jurisdictions (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    classification TEXT NOT NULL,
    division_id TEXT,
    url TEXT,
    timezone TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    created_run_id BIGINT NOT NULL,
    updated_run_id BIGINT NOT NULL
);

CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    jurisdiction_id TEXT NOT NULL,
    identifier TEXT NOT NULL,
    name TEXT NOT NULL,
    classification TEXT,
    start_date TEXT,
    end_date TEXT,
    active INTEGER,
    content_hash TEXT NOT NULL,
    created_run_id BIGINT NOT NULL,
    updated_run_id BIGINT NOT NULL
);
CREATE UNIQUE INDEX sessions_natural ON sessions (jurisdiction_id, identifier);

CREATE TABLE organizations (
    id TEXT PRIMARY KEY,
    jurisdiction_id TEXT NOT NULL,
    name TEXT NOT NULL,
    classification TEXT NOT NULL,
    chamber TEXT,
    parent_id TEXT,
    content_hash TEXT NOT NULL,
    created_run_id BIGINT NOT NULL,
    updated_run_id BIGINT NOT NULL
);

CREATE TABLE people (
    id TEXT PRIMARY KEY,
    jurisdiction_id TEXT NOT NULL,
    name TEXT NOT NULL,
    chamber TEXT,
    party TEXT,
    district TEXT,
    email TEXT,
    image TEXT,
    source_url TEXT,
    content_hash TEXT NOT NULL,
    created_run_id BIGINT NOT NULL,
    updated_run_id BIGINT NOT NULL
);
CREATE INDEX people_name ON people (jurisdiction_id, name);

CREATE TABLE bills (
    id TEXT PRIMARY KEY,
    jurisdiction_id TEXT NOT NULL,
    session TEXT NOT NULL,
    identifier TEXT NOT NULL,
    title TEXT NOT NULL,
    classification TEXT NOT NULL,
    subjects TEXT NOT NULL,
    abstract_text TEXT,
    other_titles TEXT NOT NULL,
    other_identifiers TEXT NOT NULL,
    from_organization TEXT,
    first_action_date TEXT,
    latest_action_date TEXT,
    latest_action_description TEXT,
    source_url TEXT,
    related_bills TEXT NOT NULL,
    citations TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    bundle_hash TEXT NOT NULL,
    created_run_id BIGINT NOT NULL,
    updated_run_id BIGINT NOT NULL
);
CREATE UNIQUE INDEX bills_natural ON bills (jurisdiction_id, session, identifier);
CREATE INDEX bills_identifier ON bills (jurisdiction_id, identifier);

CREATE TABLE entity_sources (
    entity_type TEXT NOT NULL,
    source_kind TEXT NOT NULL,
    source_key TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    parts TEXT NOT NULL,
    first_run_id BIGINT NOT NULL,
    updated_run_id BIGINT NOT NULL,
    PRIMARY KEY (entity_type, source_kind, source_key)
);
CREATE INDEX entity_sources_entity ON entity_sources (entity_type, entity_id);

CREATE TABLE bill_actions (
    id TEXT PRIMARY KEY,
    bill_id TEXT NOT NULL,
    ordinal BIGINT NOT NULL,
    date TEXT,
    occurred_at TEXT,
    description TEXT NOT NULL,
    organization TEXT,
    classification TEXT NOT NULL,
    classification_source TEXT NOT NULL,
    related_entities TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    created_run_id BIGINT NOT NULL,
    updated_run_id BIGINT NOT NULL
);
CREATE INDEX bill_actions_bill ON bill_actions (bill_id, ordinal);

CREATE TABLE bill_sponsorships (
    id TEXT PRIMARY KEY,
    bill_id TEXT NOT NULL,
    ordinal BIGINT NOT NULL,
    name TEXT NOT NULL,
    entity_type TEXT NOT NULL,
    is_primary INTEGER NOT NULL,
    classification TEXT NOT NULL,
    chamber TEXT,
    person_id TEXT,
    content_hash TEXT NOT NULL,
    created_run_id BIGINT NOT NULL,
    updated_run_id BIGINT NOT NULL
);
CREATE INDEX bill_sponsorships_bill ON bill_sponsorships (bill_id);

CREATE TABLE bill_versions (
    id TEXT PRIMARY KEY,
    bill_id TEXT NOT NULL,
    ordinal BIGINT NOT NULL,
    note TEXT NOT NULL,
    date TEXT,
    classification TEXT NOT NULL,
    url TEXT,
    media_type TEXT,
    links TEXT NOT NULL,
    text_sha256 TEXT,
    content_hash TEXT NOT NULL,
    created_run_id BIGINT NOT NULL,
    updated_run_id BIGINT NOT NULL
);
CREATE INDEX bill_versions_bill ON bill_versions (bill_id);

CREATE TABLE bill_documents (
    id TEXT PRIMARY KEY,
    bill_id TEXT NOT NULL,
    ordinal BIGINT NOT NULL,
    note TEXT NOT NULL,
    date TEXT,
    classification TEXT NOT NULL,
    url TEXT,
    media_type TEXT,
    links TEXT NOT NULL,
    text_sha256 TEXT,
    content_hash TEXT NOT NULL,
    created_run_id BIGINT NOT NULL,
    updated_run_id BIGINT NOT NULL
);
CREATE INDEX bill_documents_bill ON bill_documents (bill_id);

CREATE TABLE bill_texts (
    id TEXT PRIMARY KEY,
    bill_id TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    characters BIGINT NOT NULL,
    text TEXT NOT NULL,
    created_run_id BIGINT NOT NULL,
    updated_run_id BIGINT NOT NULL
);
CREATE INDEX bill_texts_bill ON bill_texts (bill_id);

CREATE TABLE votes (
    id TEXT PRIMARY KEY,
    bill_id TEXT,
    jurisdiction_id TEXT NOT NULL,
    session TEXT NOT NULL,
    bill_identifier TEXT,
    motion TEXT NOT NULL,
    motion_classification TEXT NOT NULL,
    date TEXT,
    start_time TEXT,
    result TEXT NOT NULL,
    organization TEXT,
    yes_count BIGINT NOT NULL,
    no_count BIGINT NOT NULL,
    abstain_count BIGINT NOT NULL,
    absent_count BIGINT NOT NULL,
    excused_count BIGINT NOT NULL,
    not_voting_count BIGINT NOT NULL,
    other_count BIGINT NOT NULL,
    source_url TEXT,
    dedupe_key TEXT,
    content_hash TEXT NOT NULL,
    bundle_hash TEXT NOT NULL,
    created_run_id BIGINT NOT NULL,
    updated_run_id BIGINT NOT NULL
);
CREATE INDEX votes_bill ON votes (bill_id);

CREATE TABLE vote_records (
    id TEXT PRIMARY KEY,
    vote_id TEXT NOT NULL,
    ordinal BIGINT NOT NULL,
    voter_name TEXT NOT NULL,
    person_id TEXT,
    option TEXT NOT NULL,
    raw_option TEXT NOT NULL,
    note TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    created_run_id BIGINT NOT NULL,
    updated_run_id BIGINT NOT NULL
);
CREATE INDEX vote_records_vote ON vote_records (vote_id);
CREATE INDEX vote_records_person ON vote_records (person_id);

CREATE TABLE events (
    id TEXT PRIMARY KEY,
    jurisdiction_id TEXT NOT NULL,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    classification TEXT NOT NULL,
    start_time TEXT,
    start_date TEXT,
    end_time TEXT,
    all_day INTEGER NOT NULL,
    timezone TEXT NOT NULL,
    location TEXT,
    status TEXT NOT NULL,
    upstream_id TEXT,
    participants TEXT NOT NULL,
    source_url TEXT,
    content_hash TEXT NOT NULL,
    bundle_hash TEXT NOT NULL,
    created_run_id BIGINT NOT NULL,
    updated_run_id BIGINT NOT NULL
);
CREATE INDEX events_start ON events (start_date);

CREATE TABLE event_agenda (
    id TEXT PRIMARY KEY,
    event_id TEXT NOT NULL,
    ordinal BIGINT NOT NULL,
    description TEXT NOT NULL,
    bill_identifier TEXT,
    bill_id TEXT,
    classification TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    created_run_id BIGINT NOT NULL,
    updated_run_id BIGINT NOT NULL
);
CREATE INDEX event_agenda_event ON event_agenda (event_id);
CREATE INDEX event_agenda_bill ON event_agenda (bill_id);

CREATE TABLE runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    pipeline TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    status TEXT NOT NULL,
    requests BIGINT NOT NULL DEFAULT 0,
    bytes BIGINT NOT NULL DEFAULT 0,
    records BIGINT NOT NULL DEFAULT 0,
    changes BIGINT NOT NULL DEFAULT 0,
    warnings BIGINT NOT NULL DEFAULT 0,
    duration_ms BIGINT,
    summary TEXT
);
CREATE INDEX runs_pipeline ON runs (pipeline, started_at);

CREATE TABLE run_sources (
    run_id BIGINT NOT NULL,
    source TEXT NOT NULL,
    kind TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    status TEXT NOT NULL,
    requests BIGINT NOT NULL,
    bytes BIGINT NOT NULL,
    payloads BIGINT NOT NULL,
    unchanged_payloads BIGINT NOT NULL,
    records BIGINT NOT NULL,
    inserted BIGINT NOT NULL,
    updated BIGINT NOT NULL,
    unchanged BIGINT NOT NULL,
    changes BIGINT NOT NULL,
    warnings BIGINT NOT NULL,
    error TEXT,
    PRIMARY KEY (run_id, source)
);

CREATE TABLE raw_payloads (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id BIGINT NOT NULL,
    pipeline TEXT NOT NULL,
    source TEXT NOT NULL,
    location TEXT NOT NULL,
    fetched_at TEXT NOT NULL,
    http_status BIGINT,
    sha256 TEXT NOT NULL,
    bytes BIGINT NOT NULL,
    etag TEXT,
    last_modified TEXT,
    loaded INTEGER NOT NULL
);
CREATE INDEX raw_payloads_location ON raw_payloads (pipeline, source, location, id);

CREATE TABLE warnings (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id BIGINT NOT NULL,
    source TEXT NOT NULL,
    location TEXT NOT NULL,
    record TEXT,
    message TEXT NOT NULL
);
CREATE INDEX warnings_run ON warnings (run_id);

CREATE TABLE change_events (
    seq BIGINT PRIMARY KEY,
    run_id BIGINT NOT NULL,
    recorded_at TEXT NOT NULL,
    jurisdiction_id TEXT NOT NULL,
    entity_type TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    bill_id TEXT,
    kind TEXT NOT NULL,
    changes TEXT NOT NULL
);
CREATE INDEX change_events_bill ON change_events (bill_id, seq);
CREATE INDEX change_events_run ON change_events (run_id);
CREATE INDEX change_events_entity ON change_events (entity_type, entity_id, seq);
CREATE INDEX change_events_jurisdiction ON change_events (jurisdiction_id, seq);

CREATE TABLE operator_alerts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    pipeline TEXT NOT NULL,
    source TEXT NOT NULL,
    kind TEXT NOT NULL,
    first_run_id BIGINT NOT NULL,
    last_run_id BIGINT NOT NULL,
    streak BIGINT NOT NULL,
    message TEXT NOT NULL,
    created_at TEXT NOT NULL,
    sent_at TEXT,
    attempts BIGINT NOT NULL DEFAULT 0,
    last_error TEXT
);
CREATE UNIQUE INDEX operator_alerts_streak ON operator_alerts (pipeline, source, kind, first_run_id);

CREATE TABLE source_state (
    pipeline TEXT NOT NULL,
    source TEXT NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (pipeline, source, key)
);

-- Views for analysts ----------------------------------------------------------------------

-- The current status of each bill: its latest action and how far it got.
-- Coalitions (loaded from their TOML files) and their alerts.
CREATE TABLE coalitions (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    file TEXT NOT NULL,
    config_hash TEXT NOT NULL,
    unsubscribe TEXT NOT NULL,
    reminder_days TEXT NOT NULL,
    actions TEXT NOT NULL,
    replay INTEGER NOT NULL,
    cursor_seq BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE coalition_groups (
    coalition_id TEXT NOT NULL,
    id TEXT NOT NULL,
    name TEXT NOT NULL,
    PRIMARY KEY (coalition_id, id)
);

CREATE TABLE coalition_leads (
    coalition_id TEXT NOT NULL,
    group_id TEXT NOT NULL,
    name TEXT NOT NULL,
    email TEXT NOT NULL,
    timezone TEXT NOT NULL,
    delivery TEXT NOT NULL,
    digest_hour BIGINT NOT NULL,
    PRIMARY KEY (coalition_id, group_id, email)
);

CREATE TABLE coalition_bills (
    coalition_id TEXT NOT NULL,
    jurisdiction_id TEXT NOT NULL,
    identifier TEXT NOT NULL,
    session TEXT NOT NULL,
    group_id TEXT NOT NULL,
    position TEXT NOT NULL,
    assigned INTEGER NOT NULL,
    PRIMARY KEY (coalition_id, jurisdiction_id, identifier, session, group_id)
);

CREATE TABLE coalition_watches (
    coalition_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (coalition_id, kind, value)
);

CREATE TABLE alert_outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    coalition_id TEXT NOT NULL,
    rule TEXT NOT NULL,
    recipient TEXT NOT NULL,
    dedupe_key TEXT NOT NULL,
    change_seq BIGINT,
    bill_id TEXT,
    alert TEXT NOT NULL,
    delivery TEXT NOT NULL,
    due_at TEXT NOT NULL,
    created_at TEXT NOT NULL,
    message_id BIGINT
);
CREATE UNIQUE INDEX alert_outbox_once ON alert_outbox (coalition_id, rule, recipient, dedupe_key);
CREATE INDEX alert_outbox_message ON alert_outbox (message_id);

CREATE TABLE alert_messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    coalition_id TEXT NOT NULL,
    recipient TEXT NOT NULL,
    message_key TEXT NOT NULL,
    kind TEXT NOT NULL,
    subject TEXT,
    status TEXT NOT NULL,
    attempts BIGINT NOT NULL,
    next_attempt_at TEXT NOT NULL,
    last_error TEXT,
    sent_at TEXT,
    rfc_message_id TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX alert_messages_once ON alert_messages (coalition_id, recipient, message_key);
CREATE INDEX alert_messages_due ON alert_messages (status, next_attempt_at);

CREATE TABLE alert_attempts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    message_id BIGINT NOT NULL,
    attempted_at TEXT NOT NULL,
    transport TEXT NOT NULL,
    ok INTEGER NOT NULL,
    error TEXT
);
CREATE INDEX alert_attempts_message ON alert_attempts (message_id);

CREATE VIEW bill_status AS
SELECT
    b.id AS bill_id,
    b.jurisdiction_id,
    b.session,
    b.identifier,
    b.title,
    b.from_organization,
    b.first_action_date,
    b.latest_action_date,
    b.latest_action_description,
    (SELECT a.classification FROM bill_actions a WHERE a.bill_id = b.id AND a.date IS NOT NULL
      ORDER BY a.date DESC, a.ordinal DESC LIMIT 1) AS latest_action_classification,
    (SELECT COUNT(*) FROM bill_actions a WHERE a.bill_id = b.id) AS action_count,
    (SELECT COUNT(*) FROM votes v WHERE v.bill_id = b.id) AS vote_count,
    (SELECT COUNT(*) FROM bill_versions v WHERE v.bill_id = b.id) AS version_count,
    (SELECT MIN(e.start_date) FROM event_agenda g JOIN events e ON e.id = g.event_id
      WHERE g.bill_id = b.id AND e.status <> 'cancelled' AND e.start_date >= date('now')) AS next_hearing_date
FROM bills b;

-- Hearings from today on, with one row per bill on the agenda (or one row with no bill).
CREATE VIEW upcoming_hearings AS
SELECT
    e.id AS event_id,
    e.jurisdiction_id,
    e.name,
    e.start_date,
    e.start_time,
    e.timezone,
    e.all_day,
    e.location,
    e.status,
    g.ordinal AS agenda_ordinal,
    g.bill_identifier,
    g.bill_id,
    g.description AS agenda_description
FROM events e
LEFT JOIN event_agenda g ON g.event_id = e.id
WHERE e.start_date >= date('now');

-- How each legislator voted: one row per legislator per roll call, with the bill.
CREATE VIEW legislator_votes AS
SELECT
    r.voter_name,
    r.person_id,
    r.option,
    v.id AS vote_id,
    v.jurisdiction_id,
    v.session,
    v.bill_id,
    COALESCE(b.identifier, v.bill_identifier) AS bill_identifier,
    b.title AS bill_title,
    v.motion,
    v.date,
    v.organization,
    v.result
FROM vote_records r
JOIN votes v ON v.id = r.vote_id
LEFT JOIN bills b ON b.id = v.bill_id;

-- Voters not linked to a person record: the queue to reconcile.
CREATE VIEW unmatched_voters AS
SELECT v.jurisdiction_id, r.voter_name, COUNT(*) AS vote_records
FROM vote_records r JOIN votes v ON v.id = r.vote_id
WHERE r.person_id IS NULL
GROUP BY v.jurisdiction_id, r.voter_name;

-- The last successful run of each pipeline and source.
CREATE VIEW source_freshness AS
SELECT r.pipeline, s.source, s.kind, MAX(s.finished_at) AS last_success
FROM run_sources s JOIN runs r ON r.id = s.run_id
WHERE s.status = 'succeeded'
GROUP BY r.pipeline, s.source, s.kind;

CREATE VIEW bill_sources AS
SELECT source_kind, source_key, entity_id AS bill_id, first_run_id
FROM entity_sources
WHERE entity_type = 'bill';
