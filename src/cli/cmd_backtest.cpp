// recur backtest churn|next-purchase — how right the predictions were (docs/insight.md).

#include <fmt/format.h>

#include <cmath>
#include <cstdio>

#include "cli/cli_context.h"
#include "core/json_writer.h"
#include "insight/backtest.h"
#include "insight/history_loader.h"

namespace recur::cli {
namespace {

struct BacktestArgs {
  std::string cutoff;
  std::int32_t horizon = 90;
  bool json = false;
};

void write_bins(JsonWriter& w, const char* key, const std::vector<insight::CalibrationBin>& bins) {
  w.key(key).begin_array();
  for (const auto& b : bins) {
    w.begin_object().field("members", b.members);
    if (std::isnan(b.predicted))
      w.key("predicted").null();
    else
      w.field("predicted", b.predicted);
    w.field("observed", b.observed)
        .field("score_from", b.score_from)
        .field("score_to", b.score_to)
        .end_object();
  }
  w.end_array();
}

struct Loaded {
  insight::History history;
  std::int32_t cutoff;
  insight::InsightConfig config;  // the program's thresholds
};

Result<Loaded> load(Context& ctx, const BacktestArgs& a) {
  ASSIGN_OR_RETURN(auto db, ctx.open_db(true));
  auto cutoff = parse_date(a.cutoff);
  if (!cutoff.ok()) return invalid_argument("--cutoff: " + cutoff.status().message());
  if (a.horizon <= 0) return invalid_argument("--horizon-days must be positive");
  ASSIGN_OR_RETURN(insight::History h, insight::load_history(*db));
  if (h.last_day != insight::kNoDay && cutoff->days + a.horizon > h.last_day)
    std::fprintf(
        stderr,
        "warning: the horizon ends %s, after the last order day %s; recent churn is overstated\n",
        Date{cutoff->days + a.horizon}.to_string().c_str(), Date{h.last_day}.to_string().c_str());
  ASSIGN_OR_RETURN(insight::InsightConfig config, insight::insight_config_in_force(*db));
  return Loaded{std::move(h), cutoff->days, config};
}

int churn(Context& ctx, const BacktestArgs& a) {
  auto loaded = load(ctx, a);
  if (!loaded.ok()) return report(loaded.status());
  auto bt = insight::backtest_churn(loaded->history, loaded->cutoff, a.horizon, loaded->config);
  if (!bt.ok()) return report(bt.status());
  if (a.json) {
    JsonWriter w;
    w.begin_object()
        .field("cutoff", a.cutoff)
        .field("horizon_days", a.horizon)
        .field("members", bt->members)
        .field("churned", bt->churned)
        .field("auc", bt->auc)
        .field("baseline_auc", bt->baseline_auc)
        .field("brier", bt->brier);
    write_bins(w, "calibration", bt->calibration);
    write_bins(w, "baseline_calibration", bt->baseline_calibration);
    w.end_object();
    std::printf("%s\n", w.str().c_str());
    return kExitOk;
  }
  std::printf(
      "churn backtest 流失回测: scored as of %s, outcome = no purchase in the next %d days\n",
      a.cutoff.c_str(), a.horizon);
  std::printf("  %lld buyers, %lld churned (%.1f%%)\n", static_cast<long long>(bt->members),
              static_cast<long long>(bt->churned), 100.0 * bt->churned / bt->members);
  std::printf("  AUC: recur churn risk %.3f | naive recency %.3f   (Brier %.3f)\n", bt->auc,
              bt->baseline_auc, bt->brier);
  std::printf("\n  calibration 校准 (deciles of predicted risk)\n  %-8s %10s %10s %10s\n", "decile",
              "members", "predicted", "observed");
  int d = 1;
  for (const auto& b : bt->calibration)
    std::printf("  %-8d %10lld %9.1f%% %9.1f%%\n", d++, static_cast<long long>(b.members),
                100 * b.predicted, 100 * b.observed);
  std::printf("\n  naive baseline: churn rate by recency decile\n  %-8s %10s %14s %10s\n", "decile",
              "members", "recency days", "observed");
  d = 1;
  for (const auto& b : bt->baseline_calibration)
    std::printf("  %-8d %10lld %6.0f–%-7.0f %9.1f%%\n", d++, static_cast<long long>(b.members),
                b.score_from, b.score_to, 100 * b.observed);
  return kExitOk;
}

int next_purchase(Context& ctx, const BacktestArgs& a) {
  auto loaded = load(ctx, a);
  if (!loaded.ok()) return report(loaded.status());
  auto bt =
      insight::backtest_next_purchase(loaded->history, loaded->cutoff, a.horizon, loaded->config);
  if (!bt.ok()) return report(bt.status());
  if (a.json) {
    JsonWriter w;
    w.begin_object()
        .field("cutoff", a.cutoff)
        .field("horizon_days", a.horizon)
        .field("members", bt->members)
        .field("model_covered", bt->model_covered)
        .field("model_mae_days", bt->model_mae)
        .field("model_median_ae_days", bt->model_median_ae)
        .field("naive_mae_days", bt->naive_mae)
        .field("naive_median_ae_days", bt->naive_median_ae)
        .field("naive_mae_days_all", bt->naive_mae_all)
        .end_object();
    std::printf("%s\n", w.str().c_str());
    return kExitOk;
  }
  std::printf(
      "next-purchase backtest 下次购买回测: predicted as of %s, repeat buyers who bought within %d "
      "days: %lld\n",
      a.cutoff.c_str(), a.horizon, static_cast<long long>(bt->members));
  std::printf(
      "  recur (BG/NBD blended with own cycle), %lld members: mean error %.1f days, median %.1f\n",
      static_cast<long long>(bt->model_covered), bt->model_mae, bt->model_median_ae);
  std::printf(
      "  naive last + own mean interval, same members:      mean error %.1f days, median %.1f\n",
      bt->naive_mae, bt->naive_median_ae);
  std::printf("  naive over all %lld members: mean error %.1f days\n",
              static_cast<long long>(bt->members), bt->naive_mae_all);
  return kExitOk;
}

}  // namespace

void register_backtest(Command& app, Context& ctx) {
  Command* cmd = app.add_subcommand("backtest", "check predictions against what happened (回测)");
  cmd->require_subcommand(1);
  for (auto [name, help, fn] :
       {std::tuple{"churn", "AUC and calibration of the churn risk index", &churn},
        {"next-purchase", "error of the predicted next purchase date", &next_purchase}}) {
    auto a = std::make_shared<BacktestArgs>();
    Command* sub = cmd->add_subcommand(name, help);
    sub->add_option("--cutoff", a->cutoff, "score as of this date using only data up to it")
        ->required();
    sub->add_option("--horizon-days", a->horizon, "days after the cut-off to observe");
    sub->add_flag("--json", a->json, "print JSON");
    sub->callback([&ctx, a, fn = fn] { throw Exit{fn(ctx, *a)}; });
  }
}

}  // namespace recur::cli
