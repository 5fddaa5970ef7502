-- 001_initial: the first schema — the place registry, the two event streams, each report's
-- current state, and the ingest keys.
--
-- Why this shape:
-- * Events are stored as they arrive (one row per event), with the place hierarchy copied in
--   at ingest so the wall groups by street/community without a join.
-- * report_events and visit_events are ReplacingMergeTree on a key that ends in event_id, so a
--   resend of the same event collapses on merge; nothing that counts reads them without FINAL.
-- * report_state folds each report's lifecycle into one row with min/max aggregates. min and max
--   are idempotent and order-free: a duplicate, a late event or a `resolved` that arrives
--   before its `reported` all give the same state. Response times are SQL over this table.
-- Cost: on an empty store, nothing. This is the first migration.

CREATE TABLE places
(
    code          String COMMENT 'Registry code, a dotted path: district.street.community.gNN.mNN',
    level         Enum8('city' = 0, 'district' = 1, 'street' = 2, 'community' = 3, 'grid' = 4, 'micro_grid' = 5) COMMENT 'Level in the hierarchy',
    parent        String COMMENT 'Code of the parent place; empty for the city',
    name          String COMMENT 'Chinese name, e.g. 大弯街道',
    name_en       String COMMENT 'English name, e.g. Dawan Subdistrict',
    households    UInt32 COMMENT 'Households (sum of children above micro-grid level)',
    key_households UInt32 COMMENT 'Households with a key-population member (elderly, young, sick, disabled, pregnant)',
    lat           Float64 COMMENT 'Centroid latitude (WGS84)',
    lon           Float64 COMMENT 'Centroid longitude (WGS84)',
    boundary      String DEFAULT '' COMMENT 'GeoJSON geometry of the boundary; empty when unknown',
    updated_at    DateTime64(3, 'UTC') DEFAULT now64(3) COMMENT 'When this version of the place was imported'
)
ENGINE = ReplacingMergeTree(updated_at)
ORDER BY code
COMMENT 'The place registry: city → district → street → community → grid → micro-grid';

