#include "insight/insight_run.h"

#include <fmt/format.h>

#include <chrono>
#include <future>

#include "core/json_writer.h"
#include "insight/history_loader.h"
#include "insight/parallel.h"
#include "insight/profile_codec.h"
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

namespace {

// A batch of encoded profiles, one buffer per encoding thread; view[m - begin] is member m's
// bytes. Buffers are reused from batch to batch (no fresh pages to fault in).
struct EncodedBatch {
  std::size_t begin = 0, end = 0;
  std::vector<std::string> parts;
  std::vector<std::string_view> view;
  std::vector<std::int64_t> hash;
};

EncodedBatch encode_batch(const TagContext& ctx, std::size_t begin, std::size_t end,
                          EncodedBatch b) {
  b.begin = begin;
  b.end = end;
  const int threads = choose_threads(0, (end - begin) * 8);
  b.parts.resize(static_cast<std::size_t>(threads));
  b.view.assign(end - begin, {});
  b.hash.assign(end - begin, 0);
  std::vector<std::vector<std::size_t>> ends(static_cast<std::size_t>(threads));
  parallel_chunks(end - begin, threads, [&](std::size_t lo, std::size_t hi, int slot) {
    std::string& out = b.parts[static_cast<std::size_t>(slot)];
    out.clear();
    for (std::size_t i = lo; i < hi; ++i) {
      encode_profile(ctx, begin + i, out);
      ends[static_cast<std::size_t>(slot)].push_back(out.size());
    }
    // Views only once the buffer stops growing.
    std::size_t from = 0;
    for (std::size_t i = lo; i < hi; ++i) {
      std::size_t to = ends[static_cast<std::size_t>(slot)][i - lo];
      b.view[i] = std::string_view(out).substr(from, to - from);
      b.hash[i] = profile_hash(ctx.measures.as_of, b.view[i]);
      from = to;
    }
  });
  return b;
}
}  // namespace

Status store_profiles(store::Database& db, InsightRun& run, const Clock& clock,
                      const std::function<void(double)>& progress) {
  auto t = std::chrono::steady_clock::now();
  const TagContext ctx = run.tags();
  const std::size_t n = run.history.members();
  run.profiles_written = run.profiles_unchanged = 0;
  ASSIGN_OR_RETURN(auto tx, store::Transaction::begin(db));

  // What is stored already. Rows carry their as-of day in the hash, so when the stored rows are
  // of another day (or there are none) every row is rewritten: the table is emptied and its index
  // rebuilt once at the end, cheaper than maintaining it row by row. Otherwise rows of members
  // no longer live go, and rows whose hash is unchanged stay untouched.
  std::vector<std::int64_t> old_hash(n, 0);
  std::vector<std::uint8_t> stored(n, 0);
  ASSIGN_OR_RETURN(std::int64_t same_day,
                   db.query_int(fmt::format("SELECT EXISTS (SELECT 1 FROM member_profiles "
                                            "WHERE as_of_day = {})",
                                            run.measures.as_of)));
  const bool rewrite_all = same_day == 0;
  if (rewrite_all) {
    RETURN_IF_ERROR(db.exec("DELETE FROM member_profiles"));
    RETURN_IF_ERROR(db.exec("DROP INDEX IF EXISTS member_profiles_lifecycle"));
  } else {
    std::vector<MemberId> gone;
    ASSIGN_OR_RETURN(auto scan, db.prepare("SELECT member_id, profile_hash FROM member_profiles"));
    while (true) {
      ASSIGN_OR_RETURN(bool row, scan.step());
      if (!row) break;
      std::size_t m = run.history.index_of(scan.column_int64(0));
      if (m == SIZE_MAX) {
        gone.push_back(scan.column_int64(0));
        continue;
      }
      stored[m] = 1;
      old_hash[m] = scan.column_int64(1);
    }
    ASSIGN_OR_RETURN(auto del, db.prepare("DELETE FROM member_profiles WHERE member_id = ?"));
    for (MemberId id : gone) {
      del.rewind();
      del.bind(1, id);
      RETURN_IF_ERROR(del.run());
    }
  }

  ASSIGN_OR_RETURN(auto st, db.prepare("INSERT INTO member_profiles (member_id, as_of_day, "
                                       "lifecycle, rfm_segment, churn_risk, clv_12m_fen, profile, "
                                       "profile_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
                                       "ON CONFLICT (member_id) DO UPDATE SET "
                                       "as_of_day = excluded.as_of_day, "
                                       "lifecycle = excluded.lifecycle, "
                                       "rfm_segment = excluded.rfm_segment, "
                                       "churn_risk = excluded.churn_risk, "
                                       "clv_12m_fen = excluded.clv_12m_fen, "
                                       "profile = excluded.profile, "
                                       "profile_hash = excluded.profile_hash"));
  // Encoding the next batch (in parallel) overlaps with writing this one.
  constexpr std::size_t kBatch = 50'000;
  auto start = [&](std::size_t begin, EncodedBatch reuse) {
    return std::async(std::launch::async, encode_batch, std::cref(ctx), begin,
                      std::min(n, begin + kBatch), std::move(reuse));
  };
  EncodedBatch spare;
  std::future<EncodedBatch> next = start(0, EncodedBatch{});
  for (std::size_t begin = 0; begin < n; begin += kBatch) {
    EncodedBatch b = next.get();
    if (b.end < n) next = start(b.end, std::move(spare));
    for (std::size_t m = b.begin; m < b.end; ++m) {
      const std::size_t i = m - b.begin;
      if (stored[m] && old_hash[m] == b.hash[i]) {
        ++run.profiles_unchanged;
        continue;
      }
      st.rewind();
      st.bind(1, run.history.member_id[m]).bind(2, static_cast<std::int64_t>(run.measures.as_of));
      st.bind_text_static(3, kLifecycleNames[run.measures.lifecycle[m]]);
      st.bind_optional_static(4, kSegment8[run.measures.rfm.segment8[m]]);
      if (run.scores.churn_risk[m] == 255)
        st.bind(5, std::nullopt);
      else
        st.bind(5, static_cast<std::int64_t>(run.scores.churn_risk[m]));
      if (run.scores.p_alive[m] < 0)
        st.bind(6, std::nullopt);
      else
        st.bind(6, run.scores.clv[m]);
      st.bind_blob_static(7, b.view[i]);
      st.bind(8, b.hash[i]);
      RETURN_IF_ERROR(st.run());
      ++run.profiles_written;
    }
    spare = std::move(b);
    if (progress) progress(static_cast<double>(spare.end) / static_cast<double>(n));
  }
  if (rewrite_all)
    RETURN_IF_ERROR(
        db.exec("CREATE INDEX member_profiles_lifecycle ON member_profiles (lifecycle)"));
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
                                         "members, models, profile_layout) "
                                         "VALUES (?, ?, ?, ?, ?)"));
  runs.bind(1, static_cast<std::int64_t>(run.measures.as_of))
      .bind(2, clock.now().seconds)
      .bind(3, static_cast<std::int64_t>(n))
      .bind(4, models.str())
      .bind(5, profile_layout());
  RETURN_IF_ERROR(runs.run());
  RETURN_IF_ERROR(tx->commit());
  run.store_s = since(t);
  return Status();
}

}  // namespace recur::insight
