#include "loyalty/check.h"

#include <fmt/format.h>

#include <algorithm>

#include "loyalty/coupon_check.h"
#include "loyalty/decimal.h"
#include "loyalty/entry_check.h"
#include "loyalty/lot_check.h"
#include "loyalty/order_check.h"
#include "loyalty/program_store.h"

namespace recur::loyalty {
namespace {

struct Probe {
  const char* name;
  const char* description;
  const char* sql;  // rows are violations; the columns are shown as examples
};

// ?1 is bound to `now` (UTC seconds) where a probe needs it.
constexpr Probe kProbes[] = {
    {"nothing_negative",
     "no negative growth or debt, and points below zero only as debt; usage amounts positive",
     "SELECT member_id, points, points_debt, growth FROM loyalty_accounts "
     "WHERE growth < 0 OR points_debt < 0 OR (points < 0 AND points_debt = 0) "
     "UNION ALL SELECT member_id, entry_id, lot_id, amount FROM loyalty_lot_usage "
     "WHERE amount <= 0"},
    {"debt_only_without_points",
     "a member owes points only while holding no unexpired points (earnings repay debt first)",
     "SELECT a.member_id, a.points_debt, SUM(l.remaining) FROM loyalty_accounts a "
     "JOIN loyalty_lots l ON l.member_id = a.member_id AND l.account = 'points' "
     "AND l.remaining > 0 AND (l.expires_at IS NULL OR l.expires_at > ?1) "
     "WHERE a.points_debt > 0 GROUP BY a.member_id, a.points_debt"},
    {"merged_members_empty", "a member merged into another holds no balance and no lot",
     "SELECT m.member_id, m.merged_into, a.points, a.growth, a.points_debt FROM members m "
     "JOIN loyalty_accounts a ON a.member_id = m.member_id WHERE m.merged_into IS NOT NULL AND "
     "(a.points != 0 OR a.growth != 0 OR a.points_debt != 0 OR EXISTS (SELECT 1 FROM "
     "loyalty_lots l WHERE l.member_id = m.member_id AND l.remaining > 0))"},
    {"refunds_match_orders", "each order's refunded amount equals the sum of its applied refunds",
     "SELECT o.order_key, o.refunded_fen, COALESCE(r.s, 0) FROM loyalty_orders o LEFT JOIN "
     "(SELECT order_key, SUM(amount_fen) AS s FROM loyalty_refunds GROUP BY order_key) r "
     "ON r.order_key = o.order_key WHERE o.refunded_fen != COALESCE(r.s, 0)"},
    // Stored value and cashback (wallet.h, schema_wallet.cpp). Their entries are never an
    // order's row (migration 11): read from loyalty_entries_other, not the loyalty_entries view.
    {"wallet_balances_equal_entries",
     "each member's principal, bonus and cashback equal the sums of their wallet entries",
     "SELECT a.member_id, a.principal, COALESCE(e.p, 0), a.bonus, COALESCE(e.b, 0), a.cashback, "
     "COALESCE(e.c, 0) FROM wallet_accounts a LEFT JOIN (SELECT member_id, "
     "SUM(CASE WHEN account = 'stored_principal' THEN amount ELSE 0 END) AS p, "
     "SUM(CASE WHEN account = 'stored_bonus' THEN amount ELSE 0 END) AS b, "
     "SUM(CASE WHEN account = 'cashback' THEN amount ELSE 0 END) AS c "
     "FROM loyalty_entries_other WHERE account IN ('stored_principal', 'stored_bonus', 'cashback') "
     "GROUP BY member_id) e ON e.member_id = a.member_id WHERE a.principal != COALESCE(e.p, 0) "
     "OR a.bonus != COALESCE(e.b, 0) OR a.cashback != COALESCE(e.c, 0)"},
    {"wallet_entries_have_accounts", "every member with wallet entries has a wallet balance row",
     "SELECT DISTINCT e.member_id FROM loyalty_entries_other e WHERE e.account IN "
     "('stored_principal', "
     "'stored_bonus', 'cashback') AND NOT EXISTS (SELECT 1 FROM wallet_accounts a WHERE "
     "a.member_id = e.member_id)"},
    {"wallet_lots_within_bounds", "every wallet lot has 0 <= remaining <= earned and earned > 0",
     "SELECT lot_id, member_id, account, earned, remaining FROM wallet_lots "
     "WHERE remaining < 0 OR remaining > earned OR earned <= 0"},
    {"wallet_lot_usage_matches",
     "each wallet lot's remaining equals earned minus what was taken plus what refunds gave back",
     "SELECT l.lot_id, l.earned, l.remaining, COALESCE(u.used, 0) FROM wallet_lots l "
     "LEFT JOIN (SELECT lot_id, SUM(amount) AS used FROM wallet_lot_usage GROUP BY lot_id) u "
     "ON u.lot_id = l.lot_id WHERE l.remaining != l.earned - COALESCE(u.used, 0)"},
    {"wallet_lots_equal_balances",
     "each member's principal, bonus and cashback lots hold exactly their balances",
     "SELECT a.member_id, a.principal, COALESCE(l.p, 0), a.bonus, COALESCE(l.b, 0), a.cashback, "
     "COALESCE(l.c, 0) FROM wallet_accounts a LEFT JOIN (SELECT member_id, "
     "SUM(CASE WHEN account = 'stored_principal' THEN remaining ELSE 0 END) AS p, "
     "SUM(CASE WHEN account = 'stored_bonus' THEN remaining ELSE 0 END) AS b, "
     "SUM(CASE WHEN account = 'cashback' THEN remaining ELSE 0 END) AS c "
     "FROM wallet_lots GROUP BY member_id) l ON l.member_id = a.member_id "
     "WHERE a.principal != COALESCE(l.p, 0) OR a.bonus != COALESCE(l.b, 0) "
     "OR a.cashback != COALESCE(l.c, 0)"},
    {"wallet_lots_have_accounts", "every member holding a wallet lot has a wallet balance row",
     "SELECT DISTINCT l.member_id FROM wallet_lots l WHERE l.remaining > 0 AND NOT EXISTS "
     "(SELECT 1 FROM wallet_accounts a WHERE a.member_id = l.member_id)"},
    {"wallet_nothing_negative",
     "no wallet balance, and no wallet entry's balance after it, is "
     "below zero",
     "SELECT member_id, principal, bonus, cashback FROM wallet_accounts WHERE principal < 0 OR "
     "bonus < 0 OR cashback < 0 UNION ALL SELECT member_id, entry_id, account, balance_after "
     "FROM loyalty_entries_other WHERE account IN ('stored_principal', 'stored_bonus', 'cashback') "
     "AND balance_after < 0"},
    {"wallet_refunds_within_spent",
     "each stored-value spend adds up, and its refunds gave back no more than it took, in total "
     "and per account",
     "SELECT order_key, amount_fen, principal_fen, bonus_fen, cashback_fen, refunded_fen, "
     "refunded_principal, refunded_bonus, refunded_cashback FROM wallet_spends "
     "WHERE principal_fen + bonus_fen + cashback_fen != amount_fen OR principal_fen < 0 "
     "OR bonus_fen < 0 OR cashback_fen < 0 OR refunded_fen > amount_fen "
     "OR refunded_principal + refunded_bonus + refunded_cashback != refunded_fen "
     "OR refunded_principal > principal_fen OR refunded_bonus > bonus_fen "
     "OR refunded_cashback > cashback_fen OR refunded_principal < 0 OR refunded_bonus < 0 "
     "OR refunded_cashback < 0"},
    {"wallet_cashback_within_earned", "refunds took back no more cashback than an order earned",
     "SELECT order_key, earned_fen, clawed_fen, refunded_fen, net_paid_fen FROM "
     "wallet_cashback_orders WHERE clawed_fen > earned_fen OR refunded_fen > net_paid_fen "
     "OR deducted_fen + forgiven_fen > clawed_fen"},
    {"wallet_merged_members_empty", "a member merged into another holds no stored value",
     "SELECT m.member_id, m.merged_into, a.principal, a.bonus, a.cashback FROM members m "
     "JOIN wallet_accounts a ON a.member_id = m.member_id WHERE m.merged_into IS NOT NULL AND "
     "(a.principal != 0 OR a.bonus != 0 OR a.cashback != 0 OR EXISTS (SELECT 1 FROM "
     "wallet_lots l WHERE l.member_id = m.member_id AND l.remaining > 0))"},
    {"settlements_add_up",
     "each checked-out order's tenders add up to its goods: coupon + points + stored value + "
     "cash, and its lines add up to the order",
     "SELECT s.order_key, s.goods_fen, s.coupon_fen, s.points_fen, s.wallet_fen, s.cash_fen "
     "FROM loyalty_settlements s LEFT JOIN (SELECT order_key, SUM(goods_fen) AS g, "
     "SUM(coupon_fen) AS c, SUM(points) AS p, SUM(points_fen) AS pf, SUM(paid_fen) AS pd "
     "FROM loyalty_settlement_lines GROUP BY order_key) l ON l.order_key = s.order_key "
     "WHERE s.coupon_fen + s.points_fen + s.wallet_fen + s.cash_fen != s.goods_fen "
     "OR l.g IS NULL OR l.g != s.goods_fen OR l.c != s.coupon_fen OR l.p != s.points "
     "OR l.pf != s.points_fen OR l.pd != s.wallet_fen + s.cash_fen OR s.cash_fen < 0"},
    {"settlement_coupons_used",
     "a checked-out order's coupon is used on that order until a refund gives it back (a "
     "refund finds it through the settlement)",
     "SELECT s.order_key, s.coupon_id, c.state, c.order_key FROM loyalty_settlements s "
     "LEFT JOIN coupons c ON c.coupon_id = s.coupon_id WHERE s.coupon_id IS NOT NULL AND "
     "(c.coupon_id IS NULL OR ((c.state != 'used' OR c.order_key != s.order_key) AND NOT EXISTS "
     "(SELECT 1 FROM loyalty_settlement_refunds r WHERE r.order_key = s.order_key AND "
     "r.coupon_returned = 1)))"},
    {"settlement_refunds_within_paid",
     "refunds of a checked-out order gave back no more goods, points, stored value or cash than "
     "it took, per line and in total, and the order's totals equal its refunds",
     "SELECT s.order_key, s.wallet_fen, s.returned_wallet_fen, s.cash_fen, s.returned_cash_fen "
     "FROM loyalty_settlements s LEFT JOIN (SELECT order_key, SUM(wallet_fen) AS w, "
     "SUM(cash_fen + deducted_fen) AS c, SUM(points_returned) AS p FROM "
     "loyalty_settlement_refunds GROUP BY order_key) r ON r.order_key = s.order_key "
     "WHERE s.returned_wallet_fen > s.wallet_fen OR s.returned_cash_fen > s.cash_fen "
     "OR s.returned_wallet_fen != COALESCE(r.w, 0) OR s.returned_cash_fen != COALESCE(r.c, 0) "
     "OR COALESCE(r.p, 0) != (SELECT SUM(returned_points) FROM loyalty_settlement_lines l "
     "WHERE l.order_key = s.order_key) OR EXISTS (SELECT 1 FROM loyalty_settlement_lines l "
     "WHERE l.order_key = s.order_key AND (l.refunded_goods_fen > l.goods_fen OR "
     "l.returned_points > l.points OR l.refunded_paid_fen > l.paid_fen))"},
};

// The number of result columns of a probe: the commas of its outermost SELECT list.
int columns_of(std::string_view sql) {
  std::size_t from = sql.find(" FROM ");
  std::string_view head = sql.substr(0, from);
  int depth = 0, n = 1;
  for (char c : head) {
    if (c == '(') ++depth;
    if (c == ')') --depth;
    if (c == ',' && depth == 0) ++n;
  }
  return n;
}

}  // namespace

Result<Liability> points_liability(store::Database& db, const Program& program, Instant now) {
  Liability l;
  ASSIGN_OR_RETURN(
      auto st,
      db.prepare("SELECT a.tier, COUNT(DISTINCT l.member_id), SUM(l.remaining), "
                 "SUM(CASE WHEN l.usable_from > ?1 THEN l.remaining ELSE 0 END) "
                 "FROM loyalty_lots l JOIN loyalty_accounts a ON a.member_id = l.member_id "
                 "WHERE l.account = 'points' AND l.remaining > 0 AND "
                 "(l.expires_at IS NULL OR l.expires_at > ?1) GROUP BY a.tier"));
  st.bind(1, now.seconds);
  while (true) {
    ASSIGN_OR_RETURN(bool row, st.step());
    if (!row) break;
    TierLiability t;
    t.tier = st.column_string(0);
    int i = program.tier_index(t.tier);
    const Tier& tier = program.tiers[static_cast<std::size_t>(i < 0 ? 0 : i)];
    t.name = tier.name;
    t.members = st.column_int64(1);
    t.points = st.column_int64(2);
    t.points_per_yuan = tier.benefits.redeem_points_per_yuan;
    t.value_fen = mul_div_floor(t.points, 100, t.points_per_yuan).q;
    l.points += t.points;
    l.pending += st.column_int64(3);
    l.members += t.members;
    l.value_fen += t.value_fen;
    l.tiers.push_back(std::move(t));
  }
  // Highest tier first, as in the program.
  std::sort(l.tiers.begin(), l.tiers.end(), [&](const TierLiability& a, const TierLiability& b) {
    return program.tier_index(a.tier) > program.tier_index(b.tier);
  });
  l.usable = l.points - l.pending;
  {
    ASSIGN_OR_RETURN(auto ex, db.prepare("SELECT COALESCE(SUM(remaining), 0) FROM loyalty_lots "
                                         "WHERE account = 'points' AND remaining > 0 AND "
                                         "expires_at <= ?"));
    ex.bind(1, now.seconds);
    ASSIGN_OR_RETURN(bool row, ex.step());
    if (row) l.expired_unswept = ex.column_int64(0);
  }
  ASSIGN_OR_RETURN(l.debt,
                   db.query_int("SELECT COALESCE(SUM(points_debt), 0) FROM loyalty_accounts"));
  return l;
}

Result<WalletLiability> wallet_liability(store::Database& db, Instant now) {
  WalletLiability w;
  ASSIGN_OR_RETURN(
      auto st,
      db.prepare("SELECT COALESCE(SUM(CASE WHEN account = 'stored_principal' THEN remaining END), "
                 "0), COALESCE(SUM(CASE WHEN account = 'stored_bonus' THEN remaining END), 0), "
                 "COALESCE(SUM(CASE WHEN account = 'cashback' AND (expires_at IS NULL OR "
                 "expires_at > ?1) THEN remaining END), 0), COALESCE(SUM(CASE WHEN account = "
                 "'cashback' AND expires_at <= ?1 THEN remaining END), 0), "
                 "COUNT(DISTINCT member_id) FROM wallet_lots WHERE remaining > 0"));
  st.bind(1, now.seconds);
  ASSIGN_OR_RETURN(bool row, st.step());
  if (row) {
    w.principal_fen = st.column_int64(0);
    w.bonus_fen = st.column_int64(1);
    w.cashback_fen = st.column_int64(2);
    w.cashback_expired_fen = st.column_int64(3);
    w.members = st.column_int64(4);
  }
  w.owed_fen = w.principal_fen + w.bonus_fen + w.cashback_fen;
  return w;
}

Result<CheckReport> run_check(store::Database& db, Instant now) {
  CheckReport r;
  {
    ASSIGN_OR_RETURN(std::vector<CheckFinding> entries, check_entries(db));
    ASSIGN_OR_RETURN(std::vector<CheckFinding> lots, check_lots(db));
    for (auto* found : {&entries, &lots})
      for (CheckFinding& f : *found) {
        if (!f.ok()) r.ok = false;
        r.checks.push_back(std::move(f));
      }
  }
  for (const Probe& p : kProbes) {
    CheckFinding f;
    f.name = p.name;
    f.description = p.description;
    ASSIGN_OR_RETURN(auto st, db.prepare(p.sql));
    if (std::string_view(p.sql).find("?1") != std::string_view::npos) st.bind(1, now.seconds);
    while (true) {
      ASSIGN_OR_RETURN(bool row, st.step());
      if (!row) break;
      if (f.violations++ < kCheckExamples) {
        std::string ex;
        for (int c = 0; c < columns_of(p.sql); ++c) {
          ex += c ? " " : "";
          ex += st.column_is_null(c) ? std::string("NULL") : st.column_string(c);
        }
        f.examples.push_back(std::move(ex));
      }
    }
    if (!f.ok()) r.ok = false;
    r.checks.push_back(std::move(f));
  }
  {
    ASSIGN_OR_RETURN(CheckFinding f, check_orders_consistent(db));
    if (!f.ok()) r.ok = false;
    r.checks.push_back(std::move(f));
  }
  ASSIGN_OR_RETURN(r.pending, count_pending(db, kCheckExamples));
  {
    CheckFinding f{"applied_through_watermark",
                   "every member order and refund at or below the apply watermark is applied "
                   "(an apply looks for pending ones only above it)",
                   r.pending.below_watermark, r.pending.examples};
    if (!f.ok()) r.ok = false;
    r.checks.push_back(std::move(f));
  }
  ASSIGN_OR_RETURN(r.stored_value, wallet_liability(db, now));
  ASSIGN_OR_RETURN(auto cur, current_program(db));
  std::optional<ActiveProgram> active;
  if (cur) {
    ASSIGN_OR_RETURN(active, active_program(db));
    r.program_version = active->version;
    ASSIGN_OR_RETURN(Liability l, points_liability(db, active->program, now));
    r.liability = std::move(l);
  }
  ASSIGN_OR_RETURN(auto coupons, coupon_checks(db, active ? &active->program : nullptr));
  for (CheckFinding& f : coupons) {
    if (!f.ok()) r.ok = false;
    r.checks.push_back(std::move(f));
  }
  return r;
}

}  // namespace recur::loyalty
