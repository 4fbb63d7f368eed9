-- The claims system's view of determinations (see docs/claims-database.md).
-- Written for PostgreSQL; SQLite runs it too (there DATE, TIMESTAMPTZ and JSONB hold text).

-- One row per letter (one object version), idempotent on letter_id.
CREATE TABLE letters (
    letter_id TEXT PRIMARY KEY,
    case_number TEXT,
    -- The latest letter of its case; earlier letters of the case stay as history.
    is_current BOOLEAN NOT NULL,
    validation_status TEXT NOT NULL,
    -- not_needed | pending | approved
    review_status TEXT NOT NULL,
    layout TEXT NOT NULL,
    pages INTEGER NOT NULL,
    date_assigned DATE,
    date_of_injury DATE,
    decision_date DATE,
    ur_denial_date DATE,
    application_received DATE,
    priority TEXT,
    patient_age INTEGER,
    patient_sex TEXT,
    reviewer_specialty TEXT,
    reviewer_license_states JSONB NOT NULL,
    provenance JSONB NOT NULL,
    confidence JSONB NOT NULL,
    warnings JSONB NOT NULL,
    source_bucket TEXT NOT NULL,
    source_key TEXT NOT NULL,
    source_version_id TEXT,
    source_etag TEXT,
    source_sha256 TEXT,
    source_content_type TEXT,
    received_at TIMESTAMPTZ,
    extractor_version TEXT NOT NULL,
    event_id TEXT NOT NULL,
    event_time TIMESTAMPTZ NOT NULL,
    landed_at TIMESTAMPTZ NOT NULL,
    -- The event data exactly as received, and after review the corrected determination.
    determination JSONB NOT NULL,
    reviewed_determination JSONB,
    reviewed_by TEXT,
    reviewed_at TIMESTAMPTZ,
    reviewed_event_id TEXT
);

CREATE INDEX letters_case_number ON letters (case_number);
CREATE UNIQUE INDEX letters_current_per_case ON letters (case_number) WHERE is_current;
CREATE INDEX letters_review_status ON letters (review_status);

-- Disputed items in letter order (position is 1-based).
CREATE TABLE items (
    letter_id TEXT NOT NULL REFERENCES letters (letter_id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    treatment TEXT NOT NULL,
    outcome TEXT NOT NULL,
    category TEXT NOT NULL,
    subcategory TEXT,
    authorization_action TEXT NOT NULL,
    authorization_scope TEXT NOT NULL,
    partial_certification JSONB,
    service JSONB NOT NULL,
    rationale TEXT NOT NULL,
    provenance JSONB NOT NULL,
    confidence JSONB NOT NULL,
    PRIMARY KEY (letter_id, position)
);

-- Guideline citations of an item; party is claims_administrator or reviewer.
CREATE TABLE citations (
    letter_id TEXT NOT NULL,
    item_position INTEGER NOT NULL,
    party TEXT NOT NULL,
    position INTEGER NOT NULL,
    raw TEXT NOT NULL,
    guideline_id TEXT,
    mtus BOOLEAN,
    sections JSONB NOT NULL,
    pages JSONB NOT NULL,
    PRIMARY KEY (letter_id, item_position, party, position),
    FOREIGN KEY (letter_id, item_position) REFERENCES items (letter_id, position) ON DELETE CASCADE
);

CREATE INDEX citations_guideline ON citations (guideline_id);

-- Why a letter needs review (or was rejected), in the validator's order.
CREATE TABLE validation_reasons (
    letter_id TEXT NOT NULL REFERENCES letters (letter_id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    code TEXT NOT NULL,
    field TEXT,
    message TEXT NOT NULL,
    severity TEXT NOT NULL,
    PRIMARY KEY (letter_id, position)
);

-- Records a stage gave up on (metadata only, never the payload).
CREATE TABLE dead_letters (
    dead_letter_id TEXT PRIMARY KEY,
    stage TEXT NOT NULL,
    reason TEXT NOT NULL,
    error_class TEXT NOT NULL,
    attempt INTEGER,
    source_topic TEXT,
    source_partition INTEGER,
    source_offset BIGINT,
    letter_id TEXT,
    failed_at TIMESTAMPTZ,
    landed_at TIMESTAMPTZ NOT NULL
);

-- Every edit, confirmation and approval in the review console: who, when, what.
CREATE TABLE review_changes (
    change_id TEXT PRIMARY KEY,
    letter_id TEXT NOT NULL REFERENCES letters (letter_id) ON DELETE CASCADE,
    field TEXT NOT NULL,
    action TEXT NOT NULL,
    old_value JSONB,
    new_value JSONB,
    reviewer TEXT NOT NULL,
    changed_at TIMESTAMPTZ NOT NULL
);

CREATE INDEX review_changes_letter ON review_changes (letter_id, changed_at);
