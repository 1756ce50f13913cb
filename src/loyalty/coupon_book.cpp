#include "loyalty/coupon_book.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <optional>
#include <string>

#include "identity/merge.h"
#include "loyalty/decimal.h"
#include "loyalty/program_store.h"
#include "store/settings.h"

namespace recur::loyalty {

std::string_view coupon_state_name(CouponState s) {
  switch (s) {
    case CouponState::kIssued:
      return "issued";
    case CouponState::kLocked:
      return "locked";
    case CouponState::kUsed:
      return "used";
    case CouponState::kExpired:
      return "expired";
    case CouponState::kRevoked:
      return "revoked";
  }
  return "?";
}

namespace {

CouponState parse_state(std::string_view s) {
  if (s == "locked") return CouponState::kLocked;
  if (s == "used") return CouponState::kUsed;
  if (s == "expired") return CouponState::kExpired;
  if (s == "revoked") return CouponState::kRevoked;
  return CouponState::kIssued;
}

constexpr const char* kCouponColumns =
    "SELECT coupon_id, template, member_id, origin_member, state, source, source_ref, issued_at, "
    "valid_from, valid_until, budget_fen, order_key, used_at, discount_fen, reason FROM coupons ";

Coupon read_coupon(const store::Statement& st) {
  Coupon c;
  c.coupon_id = st.column_int64(0);
  c.template_key = st.column_string(1);
  c.member = st.column_int64(2);
  c.origin_member = st.column_int64(3);
  c.state = parse_state(st.column_text(4));
  c.source = st.column_string(5);
  c.source_ref = st.column_string(6);
  c.issued_at = Instant{st.column_int64(7)};
  c.valid_from = Instant{st.column_int64(8)};
  c.valid_until = Instant{st.column_int64(9)};
  c.budget_fen = st.column_int64(10);
  c.order_key = st.column_string(11);
  if (!st.column_is_null(12)) c.used_at = Instant{st.column_int64(12)};
  c.discount_fen = st.column_int64(13);
  c.reason = st.column_string(14);
  return c;
}

// A member with coupon entries needs a balance row (recur check: entries_have_accounts).
Status ensure_account_row(store::Database& db, MemberId member, std::string_view base_tier,
                          Instant at) {
  ASSIGN_OR_RETURN(store::Statement * st,
                   db.cached("INSERT INTO loyalty_accounts (member_id, tier, tier_since, "
                             "updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (member_id) DO NOTHING"));
  st->bind(1, member).bind(2, base_tier).bind(3, at.seconds).bind(4, at.seconds);
  return st->run();
}

// A member's coupon balance: the last coupon entry's balance_after, kept on the member's
// account (loyalty_accounts.coupons, migration 14). The last entry itself may be in
// loyalty_entries_other or, for a coupon used at checkout, on the order's row.
// The expiry sweep's floor (migration 16): no coupon in state 'issued' has valid_until at or
// below it. lower_expiry_floor lowers it when a coupon becomes issued under it; the sweep raises
// it.
constexpr std::string_view kExpiryFloorKey = "coupon_expiry_floor";

Result<std::int64_t> expiry_floor(store::Database& db) {
  ASSIGN_OR_RETURN(std::optional<std::string> v, store::get_setting(db, kExpiryFloorKey));
  if (!v) return internal_error("the coupon expiry floor setting is missing (migration 16)");
  std::int64_t floor = 0;
  auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), floor);
  if (ec != std::errc() || end != v->data() + v->size())
    return internal_error(fmt::format("the coupon expiry floor '{}' is not a number", *v));
  return floor;
}

// A coupon becomes issued (issued, released from a lock, given back by a refund) valid until
// `until`: at or under the floor, the floor goes just under it so the next sweep reads it. Every
// writer of state 'issued' calls this; `recur check` proves none was missed. (A trigger on the
// coupons' state did the same, but it cost each use and lock more than the index page the
// floor saves: docs/benchmarks.md, "Round ten".)
Status lower_expiry_floor(store::Database& db, Instant until) {
  ASSIGN_OR_RETURN(store::Statement * st,
                   db.cached("UPDATE settings SET value = ?1 - 1 WHERE key = ?2 AND "
                             "CAST(value AS INTEGER) >= ?1"));
  st->bind(1, until.seconds).bind(2, kExpiryFloorKey);
  return st->run();
}

Result<std::int64_t> coupon_balance(store::Database& db, MemberId member) {
  ASSIGN_OR_RETURN(store::Statement * st,
                   db.cached("SELECT coupons FROM loyalty_accounts WHERE member_id = ?"));
  st->bind(1, member);
  ASSIGN_OR_RETURN(bool row, st->step());
  const std::int64_t balance = row ? st->column_int64(0) : 0;
  st->reset();
  return balance;
}

// Adds `amount` to the member's coupon balance; the member has an account (the coupon's issue
// made sure of it).
Status add_to_coupon_balance(store::Database& db, MemberId member, int amount) {
  if (amount == 0) return Status();
  ASSIGN_OR_RETURN(store::Statement * st,
                   db.cached("UPDATE loyalty_accounts SET coupons = coupons + ? "
                             "WHERE member_id = ?"));
  st->bind(1, amount).bind(2, member);
  RETURN_IF_ERROR(st->run());
  if (db.changes() != 1)
    return internal_error(fmt::format("member {} holds coupons but has no account", member));
  return Status();
}

