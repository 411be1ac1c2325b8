-- Constituent power (issue 15): people with their seats over time and their offices,
-- committees with their rosters, and the views coalitions read them through. Open States'
-- people repository (`openstates_people`) and API deliver them.

ALTER TABLE people ADD COLUMN given_name TEXT;
ALTER TABLE people ADD COLUMN family_name TEXT;
ALTER TABLE people ADD COLUMN other_names TEXT NOT NULL DEFAULT '[]';
ALTER TABLE people ADD COLUMN links TEXT NOT NULL DEFAULT '[]';
ALTER TABLE people ADD COLUMN ids TEXT NOT NULL DEFAULT '{}';
ALTER TABLE people ADD COLUMN former INTEGER;

ALTER TABLE organizations ADD COLUMN other_names TEXT NOT NULL DEFAULT '[]';
ALTER TABLE organizations ADD COLUMN source_url TEXT;
CREATE INDEX organizations_jurisdiction ON organizations (jurisdiction_id, classification);

-- Each seat a person held, by dates: a past vote links to the seat held that day.
CREATE TABLE person_roles (
    id TEXT PRIMARY KEY,
    person_id TEXT NOT NULL,
    ordinal BIGINT NOT NULL,
    role_type TEXT NOT NULL,
    chamber TEXT,
    jurisdiction_id TEXT NOT NULL,
    district TEXT,
    start_date TEXT,
    end_date TEXT,
    end_reason TEXT,
    content_hash TEXT NOT NULL,
    created_run_id BIGINT NOT NULL,
    updated_run_id BIGINT NOT NULL
);
CREATE INDEX person_roles_person ON person_roles (person_id);
CREATE INDEX person_roles_seat ON person_roles (jurisdiction_id, chamber, district);

CREATE TABLE person_offices (
    id TEXT PRIMARY KEY,
    person_id TEXT NOT NULL,
    ordinal BIGINT NOT NULL,
    classification TEXT NOT NULL,
    name TEXT,
    address TEXT,
    voice TEXT,
    fax TEXT,
    email TEXT,
    content_hash TEXT NOT NULL,
    created_run_id BIGINT NOT NULL,
    updated_run_id BIGINT NOT NULL
);
CREATE INDEX person_offices_person ON person_offices (person_id);

CREATE TABLE committee_memberships (
    id TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL,
    ordinal BIGINT NOT NULL,
    person_id TEXT,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    created_run_id BIGINT NOT NULL,
    updated_run_id BIGINT NOT NULL
);
CREATE INDEX committee_memberships_organization ON committee_memberships (organization_id);
CREATE INDEX committee_memberships_person ON committee_memberships (person_id);

-- Current legislators with the phone numbers of their capitol and district offices.
CREATE VIEW legislators AS
SELECT
    p.id AS person_id,
    p.jurisdiction_id,
    p.name,
    p.family_name,
    p.chamber,
    p.district,
    p.party,
    COALESCE(p.email, (SELECT o.email FROM person_offices o WHERE o.person_id = p.id AND o.email IS NOT NULL ORDER BY o.ordinal LIMIT 1)) AS email,
    (SELECT o.voice FROM person_offices o WHERE o.person_id = p.id AND o.classification = 'capitol' AND o.voice IS NOT NULL ORDER BY o.ordinal LIMIT 1) AS capitol_phone,
    (SELECT o.voice FROM person_offices o WHERE o.person_id = p.id AND o.classification = 'district' AND o.voice IS NOT NULL ORDER BY o.ordinal LIMIT 1) AS district_phone,
    p.image
FROM people p
WHERE p.chamber IN ('upper', 'lower', 'legislature')
  AND (p.former IS NULL OR p.former = 0);

-- Committee rosters: chair first, then vice chair, then the other members by name.
CREATE VIEW committee_rosters AS
SELECT
    c.id AS committee_id,
    c.jurisdiction_id,
    c.chamber,
    c.name AS committee_name,
    m.person_id,
    COALESCE(p.name, m.name) AS name,
    m.role,
    CASE WHEN m.role = 'chair' THEN 1 WHEN m.role IN ('vice chair', 'vice-chair', 'co-chair') THEN 2 WHEN m.role = 'member' THEN 4 ELSE 3 END AS role_rank,
    p.party,
    p.district,
    COALESCE(p.email, (SELECT o.email FROM person_offices o WHERE o.person_id = p.id AND o.email IS NOT NULL ORDER BY o.ordinal LIMIT 1)) AS email,
    COALESCE(
        (SELECT o.voice FROM person_offices o WHERE o.person_id = p.id AND o.classification = 'capitol' AND o.voice IS NOT NULL ORDER BY o.ordinal LIMIT 1),
        (SELECT o.voice FROM person_offices o WHERE o.person_id = p.id AND o.voice IS NOT NULL ORDER BY o.ordinal LIMIT 1)
    ) AS phone
FROM organizations c
JOIN committee_memberships m ON m.organization_id = c.id
LEFT JOIN people p ON p.id = m.person_id
WHERE c.classification IN ('committee', 'subcommittee')
ORDER BY c.jurisdiction_id, c.chamber, c.name, role_rank, COALESCE(p.family_name, p.name, m.name), m.ordinal;

-- How many vote records are linked to a person, per jurisdiction (`statehouse status`);
-- `unmatched_voters` lists the names left.
CREATE VIEW voter_links AS
SELECT
    v.jurisdiction_id,
    COUNT(*) AS vote_records,
    SUM(CASE WHEN r.person_id IS NOT NULL THEN 1 ELSE 0 END) AS linked,
    ROUND(100.0 * SUM(CASE WHEN r.person_id IS NOT NULL THEN 1 ELSE 0 END) / COUNT(*), 1) AS linked_percent
FROM vote_records r
JOIN votes v ON v.id = r.vote_id
GROUP BY v.jurisdiction_id;

-- Alerts read committee membership changes too (`committee_changed`): the partial index of
-- the ledger's alert kinds (0005) covers them. Its WHERE term is the `alert_kinds!` macro's,
-- word for word (SQLite uses a partial index only then).
DROP INDEX change_events_alerts;
CREATE INDEX change_events_alerts ON change_events (seq, kind, run_id, recorded_at, jurisdiction_id, entity_id, bill_id)
    WHERE kind IN ('bill_introduced', 'hearing_scheduled', 'hearing_changed', 'hearing_cancelled', 'agenda_item_added', 'agenda_item_removed', 'membership_added', 'membership_changed', 'membership_removed');

-- One legislator, one row; one committee, one row: a person or committee another source
-- created under a derived id (`person-…`, `ocd-organization/<code>/committee/<name>`) is merged
-- into Open States' `ocd-person/…` or `ocd-organization/…` when those arrive (the ledger gets
-- `person_merged` / `organization_merged`), and later deliveries under the derived id are
-- read as the canonical one.
CREATE TABLE entity_merges (
    entity_type TEXT NOT NULL,
    alias_id TEXT NOT NULL,
    into_id TEXT NOT NULL,
    jurisdiction_id TEXT NOT NULL,
    run_id BIGINT NOT NULL,
    PRIMARY KEY (entity_type, alias_id)
);
CREATE INDEX entity_merges_into ON entity_merges (into_id);
