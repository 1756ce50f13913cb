// recur kpi — repurchase KPIs over a range of business days (see docs/kpi.md).

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <optional>

#include "cli/cli_context.h"
#include "core/json_writer.h"
#include "core/money.h"
#include "core/time.h"
#include "insight/history_loader.h"
#include "insight/kpi.h"

namespace recur::cli {
namespace {

struct KpiArgs {
  std::string from, to, by;
  std::int32_t dormant_days = 90;
  bool cohorts = false;
  bool json = false;
};

constexpr std::int32_t kDefaultDays = 30;  // --from defaults to 30 days ending at --to

// ---- text formatting ----

// Terminal columns taken by UTF-8 text: CJK and full-width characters take two.
std::size_t display_width(std::string_view s) {
  std::size_t width = 0;
  for (std::size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    std::uint32_t cp = c;
    std::size_t len = 1;
    if (c >= 0xF0) {
      cp = c & 0x07u;
      len = 4;
    } else if (c >= 0xE0) {
      cp = c & 0x0Fu;
      len = 3;
    } else if (c >= 0xC0) {
      cp = c & 0x1Fu;
      len = 2;
    }
    for (std::size_t j = 1; j < len && i + j < s.size(); ++j)
      cp = (cp << 6) | (static_cast<unsigned char>(s[i + j]) & 0x3Fu);
    i += len;
    bool wide = (cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF) ||
                (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
                (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
                (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x20000 && cp <= 0x3FFFD);
    width += wide ? 2 : 1;
  }
  return width;
}

std::string pad_right(const std::string& s, std::size_t width) {
  std::size_t w = display_width(s);
  return w >= width ? s : s + std::string(width - w, ' ');
}

std::string pad_left(const std::string& s, std::size_t width) {
  std::size_t w = display_width(s);
  return w >= width ? s : std::string(width - w, ' ') + s;
}

// "1,234,567" — digits grouped by three.
std::string group_digits(const std::string& digits) {
  std::size_t start = digits[0] == '-' ? 1 : 0;
  std::size_t end = std::min(digits.find('.'), digits.size());
  std::string out = digits.substr(0, start);
  for (std::size_t i = start; i < end; ++i) {
    if (i > start && (end - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  out.append(digits, end);
  return out;
}

std::string count_text(std::int64_t n) {
  return group_digits(std::to_string(n));
}
std::string yuan_text(std::optional<Fen> fen) {
  return fen ? group_digits(format_money(*fen)) : "-";
}
std::string percent_text(std::optional<double> r) {
  return r ? fmt::format("{:.1f}%", *r * 100.0) : "-";
}
std::string decimal_text(std::optional<double> r) {
  return r ? fmt::format("{:.2f}", *r) : "-";
}

struct Measure {
  const char* label;  // nullptr: a blank line between families
  std::function<std::string(const insight::KpiValues&)> cell;
};

const std::vector<Measure>& measures() {
  using V = insight::KpiValues;
  static const std::vector<Measure> kMeasures = {
      {"购买会员 buyers", [](const V& v) { return count_text(v.buyers); }},
      {"复购会员 repeat buyers (>=2 days)", [](const V& v) { return count_text(v.repeat_buyers); }},
      {"复购率 repurchase rate (a)",
       [](const V& v) { return percent_text(v.repurchase_rate_a()); }},
      {"上期购买会员 previous buyers", [](const V& v) { return count_text(v.previous_buyers); }},
      {"回购会员 returning buyers", [](const V& v) { return count_text(v.returning_buyers); }},
      {"回购率 repurchase rate (b)",
       [](const V& v) { return percent_text(v.repurchase_rate_b()); }},
      {"复购订单 repeat orders", [](const V& v) { return count_text(v.repeat_orders); }},
      {"复购订单占比 repurchase rate (c)",
       [](const V& v) { return percent_text(v.repurchase_rate_c()); }},
      {"新客 new buyers", [](const V& v) { return count_text(v.new_buyers); }},
      {nullptr, {}},
      {"订单 orders", [](const V& v) { return count_text(v.orders()); }},
      {"会员订单 member orders", [](const V& v) { return count_text(v.member_orders); }},
      {"散客订单 guest orders", [](const V& v) { return count_text(v.guest_orders); }},
      {"销售额 sales (yuan)", [](const V& v) { return yuan_text(v.sales_fen()); }},
      {"会员销售额 member sales", [](const V& v) { return yuan_text(v.member_sales_fen); }},
      {"退款 refunds", [](const V& v) { return yuan_text(v.refunds_fen); }},
      {"净销售额 net sales", [](const V& v) { return yuan_text(v.net_sales_fen()); }},
      {nullptr, {}},
      {"会员销售占比 member sales share",
       [](const V& v) { return percent_text(v.member_sales_share()); }},
      {"会员订单占比 member order share",
       [](const V& v) { return percent_text(v.member_order_share()); }},
      {"客单价 AOV (yuan)", [](const V& v) { return yuan_text(v.aov_fen()); }},
      {"会员客单价 member AOV", [](const V& v) { return yuan_text(v.member_aov_fen()); }},
      {"购买频次 purchase frequency",
       [](const V& v) { return decimal_text(v.purchase_frequency()); }},
      {"新客累计净消费 new-buyer LTV", [](const V& v) { return yuan_text(v.ltv_fen()); }},
      {nullptr, {}},
      {"沉睡会员 dormant at start", [](const V& v) { return count_text(v.dormant_members); }},
      {"唤醒会员 reactivated", [](const V& v) { return count_text(v.reactivated_members); }},
      {"唤醒率 reactivation rate", [](const V& v) { return percent_text(v.reactivation_rate()); }},
  };
  return kMeasures;
}

// Whether a month/week row covers only part of its calendar unit.
bool partial(const insight::KpiRow& row, insight::KpiBreakdown by) {
  if (by == insight::KpiBreakdown::kWeek) return row.to - row.from + 1 != 7;
  if (by != insight::KpiBreakdown::kMonth) return false;
  int y;
  unsigned m, d_first, d_next;
  Date{row.from}.to_ymd(y, m, d_first);
  Date{row.to + 1}.to_ymd(y, m, d_next);
  return d_first != 1 || d_next != 1;
}

std::string column_title(const insight::KpiRow& row, insight::KpiBreakdown by) {
  if (by == insight::KpiBreakdown::kChannel || by == insight::KpiBreakdown::kStore)
    return row.key.empty() ? "(none 无)" : row.key;
  return partial(row, by) ? row.key + "*" : row.key;
}

// A table of measures (rows) by columns, in blocks that fit about 120 terminal columns.
void print_table(const std::vector<std::string>& titles,
                 const std::vector<const insight::KpiValues*>& columns) {
  constexpr std::size_t kScreen = 120;
  std::size_t label_width = 0;
  for (const Measure& m : measures())
    if (m.label) label_width = std::max(label_width, display_width(m.label));
  label_width += 2;
  std::vector<std::vector<std::string>> cells(columns.size());
  std::vector<std::size_t> width(columns.size());
  for (std::size_t c = 0; c < columns.size(); ++c) {
    width[c] = display_width(titles[c]);
    for (const Measure& m : measures()) {
      cells[c].push_back(m.label ? m.cell(*columns[c]) : "");
      width[c] = std::max(width[c], display_width(cells[c].back()));
    }
    width[c] += 2;
  }
  for (std::size_t begin = 0; begin < columns.size();) {
    std::size_t end = begin + 1, used = label_width + width[begin];
    while (end < columns.size() && used + width[end] <= kScreen) used += width[end++];
    std::string line = pad_right("", label_width);
    for (std::size_t c = begin; c < end; ++c) line += pad_left(titles[c], width[c]);
    std::printf("%s\n", line.c_str());
    for (std::size_t r = 0; r < measures().size(); ++r) {
      const Measure& m = measures()[r];
      if (!m.label) {
        std::printf("\n");
        continue;
      }
      line = pad_right(m.label, label_width);
      for (std::size_t c = begin; c < end; ++c) line += pad_left(cells[c][r], width[c]);
      std::printf("%s\n", line.c_str());
    }
    begin = end;
    if (begin < columns.size()) std::printf("\n");
  }
}

void print_cohorts(const std::vector<insight::CohortRow>& cohorts) {
  if (cohorts.empty()) return;
  const std::size_t months = cohorts[0].active.size();
  auto triangle =
      [&](const char* title, std::size_t first_k,
          const std::function<std::string(const insight::CohortRow&, std::size_t)>& cell) {
        std::printf("\n%s\n", title);
        std::string line = pad_right("cohort", 9) + pad_left("size", 9);
        for (std::size_t k = first_k; k < months; ++k) line += pad_left(fmt::format("+{}", k), 9);
        std::printf("%s\n", line.c_str());
        for (const insight::CohortRow& c : cohorts) {
          line = pad_right(c.month, 9) + pad_left(count_text(c.size), 9);
          for (std::size_t k = first_k; k < c.active.size(); ++k) line += pad_left(cell(c, k), 9);
          std::printf("%s\n", line.c_str());
        }
      };
  triangle("首购月留存 cohort retention: share of each first-purchase month buying in month +k", 1,
           [](const insight::CohortRow& c, std::size_t k) { return percent_text(c.retention(k)); });
  triangle("累计净消费/人 cohort LTV: net spend per member through month +k (yuan)", 0,
           [](const insight::CohortRow& c, std::size_t k) {
             return yuan_text(c.cumulative_ltv_fen(k));
           });
}

// ---- JSON ----

void put(JsonWriter& w, std::string_view key, std::optional<double> v) {
  w.key(key);
  if (v)
    w.value(*v);
  else
    w.null();
}
void put_fen(JsonWriter& w, std::string_view key, std::optional<Fen> v) {
  w.key(key);
  if (v)
    w.value(static_cast<std::int64_t>(*v));
  else
    w.null();
}

void write_row(JsonWriter& w, const insight::KpiRow& row, bool with_key) {
  const insight::KpiValues& v = row.values;
  w.begin_object();
  if (with_key) {
    w.key("key");
    if (row.key.empty())
      w.null();
    else
      w.value(row.key);
  }
  w.field("from", Date{row.from}.to_string())
      .field("to", Date{row.to}.to_string())
      .field("previous_from", Date{row.previous_from}.to_string())
      .field("previous_to", Date{row.previous_to}.to_string())
      .field("buyers", v.buyers)
      .field("repeat_buyers", v.repeat_buyers);
  put(w, "repurchase_rate_a", v.repurchase_rate_a());
  w.field("previous_buyers", v.previous_buyers).field("returning_buyers", v.returning_buyers);
  put(w, "repurchase_rate_b", v.repurchase_rate_b());
  w.field("member_orders", v.member_orders).field("repeat_orders", v.repeat_orders);
  put(w, "repurchase_rate_c", v.repurchase_rate_c());
  w.field("new_buyers", v.new_buyers)
      .field("orders", v.orders())
      .field("guest_orders", v.guest_orders)
      .field("sales_fen", v.sales_fen())
      .field("member_sales_fen", v.member_sales_fen)
      .field("guest_sales_fen", v.guest_sales_fen);
  put_fen(w, "refunds_fen", v.refunds_fen);
  put_fen(w, "net_sales_fen", v.net_sales_fen());
  put(w, "member_sales_share", v.member_sales_share());
  put(w, "member_order_share", v.member_order_share());
  put_fen(w, "aov_fen", v.aov_fen());
  put_fen(w, "member_aov_fen", v.member_aov_fen());
  w.field("purchase_days", v.purchase_days);
  put(w, "purchase_frequency", v.purchase_frequency());
  put_fen(w, "new_buyer_net_fen", v.new_buyer_net_fen);
  put_fen(w, "ltv_fen", v.ltv_fen());
  w.field("dormant_members", v.dormant_members).field("reactivated_members", v.reactivated_members);
  put(w, "reactivation_rate", v.reactivation_rate());
  w.end_object();
}

void write_cohort(JsonWriter& w, const insight::CohortRow& c) {
  w.begin_object().field("month", c.month).field("size", c.size);
  w.key("active").begin_array();
  for (std::int64_t a : c.active) w.value(a);
  w.end_array();
  w.key("retention").begin_array();
  for (std::size_t k = 0; k < c.active.size(); ++k) {
    auto r = c.retention(k);
    if (r)
      w.value(*r);
    else
      w.null();
  }
  w.end_array();
  w.key("net_fen").begin_array();
  for (Fen f : c.net_fen) w.value(static_cast<std::int64_t>(f));
  w.end_array();
  w.key("ltv_fen").begin_array();
  for (std::size_t k = 0; k < c.net_fen.size(); ++k) {
    auto l = c.cumulative_ltv_fen(k);
    if (l)
      w.value(static_cast<std::int64_t>(*l));
    else
      w.null();
  }
  w.end_array();
  w.end_object();
}

const char* by_name(insight::KpiBreakdown by) {
  switch (by) {
    case insight::KpiBreakdown::kMonth:
      return "month";
    case insight::KpiBreakdown::kWeek:
      return "week";
    case insight::KpiBreakdown::kChannel:
      return "channel";
    case insight::KpiBreakdown::kStore:
      return "store";
    case insight::KpiBreakdown::kNone:
      break;
  }
  return nullptr;
}

// ---- the command ----

int run_kpi(Context& ctx, const KpiArgs& a) {
  insight::KpiOptions o;
  o.dormant_days = a.dormant_days;
  if (a.by == "month") o.by = insight::KpiBreakdown::kMonth;
  if (a.by == "week") o.by = insight::KpiBreakdown::kWeek;
  if (a.by == "channel") o.by = insight::KpiBreakdown::kChannel;
  if (a.by == "store") o.by = insight::KpiBreakdown::kStore;
  std::optional<std::int32_t> from, to;
  if (!a.from.empty()) {
    auto d = parse_date(a.from);
    if (!d.ok()) return report(invalid_argument("--from: " + d.status().message()));
    from = d->days;
  }
  if (!a.to.empty()) {
    auto d = parse_date(a.to);
    if (!d.ok()) return report(invalid_argument("--to: " + d.status().message()));
    to = d->days;
  }
  auto db = ctx.open_db(true);
  if (!db.ok()) return report(db.status());
  auto t0 = std::chrono::steady_clock::now();
  auto history = insight::load_history(**db);
  if (!history.ok()) return report(history.status());
  if (!to) {
    if (history->last_day == insight::kNoDay)
      return report(failed_precondition(
          "the store has no orders (没有订单); pass --from and --to to report an empty range"));
    to = history->last_day;
  }
  if (!from) from = *to - (kDefaultDays - 1);
  o.from = *from;
  o.to = *to;
  auto t1 = std::chrono::steady_clock::now();
  auto kpis = insight::compute_kpis(*history, o);
  if (!kpis.ok()) return report(kpis.status());
  auto t2 = std::chrono::steady_clock::now();
  double load_s = std::chrono::duration<double>(t1 - t0).count();
  double compute_s = std::chrono::duration<double>(t2 - t1).count();

  if (a.json) {
    JsonWriter w;
    w.begin_object()
        .field("from", Date{o.from}.to_string())
        .field("to", Date{o.to}.to_string())
        .field("days", o.to - o.from + 1)
        .field("dormant_days", o.dormant_days);
    w.key("by");
    if (const char* by = by_name(o.by))
      w.value(by);
    else
      w.null();
    w.key("total");
    write_row(w, kpis->total, false);
    w.key("rows").begin_array();
    for (const auto& row : kpis->rows) write_row(w, row, true);
    w.end_array();
    w.key("cohorts").begin_array();
    for (const auto& c : kpis->cohorts) write_cohort(w, c);
    w.end_array();
    w.field("load_s", load_s).field("compute_s", compute_s).end_object();
    std::printf("%s\n", w.str().c_str());
    return kExitOk;
  }

  std::printf("复购指标 repurchase KPIs  %s .. %s (%d days)\n", Date{o.from}.to_string().c_str(),
              Date{o.to}.to_string().c_str(), o.to - o.from + 1);
  std::printf(
      "回购率 (b) compares with the previous %s; dormant = bought before, but not in the %d days "
      "before the start\n",
      o.by == insight::KpiBreakdown::kMonth  ? "calendar month"
      : o.by == insight::KpiBreakdown::kWeek ? "week (Mon-Sun)"
                                             : "period of the same length",
      o.dormant_days);
  if (o.by == insight::KpiBreakdown::kNone || o.by == insight::KpiBreakdown::kMonth ||
      o.by == insight::KpiBreakdown::kWeek)
    std::printf("  total: previous period %s .. %s\n",
                Date{kpis->total.previous_from}.to_string().c_str(),
                Date{kpis->total.previous_to}.to_string().c_str());
  std::printf("\n");
  std::vector<std::string> titles{"合计 total"};
  std::vector<const insight::KpiValues*> columns{&kpis->total.values};
  bool any_partial = false;
  for (const auto& row : kpis->rows) {
    titles.push_back(column_title(row, o.by));
    columns.push_back(&row.values);
    any_partial = any_partial || partial(row, o.by);
  }
  print_table(titles, columns);
  if (any_partial) std::printf("\n* partial: only the days within --from .. --to\n");
  if (o.by == insight::KpiBreakdown::kChannel || o.by == insight::KpiBreakdown::kStore)
    std::printf(
        "\nper %s: each member's purchase days counted in that %s only; refunds cannot be traced "
        "to a %s yet (-)\n",
        by_name(o.by), by_name(o.by), by_name(o.by));
  if (a.cohorts) print_cohorts(kpis->cohorts);
  std::printf("\nload %.2f s, compute %.3f s\n", load_s, compute_s);
  return kExitOk;
}

}  // namespace

void register_kpi(Command& app, Context& ctx) {
  auto a = std::make_shared<KpiArgs>();
  Command* cmd = app.add_subcommand(
      "kpi", "repurchase KPIs: repurchase rates, penetration, AOV, LTV, cohorts (复购指标)");
  cmd->add_option("--from", a->from,
                  "first business day, inclusive, YYYY-MM-DD (default: 30 days ending at --to)");
  cmd->add_option("--to", a->to, "last business day, inclusive (default: the last order day)");
  cmd->add_option("--by", a->by, "break down by month, week, channel or store")
      ->check_one_of({"month", "week", "channel", "store"});
  cmd->add_option("--dormant-days", a->dormant_days,
                  "a member is dormant after this many days without a purchase")
      ->check_range(1, 36600);
  cmd->add_flag("--cohorts", a->cohorts,
                "text: also print the cohort retention and LTV triangles (always in --json)");
  cmd->add_flag("--json", a->json, "print JSON");
  cmd->callback([&ctx, a] { throw Exit{run_kpi(ctx, *a)}; });
}

}  // namespace recur::cli
