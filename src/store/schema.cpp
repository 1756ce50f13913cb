// The schema, as an ordered list of migrations. Never edit a released migration: add a new one.
//
// Conventions: instants are INTEGER UTC seconds; *_day columns are the business day in the
// merchant's time zone as days since 1970-01-01; money is INTEGER fen; member_id 0 is a guest.

#include "store/migrations.h"

namespace recur::store {

namespace {

constexpr const char* kV1Foundation = R"SQL(
CREATE TABLE settings (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);

CREATE TABLE members (
  member_id          INTEGER PRIMARY KEY,
  name               TEXT,
  gender             TEXT,            -- 'm', 'f' or NULL
  birthday           TEXT,            -- YYYY-MM-DD
  city               TEXT,
  registered_at      INTEGER,
  registered_channel TEXT,
  registered_store   TEXT,
  consent_sms        INTEGER NOT NULL DEFAULT 0,
  consent_wechat     INTEGER NOT NULL DEFAULT 0,
  consent_app        INTEGER NOT NULL DEFAULT 0,
  consent_email      INTEGER NOT NULL DEFAULT 0,
  merged_into        INTEGER,         -- the survivor while this member is merged away
  created_at         INTEGER NOT NULL
);

CREATE TABLE identities (
  kind       TEXT NOT NULL,
  value      TEXT NOT NULL,
  member_id  INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (kind, value)
);
CREATE INDEX identities_member ON identities (member_id);

CREATE TABLE stores (
  store_id  TEXT PRIMARY KEY,
  name      TEXT,
  kind      TEXT,
  city      TEXT,
  opened_at TEXT
);

CREATE TABLE products (
  sku        TEXT PRIMARY KEY,
  name       TEXT,
  category   TEXT,
  brand      TEXT,
  price_fen  INTEGER,
  consumable INTEGER NOT NULL DEFAULT 0,
  unit       TEXT
);

CREATE TABLE import_batches (
  batch_id    INTEGER PRIMARY KEY,
  kind        TEXT NOT NULL,
  file        TEXT NOT NULL,
  started_at  INTEGER NOT NULL,
  finished_at INTEGER,
  status      TEXT NOT NULL,          -- running, done, failed
  rows        INTEGER NOT NULL DEFAULT 0,
  applied     INTEGER NOT NULL DEFAULT 0,
  skipped     INTEGER NOT NULL DEFAULT 0,
  rejected    INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE orders (
  order_pk     INTEGER PRIMARY KEY,
  source       TEXT NOT NULL,
  order_id     TEXT NOT NULL,
  member_id    INTEGER NOT NULL,      -- 0 = guest
  member_ref   TEXT,                  -- the identities as the record named them
  channel      TEXT NOT NULL,
  store_id     TEXT,
  paid_at      INTEGER NOT NULL,
  paid_day     INTEGER NOT NULL,
  gross_fen    INTEGER NOT NULL,      -- sum of qty * unit_price
  discount_fen INTEGER NOT NULL,
  paid_fen     INTEGER NOT NULL,      -- sum of line amounts
  line_count   INTEGER NOT NULL,
  item_qty     INTEGER NOT NULL,
  batch_id     INTEGER,
  UNIQUE (source, order_id)
);
CREATE INDEX orders_member ON orders (member_id, paid_at);

CREATE TABLE order_lines (
  order_pk       INTEGER NOT NULL,
  line_no        INTEGER NOT NULL,
  member_id      INTEGER NOT NULL,
  sku            TEXT NOT NULL,
  category       TEXT,
  qty            INTEGER NOT NULL,
  unit_price_fen INTEGER NOT NULL,
  discount_fen   INTEGER NOT NULL,
  amount_fen     INTEGER NOT NULL,
  PRIMARY KEY (order_pk, line_no)
) WITHOUT ROWID;

CREATE TABLE refunds (
  refund_pk   INTEGER PRIMARY KEY,
  source      TEXT NOT NULL,
  refund_id   TEXT NOT NULL,
  order_pk    INTEGER NOT NULL,
  line_no     INTEGER,                -- NULL: an amount of the whole order
  member_id   INTEGER NOT NULL,
  refunded_at INTEGER NOT NULL,
  qty         INTEGER NOT NULL,
  amount_fen  INTEGER NOT NULL,
  reason      TEXT,
  batch_id    INTEGER,
  UNIQUE (source, refund_id)
);
CREATE INDEX refunds_order ON refunds (order_pk);
CREATE INDEX refunds_member ON refunds (member_id);

CREATE TABLE events (
  event_pk   INTEGER PRIMARY KEY,
  source     TEXT NOT NULL,
  event_id   TEXT NOT NULL,
  member_id  INTEGER NOT NULL,        -- 0 = anonymous
  member_ref TEXT,
  kind       TEXT NOT NULL,
  at         INTEGER NOT NULL,
  sku        TEXT,
  page       TEXT,
  zone       TEXT,
  dwell_ms   INTEGER,
  query      TEXT,
  batch_id   INTEGER,
  UNIQUE (source, event_id)
);
CREATE INDEX events_member ON events (member_id, at);

CREATE TABLE merges (
  merge_id         INTEGER PRIMARY KEY,
  survivor_id      INTEGER NOT NULL,
  merged_id        INTEGER NOT NULL,
  reason           TEXT NOT NULL,     -- 'identity' (a record proved it) or 'manual'
  evidence         TEXT,              -- the record or operator note that caused it
  merged_at        INTEGER NOT NULL,
  undone_at        INTEGER,
  moved_identities INTEGER NOT NULL DEFAULT 0,
  moved_orders     INTEGER NOT NULL DEFAULT 0,
  moved_refunds    INTEGER NOT NULL DEFAULT 0,
  moved_events     INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX merges_survivor ON merges (survivor_id);
CREATE INDEX merges_merged ON merges (merged_id);

-- The identities that belonged to the merged member, so unmerge can give them back.
CREATE TABLE merge_identities (
  merge_id INTEGER NOT NULL,
  kind     TEXT NOT NULL,
  value    TEXT NOT NULL,
  PRIMARY KEY (merge_id, kind, value)
);

-- Profile fields a merge filled in on the survivor (from the merged member), with the value
-- they had before, so unmerge can put them back.
CREATE TABLE merge_profile_fills (
  merge_id INTEGER NOT NULL,
  field    TEXT NOT NULL,
  previous TEXT,
  PRIMARY KEY (merge_id, field)
);

-- Pairs an operator split apart: records linking them no longer merge them automatically.
CREATE TABLE merge_blocks (
  member_a INTEGER NOT NULL,          -- the smaller id
  member_b INTEGER NOT NULL,
  merge_id INTEGER NOT NULL,
  PRIMARY KEY (member_a, member_b)
);

CREATE TABLE audit (
  audit_id INTEGER PRIMARY KEY,
  at       INTEGER NOT NULL,
  actor    TEXT NOT NULL,
  action   TEXT NOT NULL,
  subject  TEXT,
  detail   TEXT
);
)SQL";

constexpr const char* kV2Profiles = R"SQL(
-- The computed member profile (recur compute): every tag as JSON, plus the columns most
-- often filtered on. Replaced whole by each run.
CREATE TABLE member_profiles (
  member_id   INTEGER PRIMARY KEY,
  as_of_day   INTEGER NOT NULL,
  lifecycle   TEXT NOT NULL,
  rfm_segment TEXT,
  churn_risk  INTEGER,
  clv_12m_fen INTEGER,
  profile     TEXT NOT NULL
);
CREATE INDEX member_profiles_lifecycle ON member_profiles (lifecycle);

-- One row per run of recur compute: when, as of which day, the fitted model parameters.
CREATE TABLE insight_runs (
  run_id      INTEGER PRIMARY KEY,
  as_of_day   INTEGER NOT NULL,
  computed_at INTEGER NOT NULL,
  members     INTEGER NOT NULL,
  models      TEXT NOT NULL
);
)SQL";

// Profiles become a compact binary encoding (insight/profile_codec.h) with a hash to skip
// unchanged rows; each run records the layout (tag names and types) its profiles use. The
// profiles are derived data: the table is recreated empty and the next `recur compute` fills it.
constexpr const char* kV6CompactProfiles = R"SQL(
DROP TABLE member_profiles;
CREATE TABLE member_profiles (
  member_id    INTEGER PRIMARY KEY,
  as_of_day    INTEGER NOT NULL,
  lifecycle    TEXT NOT NULL,
  rfm_segment  TEXT,
  churn_risk   INTEGER,
  clv_12m_fen  INTEGER,
  profile      BLOB NOT NULL,      -- the tags in the layout of insight_runs.profile_layout
  profile_hash INTEGER NOT NULL    -- hash of as_of_day and profile: unchanged rows are kept
);
CREATE INDEX member_profiles_lifecycle ON member_profiles (lifecycle);
ALTER TABLE insight_runs ADD COLUMN profile_layout TEXT;
)SQL";

}  // namespace

