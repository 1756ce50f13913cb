#include "insight/kpi.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>

#include "core/time.h"

namespace recur::insight {

namespace {

constexpr std::int32_t kMaxSpanDays = 36600;  // about 100 years

std::optional<double> ratio(std::int64_t numerator, std::int64_t denominator) {
  if (denominator == 0) return std::nullopt;
  return static_cast<double>(numerator) / static_cast<double>(denominator);
}

std::optional<Fen> average(Fen sum, std::int64_t count) {
  if (count == 0) return std::nullopt;
  return divide_rounded(sum, count);
}

// Calendar helpers on business days.
std::int32_t month_start(std::int32_t day) {
  int y;
  unsigned m, d;
  Date{day}.to_ymd(y, m, d);
  return day - static_cast<std::int32_t>(d - 1);
}

std::int32_t next_month_start(std::int32_t start) {
  int y;
  unsigned m, d;
  Date{start}.to_ymd(y, m, d);
  return m == 12 ? Date::from_ymd(y + 1, 1, 1).days : Date::from_ymd(y, m + 1, 1).days;
}

// Monday of the ISO week of `day` (1970-01-01 was a Thursday).
std::int32_t week_start(std::int32_t day) {
  return day - (((day + 3) % 7) + 7) % 7;
}

std::string month_key(std::int32_t start) {
  int y;
  unsigned m, d;
  Date{start}.to_ymd(y, m, d);
  return fmt::format("{:04}-{:02}", y, m);
}

// ISO 8601 week: the week belongs to the year of its Thursday.
std::string week_key(std::int32_t monday) {
  std::int32_t thursday = monday + 3;
  int y;
  unsigned m, d;
  Date{thursday}.to_ymd(y, m, d);
  std::int32_t week = (thursday - Date::from_ymd(y, 1, 1).days) / 7 + 1;
  return fmt::format("{:04}-W{:02}", y, week);
}

// Consecutive units of time. Unit j covers [start[j], start[j+1] - 1]; start.back() is to + 1.
// Period i (0 <= i < periods()) is unit i + 1 clipped to [from, to]; unit i is the comparison
// period of repurchase rate (b) for period i.
class Grid {
 public:
  Grid(std::int32_t from, std::int32_t to, std::vector<std::int32_t> start,
       std::vector<std::string> keys)
      : from_(from), to_(to), start_(std::move(start)), keys_(std::move(keys)) {
    unit_of_day_.resize(static_cast<std::size_t>(to_ - start_[0] + 1));
    for (std::size_t j = 0; j + 1 < start_.size(); ++j)
      for (std::int32_t x = start_[j]; x < start_[j + 1]; ++x)
        unit_of_day_[static_cast<std::size_t>(x - start_[0])] = static_cast<std::int32_t>(j);
    const std::int32_t last = period_start(periods() - 1);
    period_at_or_after_.resize(static_cast<std::size_t>(last - from_ + 1));
    std::size_t i = 0;
    for (std::int32_t x = from_; x <= last; ++x) {
      while (period_start(i) < x) ++i;
      period_at_or_after_[static_cast<std::size_t>(x - from_)] = static_cast<std::uint32_t>(i);
    }
  }

  // The whole range as one period, compared with the equally long period before it.
  static Grid whole(std::int32_t from, std::int32_t to) {
    return Grid(from, to, {from - (to - from + 1), from, to + 1}, {""});
  }
  static Grid months(std::int32_t from, std::int32_t to) {
    std::int32_t first = month_start(from);
    std::vector<std::int32_t> start{month_start(first - 1)};
    std::vector<std::string> keys;
    for (std::int32_t s = first; s <= to; s = next_month_start(s)) {
      start.push_back(s);
      keys.push_back(month_key(s));
    }
    start.push_back(to + 1);
    return Grid(from, to, std::move(start), std::move(keys));
  }
  static Grid weeks(std::int32_t from, std::int32_t to) {
    std::int32_t first = week_start(from);
    std::vector<std::int32_t> start{first - 7};
    std::vector<std::string> keys;
    for (std::int32_t s = first; s <= to; s += 7) {
      start.push_back(s);
      keys.push_back(week_key(s));
    }
    start.push_back(to + 1);
    return Grid(from, to, std::move(start), std::move(keys));
  }

