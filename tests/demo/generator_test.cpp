#include "demo/generator.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/money.h"

namespace recur::demo {
namespace {

namespace fs = std::filesystem;

using Row = std::vector<std::string>;

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// RFC 4180: fields separated by ',', quoted fields may hold ',', '"' (doubled) and newlines.
std::vector<Row> parse_csv(const std::string& text) {
  std::vector<Row> rows;
  Row row;
  std::string field;
  bool quoted = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      row.push_back(std::move(field));
      field.clear();
    } else if (c == '\n') {
      row.push_back(std::move(field));
      field.clear();
      rows.push_back(std::move(row));
      row.clear();
    } else {
      field += c;
    }
  }
  return rows;
}

// A CSV file with named columns.
struct Table {
  Row header;
  std::vector<Row> rows;
  std::size_t col(const std::string& name) const {
    auto it = std::find(header.begin(), header.end(), name);
    EXPECT_NE(it, header.end()) << name;
    return static_cast<std::size_t>(it - header.begin());
  }
};

Table load(const fs::path& path) {
  std::vector<Row> all = parse_csv(read_file(path));
  Table t;
  if (all.empty()) return t;
  t.header = all.front();
  t.rows.assign(all.begin() + 1, all.end());
  for (const Row& r : t.rows) EXPECT_EQ(r.size(), t.header.size()) << path;
  return t;
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (;;) {
    const std::size_t at = s.find(sep, start);
    parts.push_back(s.substr(start, at - start));
    if (at == std::string::npos) return parts;
    start = at + 1;
  }
}

Fen money(const std::string& text) {
  auto r = parse_money(text);
  EXPECT_TRUE(r.ok()) << text;
  // Canonical text: exactly two decimals.
  EXPECT_EQ(text.size() >= 4 ? text[text.size() - 3] : ' ', '.') << text;
  return r.ok() ? *r : 0;
}

const char* const kFiles[] = {"stores.csv", "products.csv", "members.csv",
                              "orders.csv", "refunds.csv",  "events.csv"};

fs::path temp_dir(const std::string& name) {
  return fs::temp_directory_path() / ("recur_demo_test_" + std::to_string(::getpid()) + "_" + name);
}

GenerateOptions small_options(const fs::path& dir, std::uint64_t seed = 7, int threads = 2) {
  GenerateOptions o;
  o.members = 3000;
  o.seed = seed;
  o.threads = threads;
  o.out_dir = dir.string();
  return o;
}

// One generated data set shared by the tests that only read it.
class GeneratedData : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new fs::path(temp_dir("shared"));
    auto r = generate(small_options(*dir_));
    ASSERT_TRUE(r.ok()) << r.status().to_string();
    summary_ = new GenerateSummary(*r);
    stores_ = new Table(load(*dir_ / "stores.csv"));
    products_ = new Table(load(*dir_ / "products.csv"));
    members_ = new Table(load(*dir_ / "members.csv"));
    orders_ = new Table(load(*dir_ / "orders.csv"));
    refunds_ = new Table(load(*dir_ / "refunds.csv"));
    events_ = new Table(load(*dir_ / "events.csv"));
  }
  static void TearDownTestSuite() {
    std::error_code ec;
    fs::remove_all(*dir_, ec);
    delete dir_;
    delete summary_;
    delete stores_;
    delete products_;
    delete members_;
    delete orders_;
    delete refunds_;
    delete events_;
  }

  static fs::path* dir_;
  static GenerateSummary* summary_;
  static Table *stores_, *products_, *members_, *orders_, *refunds_, *events_;
};

fs::path* GeneratedData::dir_ = nullptr;
GenerateSummary* GeneratedData::summary_ = nullptr;
Table* GeneratedData::stores_ = nullptr;
Table* GeneratedData::products_ = nullptr;
Table* GeneratedData::members_ = nullptr;
Table* GeneratedData::orders_ = nullptr;
Table* GeneratedData::refunds_ = nullptr;
Table* GeneratedData::events_ = nullptr;

