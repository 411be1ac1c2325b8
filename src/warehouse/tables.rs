//! Which table each row type lives in, and its columns in bind order. The one place that
//! ties the row structs (`normalize::rows`) to the SQL schema (`sql/schema.sql.in`).

use crate::normalize::rows::*;
use sqlx::query_builder::Separated;
use sqlx::{Postgres, Sqlite};

/// A row type stored in one table, keyed by `id`.
pub trait Table: Send + Sync + Unpin + Clone {
    const TABLE: &'static str;
    const COLUMNS: &'static [&'static str];
    fn bind_sqlite(&self, sep: &mut Separated<'_, Sqlite, &'static str>);
    fn bind_pg(&self, sep: &mut Separated<'_, Postgres, &'static str>);
}

macro_rules! table {
    ($t:ty, $table:literal, [$($col:ident),* $(,)?]) => {
        impl Table for $t {
            const TABLE: &'static str = $table;
            const COLUMNS: &'static [&'static str] = &[$(stringify!($col)),*];
            fn bind_sqlite(&self, sep: &mut Separated<'_, Sqlite, &'static str>) {
                $( sep.push_bind(self.$col.clone()); )*
            }
            fn bind_pg(&self, sep: &mut Separated<'_, Postgres, &'static str>) {
                $( sep.push_bind(self.$col.clone()); )*
            }
        }
    };
}

table!(TextRow, "bill_texts", [id, bill_id, sha256, characters, text, search_text]);
table!(
    DiffRow,
    "version_diffs",
    [id, bill_id, version_id, previous_version_id, unit, summary, added, removed, changed, unchanged, diff]
);
table!(JurisdictionRow, "jurisdictions", [id, name, classification, division_id, url, timezone, content_hash]);
table!(
    SessionRow,
    "sessions",
    [id, jurisdiction_id, identifier, name, classification, start_date, end_date, active, content_hash]
);
table!(
    OrganizationRow,
    "organizations",
    [id, jurisdiction_id, name, classification, chamber, parent_id, other_names, source_url, content_hash]
);
table!(
    PersonRow,
    "people",
    [
        id,
        jurisdiction_id,
        name,
        chamber,
        party,
        district,
        email,
        image,
        source_url,
        given_name,
        family_name,
        other_names,
        links,
        ids,
        former,
        content_hash
    ]
);
table!(
    RoleRow,
    "person_roles",
    [
        id,
        person_id,
        ordinal,
        role_type,
        chamber,
        jurisdiction_id,
        district,
        start_date,
        end_date,
        end_reason,
        content_hash
    ]
);
table!(
    OfficeRow,
    "person_offices",
    [id, person_id, ordinal, classification, name, address, voice, fax, email, content_hash]
);
table!(MembershipRow, "committee_memberships", [id, organization_id, ordinal, person_id, name, role, content_hash]);
table!(
    BillRow,
    "bills",
    [
        id,
        jurisdiction_id,
        session,
        identifier,
        title,
        classification,
        subjects,
        abstract_text,
        other_titles,
        other_identifiers,
        from_organization,
        first_action_date,
        latest_action_date,
        latest_action_description,
        source_url,
        related_bills,
        citations,
        content_hash,
        bundle_hash
    ]
);
table!(
    ActionRow,
    "bill_actions",
    [
        id,
        bill_id,
        ordinal,
        date,
        occurred_at,
        description,
        organization,
        classification,
        classification_source,
        related_entities,
        content_hash
    ]
);
table!(
    SponsorshipRow,
    "bill_sponsorships",
    [id, bill_id, ordinal, name, entity_type, is_primary, classification, chamber, person_id, content_hash]
);
table!(
    VoteRow,
    "votes",
    [
        id,
        bill_id,
        jurisdiction_id,
        session,
        bill_identifier,
        motion,
        motion_classification,
        date,
        start_time,
        result,
        organization,
        yes_count,
        no_count,
        abstain_count,
        absent_count,
        excused_count,
        not_voting_count,
        other_count,
        source_url,
        dedupe_key,
        content_hash,
        bundle_hash
    ]
);
table!(
    VoteRecordRow,
    "vote_records",
    [id, vote_id, ordinal, voter_name, person_id, option, raw_option, note, content_hash]
);
table!(
    EventRow,
    "events",
    [
        id,
        jurisdiction_id,
        name,
        description,
        classification,
        start_time,
        start_date,
        start_local,
        end_time,
        all_day,
        timezone,
        location,
        status,
        upstream_id,
        participants,
        source_url,
        content_hash,
        bundle_hash
    ]
);
table!(
    AgendaRow,
    "event_agenda",
    [id, event_id, ordinal, description, bill_identifier, bill_id, classification, content_hash]
);

macro_rules! doc_bind {
    ($s:expr, $sep:ident) => {{
        let d = $s;
        $sep.push_bind(d.id.clone());
        $sep.push_bind(d.bill_id.clone());
        $sep.push_bind(d.ordinal);
        $sep.push_bind(d.note.clone());
        $sep.push_bind(d.date);
        $sep.push_bind(d.classification.clone());
        $sep.push_bind(d.url.clone());
        $sep.push_bind(d.media_type.clone());
        $sep.push_bind(d.links.clone());
        $sep.push_bind(d.text_sha256.clone());
        $sep.push_bind(d.extractor.clone());
        $sep.push_bind(d.content_hash.clone());
    }};
}

/// Versions and documents share a row type; this wrapper puts documents in their own table.
#[derive(Clone)]
pub struct Doc(pub DocumentRow);

impl Table for DocumentRow {
    const TABLE: &'static str = "bill_versions";
    const COLUMNS: &'static [&'static str] = DOC_COLUMNS;
    fn bind_sqlite(&self, sep: &mut Separated<'_, Sqlite, &'static str>) {
        doc_bind!(self, sep);
    }
    fn bind_pg(&self, sep: &mut Separated<'_, Postgres, &'static str>) {
        doc_bind!(self, sep);
    }
}

impl Table for Doc {
    const TABLE: &'static str = "bill_documents";
    const COLUMNS: &'static [&'static str] = DOC_COLUMNS;
    fn bind_sqlite(&self, sep: &mut Separated<'_, Sqlite, &'static str>) {
        doc_bind!(&self.0, sep);
    }
    fn bind_pg(&self, sep: &mut Separated<'_, Postgres, &'static str>) {
        doc_bind!(&self.0, sep);
    }
}

const DOC_COLUMNS: &[&str] = &[
    "id",
    "bill_id",
    "ordinal",
    "note",
    "date",
    "classification",
    "url",
    "media_type",
    "links",
    "text_sha256",
    "extractor",
    "content_hash",
];
