// recur compute — every member's measures, predictions and tags as of a date (docs/insight.md).

#include <fmt/format.h>

#include <cstdio>
#include <map>

#include "cli/cli_context.h"
#include "core/json_writer.h"
#include "core/text.h"
#include "insight/insight_run.h"
#include "insight/tags.h"

namespace recur::cli {
namespace {

struct ComputeArgs {
  std::string as_of;
  bool json = false;
  bool no_store = false;
};

template <typename Names>
std::vector<std::pair<std::string, std::int64_t>> histogram(const std::vector<std::uint8_t>& codes,
                                                            const Names& names, bool skip_zero) {
  std::map<std::uint8_t, std::int64_t> counts;
  for (std::uint8_t c : codes) ++counts[c];
  std::vector<std::pair<std::string, std::int64_t>> out;
  for (auto [code, n] : counts) {
    if (skip_zero && code == 0) continue;
    out.emplace_back(std::string(names[code]), n);
  }
  return out;
}

int compute(Context& ctx, const ComputeArgs& a) {
  auto db = ctx.open_db(a.no_store);
  if (!db.ok()) return report(db.status());
  std::optional<std::int32_t> as_of;
  if (!a.as_of.empty()) {
    auto d = parse_date(a.as_of);
    if (!d.ok()) return report(invalid_argument("--as-of: " + d.status().message()));
    as_of = d->days;
  }
  ProgressBar bar("computing");
  bar.update(0.05, 0);
  auto run = insight::run_insight(**db, as_of);
  if (!run.ok()) return report(run.status());
  bar.update(0.3, 0);
  if (!a.no_store) {
    Status st = insight::store_profiles(**db, *run, ctx.clock,
                                        [&](double f) { bar.update(0.3 + 0.7 * f, 0); });
    if (!st.ok()) return report(st);
  }
  bar.finish();
  const auto& mm = run->measures;
  const auto& sc = run->scores;
  const std::size_t n = run->history.members();
  std::int64_t buyers = 0, risk_sum = 0, scored = 0;
  std::int64_t bands[3] = {};
  Fen clv_total = 0;
  std::int64_t rules[4] = {};
  for (std::size_t m = 0; m < n; ++m) {
    if (mm.purchase_days[m] > 0) ++buyers;
    if (sc.churn_risk[m] != 255) {
      ++scored;
      risk_sum += sc.churn_risk[m];
      ++bands[sc.churn_risk[m] >= 70 ? 2 : sc.churn_risk[m] >= 40 ? 1 : 0];
      clv_total += sc.clv[m];
    }
    for (int r = 0; r < 4; ++r)
      if (mm.dormancy[m] & (1 << r)) ++rules[r];
  }
  auto lifecycle = histogram(mm.lifecycle, insight::kLifecycleNames, false);
  auto rfm8 = histogram(mm.rfm.segment8, insight::kSegment8, true);
  auto rfm11 = histogram(mm.rfm.segment11, insight::kSegment11, true);
  auto freq = histogram(mm.frequency, insight::kFrequencyTagNames, true);
  auto actions = histogram(sc.action, insight::kActionNames, false);
  const char* rule_names[] = {"static", "dynamic", "category", "interaction"};
  if (a.json) {
    JsonWriter w;
    w.begin_object()
        .field("as_of", Date{mm.as_of}.to_string())
        .field("members", static_cast<std::int64_t>(n))
        .field("buyers", buyers)
        .field("tags", static_cast<std::int64_t>(insight::tag_registry().size()));
    auto obj = [&](const char* key, const std::vector<std::pair<std::string, std::int64_t>>& h) {
      w.key(key).begin_object();
      for (const auto& [k, v] : h) w.field(k, v);
      w.end_object();
    };
    obj("lifecycle", lifecycle);
    obj("rfm_segments", rfm8);
    obj("rfm_segments11", rfm11);
    obj("repurchase_frequency", freq);
    obj("recommended_action", actions);
    w.key("dormancy_rules").begin_object();
    for (int r = 0; r < 4; ++r) w.field(rule_names[r], rules[r]);
    w.end_object();
    w.key("churn")
        .begin_object()
        .field("mean_risk", scored ? static_cast<double>(risk_sum) / scored : 0.0)
        .field("low", bands[0])
        .field("medium", bands[1])
        .field("high", bands[2])
        .end_object();
    w.field("clv_12m_total_fen", clv_total);
    w.key("bgnbd")
        .begin_object()
        .field("r", sc.bgnbd.params.r)
        .field("alpha", sc.bgnbd.params.alpha)
        .field("a", sc.bgnbd.params.a)
        .field("b", sc.bgnbd.params.b)
        .end_object();
    w.key("timing_s")
        .begin_object()
        .field("load", run->load_s)
        .field("measures", run->measures_s)
        .field("scoring", run->scoring_s)
        .field("store", run->store_s)
        .end_object();
    w.field("profiles_written", run->profiles_written)
        .field("profiles_unchanged", run->profiles_unchanged);
    w.end_object();
    std::printf("%s\n", w.str().c_str());
    return kExitOk;
  }
  std::printf("as of %s: %zu members, %lld buyers, %zu tags each%s\n",
              Date{mm.as_of}.to_string().c_str(), n, static_cast<long long>(buyers),
              insight::tag_registry().size(), a.no_store ? "" : " (stored in member_profiles)");
  auto print = [&](const char* title, const std::vector<std::pair<std::string, std::int64_t>>& h,
                   std::int64_t total) {
    std::printf("\n%s\n", title);
    for (const auto& [k, v] : h)
      std::printf("  %-22s %9lld  %5.1f%%\n", k.c_str(), static_cast<long long>(v),
                  total ? 100.0 * v / total : 0.0);
  };
  print("lifecycle 生命周期", lifecycle, static_cast<std::int64_t>(n));
  print("RFM segments 客户分层", rfm8, buyers);
  print("RFM 11 segments", rfm11, buyers);
  print("repurchase frequency 复购频率", freq, buyers);
  std::printf("\ndormancy rules 沉睡规则 (a member may meet several)\n");
  for (int r = 0; r < 4; ++r)
    std::printf("  %-22s %9lld\n", rule_names[r], static_cast<long long>(rules[r]));
  std::printf("\nchurn risk 流失风险: mean %.1f; low %lld, medium %lld, high %lld\n",
              scored ? static_cast<double>(risk_sum) / scored : 0.0,
              static_cast<long long>(bands[0]), static_cast<long long>(bands[1]),
              static_cast<long long>(bands[2]));
  print("recommended action 建议动作", actions, static_cast<std::int64_t>(n));
  std::printf(
      "\n12-month CLV 预测价值: ¥%s in total; BG/NBD r %.3f alpha %.2f a %.3f b %.3f (days)\n",
      format_money(clv_total).c_str(), sc.bgnbd.params.r, sc.bgnbd.params.alpha, sc.bgnbd.params.a,
      sc.bgnbd.params.b);
  std::printf("time: load %.2f s, measures %.2f s, models %.2f s, store %.2f s", run->load_s,
              run->measures_s, run->scoring_s, run->store_s);
  if (!a.no_store)
    std::printf(" (%lld profiles written, %lld unchanged)",
                static_cast<long long>(run->profiles_written),
                static_cast<long long>(run->profiles_unchanged));
  std::printf("\n");
  return kExitOk;
}

}  // namespace

void register_compute(Command& app, Context& ctx) {
  auto a = std::make_shared<ComputeArgs>();
  Command* cmd =
      app.add_subcommand("compute", "compute every member's tags and predictions (计算会员画像)");
  cmd->add_option("--as-of", a->as_of, "compute as of this date (default: the last order day)");
  cmd->add_flag("--no-store", a->no_store,
                "print the summary only; do not replace member_profiles");
  cmd->add_flag("--json", a->json, "print JSON");
  cmd->callback([&ctx, a] { throw Exit{compute(ctx, *a)}; });
}

}  // namespace recur::cli