const std::vector<Migration>& schema_migrations() {
  static const std::vector<Migration> kMigrations = {
      {1, "foundation: members, identities, catalogue, orders, refunds, events, merges, audit",
       kV1Foundation},
      {2, "member profiles and insight runs", kV2Profiles},
      {3, "loyalty: program, ledger, lots, tiers", loyalty_schema_sql()},
      {4, "loyalty: coupons and the points mall", coupons_schema_sql()},
      {5, "stored value and cashback: balances, lots, top-ups, spends", wallet_schema_sql()},
      {6, "compact member profiles (binary, hashed) and their layout per run", kV6CompactProfiles},
      {7, "loyalty: fewer B-trees per applied order", loyalty_compact_sql()},
      {8, "settlement: tenders per order and line, refunds that gave them back",
       settlement_schema_sql()},
      {9, "coupons: a counter of coupons out per template, for the stock check",
       coupon_stock_schema_sql()},
      {10, "loyalty: an order's lines in its row, order entries keyed by the order",
       order_posting_sql()},
      {11, "loyalty: an applied order is one row, its entries and lots in its columns",
       order_ledger_sql()},
      {12, "settlement: a checked-out order is one row, its lines a column", settlement_row_sql()},
      {13, "coupons: the member index leaves out the state", coupon_member_index_sql()},
      {14, "loyalty: a coupon used at checkout is recorded on the order's row", order_coupon_sql()},
      {15, "wallet: keyed tables without rowid, narrower lot indexes", wallet_compact_sql()},
      {16, "coupons: the expiry sweep reads a valid_until index above a floor",
       coupon_expiry_floor_sql()},
  };
  return kMigrations;
}

}  // namespace recur::store