// One coupon entry: the running balance of account 'coupon' counts the unused coupons held.
Status write_entry(store::Database& db, MemberId member, std::string_view cause, int amount,
                   std::int64_t coupon_id, const std::string& key, Instant at,
                   std::string_view note, int version) {
  if (!db.in_transaction()) return internal_error("coupon ledger written outside a transaction");
  ASSIGN_OR_RETURN(const std::int64_t balance, coupon_balance(db, member));
  ASSIGN_OR_RETURN(
      store::Statement * ins,
      db.cached(
          std::string(
              "INSERT INTO loyalty_entries_other (entry_id, member_id, account, cause, amount, "
              "balance_after, reference, idem_key, at, program_version, note) VALUES (") +
          kNextEntryIdSql + ", ?, 'coupon', ?, ?, ?, ?, ?, ?, ?, ?)"));
  ins->bind(1, member)
      .bind(2, cause)
      .bind(3, amount)
      .bind(4, balance + amount)
      .bind(5, fmt::format("coupon:{}", coupon_id))
      .bind(6, key)
      .bind(7, at.seconds)
      .bind(8, version)
      .bind_optional(9, note);
  Status s = ins->run();
  if (s.code() == StatusCode::kAlreadyExists)
    return Status(StatusCode::kAlreadyExists,
                  fmt::format("ledger entry '{}' was already written", key));
  RETURN_IF_ERROR(s);
  return add_to_coupon_balance(db, member, amount);
}

std::string day_text(const TimeZone& tz, Instant t) {
  return tz.local_date(t).to_string();
}
// The last day a coupon can be used.
std::string through_text(const TimeZone& tz, Instant until) {
  return tz.local_date(Instant{until.seconds - 1}).to_string();
}

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const std::string& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}

}  // namespace

CouponBook::CouponBook(LoyaltyEngine& engine) : engine_(engine), db_(engine.ledger().db()) {}

Result<MemberId> CouponBook::live(MemberId member) {
  identity::Merger merger(db_);
  return merger.live_root(member);
}

Status CouponBook::ensure_account(MemberId member, Instant at) {
  return ensure_account_row(db_, member, engine_.program().tiers.front().key, at);
}

Status CouponBook::entry(MemberId member, std::string_view cause, int amount,
                         std::int64_t coupon_id, const std::string& key, Instant at,
                         std::string_view note) {
  return write_entry(db_, member, cause, amount, coupon_id, key, at, note,
                     engine_.program_version());
}

Result<bool> CouponBook::op_done(const std::string& key, std::string_view kind) {
  ASSIGN_OR_RETURN(store::Statement * st,
                   db_.cached("SELECT kind FROM coupon_operations WHERE op_key = ?"));
  st->bind(1, key);
  ASSIGN_OR_RETURN(bool row, st->step());
  std::string found = row ? st->column_string(0) : std::string();
  st->reset();
  if (!row) return false;
  if (found != kind)
    return failed_precondition(fmt::format(
        "key '{}' was already used for a coupon {}, not {} (幂等键已被占用)", key, found, kind));
  return true;
}

Status CouponBook::count_out(const std::string& template_key, int delta) {
  ASSIGN_OR_RETURN(store::Statement * st,
                   db_.cached("INSERT INTO coupon_template_stock (template, out) VALUES (?1, ?2) "
                              "ON CONFLICT (template) DO UPDATE SET out = out + excluded.out"));
  st->bind(1, template_key).bind(2, static_cast<std::int64_t>(delta));
  return st->run();
}

Status CouponBook::record_op(const std::string& key, std::string_view kind, std::int64_t coupon_id,
                             MemberId member, Instant at, std::string_view detail, Fen discount,
                             Fen base) {
  ASSIGN_OR_RETURN(
      store::Statement * st,
      db_.cached("INSERT INTO coupon_operations (op_key, kind, coupon_id, member_id, "
                 "at, discount_fen, base_fen, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"));
  st->bind(1, key)
      .bind(2, kind)
      .bind(3, coupon_id)
      .bind(4, member)
      .bind(5, at.seconds)
      .bind(6, discount)
      .bind(7, base)
      .bind_optional(8, detail);
  return st->run();
}

Status CouponBook::record_run(const std::string& key, std::string_view kind, Instant at,
                              const CouponRun& r) {
  ASSIGN_OR_RETURN(store::Statement * st,
                   db_.cached("INSERT INTO coupon_operations (op_key, kind, at, coupons, members, "
                              "skipped, points, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"));
  st->bind(1, key)
      .bind(2, kind)
      .bind(3, at.seconds)
      .bind(4, r.coupons)
      .bind(5, r.members)
      .bind(6, r.skipped)
      .bind(7, r.points)
      .bind_optional(8, r.period);
  return st->run();
}

Result<CouponRun> CouponBook::load_run(const std::string& key) {
  ASSIGN_OR_RETURN(store::Statement * st,
                   db_.cached("SELECT coupons, members, skipped, points, detail FROM "
                              "coupon_operations WHERE op_key = ?"));
  st->bind(1, key);
  ASSIGN_OR_RETURN(bool row, st->step());
  if (!row) return internal_error("coupon run " + key + " has no record");
  CouponRun r;
  r.replayed = true;
  r.coupons = st->column_int64(0);
  r.members = st->column_int64(1);
  r.skipped = st->column_int64(2);
  r.points = st->column_int64(3);
  r.period = st->column_string(4);
  st->reset();
  return r;
}

Result<Coupon> CouponBook::get(std::int64_t coupon_id) {
  ASSIGN_OR_RETURN(store::Statement * st,
                   db_.cached(std::string(kCouponColumns) + "WHERE coupon_id = ?"));
  st->bind(1, coupon_id);
  ASSIGN_OR_RETURN(bool row, st->step());
  if (!row) {
    st->reset();
    return not_found(fmt::format("no coupon {} (券不存在)", coupon_id));
  }
  Coupon c = read_coupon(*st);
  st->reset();
  return c;
}

