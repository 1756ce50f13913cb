// recur model fit — fit BG/NBD and Gamma-Gamma to the store's history (see docs/insight.md).

#include <fmt/format.h>

#include <chrono>
#include <cstdio>

#include "cli/cli_context.h"
#include "core/json_writer.h"
#include "insight/bgnbd.h"
#include "insight/gamma_gamma.h"
#include "insight/history_loader.h"
#include "insight/model_input.h"

namespace recur::cli {
namespace {

struct FitArgs {
  std::string as_of;
  double period_days = 1;
  bool json = false;
};

int fit(Context& ctx, const FitArgs& a) {
  if (a.period_days <= 0) return report(invalid_argument("--period-days must be positive"));
  auto db = ctx.open_db(true);
  if (!db.ok()) return report(db.status());
  auto t0 = std::chrono::steady_clock::now();
  auto history = insight::load_history(**db);
  if (!history.ok()) return report(history.status());
  std::int32_t as_of = history->last_day;
  if (!a.as_of.empty()) {
    auto d = parse_date(a.as_of);
    if (!d.ok()) return report(invalid_argument("--as-of: " + d.status().message()));
    as_of = d->days;
  }
  if (as_of == insight::kNoDay)
    return report(failed_precondition("the store has no orders to fit (没有订单)"));
  auto t1 = std::chrono::steady_clock::now();
  insight::ModelInput input = insight::build_model_input(*history, as_of, a.period_days);
  if (input.summary.empty())
    return report(failed_precondition("no member bought on or before --as-of"));
  insight::RfmSummary compressed = insight::compress(input.summary);
  auto bg = insight::fit_bgnbd(compressed);
  if (!bg.ok()) return report(bg.status());
  auto gg = insight::fit_gamma_gamma(compressed);
  auto t2 = std::chrono::steady_clock::now();
  double load_s = std::chrono::duration<double>(t1 - t0).count();
  double fit_s = std::chrono::duration<double>(t2 - t1).count();
  if (a.json) {
    JsonWriter w;
    w.begin_object().field("as_of", Date{as_of}.to_string()).field("period_days", a.period_days);
    w.key("bgnbd")
        .begin_object()
        .field("r", bg->params.r)
        .field("alpha", bg->params.alpha)
        .field("a", bg->params.a)
        .field("b", bg->params.b)
        .field("loglik", bg->loglik)
        .field("members", static_cast<std::int64_t>(bg->members + 0.5))
        .field("converged", bg->converged)
        .end_object();
    w.key("gamma_gamma");
    if (gg.ok()) {
      w.begin_object()
          .field("p", gg->params.p)
          .field("q", gg->params.q)
          .field("gamma", gg->params.gamma)
          .field("loglik", gg->loglik)
          .field("members", static_cast<std::int64_t>(gg->members + 0.5))
          .field("converged", gg->converged)
          .end_object();
    } else {
      w.null();
    }
    w.field("load_s", load_s).field("fit_s", fit_s).end_object();
    std::printf("%s\n", w.str().c_str());
    return kExitOk;
  }
  std::printf("as of %s, periods of %g days, %lld customers (%zu distinct rows)\n",
              Date{as_of}.to_string().c_str(), a.period_days,
              static_cast<long long>(bg->members + 0.5), compressed.size());
  std::printf("BG/NBD       r = %.4f  alpha = %.4f  a = %.4f  b = %.4f  log-likelihood %.2f%s\n",
              bg->params.r, bg->params.alpha, bg->params.a, bg->params.b, bg->loglik,
              bg->converged ? "" : "  (not converged)");
  if (gg.ok())
    std::printf(
        "Gamma-Gamma  p = %.4f  q = %.4f  gamma = %.4f  log-likelihood %.2f  (%lld repeat "
        "customers)\n",
        gg->params.p, gg->params.q, gg->params.gamma, gg->loglik,
        static_cast<long long>(gg->members + 0.5));
  else
    std::printf("Gamma-Gamma  not fitted: %s\n", gg.status().message().c_str());
  std::printf("load %.2f s, fit %.2f s\n", load_s, fit_s);
  return kExitOk;
}

}  // namespace

void register_model(Command& app, Context& ctx) {
  Command* cmd =
      app.add_subcommand("model", "customer-base models: BG/NBD, Gamma-Gamma (预测模型)");
  cmd->require_subcommand(1);
  auto a = std::make_shared<FitArgs>();
  Command* f = cmd->add_subcommand("fit", "fit BG/NBD and Gamma-Gamma by maximum likelihood");
  f->add_option("--as-of", a->as_of,
                "end of the calibration period, inclusive (default: the last order day)");
  f->add_option("--period-days", a->period_days,
                "model time unit in days (7 = weeks, as in the literature)");
  f->add_flag("--json", a->json, "print JSON");
  f->callback([&ctx, a] { throw Exit{fit(ctx, *a)}; });
}

}  // namespace recur::cli
