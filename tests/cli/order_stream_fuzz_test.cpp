// Random orders and refunds, end to end through the binary: `recur order stream` (in groups of
// a random size, and one transaction per record) must leave exactly the members, identities,
// orders and loyalty ledger that `recur import` + apply leaves for the same records (split over
// several files, in chunks of a random size). The records name people by phone, by card or by
// both, so members are created from either identity and merged when a record joins them; some
// buyers are guests; refunds are of lines or of whole orders, some arriving after later orders;
// in half the cases the people are members by phone beforehand and a few orders are checked out
// through `recur order checkout` before they arrive (each store gets the same checkouts first).
//
// RECUR_STREAM_FUZZ_SEEDS=N and RECUR_STREAM_FUZZ_ORDERS=N run more and larger cases; a failure
// prints the seed, and the files stay in RECUR_STREAM_FUZZ_KEEP=DIR when that is set.

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "cli_run.h"
#include "core/money.h"
#include "core/time.h"
#include "ledger_dump.h"
#include "store/database.h"
#include "test_util.h"

namespace recur {
namespace {

using recur::testing::CmdResult;
using recur::testing::ledger_dump;
using recur::testing::run;
using recur::testing::TempDir;
using recur::testing::write_file;

int env_int(const char* name, int fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::atoi(v) : fallback;
}

struct Product {
  const char* sku;
  const char* category;
  Fen price;
};
// The shipped program earns nothing on 礼品卡, half on 3C/手机, more on 母婴/奶粉.
const Product kProducts[] = {
    {"F1", "食品", 5000},       {"F2", "食品/零食", 1290},    {"M1", "母婴/奶粉", 29800},
    {"M2", "母婴/奶粉", 35800}, {"D1", "母婴/纸尿裤", 12000}, {"P1", "3C/手机", 199900},
    {"P2", "3C/手机", 399900},  {"G1", "礼品卡", 50000},      {"C1", "服饰/上衣", 19900},
    {"C2", "服饰/上衣", 8990},  {"H1", "家居/收纳", 4590},    {"H2", "家居/收纳", 990},
};

// A time as the files write it: merchant-local seconds since 1970-01-01 00:00.
using Local = std::int64_t;
std::string text_at(Local t) {
  const std::int64_t s = t % 86400;
  return fmt::format("{} {:02}:{:02}:{:02}", Date{static_cast<std::int32_t>(t / 86400)}.to_string(),
                     s / 3600, s / 60 % 60, s % 60);
}

struct Line {
  std::string sku, category;  // category empty: the product's
  int qty = 1;
  Fen unit_price = 0, discount = 0, amount = 0;
  int qty_left = 0;
  Fen left = 0;
};
struct Order {
  std::string id, member, channel;
  int person = 0;         // who paid, when it is one person by phone alone
  bool checkout = false;  // paid through `recur order checkout` before it arrives
  Local at = 0;
  std::vector<Line> lines;
  bool whole_refunded = false;  // an amount of the whole order was refunded: only those now
  Fen left() const {
    Fen t = 0;
    for (const Line& l : lines) t += l.left;
    return t;
  }
};
struct Refund {
  std::string id, order_id, sku;
  Local at = 0;
  int qty = 0;
  Fen amount = 0;
};

class Generator {
 public:
  explicit Generator(std::uint64_t seed) : rng_(seed) {}

  // With `members`, every person is a member by phone before the orders come (members.csv),
  // and one order in twenty of a person named by phone is checked out through recur first.
  void make(int orders, bool members) {
    members_ = members;
    Local t = Local{Date::from_ymd(2024, 1, 3).days} * 86400 + 9 * 3600;
    for (int i = 0; i < orders; ++i) {
      t += pick(60, 3 * 86400);
      orders_.push_back(order(i, t));
    }
    // Refunds of about one order in four, some twice, within three weeks of the order: the
    // later ones arrive after orders paid since.
    for (Order& o : orders_) {
      if (o.member.empty() && !chance(0.3)) continue;  // guests' refunds are stored only
      if (!chance(0.25)) continue;
      Local at = o.at;
      for (int n = chance(0.3) ? 2 : 1; n > 0 && o.left() > 0; --n) {
        at += pick(600, 21 * 86400);
        refunds_.push_back(refund(o, at));
      }
    }
    std::stable_sort(refunds_.begin(), refunds_.end(),
                     [](const Refund& a, const Refund& b) { return a.at < b.at; });
  }

  std::string products_csv() const {
    std::string out = "sku,name,category,price\n";
    for (const Product& p : kProducts)
      out += fmt::format("{},商品{},{},{}\n", p.sku, p.sku, p.category, format_money(p.price));
    return out;
  }

