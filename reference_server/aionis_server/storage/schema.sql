-- Aionis reference server: SQLite schema (version 1).
-- Nodes and commits are append-only. Every object lives under exactly one scope_key (§4.4).
-- Timestamps are ISO-8601 UTC text with milliseconds ('...Z'), so text order is time order.

CREATE TABLE IF NOT EXISTS meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS commits (
  seq            INTEGER PRIMARY KEY,          -- insertion order within the database
  id             TEXT NOT NULL UNIQUE,
  scope_key      TEXT NOT NULL,
  parent_id      TEXT,
  input_sha256   TEXT NOT NULL,
  diff_json      TEXT NOT NULL,                -- canon(diff)
  actor          TEXT NOT NULL,
  model_version  TEXT,
  prompt_version TEXT,
  kind           TEXT NOT NULL DEFAULT 'write', -- write | rule_state_change | rule_feedback | tool_feedback
  commit_hash    TEXT NOT NULL UNIQUE,
  created_at     TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS commits_scope_seq ON commits (scope_key, seq);

CREATE TABLE IF NOT EXISTS nodes (
  seq               INTEGER PRIMARY KEY,       -- stable integer label (vector index key)
  id                TEXT NOT NULL UNIQUE,
  scope_key         TEXT NOT NULL,
  client_id         TEXT,
  type              TEXT NOT NULL,
  tier              TEXT NOT NULL DEFAULT 'hot',
  title             TEXT,
  text_summary      TEXT,
  slots_json        TEXT NOT NULL DEFAULT '{}',
  raw_ref           TEXT,
  evidence_ref      TEXT,
  memory_lane       TEXT NOT NULL,
  producer_agent_id TEXT,
  owner_agent_id    TEXT,
  owner_team_id     TEXT,
  salience          REAL NOT NULL DEFAULT 0.5,
  importance        REAL NOT NULL DEFAULT 0.5,
  confidence        REAL NOT NULL DEFAULT 0.5,
  embedding_model   TEXT,
  embedding_status  TEXT NOT NULL,             -- ready | pending | failed
  commit_id         TEXT NOT NULL,
  created_at        TEXT NOT NULL,
  updated_at        TEXT NOT NULL,
  last_activated    TEXT
);
CREATE UNIQUE INDEX IF NOT EXISTS nodes_scope_client ON nodes (scope_key, client_id)
  WHERE client_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS nodes_scope_created ON nodes (scope_key, created_at DESC, id DESC);
CREATE INDEX IF NOT EXISTS nodes_scope_type_created ON nodes (scope_key, type, created_at DESC, id DESC);
CREATE INDEX IF NOT EXISTS nodes_commit ON nodes (commit_id);
-- ext.store_index catches up over LangGraph store records only (services/ext_store_index.py);
-- this partial index keeps that scan to the store's nodes on a database of other memory.
CREATE INDEX IF NOT EXISTS nodes_store_seq ON nodes (seq)
  WHERE json_extract(slots_json, '$.family') = 'store';

-- find's slots_contains (§7.5): one row per top-level string slot (up to 256 characters) of a
-- node and per such string among the first 8 items of a top-level array, keyed by a 64-bit hash
-- of (scope, key, position, value); see storage/slot_terms.py.
CREATE TABLE IF NOT EXISTS node_slot_terms (
  term     INTEGER NOT NULL,
  node_seq INTEGER NOT NULL,
  PRIMARY KEY (term, node_seq)
) WITHOUT ROWID;

-- Vectors live apart from node rows so that scans over nodes stay small.
-- vector: little-endian float32, L2-normalised, exactly `dim` values.
CREATE TABLE IF NOT EXISTS node_embeddings (
  node_seq  INTEGER PRIMARY KEY,               -- nodes.seq
  scope_key TEXT NOT NULL,
  vector    BLOB NOT NULL
);

CREATE TABLE IF NOT EXISTS edges (
  seq            INTEGER PRIMARY KEY,
  id             TEXT NOT NULL UNIQUE,
  scope_key      TEXT NOT NULL,
  type           TEXT NOT NULL,
  src_id         TEXT NOT NULL,
  dst_id         TEXT NOT NULL,
  weight         REAL NOT NULL DEFAULT 0.5,
  confidence     REAL NOT NULL DEFAULT 0.5,
  decay_rate     REAL NOT NULL DEFAULT 0.01,
  last_activated TEXT,
  commit_id      TEXT NOT NULL,               -- the latest commit that wrote this edge (§5.8)
  created_at     TEXT NOT NULL,
  UNIQUE (scope_key, type, src_id, dst_id)
);
CREATE INDEX IF NOT EXISTS edges_src ON edges (src_id);
CREATE INDEX IF NOT EXISTS edges_dst ON edges (dst_id);
CREATE INDEX IF NOT EXISTS edges_commit ON edges (commit_id);
-- Covering indexes for recall's neighbourhood hops: a hop's candidate edges, their strength
-- (weight·confidence) and their ids (the tie-break) come from the index alone; only the rows that
-- make the hop's budget are then read from the table.
CREATE INDEX IF NOT EXISTS edges_src_rank ON edges (src_id, scope_key, weight, confidence, id);
CREATE INDEX IF NOT EXISTS edges_dst_rank ON edges (dst_id, scope_key, weight, confidence, id);

-- One rule definition per rule node, read from its slots at first write (§7.9).
CREATE TABLE IF NOT EXISTS rule_defs (
  node_id          TEXT PRIMARY KEY,
  scope_key        TEXT NOT NULL,
  state            TEXT NOT NULL DEFAULT 'draft', -- draft | shadow | active | disabled
  if_json          TEXT NOT NULL,                 -- raw slot value as JSON (validated on activation)
  then_json        TEXT NOT NULL,
  exceptions_json  TEXT NOT NULL,
  rule_scope       TEXT NOT NULL DEFAULT 'global',
  target_agent_id  TEXT,
  target_team_id   TEXT,
  priority         INTEGER NOT NULL DEFAULT 0,
  weight           REAL NOT NULL DEFAULT 1,
  positive_count   INTEGER NOT NULL DEFAULT 0,
  negative_count   INTEGER NOT NULL DEFAULT 0,
  commit_id        TEXT NOT NULL,
  updated_at       TEXT NOT NULL,
  update_seq       INTEGER NOT NULL DEFAULT 0     -- tie-break for "most recently updated first"
);
CREATE INDEX IF NOT EXISTS rule_defs_scope_state ON rule_defs (scope_key, state, updated_at DESC);

-- Persisted tools/select decisions (§5.2).
CREATE TABLE IF NOT EXISTS decisions (
  seq                  INTEGER PRIMARY KEY,
  decision_id          TEXT NOT NULL UNIQUE,
  scope_key            TEXT NOT NULL,
  decision_kind        TEXT NOT NULL DEFAULT 'tools_select',
  run_id               TEXT,
  selected_tool        TEXT,
  candidates_json      TEXT NOT NULL,
  context_sha256       TEXT NOT NULL,
  policy_sha256        TEXT NOT NULL,
  source_rule_ids_json TEXT NOT NULL,
  metadata_json        TEXT NOT NULL,
  created_at           TEXT NOT NULL,
  commit_id            TEXT
);
CREATE INDEX IF NOT EXISTS decisions_scope_seq ON decisions (scope_key, seq DESC);
CREATE INDEX IF NOT EXISTS decisions_scope_run ON decisions (scope_key, run_id, seq DESC);

-- Feedback records, one per attributed rule (rules feedback and tools feedback).
CREATE TABLE IF NOT EXISTS feedback (
  seq          INTEGER PRIMARY KEY,
  id           TEXT NOT NULL UNIQUE,
  scope_key    TEXT NOT NULL,
  rule_node_id TEXT,
  run_id       TEXT,
  outcome      TEXT NOT NULL,                    -- positive | negative | neutral
  note         TEXT,
  source       TEXT NOT NULL,                    -- rule_feedback | tools_feedback
  decision_id  TEXT,
  commit_id    TEXT NOT NULL,
  created_at   TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS feedback_scope_run ON feedback (scope_key, run_id, seq DESC);
CREATE INDEX IF NOT EXISTS feedback_rule ON feedback (rule_node_id);

-- Session bookkeeping for ordering by last activity (§7.7); the nodes are the source of truth.
CREATE TABLE IF NOT EXISTS sessions (
  scope_key     TEXT NOT NULL,
  session_id    TEXT NOT NULL,
  node_id       TEXT NOT NULL,
  last_event_at TEXT,
  event_count   INTEGER NOT NULL DEFAULT 0,
  created_at    TEXT NOT NULL,
  PRIMARY KEY (scope_key, session_id)
);
CREATE INDEX IF NOT EXISTS sessions_activity ON sessions (scope_key, COALESCE(last_event_at, created_at) DESC);