Result<std::optional<Coupon>> CouponBook::by_issue_key(const std::string& key) {
  ASSIGN_OR_RETURN(store::Statement * st,
                   db_.cached(std::string(kCouponColumns) + "WHERE issue_key = ?"));
  st->bind(1, key);
  ASSIGN_OR_RETURN(bool row, st->step());
  std::optional<Coupon> c;
  if (row) c = read_coupon(*st);
  st->reset();
  return c;
}

Result<std::vector<Coupon>> CouponBook::list(MemberId member, bool open_only) {
  ASSIGN_OR_RETURN(store::Statement * st,
                   db_.cached(std::string(kCouponColumns) +
                              "WHERE member_id = ?1 AND (?2 = 0 OR state IN ('issued', 'locked')) "
                              "ORDER BY coupon_id DESC"));
  st->bind(1, member).bind(2, open_only ? 1 : 0);
  std::vector<Coupon> out;
  while (true) {
    ASSIGN_OR_RETURN(bool row, st->step());
    if (!row) break;
    out.push_back(read_coupon(*st));
  }
  st->reset();
  return out;
}

Status CouponBook::set_state(std::int64_t coupon_id, CouponState state, Instant at) {
  ASSIGN_OR_RETURN(store::Statement * st,
                   db_.cached("UPDATE coupons SET state = ?, closed_at = ? WHERE coupon_id = ?"));
  st->bind(1, coupon_state_name(state));
  if (state == CouponState::kExpired || state == CouponState::kRevoked)
    st->bind(2, at.seconds);
  else
    st->bind(2, std::nullopt);
  st->bind(3, coupon_id);
  return st->run();
}

Result<IssueEffect> CouponBook::issue(const IssueInput& in) {
  if (in.key.empty()) return invalid_argument("issuing a coupon needs an idempotency key (--key)");
  ASSIGN_OR_RETURN(auto prior, by_issue_key(in.key));
  if (prior) return IssueEffect{true, *prior};
  const Program& p = engine_.program();
  const CouponTemplate* t = p.coupons.find(in.template_key);
  if (!t)
    return not_found(fmt::format("no coupon template '{}' in program version {} (券模板不存在)",
                                 in.template_key, engine_.program_version()));
  ASSIGN_OR_RETURN(MemberId member, live(in.member));
  const TimeZone& tz = engine_.zone();
  Date today = tz.local_date(in.at);
  Instant from, until;
  if (t->validity.fixed) {
    from = tz.start_of_day(t->validity.from);
    until = tz.start_of_day(t->validity.to.plus_days(1));
    if (in.at >= until)
      return failed_precondition(
          fmt::format("coupon template '{}' was valid through {}; it can no longer be issued "
                      "(券模板已过期)",
                      t->key, t->validity.to.to_string()));
  } else {
    Date first = today.plus_days(t->validity.start_after_days);
    from = tz.start_of_day(first);  // validity is counted in whole business days
    until = tz.start_of_day(first.plus_days(t->validity.days));
  }
  // Stock and limits: counted inside the write transaction, so concurrent issues queue.
  auto count = [&](const char* sql, bool with_member) -> Result<std::int64_t> {
    ASSIGN_OR_RETURN(store::Statement * st, db_.cached(sql));
    st->bind(1, t->key);
    if (with_member) st->bind(2, member);
    ASSIGN_OR_RETURN(bool row, st->step());
    std::int64_t n = row ? st->column_int64(0) : 0;
    st->reset();
    return n;
  };
  if (t->stock > 0) {
    ASSIGN_OR_RETURN(std::int64_t out,
                     count("SELECT out FROM coupon_template_stock WHERE template = ?", false));
    if (out >= t->stock)
      return failed_precondition(fmt::format(
          "coupon template '{}' is out of stock: all {} issued (库存已发完)", t->key, t->stock));
  }
  if (t->per_member_held > 0) {
    ASSIGN_OR_RETURN(std::int64_t held,
                     count("SELECT COUNT(*) FROM coupons WHERE template = ? AND member_id = ? AND "
                           "state IN ('issued', 'locked')",
                           true));
    if (held >= t->per_member_held)
      return failed_precondition(
          fmt::format("member {} already holds {} unused '{}' coupon(s), the most allowed at once "
                      "(每人限持 {} 张)",
                      member, held, t->key, t->per_member_held));
  }
  if (t->per_member_total > 0) {
    ASSIGN_OR_RETURN(std::int64_t ever,
                     count("SELECT COUNT(*) FROM coupons WHERE template = ? AND member_id = ? AND "
                           "state != 'revoked'",
                           true));
    if (ever >= t->per_member_total)
      return failed_precondition(
          fmt::format("member {} was already issued {} '{}' coupon(s), the most allowed "
                      "(每人限领 {} 张)",
                      member, ever, t->key, t->per_member_total));
  }
  RETURN_IF_ERROR(ensure_account(member, in.at));
  ASSIGN_OR_RETURN(
      store::Statement * ins,
      db_.cached("INSERT INTO coupons (template, member_id, origin_member, state, issue_key, "
                 "source, source_ref, issued_at, valid_from, valid_until, budget_fen, "
                 "program_version) VALUES (?, ?, ?, 'issued', ?, ?, ?, ?, ?, ?, ?, ?)"));
  ins->bind(1, t->key)
      .bind(2, member)
      .bind(3, member)
      .bind(4, in.key)
      .bind(5, in.source)
      .bind_optional(6, in.source_ref)
      .bind(7, in.at.seconds)
      .bind(8, from.seconds)
      .bind(9, until.seconds)
      .bind(10, t->cost)
      .bind(11, engine_.program_version());
  RETURN_IF_ERROR(ins->run());
  std::int64_t id = db_.last_insert_rowid();
  RETURN_IF_ERROR(lower_expiry_floor(db_, until));
  RETURN_IF_ERROR(count_out(t->key, +1));
  RETURN_IF_ERROR(entry(member, "issue", 1, id, "coupon-issue:" + in.key, in.at,
                        fmt::format("{} ({})", t->key, in.source)));
  ASSIGN_OR_RETURN(Coupon c, get(id));
  return IssueEffect{false, std::move(c)};
}