  // The orders as CSV, split into `files` parts at order boundaries.
  std::vector<std::string> orders_csv(int files) {
    std::vector<std::string> out(static_cast<std::size_t>(files),
                                 "source,order_id,paid_at,member,channel,store_id,sku,category,"
                                 "qty,unit_price,discount,amount\n");
    std::size_t part = 0;
    for (std::size_t i = 0; i < orders_.size(); ++i) {
      const Order& o = orders_[i];
      if (part + 1 < out.size() && i >= orders_.size() * (part + 1) / out.size()) ++part;
      for (const Line& l : o.lines)
        out[part] +=
            fmt::format("pos,{},{},{},{},,{},{},{},{},{},{}\n", o.id, text_at(o.at), o.member,
                        o.channel, l.sku, l.category, l.qty, format_money(l.unit_price),
                        l.discount ? format_money(l.discount) : "", format_money(l.amount));
    }
    return out;
  }

  // Every person by phone, half with a birthday (points double in the birthday month).
  std::string members_csv() {
    std::string out = "member,name,birthday\n";
    for (int p = 1; p <= kPeople; ++p)
      out +=
          fmt::format("{},顾客{},{}\n", phone(p), p,
                      chance(0.5) ? fmt::format("1990-{:02}-{:02}", pick(1, 12), pick(1, 28)) : "");
    return out;
  }

  // The `recur order checkout` arguments of the orders checked out before they arrive.
  std::vector<std::string> checkouts() const {
    std::vector<std::string> out;
    for (const Order& o : orders_) {
      if (!o.checkout) continue;
      std::string c = fmt::format("order checkout pos:{} {} --channel {} --at '{}'", o.id, o.member,
                                  o.channel, text_at(o.at));
      for (const Line& l : o.lines)
        c += fmt::format(" --line '{}:{}:{}'", category_of(l), l.sku, format_money(l.amount));
      out.push_back(c);
    }
    return out;
  }

  std::string refunds_csv() const {
    std::string out = "source,refund_id,order_id,refunded_at,sku,qty,amount\n";
    for (const Refund& r : refunds_)
      out += fmt::format("pos,{},{},{},{},{},{}\n", r.id, r.order_id, text_at(r.at), r.sku,
                         r.sku.empty() ? "" : std::to_string(r.qty), format_money(r.amount));
    return out;
  }

  // Every order, then every refund, as the imports apply them.
  std::string ndjson() {
    std::string out;
    for (const Order& o : orders_) {
      std::string s =
          fmt::format(R"({{"source":"pos","order_id":"{}","paid_at":"{}","member":"{}",)"
                      R"("channel":"{}")",
                      o.id, text_at(o.at), o.member, o.channel);
      if (o.lines.size() == 1 && chance(0.5)) {  // the flat form of a one-line order
        s += "," + json_line(o.lines[0]);
      } else {
        s += ",\"lines\":[";
        for (std::size_t i = 0; i < o.lines.size(); ++i)
          s += (i ? ",{" : "{") + json_line(o.lines[i]) + "}";
        s += "]";
      }
      out += s + "}\n";
    }
    for (const Refund& r : refunds_) {
      out += fmt::format(R"({{"source":"pos","refund_id":"{}","order_id":"{}","refunded_at":"{}")",
                         r.id, r.order_id, text_at(r.at));
      if (!r.sku.empty()) out += fmt::format(R"(,"sku":"{}","qty":{})", r.sku, r.qty);
      out += fmt::format(R"(,"amount":"{}"}})", format_money(r.amount)) + "\n";
    }
    return out;
  }