// Members.csv rows indexed by identity; a row whose every identity also appears in other rows
// is a tie row (it adds no record, it links records).
struct MemberIndex {
  std::unordered_map<std::string, std::vector<std::size_t>> rows_of;
  std::vector<bool> tie;
  explicit MemberIndex(const Table& members) {
    const std::size_t c = members.col("member");
    for (std::size_t i = 0; i < members.rows.size(); ++i) {
      for (const std::string& id : split(members.rows[i][c], '|')) rows_of[id].push_back(i);
    }
    tie.assign(members.rows.size(), false);
    for (std::size_t i = 0; i < members.rows.size(); ++i) {
      const auto ids = split(members.rows[i][c], '|');
      tie[i] = ids.size() >= 2 && std::all_of(ids.begin(), ids.end(), [&](const std::string& id) {
                 return rows_of[id].size() >= 2;
               });
    }
  }
  // The record (non-tie row) that carries `id`, or -1.
  long record_of(const std::string& id) const {
    auto it = rows_of.find(id);
    if (it == rows_of.end()) return -1;
    for (std::size_t r : it->second) {
      if (!tie[r]) return static_cast<long>(r);
    }
    return -1;
  }
};

TEST(Generator, SameSeedGivesIdenticalBytesWhateverTheThreadCount) {
  const fs::path a = temp_dir("det_a"), b = temp_dir("det_b"), c = temp_dir("det_c");
  ASSERT_TRUE(generate(small_options(a, 11, 1)).ok());
  ASSERT_TRUE(generate(small_options(b, 11, 3)).ok());
  ASSERT_TRUE(generate(small_options(c, 11, 2)).ok());
  for (const char* f : kFiles) {
    const std::string first = read_file(a / f);
    EXPECT_GT(first.size(), 0u) << f;
    EXPECT_EQ(first, read_file(b / f)) << f << " differs between 1 and 3 threads";
    EXPECT_EQ(first, read_file(c / f)) << f << " differs between 1 and 2 threads";
  }
  for (const auto& d : {a, b, c}) fs::remove_all(d);
}

TEST(Generator, DifferentSeedGivesDifferentPeopleAndOrders) {
  const fs::path a = temp_dir("seed_a"), b = temp_dir("seed_b");
  ASSERT_TRUE(generate(small_options(a, 1)).ok());
  ASSERT_TRUE(generate(small_options(b, 2)).ok());
  EXPECT_NE(read_file(a / "members.csv"), read_file(b / "members.csv"));
  EXPECT_NE(read_file(a / "orders.csv"), read_file(b / "orders.csv"));
  EXPECT_NE(read_file(a / "events.csv"), read_file(b / "events.csv"));
  // The retailer itself does not depend on the seed.
  EXPECT_EQ(read_file(a / "products.csv"), read_file(b / "products.csv"));
  fs::remove_all(a);
  fs::remove_all(b);
}

TEST(Generator, RejectsBadOptions) {
  GenerateOptions o = small_options(temp_dir("bad"));
  o.end = Date::from_ymd(2022, 12, 31);
  EXPECT_EQ(generate(o).status().code(), StatusCode::kInvalidArgument);
  o = small_options(temp_dir("bad"));
  o.members = -1;
  EXPECT_EQ(generate(o).status().code(), StatusCode::kInvalidArgument);
  o = small_options("");
  EXPECT_EQ(generate(o).status().code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(fs::exists(temp_dir("bad")));
}

TEST(Generator, ReportsProgressUpToOne) {
  const fs::path dir = temp_dir("progress");
  std::vector<double> seen;
  GenerateOptions o = small_options(dir);
  o.members = 2500;
  ASSERT_TRUE(generate(o, [&](double f) { seen.push_back(f); }).ok());
  ASSERT_FALSE(seen.empty());
  EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));
  EXPECT_DOUBLE_EQ(seen.back(), 1.0);
  fs::remove_all(dir);
}

