#include "loyalty/coupon_check.h"

#include <fmt/format.h>

namespace recur::loyalty {
namespace {

struct Probe {
  const char* name;
  const char* description;
  const char* sql;  // rows are violations
  int columns;
};

// Coupon entries are read through the loyalty_entries view with account = 'coupon': SQLite
// skips its points and growth branches for that constant, and reads the other entries and the
// coupon uses kept on order rows (migration 14). The probes group, rather than join, the view.
constexpr Probe kProbes[] = {
    {"coupon_entries_match_states",
     "each coupon's ledger entries sum to 1 while it is unused (issued or locked), else 0",
     "SELECT c.coupon_id, c.state, COALESCE(e.s, 0) FROM coupons c LEFT JOIN (SELECT reference, "
     "SUM(amount) AS s FROM loyalty_entries WHERE account = 'coupon' GROUP BY reference) e "
     "ON e.reference = 'coupon:' || c.coupon_id WHERE COALESCE(e.s, 0) != "
     "CASE WHEN c.state IN ('issued', 'locked') THEN 1 ELSE 0 END",
     3},
    {"coupon_balances",
     "each member's coupon balance (the last entry's balance_after) equals the unused coupons "
     "they hold",
     "SELECT b.member_id, b.balance, COALESCE(h.n, 0) FROM (SELECT member_id, balance_after AS "
     "balance FROM (SELECT member_id, balance_after, ROW_NUMBER() OVER (PARTITION BY member_id "
     "ORDER BY entry_id DESC) AS n FROM loyalty_entries WHERE account = 'coupon') WHERE n = 1) b "
     "LEFT JOIN (SELECT member_id, COUNT(*) AS n FROM coupons WHERE state IN ('issued', "
     "'locked') GROUP BY member_id) h ON h.member_id = b.member_id "
     "WHERE b.balance != COALESCE(h.n, 0) UNION ALL SELECT h.member_id, 0, h.n FROM (SELECT "
     "member_id, COUNT(*) AS n FROM coupons WHERE state IN ('issued', 'locked') GROUP BY "
     "member_id) h WHERE NOT EXISTS (SELECT 1 FROM loyalty_entries_other e WHERE e.member_id = "
     "h.member_id AND e.account = 'coupon')",
     3},
    {"coupon_accounts",
     "each account's coupon balance (loyalty_accounts.coupons) equals the unused coupons its "
     "member holds",
     "SELECT a.member_id, a.coupons, COALESCE(h.n, 0) FROM loyalty_accounts a LEFT JOIN (SELECT "
     "member_id, COUNT(*) AS n FROM coupons WHERE state IN ('issued', 'locked') GROUP BY "
     "member_id) h ON h.member_id = a.member_id WHERE a.coupons != COALESCE(h.n, 0)",
     3},
    {"coupons_used_once",
     "a used coupon has one more use than refund entries, on one order, with its discount; an "
     "unused one as many uses as refunds",
     "SELECT c.coupon_id, c.state, COALESCE(u.uses, 0), COALESCE(u.refunds, 0), c.order_key "
     "FROM coupons c LEFT JOIN (SELECT reference, SUM(cause = 'use') AS uses, "
     "SUM(cause = 'refund') AS refunds FROM loyalty_entries WHERE account = 'coupon' GROUP BY "
     "reference) u ON u.reference = 'coupon:' || c.coupon_id WHERE COALESCE(u.uses, 0) - "
     "COALESCE(u.refunds, 0) != CASE WHEN c.state = 'used' THEN 1 ELSE 0 END OR (c.state = "
     "'used' AND (c.order_key IS NULL OR c.discount_fen IS NULL OR c.used_at IS NULL))",
     5},
    {"coupon_merged_members_empty",
     "a member merged into another holds no unused coupon (they move to the survivor)",
     "SELECT c.coupon_id, c.member_id, m.merged_into FROM coupons c JOIN members m ON "
     "m.member_id = c.member_id WHERE m.merged_into IS NOT NULL AND c.state IN ('issued', "
     "'locked')",
     3},
    {"coupon_stock_counts",
     "each template's count of coupons out (coupon_template_stock) equals its coupons not "
     "revoked",
     "SELECT COALESCE(s.template, c.template), COALESCE(s.out, 0), COALESCE(c.n, 0) FROM "
     "coupon_template_stock s FULL OUTER JOIN (SELECT template, COUNT(*) AS n FROM coupons "
     "WHERE state != 'revoked' GROUP BY template) c ON c.template = s.template "
     "WHERE COALESCE(s.out, 0) != COALESCE(c.n, 0)",
     3},
    {"coupon_expiry_floor",
     "no issued coupon is valid until the expiry sweep's floor or earlier (the sweep reads only "
     "above it), and the floor is set",
     "SELECT c.coupon_id, c.valid_until, s.value FROM coupons c JOIN settings s ON s.key = "
     "'coupon_expiry_floor' WHERE c.valid_until <= CAST(s.value AS INTEGER) AND "
     "c.state = 'issued' UNION ALL SELECT 'no floor', NULL, NULL WHERE NOT EXISTS (SELECT 1 FROM "
     "settings WHERE key = 'coupon_expiry_floor')",
     3},
    {"mall_stock_matches",
     "each mall item's stock left equals its initial stock minus its active exchanges",
     "SELECT s.item, s.initial, s.remaining, COALESCE(x.n, 0) FROM mall_stock s LEFT JOIN "
     "(SELECT item, COUNT(*) AS n FROM mall_exchanges WHERE state = 'active' GROUP BY item) x "
     "ON x.item = s.item WHERE s.remaining != s.initial - COALESCE(x.n, 0) OR s.remaining < 0",
     4},
};

}  // namespace

Result<std::vector<CheckFinding>> coupon_checks(store::Database& db, const Program* program) {
  std::vector<CheckFinding> out;
  for (const Probe& p : kProbes) {
    CheckFinding f;
    f.name = p.name;
    f.description = p.description;
    ASSIGN_OR_RETURN(auto st, db.prepare(p.sql));
    while (true) {
      ASSIGN_OR_RETURN(bool row, st.step());
      if (!row) break;
      if (f.violations++ < kCheckExamples) {
        std::string ex;
        for (int c = 0; c < p.columns; ++c) {
          ex += c ? " " : "";
          ex += st.column_is_null(c) ? std::string("NULL") : st.column_string(c);
        }
        f.examples.push_back(std::move(ex));
      }
    }
    out.push_back(std::move(f));
  }
  CheckFinding stock;
  stock.name = "coupon_stock";
  stock.description = "no template has more coupons out (not revoked) than its stock";
  if (program) {
    ASSIGN_OR_RETURN(auto st, db.prepare("SELECT template, COUNT(*) FROM coupons WHERE state != "
                                         "'revoked' GROUP BY template"));
    while (true) {
      ASSIGN_OR_RETURN(bool row, st.step());
      if (!row) break;
      const CouponTemplate* t = program->coupons.find(st.column_text(0));
      std::int64_t n = st.column_int64(1);
      if (t && t->stock > 0 && n > t->stock && stock.violations++ < kCheckExamples)
        stock.examples.push_back(fmt::format("{} {} {}", t->key, n, t->stock));
    }
  }
  out.push_back(std::move(stock));
  return out;
}

}  // namespace recur::loyalty