  std::int32_t from() const { return from_; }
  std::int32_t to() const { return to_; }
  std::size_t periods() const { return start_.size() - 2; }
  std::int32_t period_start(std::size_t i) const { return std::max(from_, start_[i + 1]); }
  std::int32_t period_end(std::size_t i) const { return start_[i + 2] - 1; }
  std::int32_t unit_start(std::size_t j) const { return start_[j]; }
  std::int32_t unit_end(std::size_t j) const { return start_[j + 1] - 1; }
  const std::string& key(std::size_t i) const { return keys_[i]; }
  // Unit of a day on or before `to`; -1 before unit 0.
  std::int32_t unit(std::int32_t day) const {
    return day < start_[0] ? -1 : unit_of_day_[static_cast<std::size_t>(day - start_[0])];
  }
  // The first period starting on or after `day`; periods() when none.
  std::size_t first_period_at_or_after(std::int64_t day) const {
    if (day <= from_) return 0;
    if (day > period_start(periods() - 1)) return periods();
    return period_at_or_after_[static_cast<std::size_t>(day - from_)];
  }

 private:
  std::int32_t from_, to_;
  std::vector<std::int32_t> start_;
  std::vector<std::string> keys_;
  std::vector<std::int32_t> unit_of_day_;          // day - start[0] -> unit
  std::vector<std::uint32_t> period_at_or_after_;  // day - from -> period
};

// Sums of one (period, group) cell.
struct Cell {
  std::int64_t buyers = 0, repeat_buyers = 0, returning_buyers = 0, new_buyers = 0;
  std::int64_t purchase_days = 0, reactivated = 0;
  std::int64_t member_orders = 0, repeat_orders = 0, guest_orders = 0;
  Fen member_sales = 0, guest_sales = 0, refunds = 0, new_buyer_net = 0;
};

// One member's purchase days in one group, as the scan goes forward in time.
struct Track {
  std::int32_t first = kNoDay;  // first purchase day
  std::int32_t last = kNoDay;   // latest purchase day so far
  std::int32_t last_unit = -1;  // unit of `last`
  std::int32_t prev_unit = -1;  // the unit of the latest purchase day before `last_unit`
  std::int32_t period = -1;     // period of `last` when it is in the range
  std::int32_t days_in_period = 0;
  std::int32_t new_period = -1;  // period of `first` when it is in the range
  Fen paid = 0;                  // paid through `to`
  Fen refunded = 0;              // refunds made through `to`
};

// The single pass behind the period and group rows: every member's orders through `to` (in day
// order), then their refunds, then the guest orders. Returns periods × groups values, row-major.
// A refund counts on the day the money went back, in the group (channel, store) of the order it
// reverses.
template <typename OrderGroup, typename GuestGroup>
std::vector<KpiValues> scan(const History& h, const Grid& grid, std::int32_t dormant_days,
                            std::size_t groups, OrderGroup order_group, GuestGroup guest_group) {
  const std::size_t periods = grid.periods();
  const std::size_t G = groups;
  const std::int32_t from = grid.from(), to = grid.to();
  std::vector<Cell> cells(periods * G);
  std::vector<std::int64_t> unit_buyers((periods + 1) * G, 0);
  std::vector<std::int64_t> dormant_diff((periods + 1) * G, 0);
  std::vector<Track> track(G);
  std::vector<std::size_t> seen(G, SIZE_MAX);  // the member that last touched each group
  std::vector<std::size_t> touched;
  touched.reserve(G);

  // Dormant at the start of every period that starts within [first_start, last_start].
  auto add_dormant = [&](std::size_t g, std::int64_t first_start, std::int64_t last_start) {
    std::size_t lo = grid.first_period_at_or_after(first_start);
    std::size_t hi = grid.first_period_at_or_after(last_start + 1);
    if (lo < hi) {
      ++dormant_diff[lo * G + g];
      --dormant_diff[hi * G + g];
    }
  };
  constexpr std::int64_t kForever = std::numeric_limits<std::int32_t>::max();

  for (std::size_t m = 0; m < h.members(); ++m) {
    touched.clear();
    for (std::uint32_t k = h.order_begin[m]; k < h.order_begin[m + 1]; ++k) {
      const std::int32_t d = h.order_day[k];
      if (d > to) break;
      const std::size_t g = order_group(k);
      if (seen[g] != m) {
        seen[g] = m;
        track[g] = Track{};
        touched.push_back(g);
      }
      Track& t = track[g];
      if (d != t.last) {  // a new purchase day of this member in this group
        const bool bought_before = t.last != kNoDay;
        if (!bought_before) {
          t.first = d;
          if (d >= from) {
            t.new_period = grid.unit(d) - 1;
            ++cells[static_cast<std::size_t>(t.new_period) * G + g].new_buyers;
          }
        } else {
          // Between two purchase days the member is dormant at the start of any period that
          // starts dormant_days + 1 or more days after the earlier one, up to the later one.
          add_dormant(g, static_cast<std::int64_t>(t.last) + dormant_days + 1, d);
        }
        const std::int32_t u = grid.unit(d);
        if (u != t.last_unit) {
          t.prev_unit = t.last_unit;
          t.last_unit = u;
          if (u >= 0) ++unit_buyers[static_cast<std::size_t>(u) * G + g];
        }
        if (d >= from) {
          const std::int32_t i = u - 1;
          Cell& c = cells[static_cast<std::size_t>(i) * G + g];
          ++c.purchase_days;
          if (t.period != i) {
            t.period = i;
            t.days_in_period = 1;
            ++c.buyers;
            if (t.prev_unit == i) ++c.returning_buyers;  // unit i is period i's comparison
            if (bought_before &&
                t.last <= grid.period_start(static_cast<std::size_t>(i)) - dormant_days - 1)
              ++c.reactivated;
          } else if (++t.days_in_period == 2) {
            ++c.repeat_buyers;
          }
        }
        t.last = d;
      }
      if (d >= from) {
        Cell& c = cells[static_cast<std::size_t>(t.period) * G + g];
        ++c.member_orders;
        c.member_sales += h.order_paid[k];
        if (d > t.first) ++c.repeat_orders;
      }
      t.paid += h.order_paid[k];
    }
    for (std::uint32_t r = h.refund_begin[m]; r < h.refund_begin[m + 1]; ++r) {
      const std::int32_t d = h.refund_day[r];
      if (d > to) break;
      const std::size_t g = order_group(h.refund_order[r]);
      track[g].refunded +=
          h.refund_amount[r];  // the refunded order is on or before d ≤ to: touched
      if (d >= from)
        cells[static_cast<std::size_t>(grid.unit(d) - 1) * G + g].refunds += h.refund_amount[r];
    }
    for (std::size_t g : touched) {
      const Track& t = track[g];
      add_dormant(g, static_cast<std::int64_t>(t.last) + dormant_days + 1, kForever);
      if (t.new_period >= 0)
        cells[static_cast<std::size_t>(t.new_period) * G + g].new_buyer_net += t.paid - t.refunded;
    }
  }

  for (std::size_t j = 0; j < h.guest_refund_day.size(); ++j) {
    const std::int32_t d = h.guest_refund_day[j];
    if (d < from || d > to) continue;
    cells[static_cast<std::size_t>(grid.unit(d) - 1) * G + guest_group(h.guest_refund_order[j])]
        .refunds += h.guest_refund_amount[j];
  }

  for (std::size_t j = 0; j < h.guest_day.size(); ++j) {
    const std::int32_t d = h.guest_day[j];
    if (d < from || d > to) continue;
    Cell& c = cells[static_cast<std::size_t>(grid.unit(d) - 1) * G + guest_group(j)];
    ++c.guest_orders;
    c.guest_sales += h.guest_paid[j];
  }

  std::vector<KpiValues> out(periods * G);
  std::vector<std::int64_t> dormant(G, 0);
  for (std::size_t i = 0; i < periods; ++i) {
    for (std::size_t g = 0; g < G; ++g) {
      const Cell& c = cells[i * G + g];
      dormant[g] += dormant_diff[i * G + g];
      KpiValues& v = out[i * G + g];
      v.buyers = c.buyers;
      v.repeat_buyers = c.repeat_buyers;
      v.previous_buyers = unit_buyers[i * G + g];
      v.returning_buyers = c.returning_buyers;
      v.new_buyers = c.new_buyers;
      v.purchase_days = c.purchase_days;
      v.dormant_members = dormant[g];
      v.reactivated_members = c.reactivated;
      v.member_orders = c.member_orders;
      v.repeat_orders = c.repeat_orders;
      v.guest_orders = c.guest_orders;
      v.member_sales_fen = c.member_sales;
      v.guest_sales_fen = c.guest_sales;
      v.refunds_fen = c.refunds;
      v.new_buyer_net_fen = c.new_buyer_net;
    }
  }
  return out;
}

std::vector<KpiRow> period_rows(const History& h, const Grid& grid, std::int32_t dormant_days) {
  std::vector<KpiValues> values = scan(
      h, grid, dormant_days, 1, [](std::uint32_t) { return std::size_t{0}; },
      [](std::size_t) { return std::size_t{0}; });
  std::vector<KpiRow> rows(grid.periods());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    rows[i].key = grid.key(i);
    rows[i].from = grid.period_start(i);
    rows[i].to = grid.period_end(i);
    rows[i].previous_from = grid.unit_start(i);
    rows[i].previous_to = grid.unit_end(i);
    rows[i].values = values[i];
  }
  return rows;
}

std::vector<KpiRow> group_rows(const History& h, const KpiOptions& o,
                               const std::vector<std::uint32_t>& order_codes,
                               const std::vector<std::uint32_t>& guest_codes,
                               const Dictionary& names) {
  Grid grid = Grid::whole(o.from, o.to);
  std::vector<KpiValues> values = scan(
      h, grid, o.dormant_days, names.size(), [&](std::uint32_t k) { return order_codes[k]; },
      [&](std::size_t j) { return guest_codes[j]; });
  std::vector<KpiRow> rows;
  for (std::size_t g = 0; g < names.size(); ++g) {
    const KpiValues& v = values[g];
    if (v.orders() == 0 && v.previous_buyers == 0) continue;
    KpiRow row;
    row.key = names[static_cast<std::uint32_t>(g)];
    row.from = o.from;
    row.to = o.to;
    row.previous_from = grid.unit_start(0);
    row.previous_to = grid.unit_end(0);
    row.values = v;
    rows.push_back(std::move(row));
  }
  std::sort(rows.begin(), rows.end(), [](const KpiRow& a, const KpiRow& b) {
    if (a.values.sales_fen() != b.values.sales_fen())
      return a.values.sales_fen() > b.values.sales_fen();
    return a.key < b.key;
  });
  return rows;
}

}  // namespace

