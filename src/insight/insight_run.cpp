#include "insight/insight_run.h"

#include <fmt/format.h>

#include <chrono>

#include "core/json_writer.h"
#include "insight/history_loader.h"
#include "insight/tags.h"

namespace recur::insight {
namespace {
double since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}
}  // namespace

Result<InsightRun> run_insight(store::Database& db, std::optional<std::int32_t> as_of,
                               std::optional<InsightConfig> config) {
  InsightRun run;
  if (config) {
    run.config = *config;
  } else {
    ASSIGN_OR_RETURN(run.config, insight_config_in_force(db));
  }
  auto t = std::chrono::steady_clock::now();
  ASSIGN_OR_RETURN(run.history, load_history(db));
  std::int32_t day = as_of.value_or(run.history.last_day);
  if (day == kNoDay)
    return failed_precondition("the store has no orders yet (没有订单); import some first");
  ASSIGN_OR_RETURN(run.loyalty, load_loyalty_snapshot(db, run.history, day));
  run.load_s = since(t);
  t = std::chrono::steady_clock::now();
  run.measures = compute_measures(run.history, day, run.config);
  run.measures_s = since(t);
  t = std::chrono::steady_clock::now();
  ASSIGN_OR_RETURN(run.scores, score_members(run.history, run.measures));
  run.scoring_s = since(t);
  return run;
}

Status store_profiles(store::Database& db, InsightRun& run, const Clock& clock,
                      const std::function<void(double)>& progress) {
  auto t = std::chrono::steady_clock::now();
  const TagContext ctx = run.tags();
  ASSIGN_OR_RETURN(auto tx, store::Transaction::begin(db));
  RETURN_IF_ERROR(db.exec("DELETE FROM member_profiles"));
  ASSIGN_OR_RETURN(auto st, db.prepare("INSERT INTO member_profiles (member_id, as_of_day, "
                                       "lifecycle, rfm_segment, churn_risk, clv_12m_fen, profile) "
                                       "VALUES (?, ?, ?, ?, ?, ?, ?)"));
  const std::size_t n = run.history.members();
  for (std::size_t m = 0; m < n; ++m) {
    st.reset();
    st.bind(1, run.history.member_id[m]).bind(2, static_cast<std::int64_t>(run.measures.as_of));
    st.bind(3, kLifecycleNames[run.measures.lifecycle[m]]);
    st.bind_optional(4, kSegment8[run.measures.rfm.segment8[m]]);
    if (run.scores.churn_risk[m] == 255)
      st.bind(5, std::nullopt);
    else
      st.bind(5, static_cast<std::int64_t>(run.scores.churn_risk[m]));
    if (run.scores.p_alive[m] < 0)
      st.bind(6, std::nullopt);
    else
      st.bind(6, run.scores.clv[m]);
    st.bind(7, profile_json(ctx, m));
    RETURN_IF_ERROR(st.run());
    if (progress && (m & 0x3FFF) == 0) progress(static_cast<double>(m) / static_cast<double>(n));
  }
  JsonWriter models;
  const auto& bg = run.scores.bgnbd;
  models.begin_object();
  models.key("bgnbd")
      .begin_object()
      .field("r", bg.params.r)
      .field("alpha", bg.params.alpha)
      .field("a", bg.params.a)
      .field("b", bg.params.b)
      .field("loglik", bg.loglik)
      .end_object();
  if (run.scores.spend_model) {
    const auto& gg = run.scores.gamma_gamma;
    models.key("gamma_gamma")
        .begin_object()
        .field("p", gg.params.p)
        .field("q", gg.params.q)
        .field("gamma", gg.params.gamma)
        .end_object();
  }
  models.end_object();
  ASSIGN_OR_RETURN(auto runs, db.prepare("INSERT INTO insight_runs (as_of_day, computed_at, "
                                         "members, models) VALUES (?, ?, ?, ?)"));
  runs.bind(1, static_cast<std::int64_t>(run.measures.as_of))
      .bind(2, clock.now().seconds)
      .bind(3, static_cast<std::int64_t>(n))
      .bind(4, models.str());
  RETURN_IF_ERROR(runs.run());
  RETURN_IF_ERROR(tx->commit());
  run.store_s = since(t);
  return Status();
}

}  // namespace recur::insight
