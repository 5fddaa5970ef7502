#!/bin/bash
# The SQL console's ClickHouse user for the scaled setup (docker-compose.yml mounts this into
# /docker-entrypoint-initdb.d/, which runs once on an empty server). GridPulse's console checks
# every query itself (server/console/guard.ts); this user is the engine's second line: it may
# only SELECT the tables analysts are meant to read (sql/README.md), only read (readonly = 2:
# GridPulse sets the limits and the scope filter per query), and cannot grow its own limits.
# Grants on tables that do not exist yet are kept: GridPulse creates them on its first start.
set -euo pipefail
# The open tables: the same list as CONSOLE_TABLES in server/console/guard.ts. Each also with its
# _local twin: on a cluster (sql/cluster/schema.sql) an open table is Distributed over <table>_local,
# which a query through it reads with the same user's grants (a grant on a missing table is kept).
GRANTS=""
for t in report_events report_state report_current live_report_state visit_events places place_boundaries trends_monthly trends_hourly visit_weeks; do
  GRANTS+="GRANT SELECT ON ${CLICKHOUSE_DB}.${t} TO gridpulse_analyst; GRANT SELECT ON ${CLICKHOUSE_DB}.${t}_local TO gridpulse_analyst;"$'\n'
done
clickhouse client --user "${CLICKHOUSE_USER}" --password "${CLICKHOUSE_PASSWORD}" --multiquery <<SQL
CREATE USER IF NOT EXISTS gridpulse_analyst IDENTIFIED WITH sha256_password BY '${CLICKHOUSE_ANALYST_PASSWORD}'
    SETTINGS readonly = 2,
        max_execution_time = 30 MAX 30,
        max_memory_usage = 4000000000 MAX 4000000000,
        max_rows_to_read = 2000000000 MAX 2000000000,
        max_result_rows = 100001 MAX 100001;
${GRANTS}
SQL
