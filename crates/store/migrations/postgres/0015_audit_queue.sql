-- Audit entries waiting to join the chain (PostgreSQL only; SQLite's single writer chains in
-- the write transaction itself). A write transaction queues its entries here, atomically with
-- the change they record, instead of holding one lock from reading the chain head until its
-- commit is on disk; the sequencer, woken by the commit, moves them into audit_log moments
-- later in batches, under the audit advisory lock. An entry left here by a server that
-- stopped at the wrong moment is chained by the next run or sweep of any server.
CREATE TABLE audit_queue (
    id              BIGSERIAL PRIMARY KEY,
    at              TIMESTAMPTZ NOT NULL,
    actor_user_id   UUID,
    client_address  TEXT,
    action          TEXT NOT NULL,
    record_type     TEXT NOT NULL,
    record_id       TEXT,
    outcome         TEXT NOT NULL,
    personal_fields TEXT
);