std::int64_t divide_rounded(std::int64_t a, std::int64_t b) {
  std::int64_t q = a / b, r = a % b;
  std::int64_t abs_r = r < 0 ? -r : r;
  if (abs_r >= b - abs_r) q += a < 0 ? -1 : 1;
  return q;
}

std::optional<Fen> KpiValues::net_sales_fen() const {
  if (!refunds_fen) return std::nullopt;
  return sales_fen() - *refunds_fen;
}
std::optional<double> KpiValues::repurchase_rate_a() const {
  return ratio(repeat_buyers, buyers);
}
std::optional<double> KpiValues::repurchase_rate_b() const {
  return ratio(returning_buyers, previous_buyers);
}
std::optional<double> KpiValues::repurchase_rate_c() const {
  return ratio(repeat_orders, member_orders);
}
std::optional<double> KpiValues::member_sales_share() const {
  return ratio(member_sales_fen, sales_fen());
}
std::optional<double> KpiValues::member_order_share() const {
  return ratio(member_orders, orders());
}
std::optional<Fen> KpiValues::aov_fen() const {
  return average(sales_fen(), orders());
}
std::optional<Fen> KpiValues::member_aov_fen() const {
  return average(member_sales_fen, member_orders);
}
std::optional<double> KpiValues::purchase_frequency() const {
  return ratio(purchase_days, buyers);
}
std::optional<Fen> KpiValues::ltv_fen() const {
  if (!new_buyer_net_fen) return std::nullopt;
  return average(*new_buyer_net_fen, new_buyers);
}
std::optional<double> KpiValues::reactivation_rate() const {
  return ratio(reactivated_members, dormant_members);
}