Status CouponBook::check_usable(const Coupon& c, MemberId member, Instant at,
                                std::string_view order_key) {
  const TimeZone& tz = engine_.zone();
  switch (c.state) {
    case CouponState::kIssued:
      break;
    case CouponState::kLocked:
      if (c.order_key != order_key)
        return failed_precondition(fmt::format("coupon {} is locked to order {} (已锁定于其他订单)",
                                               c.coupon_id, c.order_key));
      break;
    case CouponState::kUsed:
      return failed_precondition(
          fmt::format("coupon {} was already used on order {} (已使用)", c.coupon_id, c.order_key));
    case CouponState::kExpired:
      return failed_precondition(fmt::format("coupon {} expired: valid through {} (已过期)",
                                             c.coupon_id, through_text(tz, c.valid_until)));
    case CouponState::kRevoked:
      return failed_precondition(
          fmt::format("coupon {} was revoked: {} (已作废)", c.coupon_id, c.reason));
  }
  if (c.member != member)
    return failed_precondition(
        fmt::format("coupon {} belongs to member {}, not member {} (不是该会员的券)", c.coupon_id,
                    c.member, member));
  if (at < c.valid_from)
    return failed_precondition(fmt::format("coupon {} is valid from {} (未到使用时间)", c.coupon_id,
                                           day_text(tz, c.valid_from)));
  if (at >= c.valid_until)
    return failed_precondition(fmt::format("coupon {} expired: valid through {} (已过期)",
                                           c.coupon_id, through_text(tz, c.valid_until)));
  return Status();
}

Result<CouponChange> CouponBook::lock(std::int64_t coupon_id, MemberId member,
                                      const std::string& order_key, const std::string& key,
                                      Instant at) {
  if (key.empty()) return invalid_argument("locking a coupon needs an idempotency key");
  if (order_key.empty()) return invalid_argument("locking a coupon needs the order it is for");
  ASSIGN_OR_RETURN(bool done, op_done(key, "lock"));
  ASSIGN_OR_RETURN(Coupon c, get(coupon_id));
  if (done) return CouponChange{true, c.coupon_id, c.member, c.state, c.order_key};
  ASSIGN_OR_RETURN(MemberId m, live(member));
  if (c.state == CouponState::kLocked && c.order_key == order_key)
    return CouponChange{true, c.coupon_id, c.member, c.state, c.order_key};
  RETURN_IF_ERROR(check_usable(c, m, at, order_key));
  ASSIGN_OR_RETURN(store::Statement * st,
                   db_.cached("UPDATE coupons SET state = 'locked', order_key = ?, locked_at = ? "
                              "WHERE coupon_id = ? AND state = 'issued'"));
  st->bind(1, order_key).bind(2, at.seconds).bind(3, coupon_id);
  RETURN_IF_ERROR(st->run());
  if (db_.changes() != 1)
    return internal_error(fmt::format("coupon {} changed under us", coupon_id));
  RETURN_IF_ERROR(entry(c.member, "lock", 0, coupon_id, "coupon-lock:" + key, at, order_key));
  RETURN_IF_ERROR(record_op(key, "lock", coupon_id, c.member, at, order_key));
  return CouponChange{false, coupon_id, c.member, CouponState::kLocked, order_key};
}

Result<UseEffect> CouponBook::use(std::int64_t coupon_id, MemberId member, const CouponOrder& order,
                                  const std::string& key) {
  if (key.empty()) return invalid_argument("using a coupon needs an idempotency key");
  if (order.order_key.empty()) return invalid_argument("using a coupon needs the order key");
  ASSIGN_OR_RETURN(bool done, op_done(key, "use"));
  if (done) {
    ASSIGN_OR_RETURN(store::Statement * st,
                     db_.cached("SELECT o.coupon_id, o.member_id, o.discount_fen, o.base_fen, "
                                "o.detail, c.template FROM coupon_operations o JOIN coupons c ON "
                                "c.coupon_id = o.coupon_id WHERE o.op_key = ?"));
    st->bind(1, key);
    ASSIGN_OR_RETURN(bool row, st->step());
    if (!row) return internal_error("coupon use " + key + " lost its coupon");
    UseEffect e;
    e.replayed = true;
    e.coupon_id = st->column_int64(0);
    e.member = st->column_int64(1);
    e.discount_fen = st->column_int64(2);
    e.in_scope_fen = st->column_int64(3);
    e.order_key = st->column_string(4);
    e.template_key = st->column_string(5);
    st->reset();
    if (const CouponTemplate* t = engine_.program().coupons.find(e.template_key);
        t && t->type == CouponType::kGift)
      e.gift_sku = t->gift_sku;
    return e;
  }
  ASSIGN_OR_RETURN(UseEffect e, apply_use(coupon_id, member, order));
  RETURN_IF_ERROR(entry(e.member, "use", -1, coupon_id, "coupon-use:" + key, order.at,
                        fmt::format("{} ¥{} off", order.order_key, format_money(e.discount_fen))));
  RETURN_IF_ERROR(record_op(key, "use", coupon_id, e.member, order.at, order.order_key,
                            e.discount_fen, e.in_scope_fen));
  return e;
}