TEST(Generator, KeepsEveryRecordWithinACustomHistory) {
  const fs::path dir = temp_dir("custom");
  GenerateOptions o = small_options(dir);
  o.members = 800;
  o.start = Date::from_ymd(2024, 11, 1);
  o.end = Date::from_ymd(2024, 11, 30);
  auto summary = generate(o);
  ASSERT_TRUE(summary.ok());
  EXPECT_GT(summary->orders, 0);
  const std::pair<const char*, const char*> columns[] = {{"orders.csv", "paid_at"},
                                                         {"refunds.csv", "refunded_at"},
                                                         {"events.csv", "at"},
                                                         {"members.csv", "registered_at"}};
  for (const auto& [file, column] : columns) {
    const Table t = load(dir / file);
    const std::size_t c = t.col(column);
    for (const Row& r : t.rows) {
      ASSERT_GE(r[c], "2024-11-01 00:00:00") << file;
      ASSERT_LE(r[c], "2024-11-30 23:59:59") << file;
    }
  }
  // Shops that open part-way through a history open within it.
  for (const Row& s : load(dir / "stores.csv").rows) {
    EXPECT_LE(s[4], "2024-11-30") << s[0];
  }
  fs::remove_all(dir);
}

TEST_F(GeneratedData, HeadersAreTheCanonicalLayouts) {
  EXPECT_EQ(stores_->header, split("store_id,name,kind,city,opened_at", ','));
  EXPECT_EQ(products_->header, split("sku,name,category,brand,price,consumable,unit", ','));
  EXPECT_EQ(members_->header,
            split("member,name,gender,birthday,city,registered_at,channel,store_id,consent_sms,"
                  "consent_wechat,consent_app,consent_email",
                  ','));
  EXPECT_EQ(orders_->header, split("source,order_id,paid_at,member,channel,store_id,sku,category,"
                                   "qty,unit_price,discount,amount",
                                   ','));
  EXPECT_EQ(refunds_->header,
            split("source,refund_id,order_id,refunded_at,sku,qty,amount,reason", ','));
  EXPECT_EQ(events_->header,
            split("source,event_id,at,member,kind,sku,page,zone,dwell_ms,query", ','));
}

TEST_F(GeneratedData, SummaryCountsMatchTheFiles) {
  EXPECT_EQ(summary_->people, 3000);
  EXPECT_EQ(summary_->order_lines, static_cast<std::int64_t>(orders_->rows.size()));
  EXPECT_EQ(summary_->refunds, static_cast<std::int64_t>(refunds_->rows.size()));
  EXPECT_EQ(summary_->events, static_cast<std::int64_t>(events_->rows.size()));
  EXPECT_EQ(summary_->stores, static_cast<std::int64_t>(stores_->rows.size()));
  EXPECT_EQ(summary_->products, static_cast<std::int64_t>(products_->rows.size()));
  std::set<std::pair<std::string, std::string>> orders;
  for (const Row& r : orders_->rows) orders.emplace(r[0], r[1]);
  EXPECT_EQ(summary_->orders, static_cast<std::int64_t>(orders.size()));
  EXPECT_GE(summary_->member_records, summary_->people);
  EXPECT_LE(static_cast<std::int64_t>(members_->rows.size()),
            summary_->member_records + summary_->merge_links);
  EXPECT_GT(summary_->orders, 3 * summary_->people);  // a handful of purchases per person
  EXPECT_GT(summary_->products, 200);
  EXPECT_GE(summary_->stores, 24);
}

