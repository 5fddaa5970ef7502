#!/bin/bash
# The SQL console's ClickHouse user for the scaled setup (docker-compose.yml mounts this into
# /docker-entrypoint-initdb.d/, which runs once on an empty server). GridPulse's console checks
# every query itself (server/console/guard.ts); this user is the engine's second line: it may
# only SELECT the tables analysts are meant to read (sql/README.md), only read (readonly = 2:
# GridPulse sets the limits and the scope filter per query), and cannot grow its own limits.
# Grants on tables that do not exist yet are kept: GridPulse creates them on its first start.
set -euo pipefail
clickhouse client --user "${CLICKHOUSE_USER}" --password "${CLICKHOUSE_PASSWORD}" --multiquery <<SQL
CREATE USER IF NOT EXISTS gridpulse_analyst IDENTIFIED WITH sha256_password BY '${CLICKHOUSE_ANALYST_PASSWORD}'
    SETTINGS readonly = 2,
        max_execution_time = 30 MAX 30,
        max_memory_usage = 4000000000 MAX 4000000000,
        max_rows_to_read = 2000000000 MAX 2000000000,
        max_result_rows = 100001 MAX 100001;
GRANT SELECT ON ${CLICKHOUSE_DB}.report_events TO gridpulse_analyst;
GRANT SELECT ON ${CLICKHOUSE_DB}.report_state TO gridpulse_analyst;
GRANT SELECT ON ${CLICKHOUSE_DB}.report_current TO gridpulse_analyst;
GRANT SELECT ON ${CLICKHOUSE_DB}.live_report_state TO gridpulse_analyst;
GRANT SELECT ON ${CLICKHOUSE_DB}.visit_events TO gridpulse_analyst;
GRANT SELECT ON ${CLICKHOUSE_DB}.places TO gridpulse_analyst;
GRANT SELECT ON ${CLICKHOUSE_DB}.place_boundaries TO gridpulse_analyst;
GRANT SELECT ON ${CLICKHOUSE_DB}.trends_monthly TO gridpulse_analyst;
GRANT SELECT ON ${CLICKHOUSE_DB}.trends_hourly TO gridpulse_analyst;
GRANT SELECT ON ${CLICKHOUSE_DB}.visit_weeks TO gridpulse_analyst;
-- On a cluster (sql/cluster/schema.sql) the open tables are Distributed over <table>_local, which a
-- query through them reads with the same user's grants.
GRANT SELECT ON ${CLICKHOUSE_DB}.report_events_local TO gridpulse_analyst;
GRANT SELECT ON ${CLICKHOUSE_DB}.report_state_local TO gridpulse_analyst;
GRANT SELECT ON ${CLICKHOUSE_DB}.visit_events_local TO gridpulse_analyst;
GRANT SELECT ON ${CLICKHOUSE_DB}.trends_monthly_local TO gridpulse_analyst;
GRANT SELECT ON ${CLICKHOUSE_DB}.trends_hourly_local TO gridpulse_analyst;
GRANT SELECT ON ${CLICKHOUSE_DB}.visit_weeks_local TO gridpulse_analyst;
SQL