  int pick(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
  bool chance(double p) { return std::bernoulli_distribution(p)(rng_); }
  std::size_t refunds() const { return refunds_.size(); }

 private:
  static constexpr int kPeople = 30;

  static std::string phone(int p) { return fmt::format("phone:139{:08}", p); }
  static std::string category_of(const Line& l) {
    if (!l.category.empty()) return l.category;
    for (const Product& p : kProducts)
      if (l.sku == p.sku) return p.category;
    return "";
  }
  static std::string card(int p) { return fmt::format("card_no:8800{:04}", p); }

  // Who paid: a guest now and then; else a person by phone, by card or by both (which merges
  // the members the two made apart); rarely two people's identities in one record.
  std::string buyer() {
    if (chance(0.08)) return "";
    const int p = pick(1, kPeople), roll = pick(0, 99);
    if (roll < 45) {
      last_person_ = p;
      return phone(p);
    }
    if (roll < 80) return card(p);
    if (roll < 97) return card(p) + "|" + phone(p);
    return phone(p) + "|" + card(pick(1, kPeople));
  }

  Order order(int i, Local at) {
    static const char* const kChannels[] = {"store", "online", "miniprogram", "marketplace:tmall"};
    Order o;
    o.id = fmt::format("O{}", i + 1);
    last_person_ = 0;
    o.member = buyer();
    o.person = last_person_;
    o.checkout = members_ && o.person != 0 && chance(0.05);
    o.channel = kChannels[pick(0, 3)];
    o.at = at;
    std::vector<int> skus(std::size(kProducts));
    for (std::size_t k = 0; k < skus.size(); ++k) skus[k] = static_cast<int>(k);
    std::shuffle(skus.begin(), skus.end(), rng_);
    const int n = pick(0, 9) < 6 ? 1 : pick(2, 4);
    for (int k = 0; k < n; ++k) {  // distinct SKUs: a refund names its line by SKU
      const Product& p = kProducts[skus[static_cast<std::size_t>(k)]];
      Line l;
      l.sku = p.sku;
      if (chance(0.7)) l.category = p.category;
      l.qty = pick(1, 3);
      l.unit_price = chance(0.8) ? p.price : p.price + pick(-500, 500);
      if (chance(0.25)) l.discount = pick(1, static_cast<int>(l.qty * l.unit_price / 4));
      l.amount = l.qty * l.unit_price - l.discount;
      l.qty_left = l.qty;
      l.left = l.amount;
      o.lines.push_back(l);
    }
    return o;
  }

  // A refund of `o` that leaves nothing negative: of a line (some of its units and at most
  // what is left on it), or of an amount of the whole order, after which only those.
  Refund refund(Order& o, Local at) {
    Refund r;
    r.id = fmt::format("R{}", ++refunds_made_);
    r.order_id = o.id;
    r.at = at;
    std::vector<Line*> open;
    for (Line& l : o.lines)
      if (l.left > 0) open.push_back(&l);
    if (!o.whole_refunded && chance(0.6)) {
      Line& l = *open[static_cast<std::size_t>(pick(0, static_cast<int>(open.size()) - 1))];
      r.sku = l.sku;
      r.qty = l.qty_left == 0 ? 0 : pick(l.qty_left == l.qty ? 1 : 0, l.qty_left);
      r.amount = r.qty == l.qty_left ? l.left : pick(1, static_cast<int>(l.left));
      l.qty_left -= r.qty;
      l.left -= r.amount;
      return r;
    }
    const Fen left = o.left();
    r.amount = chance(0.4) ? left : pick(1, static_cast<int>(left));
    o.whole_refunded = true;
    Fen rest = r.amount;
    for (Line& l : o.lines) {
      const Fen take = std::min(rest, l.left);
      l.left -= take;
      rest -= take;
    }
    return r;
  }

  static std::string json_line(const Line& l) {
    std::string s = fmt::format(R"("sku":"{}")", l.sku);
    if (!l.category.empty()) s += fmt::format(R"(,"category":"{}")", l.category);
    s += fmt::format(R"(,"qty":{},"unit_price":"{}")", l.qty, format_money(l.unit_price));
    if (l.discount) s += fmt::format(R"(,"discount":"{}")", format_money(l.discount));
    return s + fmt::format(R"(,"amount":"{}")", format_money(l.amount));
  }

  std::mt19937_64 rng_;
  std::vector<Order> orders_;
  std::vector<Refund> refunds_;
  int refunds_made_ = 0;
  int last_person_ = 0;  // the person buyer() named by phone alone, else 0
  bool members_ = false;
};

std::int64_t count(const std::string& path, const std::string& sql) {
  auto db = store::Database::open(path);
  EXPECT_TRUE(db.ok());
  return recur::testing::count(**db, sql);
}

void run_case(std::uint64_t seed, int orders) {
  SCOPED_TRACE(
      fmt::format("stream fuzz seed {} (RECUR_STREAM_FUZZ_FIRST_SEED={} "
                  "RECUR_STREAM_FUZZ_SEEDS=1 RECUR_STREAM_FUZZ_ORDERS={})",
                  seed, seed, orders));
  TempDir tmp;
  const char* keep = std::getenv("RECUR_STREAM_FUZZ_KEEP");
  const std::string dir = keep && *keep ? std::string(keep) : tmp.file("");
  std::filesystem::create_directories(dir);
  auto file = [&](const std::string& name) { return dir + "/" + name; };

  // A merge is dated when recur makes it: the same "now" for every run, so the stores compare.
  setenv("RECUR_NOW", "2026-01-01T09:00:00+08:00", 1);
  struct Unset {
    ~Unset() { unsetenv("RECUR_NOW"); }
  } unset;
  Generator gen(seed);
  const bool members = gen.chance(0.5);
  gen.make(orders, members);
  write_file(file("products.csv"), gen.products_csv());
  write_file(file("members.csv"), gen.members_csv());
  // The shipped program, in one of its tier modes, with points usable at once or after a week.
  std::string yaml =
      recur::testing::read_file(std::string(RECUR_SOURCE_DIR) + "/config/program.yaml");
  static const char* const kModes[] = {"rolling", "lifetime", "periodic"};
  const std::string mode = kModes[gen.pick(0, 2)];
  auto set = [&](const std::string& from, const std::string& to) {
    const std::size_t at = yaml.find(from);
    ASSERT_NE(at, std::string::npos) << from;
    yaml.replace(at, from.size(), to);
  };
  set("  mode: rolling ", "  mode: " + mode + " ");
  if (gen.chance(0.5)) set("  pending_days: 7 ", "  pending_days: 0 ");
  if (gen.chance(0.5))
    set("    spent_points: negative_balance", "    spent_points: deduct_from_refund");
  const std::string program = file("program.yaml");
  write_file(program, yaml);
  auto fresh = [&](const std::string& name) {
    std::filesystem::remove(file(name));
    const std::string db = "--db " + file(name) + " ";
    CmdResult p = run(db + "program load " + program);
    EXPECT_EQ(p.code, 0) << p.out;
    CmdResult i = run(db + "import products " + file("products.csv"));
    EXPECT_EQ(i.code, 0) << i.out;
    if (members) {
      CmdResult m = run(db + "import members " + file("members.csv"));
      EXPECT_EQ(m.code, 0) << m.out;
    }
    for (const std::string& c : gen.checkouts()) {
      CmdResult r = run(db + c);
      EXPECT_EQ(r.code, 0) << c << "\n" << r.out;
    }
    return db;
  };

  // Bulk: the orders in one to three files, then the refunds in one or two, each import
  // applied in chunks of a random size.
  const std::string imported = fresh("imported.db");
  const std::vector<std::string> parts = gen.orders_csv(gen.pick(1, 3));
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const std::string f = file(fmt::format("orders{}.csv", i + 1));
    write_file(f, parts[i]);
    CmdResult r = run(imported + fmt::format("import orders --chunk {} ", gen.pick(5, 400)) + f);
    ASSERT_EQ(r.code, 0) << r.out;
  }
  write_file(file("refunds.csv"), gen.refunds_csv());
  CmdResult rr = run(imported + fmt::format("import refunds --chunk {} ", gen.pick(3, 100)) +
                     file("refunds.csv"));
  ASSERT_EQ(rr.code, 0) << rr.out;