TEST_F(GeneratedData, EveryLineAmountIsQtyTimesUnitPriceMinusDiscount) {
  const std::size_t qty = orders_->col("qty"), price = orders_->col("unit_price"),
                    discount = orders_->col("discount"), amount = orders_->col("amount");
  std::int64_t discounted = 0;
  for (const Row& r : orders_->rows) {
    const long q = std::stol(r[qty]);
    ASSERT_GT(q, 0);
    const Fen p = money(r[price]), d = money(r[discount]), a = money(r[amount]);
    ASSERT_EQ(a, q * p - d) << r[1];
    ASSERT_GT(a, 0) << r[1];
    ASSERT_GE(d, 0) << r[1];
    discounted += d > 0;
  }
  EXPECT_GT(discounted, 0);
}

TEST_F(GeneratedData, LinesOfAnOrderAgreeAndOrderIdsAreUniquePerSource) {
  const std::map<std::string, std::string> source_of_channel = {{"store", "pos"},
                                                                {"online", "mall"},
                                                                {"miniprogram", "miniprogram"},
                                                                {"marketplace:tmall", "tmall"},
                                                                {"marketplace:jd", "jd"}};
  std::map<std::pair<std::string, std::string>, const Row*> first;
  std::set<std::pair<std::string, std::string>> closed;  // orders whose block of lines ended
  std::pair<std::string, std::string> current;
  for (const Row& r : orders_->rows) {
    ASSERT_EQ(source_of_channel.at(r[4]), r[0]);
    std::pair<std::string, std::string> key(r[0], r[1]);
    if (key != current) {
      // Lines of an order are contiguous: an id seen before belongs to another order.
      ASSERT_TRUE(closed.insert(key).second) << "order id reused: " << r[0] << " " << r[1];
      current = key;
    }
    auto [it, inserted] = first.emplace(key, &r);
    if (!inserted) {
      const Row& o = *it->second;
      EXPECT_EQ(o[2], r[2]);
      EXPECT_EQ(o[3], r[3]);
      EXPECT_EQ(o[4], r[4]);
      EXPECT_EQ(o[5], r[5]);
      EXPECT_NE(o[6], r[6]) << "the same SKU twice in order " << r[1];
    }
  }
}

TEST_F(GeneratedData, OrdersReferenceExistingProductsAndOpenStores) {
  std::map<std::string, std::string> category_of;
  for (const Row& p : products_->rows) category_of[p[0]] = p[2];
  std::map<std::string, std::pair<std::string, std::string>> store;  // id -> kind, opened
  for (const Row& s : stores_->rows) store[s[0]] = {s[2], s[4]};
  for (const Row& r : orders_->rows) {
    ASSERT_TRUE(category_of.count(r[6])) << "unknown SKU " << r[6];
    EXPECT_EQ(category_of[r[6]], r[7]);
    ASSERT_TRUE(store.count(r[5])) << "unknown store " << r[5];
    EXPECT_LE(store[r[5]].second, r[2].substr(0, 10)) << r[5] << " was not open yet";
    EXPECT_EQ(store[r[5]].first == "store", r[4] == "store");
  }
  // Names with a comma or a quote survive RFC 4180 quoting.
  bool comma = false, quote = false;
  for (const Row& p : products_->rows) {
    comma |= p[1].find(',') != std::string::npos;
    quote |= p[1].find('"') != std::string::npos;
  }
  EXPECT_TRUE(comma);
  EXPECT_TRUE(quote);
}

TEST_F(GeneratedData, EveryTimestampLiesWithinTheHistory) {
  const std::string first = "2023-01-01 00:00:00", last = "2025-12-31 23:59:59";
  auto check = [&](const Table& t, const std::string& column, bool optional) {
    const std::size_t c = t.col(column);
    for (const Row& r : t.rows) {
      if (optional && r[c].empty()) continue;
      ASSERT_EQ(r[c].size(), 19u) << column << " " << r[c];
      ASSERT_TRUE(parse_timestamp(r[c], TimeZone::utc()).ok()) << r[c];
      ASSERT_GE(r[c], first) << column;
      ASSERT_LE(r[c], last) << column;
    }
  };
  check(*orders_, "paid_at", false);
  check(*refunds_, "refunded_at", false);
  check(*events_, "at", false);
  check(*members_, "registered_at", false);
}