Result<UseEffect> CouponBook::use_in_checkout(std::int64_t coupon_id, MemberId member,
                                              const CouponOrder& order) {
  if (order.order_key.empty()) return invalid_argument("using a coupon needs the order key");
  // Its ledger entry goes on the order's row (OrderCouponUse): only its balance is found here.
  ASSIGN_OR_RETURN(UseEffect e, apply_use(coupon_id, member, order));
  ASSIGN_OR_RETURN(const std::int64_t balance, coupon_balance(db_, e.member));
  e.balance_after = balance - 1;
  RETURN_IF_ERROR(add_to_coupon_balance(db_, e.member, -1));
  return e;
}

Result<UseEffect> CouponBook::apply_use(std::int64_t coupon_id, MemberId member,
                                        const CouponOrder& order) {
  ASSIGN_OR_RETURN(Coupon c, get(coupon_id));
  ASSIGN_OR_RETURN(MemberId m, live(member));
  RETURN_IF_ERROR(check_usable(c, m, order.at, order.order_key));
  const CouponTemplate* t = engine_.program().coupons.find(c.template_key);
  if (!t)
    return failed_precondition(
        fmt::format("coupon {}'s template '{}' is not in the program in force (券模板已下线)",
                    coupon_id, c.template_key));
  if (!t->scope.allows_channel(order.channel))
    return failed_precondition(
        fmt::format("coupon {} ('{}') is not valid in channel '{}': only {} (渠道不适用)",
                    coupon_id, t->key, order.channel, join(t->scope.channels)));
  Fen in_scope = 0;
  for (const CouponOrderLine& l : order.lines) {
    if (l.amount < 0)
      return invalid_argument(
          fmt::format("order {} line {}: negative amount", order.order_key, l.sku));
    if (t->scope.covers_line(l.sku, l.category)) in_scope += l.amount;
  }
  bool needs_lines = t->type != CouponType::kFreeShipping || t->threshold > 0;
  if (needs_lines && in_scope == 0)
    return failed_precondition(
        fmt::format("no line of order {} is in the scope of coupon {} ('{}') (商品不适用)",
                    order.order_key, coupon_id, t->key));
  if (in_scope < t->threshold)
    return failed_precondition(fmt::format(
        "order {} has ¥{} in the scope of coupon {}, below its ¥{} threshold (未达使用门槛)",
        order.order_key, format_money(in_scope), coupon_id, format_money(t->threshold)));
  UseEffect e;
  e.coupon_id = coupon_id;
  e.member = c.member;
  e.template_key = t->key;
  e.order_key = order.order_key;
  e.in_scope_fen = in_scope;
  switch (t->type) {
    case CouponType::kThresholdOff:
    case CouponType::kNoThreshold:
      e.discount_fen = std::min(t->amount, in_scope);
      break;
    case CouponType::kPercentOff:
      // The share off, rounded down to the fen: ¥88.88 at 9折 is ¥8.888 → ¥8.88 off.
      e.discount_fen = static_cast<Fen>(mul_div_floor(in_scope, kMilli - t->rate_milli, kMilli).q);
      if (t->cap > 0) e.discount_fen = std::min(e.discount_fen, t->cap);
      break;
    case CouponType::kFreeShipping:
      if (order.shipping_fen <= 0)
        return failed_precondition(
            fmt::format("order {} has no shipping fee for coupon {} to waive (无运费可免)",
                        order.order_key, coupon_id));
      e.discount_fen = t->cap > 0 ? std::min(order.shipping_fen, t->cap) : order.shipping_fen;
      break;
    case CouponType::kGift:
      e.discount_fen = 0;
      e.gift_sku = t->gift_sku;
      break;
  }
  ASSIGN_OR_RETURN(store::Statement * st,
                   db_.cached("UPDATE coupons SET state = 'used', order_key = ?, used_at = ?, "
                              "discount_fen = ? WHERE coupon_id = ? AND state IN ('issued', "
                              "'locked')"));
  st->bind(1, order.order_key).bind(2, order.at.seconds).bind(3, e.discount_fen).bind(4, coupon_id);
  RETURN_IF_ERROR(st->run());
  if (db_.changes() != 1)
    return internal_error(fmt::format("coupon {} changed under us", coupon_id));
  return e;
}

Result<CouponChange> CouponBook::release(std::int64_t coupon_id, const std::string& key,
                                         Instant at) {
  if (key.empty()) return invalid_argument("releasing a coupon needs an idempotency key");
  ASSIGN_OR_RETURN(bool done, op_done(key, "release"));
  ASSIGN_OR_RETURN(Coupon c, get(coupon_id));
  if (done) return CouponChange{true, c.coupon_id, c.member, c.state, c.order_key};
  if (c.state != CouponState::kLocked)
    return failed_precondition(fmt::format("coupon {} is {}, not locked: nothing to release",
                                           coupon_id, coupon_state_name(c.state)));
  ASSIGN_OR_RETURN(store::Statement * st,
                   db_.cached("UPDATE coupons SET state = 'issued', order_key = NULL, "
                              "locked_at = NULL WHERE coupon_id = ?"));
  st->bind(1, coupon_id);
  RETURN_IF_ERROR(st->run());
  RETURN_IF_ERROR(lower_expiry_floor(db_, c.valid_until));
  RETURN_IF_ERROR(
      entry(c.member, "release", 0, coupon_id, "coupon-release:" + key, at, c.order_key));
  RETURN_IF_ERROR(record_op(key, "release", coupon_id, c.member, at, c.order_key));
  return CouponChange{false, coupon_id, c.member, CouponState::kIssued, ""};
}

