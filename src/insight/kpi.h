#pragma once
// Repurchase KPIs over a period of business days: the three repurchase rates, buyers, new
// buyers, orders, sales, refunds, member penetration, AOV, purchase frequency, new buyers'
// historical LTV, reactivation of dormant members, and cohort retention by first-purchase month.
// docs/kpi.md defines every measure for operators; the definitions here are the same.
//
// Conventions:
//   - Days are business days since 1970-01-01 in the merchant's zone; periods are inclusive.
//   - A purchase day is a day with at least one paid order (several orders count once). Orders
//     count as paid on their purchase day whether or not they are refunded later; refunds are
//     measures of their own, counted on the day of the refund.
//   - Nothing dated after `to` is read (orders, refunds): every measure is "as known at the end
//     of `to`".
//   - Money is int64 fen; averages of money are rounded to the nearest fen (halves away from
//     zero). Ratios are doubles and are std::nullopt when their denominator is zero.
//   - In a channel or store row every member-based measure treats that channel/store as if it
//     were the whole business: a member's purchase days, first purchase, previous-period
//     purchases and dormancy are counted from their orders there only.
//
// Cost: one pass over the member-major arrays per family (period measures, breakdown rows,
// cohorts), O(orders + refunds + guest orders + days in the range); no per-member allocation.
// The functions only read the History and are safe to call from several threads at once.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/money.h"
#include "core/status.h"
#include "insight/history.h"

namespace recur::insight {

enum class KpiBreakdown {
  kNone,     // the whole range only
  kMonth,    // calendar months, clipped to the range
  kWeek,     // ISO weeks (Monday to Sunday), clipped to the range
  kChannel,  // per order channel, over the whole range
  kStore,    // per order store, over the whole range
};

struct KpiOptions {
  std::int32_t from = 0;  // first day of the range, inclusive
  std::int32_t to = 0;    // last day of the range, inclusive; from <= to
  // A member is dormant at the start of a period when they bought before it but not in the
  // `dormant_days` days just before it (PRODUCT.md "static dormancy", default 90).
  std::int32_t dormant_days = 90;
  KpiBreakdown by = KpiBreakdown::kNone;
};

// Counts and sums of one row; the ratios are derived by the member functions.
struct KpiValues {
  // Members.
  std::int64_t buyers = 0;               // >= 1 purchase day in the period
  std::int64_t repeat_buyers = 0;        // >= 2 purchase days in the period
  std::int64_t previous_buyers = 0;      // >= 1 purchase day in the comparison period
  std::int64_t returning_buyers = 0;     // previous buyers with >= 1 purchase day in the period
  std::int64_t new_buyers = 0;           // first purchase day ever falls in the period
  std::int64_t purchase_days = 0;        // sum over buyers of their purchase days in the period
  std::int64_t dormant_members = 0;      // dormant at the start of the period
  std::int64_t reactivated_members = 0;  // dormant at the start and bought in the period
  // Orders and money.
  std::int64_t member_orders = 0;
  std::int64_t repeat_orders = 0;  // member orders on a day after the member's first purchase day
  std::int64_t guest_orders = 0;
  Fen member_sales_fen = 0;  // paid
  Fen guest_sales_fen = 0;
  // Refunds made in the period (by refund day), whatever the day of the refunded order. Only
  // refunds of member orders: the History does not hold guest refunds. nullopt in channel and
  // store rows, where a refund cannot be traced to its order's channel/store.
  std::optional<Fen> refunds_fen;
  // New buyers' net spend (paid − refunds) from their first purchase through KpiOptions::to,
  // summed over the new buyers. nullopt in channel and store rows (refunds, as above).
  std::optional<Fen> new_buyer_net_fen;

  std::int64_t orders() const { return member_orders + guest_orders; }
  Fen sales_fen() const { return member_sales_fen + guest_sales_fen; }
  std::optional<Fen> net_sales_fen() const;

  std::optional<double> repurchase_rate_a() const;   // repeat_buyers / buyers
  std::optional<double> repurchase_rate_b() const;   // returning_buyers / previous_buyers
  std::optional<double> repurchase_rate_c() const;   // repeat_orders / member_orders
  std::optional<double> member_sales_share() const;  // member sales / sales
  std::optional<double> member_order_share() const;  // member orders / orders
  std::optional<Fen> aov_fen() const;                // sales / orders
  std::optional<Fen> member_aov_fen() const;         // member sales / member orders
  std::optional<double> purchase_frequency() const;  // purchase_days / buyers
  std::optional<Fen> ltv_fen() const;                // new_buyer_net_fen / new_buyers
  std::optional<double> reactivation_rate() const;   // reactivated / dormant
};

struct KpiRow {
  // "2024-03" (month), "2024-W11" (ISO week), the channel or store name ("" when the orders
  // have none), "" for the whole range.
  std::string key;
  std::int32_t from = 0, to = 0;  // the row's days, within the range
  // The comparison period of repurchase rate (b): the equally long period just before the range
  // for the whole range, the whole previous calendar month/week for a month/week row.
  std::int32_t previous_from = 0, previous_to = 0;
  KpiValues values;
};

// Members whose first purchase day ever falls in one calendar month, followed month by month
// through KpiOptions::to. Index k of the vectors is month +k (k = 0 is the cohort month itself);
// the last month is counted only through `to`.
struct CohortRow {
  std::string month;  // "2024-01"
  std::int32_t month_start = 0;
  std::int64_t size = 0;
  std::vector<std::int64_t> active;  // members with >= 1 purchase day in month +k
  std::vector<Fen> net_fen;          // the cohort's paid − refunds made in month +k

  std::optional<double> retention(std::size_t k) const;  // active[k] / size
  // Cumulative net spend per cohort member through the end of month +k (or `to`), rounded.
  std::optional<Fen> cumulative_ltv_fen(std::size_t k) const;
};

struct KpiReport {
  KpiOptions options;
  KpiRow total;                    // the whole range, all channels and stores
  std::vector<KpiRow> rows;        // the breakdown (empty for kNone); channels/stores by sales desc
  std::vector<CohortRow> cohorts;  // every calendar month that meets [from, to]
};

// Validates the options (from <= to, a span of at most 100 years, dormant_days >= 1) and
// computes every measure.
Result<KpiReport> compute_kpis(const History& history, const KpiOptions& options);

// The pieces, for callers that need one family only. Options must be valid.
KpiRow compute_total(const History& history, const KpiOptions& options);
std::vector<KpiRow> compute_breakdown(const History& history, const KpiOptions& options);
std::vector<CohortRow> compute_cohorts(const History& history, const KpiOptions& options);

// a / b rounded to the nearest integer, halves away from zero; b > 0.
std::int64_t divide_rounded(std::int64_t a, std::int64_t b);

}  // namespace recur::insight