TEST_F(GeneratedData, RefundsReferenceOrdersAndNeverReturnMoreThanPaid) {
  std::map<std::pair<std::string, std::string>, std::string> paid_at;
  std::map<std::tuple<std::string, std::string, std::string>, Fen> line_amount;
  std::map<std::pair<std::string, std::string>, Fen> order_amount;
  for (const Row& r : orders_->rows) {
    paid_at[{r[0], r[1]}] = r[2];
    line_amount[{r[0], r[1], r[6]}] = money(r[11]);
    order_amount[{r[0], r[1]}] += money(r[11]);
  }
  std::set<std::pair<std::string, std::string>> ids;
  std::set<std::pair<std::string, std::string>> refunded_orders;
  int full = 0, partial = 0;
  for (const Row& r : refunds_->rows) {
    EXPECT_TRUE(ids.emplace(r[0], r[1]).second) << "refund id reused " << r[1];
    auto order = paid_at.find({r[0], r[2]});
    ASSERT_NE(order, paid_at.end()) << "refund of unknown order " << r[2];
    EXPECT_GT(r[3], order->second) << "refunded before paid";
    const Fen amount = money(r[6]);
    ASSERT_GT(amount, 0);
    if (r[4].empty()) {
      EXPECT_LE(amount, (order_amount[{r[0], r[2]}]));
    } else {
      auto line = line_amount.find({r[0], r[2], r[4]});
      ASSERT_NE(line, line_amount.end()) << "refund of a SKU not on the order";
      EXPECT_LE(amount, line->second);
      (amount == line->second ? full : partial) += 1;
    }
    EXPECT_FALSE(r[7].empty());
    refunded_orders.emplace(r[0], r[2]);
  }
  EXPECT_GT(full, partial);  // mostly whole lines
  EXPECT_GT(partial, 0);
  const double share =
      static_cast<double>(refunded_orders.size()) / static_cast<double>(order_amount.size());
  EXPECT_GE(share, 0.03);
  EXPECT_LE(share, 0.05);
}

TEST_F(GeneratedData, SomeShopOrdersAreGuests) {
  std::set<std::pair<std::string, std::string>> shop, guest;
  for (const Row& r : orders_->rows) {
    if (r[4] != "store") {
      EXPECT_FALSE(r[3].empty()) << "only shop orders may be anonymous";
      continue;
    }
    shop.emplace(r[0], r[1]);
    if (r[3].empty()) guest.emplace(r[0], r[1]);
  }
  EXPECT_EQ(summary_->guest_orders, static_cast<std::int64_t>(guest.size()));
  const double share = static_cast<double>(guest.size()) / static_cast<double>(shop.size());
  EXPECT_GE(share, 0.04);
  EXPECT_LE(share, 0.09);
}

TEST_F(GeneratedData, IdentitiesAreWellFormedAndBelongToOneRecord) {
  MemberIndex index(*members_);
  std::set<std::string> phones;
  for (std::size_t i = 0; i < members_->rows.size(); ++i) {
    if (index.tie[i]) continue;
    for (const std::string& id : split(members_->rows[i][0], '|')) {
      // Outside tie rows an identity names exactly one record.
      EXPECT_EQ(index.rows_of[id].size() -
                    std::count_if(index.rows_of[id].begin(), index.rows_of[id].end(),
                                  [&](std::size_t r) { return index.tie[r]; }),
                1u)
          << id;
      if (id.rfind("phone:", 0) == 0) {
        const std::string p = id.substr(6);
        ASSERT_EQ(p.size(), 11u) << id;
        EXPECT_EQ(p[0], '1');
        EXPECT_TRUE(p[1] >= '3' && p[1] <= '9') << id;
        EXPECT_TRUE(std::all_of(p.begin(), p.end(), ::isdigit)) << id;
        EXPECT_TRUE(phones.insert(p).second) << "phone reused " << id;
      } else {
        EXPECT_TRUE(id.rfind("card_no:", 0) == 0 || id.rfind("wechat_unionid:o", 0) == 0 ||
                    id.rfind("platform:tmall:", 0) == 0 || id.rfind("platform:jd:", 0) == 0)
            << id;
      }
    }
  }
  // Every identity an order or event names belongs to a member record.
  for (const Row& r : orders_->rows) {
    if (r[3].empty()) continue;
    for (const std::string& id : split(r[3], '|')) ASSERT_GE(index.record_of(id), 0) << id;
  }
  for (const Row& r : events_->rows) {
    if (r[3].empty()) continue;
    ASSERT_GE(index.record_of(r[3]), 0) << r[3];
  }
}