Result<CouponChange> CouponBook::revoke(std::int64_t coupon_id, const std::string& reason,
                                        const std::string& key, Instant at) {
  if (key.empty()) return invalid_argument("revoking a coupon needs an idempotency key");
  if (reason.empty()) return invalid_argument("revoking a coupon needs a reason (--reason)");
  ASSIGN_OR_RETURN(bool done, op_done(key, "revoke"));
  ASSIGN_OR_RETURN(Coupon c, get(coupon_id));
  if (done) return CouponChange{true, c.coupon_id, c.member, c.state, c.order_key};
  if (c.state == CouponState::kUsed)
    return failed_precondition(fmt::format(
        "coupon {} was used on order {}; a used coupon cannot be revoked (已使用, 不能作废)",
        coupon_id, c.order_key));
  if (c.state == CouponState::kExpired || c.state == CouponState::kRevoked)
    return failed_precondition(
        fmt::format("coupon {} is already {} (已失效)", coupon_id, coupon_state_name(c.state)));
  ASSIGN_OR_RETURN(store::Statement * st,
                   db_.cached("UPDATE coupons SET state = 'revoked', closed_at = ?, reason = ?, "
                              "order_key = NULL WHERE coupon_id = ?"));
  st->bind(1, at.seconds).bind(2, reason).bind(3, coupon_id);
  RETURN_IF_ERROR(st->run());
  RETURN_IF_ERROR(count_out(c.template_key, -1));  // a revoked coupon gives its stock back
  RETURN_IF_ERROR(entry(c.member, "revoke", -1, coupon_id, "coupon-revoke:" + key, at, reason));
  RETURN_IF_ERROR(record_op(key, "revoke", coupon_id, c.member, at, reason));
  return CouponChange{false, coupon_id, c.member, CouponState::kRevoked, ""};
}

Result<CouponRun> CouponBook::expire(Date as_of, const std::string& key) {
  if (key.empty()) return invalid_argument("the coupon expiry sweep needs an idempotency key");
  CouponRun run;
  run.period = as_of.to_string();
  ASSIGN_OR_RETURN(bool done, op_done(key, "expire"));
  if (done) return load_run(key);
  Instant cutoff = engine_.zone().start_of_day(as_of);
  // No issued coupon is valid until the floor or earlier (migration 16): only (floor, cutoff] of
  // the valid_until index is read, not every coupon ever issued.
  ASSIGN_OR_RETURN(const std::int64_t floor, expiry_floor(db_));
  std::vector<std::pair<std::int64_t, MemberId>> due;
  {
    ASSIGN_OR_RETURN(auto st, db_.prepare("SELECT coupon_id, member_id FROM coupons WHERE "
                                          "valid_until > ? AND valid_until <= ? AND "
                                          "state = 'issued' ORDER BY member_id, coupon_id"));
    st.bind(1, floor).bind(2, cutoff.seconds);
    while (true) {
      ASSIGN_OR_RETURN(bool row, st.step());
      if (!row) break;
      due.emplace_back(st.column_int64(0), st.column_int64(1));
    }
  }
  MemberId last = 0;
  for (const auto& [id, member] : due) {
    RETURN_IF_ERROR(set_state(id, CouponState::kExpired, cutoff));
    RETURN_IF_ERROR(entry(member, "expire", -1, id, fmt::format("coupon-expire:{}:{}", key, id),
                          cutoff, "expired " + as_of.to_string()));
    ++run.coupons;
    if (member != last) ++run.members;
    last = member;
  }
  // Every issued coupon up to the cutoff has just expired.
  if (cutoff.seconds > floor)
    RETURN_IF_ERROR(store::set_setting(db_, kExpiryFloorKey, std::to_string(cutoff.seconds)));
  RETURN_IF_ERROR(record_run(key, "expire", cutoff, run));
  return run;
}

Result<std::vector<std::int64_t>> CouponBook::used_on(const std::string& order_key) {
  ASSIGN_OR_RETURN(store::Statement * st,
                   db_.cached("SELECT coupon_id FROM coupon_operations WHERE kind = 'use' AND "
                              "detail = ? ORDER BY coupon_id"));
  st->bind(1, order_key);
  std::vector<std::int64_t> ids;
  while (true) {
    ASSIGN_OR_RETURN(bool row, st->step());
    if (!row) break;
    ids.push_back(st->column_int64(0));
  }
  st->reset();
  return ids;
}

