// The published CDNOW estimates, reached through the product's own path: import the sample with
// `recur import`'s options, load the history, build the model input, fit.

#include <gtest/gtest.h>

#include "ingest/importer.h"
#include "ingest/mapped_file.h"
#include "insight/bgnbd.h"
#include "insight/gamma_gamma.h"
#include "insight/history_loader.h"
#include "insight/model_input.h"
#include "test_util.h"

namespace recur::insight {
namespace {

TEST(ModelFit, CdnowSampleThroughImportGivesThePublishedEstimates) {
  recur::testing::TempDir dir;
  auto db = recur::testing::open_test_db(dir);
  ManualClock clock(recur::testing::kTestNow);
  ingest::ImportOptions o;
  o.delimiter = ' ';
  o.header_names = {"master_id", "sample_id", "date", "cds", "value"};
  o.column_map = {{"member", "sample_id"},
                  {"paid_at", "date"},
                  {"qty", "cds"},
                  {"amount", "value"},
                  {"order_id", "@line"}};
  o.constants = {{"source", "cdnow"}, {"channel", "online"}, {"sku", "CD"}};
  o.member_kind = "external";
  o.date_format = ingest::DateFormat::compile("%Y%m%d").value();
  auto file = ingest::MappedFile::open(RECUR_SOURCE_DIR "/../shared/datasets/CDNOW_sample.txt");
  ASSERT_TRUE(file.ok());
  auto s = ingest::import_text(*db, ingest::RecordKind::kOrders, file->view(), "CDNOW_sample.txt",
                               o, clock);
  ASSERT_TRUE(s.ok()) << s.status().to_string();
  ASSERT_EQ(s->rejected, 0);

  auto history = load_history(*db);
  ASSERT_TRUE(history.ok()) << history.status().to_string();
  EXPECT_EQ(history->members(), 2357u);
  ModelInput in = build_model_input(*history, Date::from_ymd(1997, 9, 30).days, 7.0);
  ASSERT_EQ(in.summary.size(), 2357u);

  auto bg = fit_bgnbd(compress(in.summary));
  ASSERT_TRUE(bg.ok());
  EXPECT_NEAR(bg->params.r, 0.243, 0.0005);
  EXPECT_NEAR(bg->params.alpha, 4.414, 0.0005);
  EXPECT_NEAR(bg->params.a, 0.793, 0.0005);
  EXPECT_NEAR(bg->params.b, 2.426, 0.0005);
  EXPECT_NEAR(bg->loglik, -9582.4, 0.05);
  EXPECT_DOUBLE_EQ(bg->members, 2357);

  auto gg = fit_gamma_gamma(compress(in.summary));
  ASSERT_TRUE(gg.ok());
  EXPECT_NEAR(gg->params.p, 6.25, 0.005);
  EXPECT_NEAR(gg->params.q, 3.74, 0.005);
  EXPECT_NEAR(gg->params.gamma, 15.44, 0.005);
  EXPECT_DOUBLE_EQ(gg->members, 946);

  // Customer 1 of the sample: x = 2, t_x = 30.43, T = 38.86 weeks.
  std::size_t m = history->index_of(1);
  ASSERT_NE(m, SIZE_MAX);
  auto row = std::find(in.member.begin(), in.member.end(), m) - in.member.begin();
  EXPECT_EQ(in.summary.x[row], 2);
  EXPECT_NEAR(in.summary.t_x[row], 30.43, 0.005);
  EXPECT_NEAR(in.summary.T[row], 38.86, 0.005);
  EXPECT_NEAR(conditional_expected_purchases(bg->params, in.summary.row(row), 39), 1.226, 0.001);
}

}  // namespace
}  // namespace recur::insight