TEST_F(GeneratedData, MergeLinksTieTwoRecordsOfOnePersonLater) {
  MemberIndex index(*members_);
  const std::size_t registered = members_->col("registered_at");
  std::int64_t links = 0;
  auto check_tie = [&](const std::string& member, const std::string& at) {
    const auto ids = split(member, '|');
    if (ids.size() < 2) return;
    const long a = index.record_of(ids[0]), b = index.record_of(ids[1]);
    if (a == b) return;  // several identities of one record: not a tie
    ASSERT_EQ(ids.size(), 2u) << member;
    EXPECT_EQ(ids[0].rfind("card_no:", 0), 0u) << member;
    EXPECT_EQ(ids[1].rfind("phone:", 0), 0u) << member;
    ASSERT_GE(a, 0);
    ASSERT_GE(b, 0);
    if (!at.empty()) {  // a tying order comes after both records exist
      EXPECT_GT(at, members_->rows[a][registered]);
      EXPECT_GT(at, members_->rows[b][registered]);
    }
    ++links;
  };
  std::set<std::pair<std::string, std::string>> seen;
  for (const Row& r : orders_->rows) {
    if (seen.emplace(r[0], r[1]).second) check_tie(r[3], r[2]);
  }
  const std::int64_t order_links = links;
  for (std::size_t i = 0; i < members_->rows.size(); ++i) {
    if (index.tie[i]) check_tie(members_->rows[i][0], "");
  }
  EXPECT_EQ(links, summary_->merge_links);
  EXPECT_GT(order_links, 0);
  EXPECT_GT(links, order_links);  // some ties come as members.csv rows
  const double share = static_cast<double>(links) / static_cast<double>(summary_->people);
  EXPECT_GE(share, 0.03);
  EXPECT_LE(share, 0.08);
  EXPECT_EQ(summary_->member_records, summary_->people + links);
}

TEST_F(GeneratedData, PurchasesPeakOnDouble11) {
  std::map<std::string, std::set<std::string>> orders_by_day;
  for (const Row& r : orders_->rows) orders_by_day[r[2].substr(0, 10)].insert(r[0] + r[1]);
  for (const std::string year : {"2024", "2025"}) {
    double year_total = 0, festival_total = 0;
    int festival_days = 0;
    for (const auto& [day, orders] : orders_by_day) {
      if (day.substr(0, 4) != year) continue;
      year_total += static_cast<double>(orders.size());
      if (day.substr(5, 2) == "11" && std::stoi(day.substr(8, 2)) <= 11) {
        festival_total += static_cast<double>(orders.size());
        ++festival_days;
      }
    }
    ASSERT_EQ(festival_days, 11);
    const double days_in_year = year == "2024" ? 366 : 365;
    EXPECT_GT(festival_total / festival_days, 1.5 * year_total / days_in_year) << year;
  }
}