  // One by one: in groups of a random size, and one transaction per record.
  write_file(file("in.ndjson"), gen.ndjson());
  const std::string grouped = fresh("grouped.db");
  CmdResult g =
      run(grouped +
          fmt::format("order stream --group-max {} --group-ms 100000 --file ", gen.pick(1, 60)) +
          file("in.ndjson"));
  ASSERT_EQ(g.code, 0) << g.out;
  const std::string single = fresh("single.db");
  CmdResult s = run(single + "order stream --group-ms 0 --file " + file("in.ndjson"));
  ASSERT_EQ(s.code, 0) << s.out;

  const std::string expected = ledger_dump(file("imported.db"));
  EXPECT_EQ(ledger_dump(file("grouped.db")), expected);
  EXPECT_EQ(ledger_dump(file("single.db")), expected);
  for (const char* db : {"imported.db", "grouped.db", "single.db"}) {
    CmdResult c = run("--db " + file(db) + " check");
    EXPECT_EQ(c.code, 0) << db << "\n" << c.out;
  }

  // The case exercised what it is for: merges, upgrades, refunds with points taken back.
  const std::string db = file("imported.db");
  EXPECT_GT(count(db, "SELECT COUNT(*) FROM members WHERE merged_into IS NOT NULL"), 0);
  EXPECT_GT(count(db, "SELECT COUNT(*) FROM loyalty_tier_changes"), 0);
  EXPECT_EQ(count(db, "SELECT COUNT(*) FROM refunds"), static_cast<std::int64_t>(gen.refunds()));
  EXPECT_GT(count(db, "SELECT COUNT(*) FROM loyalty_refunds WHERE points_clawed > 0"), 0);
  // The orders checked out first arrived as replays: each has its settlement and its row.
  EXPECT_EQ(count(db,
                  "SELECT COUNT(*) FROM loyalty_settlements s JOIN loyalty_orders lo "
                  "ON lo.order_key = s.order_key WHERE lo.order_pk IS NOT NULL"),
            static_cast<std::int64_t>(gen.checkouts().size()));
}

TEST(OrderStreamFuzz, RandomRecordsLeaveTheLedgerThatImportLeaves) {
  const int seeds = env_int("RECUR_STREAM_FUZZ_SEEDS", 2);
  const int first = env_int("RECUR_STREAM_FUZZ_FIRST_SEED", 1);
  const int orders = env_int("RECUR_STREAM_FUZZ_ORDERS", 250);
  for (int s = first; s < first + seeds && !::testing::Test::HasFailure(); ++s)
    run_case(static_cast<std::uint64_t>(s), orders);
}

}  // namespace
}  // namespace recur
