-- 002_accounts: people, their sessions, the audit log and editable SLA settings (issue 3).
--
-- Why: every route and socket now asks who is calling and what scope they may see. Users and
-- sessions are small, last-write-wins tables (ReplacingMergeTree on a version); the server keeps
-- them in memory and writes through, so a revocation takes effect at once on this server.
-- The audit log is append-only. Cost: new, small tables; nothing existing is touched.

CREATE TABLE users
(
    id            String COMMENT 'Stable user id',
    username      String COMMENT 'Sign-in name, unique, lower case',
    display_name  String COMMENT 'Name shown in the dashboard',
    role          Enum8('admin' = 1, 'leader' = 2, 'analyst' = 3) COMMENT 'admin: manages users, keys, registry, SLA; leader: trends and wall; analyst: SQL console and wall',
    scope         String COMMENT 'city, district:<code>, street:<code> or community:<code>: what the user may see',
    password_hash String COMMENT 'scrypt$N$r$p$salt$hash (base64); the password itself is never stored',
    demo          UInt8 COMMENT '1 for demo users created in demo mode only',
    created_at    DateTime64(3, 'UTC') COMMENT 'Created',
    disabled_at   Nullable(DateTime64(3, 'UTC')) COMMENT 'Disabled (cannot sign in, sessions ended); NULL while active',
    version       UInt64 COMMENT 'Last write wins'
)
ENGINE = ReplacingMergeTree(version)
ORDER BY id
COMMENT 'People who sign in';

CREATE TABLE sessions
(
    id_sha256     String COMMENT 'SHA-256 of the session cookie value, hex',
    user_id       String COMMENT 'Whose session',
    csrf_token    String COMMENT 'Token the client must echo in X-CSRF-Token on writes',
    created_at    DateTime64(3, 'UTC') COMMENT 'Signed in',
    expires_at    DateTime64(3, 'UTC') COMMENT 'Ends by itself',
    revoked_at    Nullable(DateTime64(3, 'UTC')) COMMENT 'Signed out or ended by an admin',
    version       UInt64 COMMENT 'Last write wins'
)
ENGINE = ReplacingMergeTree(version)
ORDER BY id_sha256
COMMENT 'Sign-in sessions (the cookie value is never stored)';

CREATE TABLE audit_log
(
    at            DateTime64(3, 'UTC') COMMENT 'When',
    actor         String COMMENT 'user:<username>, key:<id>, or anonymous',
    action        LowCardinality(String) COMMENT 'e.g. session.sign_in, user.create, key.revoke, key.use',
    target        String COMMENT 'What it acted on',
    ok            UInt8 COMMENT '1 when it succeeded',
    ip            String COMMENT 'Client address',
    detail        String COMMENT 'Human-readable detail (never a secret)'
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(at)
ORDER BY at
COMMENT 'Sign-ins, admin actions and key use';

CREATE TABLE sla_settings
(
    category      LowCardinality(String) COMMENT 'Report category',
    verify_min    UInt32 COMMENT 'Verify within this many minutes of the report',
    resolve_min   UInt32 COMMENT 'Resolve within this many minutes of the report',
    updated_at    DateTime64(3, 'UTC') COMMENT 'Last change',
    updated_by    String COMMENT 'Who changed it'
)
ENGINE = ReplacingMergeTree(updated_at)
ORDER BY category
COMMENT 'SLA per category set by an admin; categories absent here use the defaults in server/sla.ts';