Result<RefundReturn> CouponBook::return_for_refund(const std::string& order_key,
                                                   std::optional<std::int64_t> checkout_coupon,
                                                   bool full_refund, Instant at,
                                                   const std::string& key) {
  if (key.empty()) return invalid_argument("returning coupons needs an idempotency key");
  RefundReturn r;
  ASSIGN_OR_RETURN(bool done, op_done(key, "refund"));
  if (done) {
    ASSIGN_OR_RETURN(CouponRun run, load_run(key));
    return RefundReturn{true, run.coupons, run.skipped};
  }
  // The coupons still used on this order (one may have been given back and used again since).
  ASSIGN_OR_RETURN(std::vector<std::int64_t> ids, used_on(order_key));
  if (checkout_coupon) ids.push_back(*checkout_coupon);
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  std::vector<Coupon> used;
  for (std::int64_t id : ids) {
    ASSIGN_OR_RETURN(Coupon c, get(id));
    if (c.state == CouponState::kUsed && c.order_key == order_key) used.push_back(std::move(c));
  }
  bool give_back =
      full_refund && engine_.program().coupons.refund_policy == CouponRefundPolicy::kReturnIfValid;
  for (const Coupon& c : used) {
    if (!give_back || at >= c.valid_until) {
      ++r.kept;
      continue;
    }
    // Back to whoever holds the member now: the user may have been merged away since.
    ASSIGN_OR_RETURN(MemberId holder, live(c.member));
    if (holder != c.member) RETURN_IF_ERROR(ensure_account(holder, at));
    ASSIGN_OR_RETURN(store::Statement * st,
                     db_.cached("UPDATE coupons SET state = 'issued', member_id = ?, "
                                "order_key = NULL, locked_at = NULL, used_at = NULL, "
                                "discount_fen = NULL WHERE coupon_id = ?"));
    st->bind(1, holder).bind(2, c.coupon_id);
    RETURN_IF_ERROR(st->run());
    RETURN_IF_ERROR(lower_expiry_floor(db_, c.valid_until));
    RETURN_IF_ERROR(entry(holder, "refund", 1, c.coupon_id,
                          fmt::format("coupon-refund:{}:{}", key, c.coupon_id), at,
                          "order " + order_key + " refunded in full"));
    ++r.returned;
  }
  CouponRun run;  // returned counts as coupons, kept as skipped
  run.coupons = r.returned;
  run.skipped = r.kept;
  run.period = order_key;
  RETURN_IF_ERROR(record_run(key, "refund", at, run));
  return r;
}

Result<CouponRun> CouponBook::issue_monthly(Date month, Instant at, const std::string& key) {
  if (key.empty()) return invalid_argument("the monthly coupon run needs an idempotency key");
  int y = 0;
  unsigned mo = 0, d = 0;
  month.to_ymd(y, mo, d);
  CouponRun run;
  run.period = fmt::format("{:04}-{:02}", y, mo);
  ASSIGN_OR_RETURN(bool done, op_done(key, "monthly"));
  if (done) return load_run(key);
  const Program& p = engine_.program();
  std::vector<std::pair<MemberId, std::string>> members;  // live members and their tier
  {
    ASSIGN_OR_RETURN(auto st, db_.prepare("SELECT a.member_id, a.tier FROM loyalty_accounts a "
                                          "JOIN members m ON m.member_id = a.member_id "
                                          "WHERE m.merged_into IS NULL ORDER BY a.member_id"));
    while (true) {
      ASSIGN_OR_RETURN(bool row, st.step());
      if (!row) break;
      members.emplace_back(st.column_int64(0), st.column_string(1));
    }
  }
  for (const auto& [member, tier_key] : members) {
    int ti = p.tier_index(tier_key);
    if (ti < 0) continue;
    bool got = false;
    for (const MonthlyCoupon& mc : p.tiers[static_cast<std::size_t>(ti)].benefits.monthly_coupons) {
      for (std::int64_t i = 1; i <= mc.count; ++i) {
        IssueInput in{
            member, mc.coupon, fmt::format("monthly:{}:{}:{}:{}", run.period, member, mc.coupon, i),
            at,     "monthly", run.period};
        auto e = issue(in);
        if (!e.ok()) {
          if (e.status().code() != StatusCode::kFailedPrecondition) return e.status();
          ++run.skipped;
          continue;
        }
        if (e->replayed) continue;  // already given this month under another run key
        ++run.coupons;
        got = true;
      }
    }
    if (got) ++run.members;
  }
  RETURN_IF_ERROR(record_run(key, "monthly", at, run));
  return run;
}

Result<CouponRun> CouponBook::issue_birthday(Date day, const std::string& key) {
  if (key.empty()) return invalid_argument("the birthday run needs an idempotency key");
  CouponRun run;
  run.period = day.to_string();
  ASSIGN_OR_RETURN(bool done, op_done(key, "birthday"));
  if (done) return load_run(key);
  int y = 0;
  unsigned mo = 0, d = 0;
  day.to_ymd(y, mo, d);
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  std::string md = fmt::format("{:02}-{:02}", mo, d);
  // 29 February birthdays are kept on 28 February in other years.
  std::string md2 = (!leap && mo == 2 && d == 28) ? "02-29" : md;
  std::vector<MemberId> members;
  {
    ASSIGN_OR_RETURN(auto st, db_.prepare("SELECT member_id FROM members WHERE merged_into IS NULL "
                                          "AND birthday IS NOT NULL AND (substr(birthday, 6, 5) = "
                                          "? OR substr(birthday, 6, 5) = ?) ORDER BY member_id"));
    st.bind(1, md).bind(2, md2);
    while (true) {
      ASSIGN_OR_RETURN(bool row, st.step());
      if (!row) break;
      members.push_back(st.column_int64(0));
    }
  }
  const Program& p = engine_.program();
  Instant at = engine_.zone().start_of_day(day);
  Ledger& ledger = engine_.ledger();
  for (MemberId member : members) {
    ASSIGN_OR_RETURN(AccountState a, ledger.load(member, p.tiers.front().key));
    int ti = std::max(0, p.tier_index(a.tier));
    const TierBenefits& b = p.tiers[static_cast<std::size_t>(ti)].benefits;
    bool got = false;
    std::string points_key = fmt::format("birthday:{}:{}:points", y, member);
    if (b.birthday_points > 0) {
      ASSIGN_OR_RETURN(store::Statement * st,
                       db_.cached("SELECT COUNT(*) FROM loyalty_entries WHERE idem_key = ?"));
      st->bind(1, points_key);
      ASSIGN_OR_RETURN(bool row, st->step());
      bool already = row && st->column_int64(0) > 0;
      st->reset();
      if (!already) {
        if (!a.stored) a.tier_since = at;
        Posting post{Cause::kBirthday, fmt::format("birthday:{}", y), points_key, at,
                     fmt::format("{} birthday points", p.tiers[static_cast<std::size_t>(ti)].name)};
        RETURN_IF_ERROR(ledger
                            .credit(a, Account::kPoints, b.birthday_points, post,
                                    LotTerms{at, at, engine_.expiry_for(day), {}})
                            .status());
        RETURN_IF_ERROR(ledger.save(a, at));
        run.points += b.birthday_points;
        got = true;
      }
    }
    if (!b.birthday_coupon.empty()) {
      auto e = issue(IssueInput{member, b.birthday_coupon,
                                fmt::format("birthday:{}:{}:coupon", y, member), at, "birthday",
                                run.period});
      if (!e.ok()) {
        if (e.status().code() != StatusCode::kFailedPrecondition) return e.status();
        ++run.skipped;
      } else if (!e->replayed) {
        ++run.coupons;
        got = true;
      }
    }
    if (got) ++run.members;
  }
  RETURN_IF_ERROR(record_run(key, "birthday", at, run));
  return run;
}