TEST_F(GeneratedData, ReplenishersBuyAConsumableOnARegularCycle) {
  MemberIndex index(*members_);
  // Purchase days per (record, category) for diapers, milk powder and skincare.
  std::map<std::pair<long, std::string>, std::set<std::string>> days;
  for (const Row& r : orders_->rows) {
    if (r[3].empty()) continue;
    const std::string& cat = r[7];
    if (cat.rfind("母婴/纸尿裤", 0) != 0 && cat.rfind("母婴/奶粉", 0) != 0 &&
        cat.rfind("美妆/护肤", 0) != 0 && cat.rfind("食品/粮油", 0) != 0)
      continue;
    const long record = index.record_of(split(r[3], '|')[0]);
    days[{record, cat.substr(0, cat.find('/', cat.find('/') + 1))}].insert(r[2].substr(0, 10));
  }
  int periodic = 0;
  for (const auto& [key, set] : days) {
    if (set.size() < 5) continue;
    std::vector<double> gaps;
    std::string prev;
    for (const std::string& d : set) {
      if (!prev.empty()) {
        const Date a = *parse_date(prev), b = *parse_date(d);
        gaps.push_back(b.days - a.days);
      }
      prev = d;
    }
    double mean = 0, var = 0;
    for (double g : gaps) mean += g / static_cast<double>(gaps.size());
    for (double g : gaps) var += (g - mean) * (g - mean) / static_cast<double>(gaps.size());
    if (std::sqrt(var) / mean <= 0.35) ++periodic;
  }
  EXPECT_GE(periodic, 30);  // of 3000 people, ~15% replenishers
}

TEST_F(GeneratedData, MilkPowderComesWithDiapers) {
  std::map<std::pair<std::string, std::string>, std::pair<bool, bool>> baskets;
  for (const Row& r : orders_->rows) {
    auto& b = baskets[{r[0], r[1]}];
    b.first |= r[7].rfind("母婴/奶粉", 0) == 0;
    b.second |= r[7].rfind("母婴/纸尿裤", 0) == 0;
  }
  int milk = 0, both = 0, diapers = 0;
  for (const auto& [key, b] : baskets) {
    milk += b.first;
    both += b.first && b.second;
    diapers += b.second;
  }
  ASSERT_GT(milk, 50);
  const double with_diapers = static_cast<double>(both) / milk;
  const double base = static_cast<double>(diapers) / static_cast<double>(baskets.size());
  EXPECT_GT(with_diapers, 3 * base);  // lift well above 1
}

TEST_F(GeneratedData, EventsAreWellFormedAndModerate) {
  const std::set<std::string> kinds = {"view",   "add_to_cart", "remove_from_cart", "search",
                                       "click",  "share",       "sign_in",          "review",
                                       "invite", "message_open"};
  std::set<std::string> skus;
  for (const Row& p : products_->rows) skus.insert(p[0]);
  std::set<std::pair<std::string, std::string>> ids;
  std::set<std::string> seen_kinds;
  for (const Row& r : events_->rows) {
    EXPECT_TRUE(r[0] == "mall" || r[0] == "miniprogram") << r[0];
    EXPECT_TRUE(ids.emplace(r[0], r[1]).second) << "event id reused " << r[1];
    ASSERT_TRUE(kinds.count(r[4])) << r[4];
    seen_kinds.insert(r[4]);
    if (!r[5].empty()) {
      EXPECT_TRUE(skus.count(r[5])) << r[5];
    }
    if (r[4] == "view") {
      ASSERT_FALSE(r[5].empty());
      ASSERT_FALSE(r[8].empty());
      EXPECT_GE(std::stol(r[8]), 0);
    }
    if (r[4] == "search") {
      EXPECT_FALSE(r[9].empty());
    }
  }
  EXPECT_EQ(seen_kinds, kinds);
  const double per_order =
      static_cast<double>(summary_->events) / static_cast<double>(summary_->orders);
  EXPECT_GE(per_order, 2.0);
  EXPECT_LE(per_order, 8.0);
}

}  // namespace
}  // namespace recur::demo