std::optional<double> CohortRow::retention(std::size_t k) const {
  if (k >= active.size()) return std::nullopt;
  return ratio(active[k], size);
}

std::optional<Fen> CohortRow::cumulative_ltv_fen(std::size_t k) const {
  if (k >= net_fen.size() || size == 0) return std::nullopt;
  Fen sum = 0;
  for (std::size_t j = 0; j <= k; ++j) sum += net_fen[j];
  return divide_rounded(sum, size);
}

KpiRow compute_total(const History& history, const KpiOptions& options) {
  Grid grid = Grid::whole(options.from, options.to);
  KpiRow row = period_rows(history, grid, options.dormant_days)[0];
  row.key.clear();
  return row;
}

std::vector<KpiRow> compute_breakdown(const History& history, const KpiOptions& options) {
  switch (options.by) {
    case KpiBreakdown::kNone:
      return {};
    case KpiBreakdown::kMonth:
      return period_rows(history, Grid::months(options.from, options.to), options.dormant_days);
    case KpiBreakdown::kWeek:
      return period_rows(history, Grid::weeks(options.from, options.to), options.dormant_days);
    case KpiBreakdown::kChannel:
      return group_rows(history, options, history.order_channel, history.guest_channel,
                        history.channels);
    case KpiBreakdown::kStore:
      return group_rows(history, options, history.order_store, history.guest_store, history.stores);
  }
  return {};
}