Status move_coupons_on_merge(store::Database& db, MergeId id, MemberId survivor, MemberId merged) {
  std::vector<std::int64_t> moving;
  {
    ASSIGN_OR_RETURN(store::Statement * st,
                     db.cached("SELECT coupon_id FROM coupons WHERE member_id = ? AND state IN "
                               "('issued', 'locked') ORDER BY coupon_id"));
    st->bind(1, merged);
    while (true) {
      ASSIGN_OR_RETURN(bool row, st->step());
      if (!row) break;
      moving.push_back(st->column_int64(0));
    }
    st->reset();
  }
  if (moving.empty()) return Status();
  ASSIGN_OR_RETURN(ActiveProgram prog, active_program(db));
  ASSIGN_OR_RETURN(std::int64_t at_s, db.query_int(fmt::format(
                                          "SELECT merged_at FROM merges WHERE merge_id = {}", id)));
  Instant at{at_s};
  RETURN_IF_ERROR(ensure_account_row(db, survivor, prog.program.tiers.front().key, at));
  ASSIGN_OR_RETURN(auto rec, db.prepare("INSERT INTO coupon_merge_moves (merge_id, coupon_id) "
                                        "VALUES (?, ?)"));
  ASSIGN_OR_RETURN(auto up, db.prepare("UPDATE coupons SET member_id = ? WHERE coupon_id = ?"));
  std::string note = fmt::format("member {} merged into {}", merged, survivor);
  for (std::int64_t c : moving) {
    rec.reset();
    rec.bind(1, id).bind(2, c);
    RETURN_IF_ERROR(rec.run());
    up.reset();
    up.bind(1, survivor).bind(2, c);
    RETURN_IF_ERROR(up.run());
    RETURN_IF_ERROR(write_entry(db, merged, "merge", -1, c,
                                fmt::format("coupon-merge:{}:{}:out", id, c), at, note,
                                prog.version));
    RETURN_IF_ERROR(write_entry(db, survivor, "merge", 1, c,
                                fmt::format("coupon-merge:{}:{}:in", id, c), at, note,
                                prog.version));
  }
  return Status();
}

Status return_coupons_on_unmerge(store::Database& db, MergeId id, MemberId from,
                                 MemberId restored) {
  std::vector<std::int64_t> back;
  {
    ASSIGN_OR_RETURN(auto st, db.prepare("SELECT c.coupon_id FROM coupon_merge_moves mv JOIN "
                                         "coupons c ON c.coupon_id = mv.coupon_id WHERE "
                                         "mv.merge_id = ? AND c.member_id = ? AND c.state IN "
                                         "('issued', 'locked') ORDER BY c.coupon_id"));
    st.bind(1, id).bind(2, from);
    while (true) {
      ASSIGN_OR_RETURN(bool row, st.step());
      if (!row) break;
      back.push_back(st.column_int64(0));
    }
  }
  if (back.empty()) return Status();
  ASSIGN_OR_RETURN(ActiveProgram prog, active_program(db));
  ASSIGN_OR_RETURN(std::int64_t at_s, db.query_int(fmt::format(
                                          "SELECT undone_at FROM merges WHERE merge_id = {}", id)));
  Instant at{at_s};
  RETURN_IF_ERROR(ensure_account_row(db, restored, prog.program.tiers.front().key, at));
  ASSIGN_OR_RETURN(auto up, db.prepare("UPDATE coupons SET member_id = ? WHERE coupon_id = ?"));
  std::string note = fmt::format("member {} back from {}", restored, from);
  for (std::int64_t c : back) {
    up.reset();
    up.bind(1, restored).bind(2, c);
    RETURN_IF_ERROR(up.run());
    RETURN_IF_ERROR(write_entry(db, from, "unmerge", -1, c,
                                fmt::format("coupon-unmerge:{}:{}:out", id, c), at, note,
                                prog.version));
    RETURN_IF_ERROR(write_entry(db, restored, "unmerge", 1, c,
                                fmt::format("coupon-unmerge:{}:{}:in", id, c), at, note,
                                prog.version));
  }
  return Status();
}

}  // namespace recur::loyalty