CREATE TABLE report_events
(
    event_id      String COMMENT 'Idempotency key sent by the source',
    report_id     String COMMENT 'The report this event belongs to',
    type          Enum8('reported' = 1, 'verified' = 2, 'dispatched' = 3, 'resolved' = 4, 'closed' = 5, 'reopened' = 6, 'rejected' = 7) COMMENT 'Lifecycle step',
    at            DateTime64(3, 'UTC') COMMENT 'When it happened (source clock), UTC',
    received_at   DateTime64(3, 'UTC') COMMENT 'When GridPulse accepted it, UTC; received_at - at is the arrival lag',
    micro_grid    LowCardinality(String) COMMENT 'Micro-grid code from the registry',
    grid          LowCardinality(String) COMMENT 'General grid code (derived from the registry)',
    community     LowCardinality(String) COMMENT 'Community or village code (derived)',
    street        LowCardinality(String) COMMENT 'Street or town code (derived)',
    district      LowCardinality(String) COMMENT 'District code (derived)',
    category      LowCardinality(String) COMMENT 'Report category; set on reported events, empty otherwise unless the source sent it',
    channel       LowCardinality(String) COMMENT 'app, wechat, phone, hotline, patrol; empty when not sent',
    reporter_role LowCardinality(String) COMMENT 'grid_worker, mobile_worker (couriers, riders), resident, staff; empty when not sent',
    severity      UInt8 COMMENT '1–3; 0 when not sent',
    lat           Nullable(Float64) COMMENT 'Where, when the source sent it',
    lon           Nullable(Float64) COMMENT 'Where, when the source sent it',
    h3            UInt64 DEFAULT if(lat IS NULL OR lon IS NULL, 0, geoToH3(assumeNotNull(lat), assumeNotNull(lon), 9)) COMMENT 'H3 cell (resolution 9) of lat/lon, computed by the engine; 0 without coordinates',
    department    LowCardinality(String) COMMENT 'Department or property manager dispatched to',
    note          String COMMENT 'Free text, phone and ID-card numbers redacted at ingest',
    source        LowCardinality(String) COMMENT 'Name of the ingest key that sent it'
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(at)
ORDER BY (street, type, at, event_id)
COMMENT 'Grid report lifecycle events, one row per event; read with FINAL or through report_state';

CREATE TABLE report_state
(
    report_id     String COMMENT 'The report',
    micro_grid    SimpleAggregateFunction(max, LowCardinality(String)) COMMENT 'Micro-grid code',
    grid          SimpleAggregateFunction(max, LowCardinality(String)) COMMENT 'General grid code',
    community     SimpleAggregateFunction(max, LowCardinality(String)) COMMENT 'Community code',
    street        SimpleAggregateFunction(max, LowCardinality(String)) COMMENT 'Street code',
    district      SimpleAggregateFunction(max, LowCardinality(String)) COMMENT 'District code',
    category      SimpleAggregateFunction(max, LowCardinality(String)) COMMENT 'Category of the reported event; empty until it arrives',
    channel       SimpleAggregateFunction(max, LowCardinality(String)) COMMENT 'Channel of the report',
    reporter_role SimpleAggregateFunction(max, LowCardinality(String)) COMMENT 'Who reported',
    severity      SimpleAggregateFunction(max, UInt8) COMMENT 'Highest severity seen',
    first_at      SimpleAggregateFunction(min, DateTime64(3, 'UTC')) COMMENT 'Earliest event of any type',
    last_at       SimpleAggregateFunction(max, DateTime64(3, 'UTC')) COMMENT 'Latest event of any type',
    reported_at   SimpleAggregateFunction(min, Nullable(DateTime64(3, 'UTC'))) COMMENT 'First reported event; NULL until it arrives',
    verified_at   SimpleAggregateFunction(min, Nullable(DateTime64(3, 'UTC'))) COMMENT 'First verification',
    dispatched_at SimpleAggregateFunction(min, Nullable(DateTime64(3, 'UTC'))) COMMENT 'First dispatch',
    resolved_at   SimpleAggregateFunction(max, Nullable(DateTime64(3, 'UTC'))) COMMENT 'Latest resolution (after a reopen, the new one)',
    closed_at     SimpleAggregateFunction(max, Nullable(DateTime64(3, 'UTC'))) COMMENT 'Latest closure',
    reopened_at   SimpleAggregateFunction(max, Nullable(DateTime64(3, 'UTC'))) COMMENT 'Latest reopening; open again when later than closed_at',
    rejected_at   SimpleAggregateFunction(max, Nullable(DateTime64(3, 'UTC'))) COMMENT 'Rejected as not valid'
)
ENGINE = AggregatingMergeTree
ORDER BY report_id
COMMENT 'One row per report after merge: its lifecycle timestamps. Query with GROUP BY report_id (see sql/README.md)';

CREATE MATERIALIZED VIEW report_state_mv TO report_state AS
SELECT
    report_id,
    max(micro_grid) AS micro_grid,
    max(grid) AS grid,
    max(community) AS community,
    max(street) AS street,
    max(district) AS district,
    maxIf(category, type = 'reported') AS category,
    max(channel) AS channel,
    max(reporter_role) AS reporter_role,
    max(severity) AS severity,
    min(at) AS first_at,
    max(at) AS last_at,
    minIf(toNullable(at), type = 'reported') AS reported_at,
    minIf(toNullable(at), type = 'verified') AS verified_at,
    minIf(toNullable(at), type = 'dispatched') AS dispatched_at,
    maxIf(toNullable(at), type = 'resolved') AS resolved_at,
    maxIf(toNullable(at), type = 'closed') AS closed_at,
    maxIf(toNullable(at), type = 'reopened') AS reopened_at,
    maxIf(toNullable(at), type = 'rejected') AS rejected_at
FROM report_events
GROUP BY report_id;

CREATE VIEW report_current AS
SELECT
    report_id,
    max(micro_grid) AS micro_grid,
    max(grid) AS grid,
    max(community) AS community,
    max(street) AS street,
    max(district) AS district,
    max(category) AS category,
    max(channel) AS channel,
    max(reporter_role) AS reporter_role,
    max(severity) AS severity,
    min(first_at) AS first_at,
    max(last_at) AS last_at,
    min(reported_at) AS reported_at,
    min(verified_at) AS verified_at,
    min(dispatched_at) AS dispatched_at,
    max(resolved_at) AS resolved_at,
    max(closed_at) AS closed_at,
    max(reopened_at) AS reopened_at,
    max(rejected_at) AS rejected_at,
    rejected_at IS NULL AND (closed_at IS NULL OR (reopened_at IS NOT NULL AND reopened_at > closed_at)) AS is_open,
    resolved_at IS NULL OR (reopened_at IS NOT NULL AND reopened_at > resolved_at) AS is_unresolved,
    coalesce(verified_at, dispatched_at, resolved_at, closed_at, rejected_at) IS NULL AS is_unverified
FROM report_state
GROUP BY report_id;

CREATE TABLE visit_events
(
    event_id      String COMMENT 'Idempotency key sent by the source',
    at            DateTime64(3, 'UTC') COMMENT 'When the visit happened, UTC',
    received_at   DateTime64(3, 'UTC') COMMENT 'When GridPulse accepted it, UTC',
    micro_grid    LowCardinality(String) COMMENT 'Micro-grid code',
    grid          LowCardinality(String) COMMENT 'General grid code (derived)',
    community     LowCardinality(String) COMMENT 'Community code (derived)',
    street        LowCardinality(String) COMMENT 'Street code (derived)',
    district      LowCardinality(String) COMMENT 'District code (derived)',
    worker_id     String COMMENT 'Pseudonymous id of the visiting worker',
    worker_role   LowCardinality(String) COMMENT 'grid_worker, family_doctor, volunteer, staff',
    household     String COMMENT 'Pseudonymous household id',
    groups        Array(LowCardinality(String)) COMMENT 'Key-population groups of the household: elderly, child, sick, disabled, pregnant, returnee',
    kind          LowCardinality(String) COMMENT 'patrol, home_medical, online_consult, health_pack, vaccination, checkup, measurement, info_collection',
    duration_min  Nullable(UInt16) COMMENT 'Minutes spent, when sent',
    follow_up     UInt8 COMMENT '1 when a follow-up is needed',
    note          String COMMENT 'Free text, redacted at ingest',
    source        LowCardinality(String) COMMENT 'Name of the ingest key that sent it'
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(at)
ORDER BY (street, at, event_id)
COMMENT 'Key-population visit logs, one row per visit; read with FINAL';

CREATE TABLE api_keys
(
    id            String COMMENT 'Public id of the key',
    kind          Enum8('ingest' = 1, 'display' = 2) COMMENT 'ingest: may only write events; display: read-only wall',
    name          String COMMENT 'Label, e.g. the source system',
    scope         String COMMENT 'city, district:<code>, street:<code> or community:<code>',
    secret_sha256 String COMMENT 'SHA-256 of the secret, hex; the secret itself is never stored',
    created_at    DateTime64(3, 'UTC') COMMENT 'Created',
    revoked_at    Nullable(DateTime64(3, 'UTC')) COMMENT 'Revoked; NULL while valid',
    version       UInt64 COMMENT 'Last write wins'
)
ENGINE = ReplacingMergeTree(version)
ORDER BY id
COMMENT 'Ingest keys and wall display tokens (hashed)';