std::vector<CohortRow> compute_cohorts(const History& h, const KpiOptions& o) {
  const std::int32_t first = month_start(o.from);
  std::vector<CohortRow> rows;
  for (std::int32_t s = first; s <= o.to; s = next_month_start(s)) {
    CohortRow row;
    row.month = month_key(s);
    row.month_start = s;
    rows.push_back(std::move(row));
  }
  const std::size_t months = rows.size();
  for (std::size_t c = 0; c < months; ++c) {
    rows[c].active.assign(months - c, 0);
    rows[c].net_fen.assign(months - c, 0);
  }
  // Month index of each day in [first, to].
  std::vector<std::uint32_t> month_of(static_cast<std::size_t>(o.to - first + 1));
  for (std::size_t c = 0; c < months; ++c) {
    std::int32_t end = c + 1 < months ? rows[c + 1].month_start : o.to + 1;
    for (std::int32_t x = rows[c].month_start; x < end; ++x)
      month_of[static_cast<std::size_t>(x - first)] = static_cast<std::uint32_t>(c);
  }
  auto month_index = [&](std::int32_t day) {
    return static_cast<std::size_t>(month_of[static_cast<std::size_t>(day - first)]);
  };

  for (std::size_t m = 0; m < h.members(); ++m) {
    auto days = h.days_of(m);
    if (days.empty() || days[0] < first || days[0] > o.to) continue;
    auto paid = h.day_paid_of(m);
    const std::size_t c = month_index(days[0]);
    CohortRow& row = rows[c];
    ++row.size;
    std::size_t last_k = SIZE_MAX;
    for (std::size_t j = 0; j < days.size() && days[j] <= o.to; ++j) {
      std::size_t k = month_index(days[j]) - c;
      if (k != last_k) {
        ++row.active[k];
        last_k = k;
      }
      row.net_fen[k] += paid[j];
    }
    for (std::uint32_t r = h.refund_begin[m]; r < h.refund_begin[m + 1]; ++r) {
      const std::int32_t d = h.refund_day[r];
      if (d > o.to) break;
      if (d < days[0]) continue;  // a refund dated before any purchase: bad data, not a month
      row.net_fen[month_index(d) - c] -= h.refund_amount[r];
    }
  }
  return rows;
}

Result<KpiReport> compute_kpis(const History& history, const KpiOptions& options) {
  if (options.from > options.to)
    return invalid_argument(fmt::format("--from {} is after --to {}",
                                        Date{options.from}.to_string(),
                                        Date{options.to}.to_string()));
  if (options.to - options.from >= kMaxSpanDays)
    return invalid_argument("the range is longer than 100 years");
  if (options.dormant_days < 1 || options.dormant_days > kMaxSpanDays)
    return invalid_argument("--dormant-days must be between 1 and 36600");
  KpiReport report;
  report.options = options;
  report.total = compute_total(history, options);
  report.rows = compute_breakdown(history, options);
  report.cohorts = compute_cohorts(history, options);
  return report;
}

}  // namespace recur::insight
