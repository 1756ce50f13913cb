#include "scenario_runner.h"

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>

#include "core/clock.h"
#include "core/money.h"
#include "identity/identity.h"
#include "identity/merge.h"
#include "identity/resolver.h"
#include "loyalty/apply.h"
#include "loyalty/check.h"
#include "loyalty/coupon_book.h"
#include "loyalty/engine.h"
#include "loyalty/mall.h"
#include "loyalty/merge_participant.h"
#include "loyalty/program_store.h"
#include "loyalty/settlement.h"
#include "loyalty/wallet.h"
#include "store/settings.h"
#include "test_util.h"

namespace recur::loyalty::scenario {

std::string trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return std::string(s);
}

// Splits on blanks; a value may be quoted: reason="goodwill gesture".
std::vector<std::string> tokenize(std::string_view s) {
  std::vector<std::string> out;
  std::string cur;
  bool quoted = false, any = false;
  for (char c : s) {
    if (c == '"') {
      quoted = !quoted;
      any = true;
      continue;
    }
    if (!quoted && (c == ' ' || c == '\t')) {
      if (any || !cur.empty()) out.push_back(cur);
      cur.clear();
      any = false;
      continue;
    }
    cur += c;
  }
  if (any || !cur.empty()) out.push_back(cur);
  return out;
}

namespace {

struct Args {
  std::vector<std::string> pos;
  std::map<std::string, std::string> kv;
  std::string get(const std::string& k, const std::string& fallback = "") const {
    auto it = kv.find(k);
    return it == kv.end() ? fallback : it->second;
  }
  bool has(const std::string& k) const { return kv.count(k) > 0; }
};

Args parse_args(const std::vector<std::string>& tokens, std::size_t from) {
  Args a;
  for (std::size_t i = from; i < tokens.size(); ++i) {
    auto eq = tokens[i].find('=');
    if (eq != std::string::npos && eq > 0)
      a.kv[tokens[i].substr(0, eq)] = tokens[i].substr(eq + 1);
    else
      a.pos.push_back(tokens[i]);
  }
  return a;
}

// Sets `value` (YAML text) at `path` ("points.earn.categories[0].multiplier") in `root`.
void set_path(YAML::Node root, const std::string& path, const std::string& value) {
  std::vector<std::pair<std::string, int>> parts;  // key, or index when key is empty
  std::string cur;
  for (std::size_t i = 0; i <= path.size(); ++i) {
    char c = i < path.size() ? path[i] : '.';
    if (c == '.' || c == '[') {
      if (!cur.empty()) parts.emplace_back(cur, -1);
      cur.clear();
      if (c == '[') {
        auto close = path.find(']', i);
        parts.emplace_back("", std::stoi(path.substr(i + 1, close - i - 1)));
        i = close;
      }
    } else {
      cur += c;
    }
  }
  YAML::Node node = root;
  for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
    YAML::Node next = parts[i].second >= 0 ? node[parts[i].second] : node[parts[i].first];
    node.reset(next);
  }
  YAML::Node v = YAML::Load(value);
  if (parts.back().second >= 0)
    node[parts.back().second] = v;
  else
    node[parts.back().first] = v;
}

}  // namespace

class Scenario::Impl {
 public:
  using Fields = Scenario::Fields;

  // `path` names the scenario in failure messages; run() reads it as the scenario's file.
  Impl(std::string path, Mode mode) : path_(std::move(path)), mode_(mode) {}
  // On a store file of its own choosing, shared with other scenarios (each its own connection):
  // for runs on several threads at once.
  Impl(std::string path, Mode mode, std::string db_file)
      : path_(std::move(path)), mode_(mode), db_file_(std::move(db_file)) {}

  void run() {
    open();
    std::ifstream in(path_);
    std::string line;
    std::vector<std::pair<int, std::string>> lines;
    int n = 0;
    while (std::getline(in, line)) lines.emplace_back(++n, line);
    for (std::size_t i = 0; i < lines.size(); ++i) {
      line_ = lines[i].first;
      std::string text = lines[i].second;
      if (auto hash = text.find(" #"); hash != std::string::npos) text = text.substr(0, hash);
      if (trim(text).empty() || trim(text)[0] == '#') continue;
      std::vector<std::string> overrides;
      while (i + 1 < lines.size() && !lines[i + 1].second.empty() &&
             (lines[i + 1].second[0] == ' ' || lines[i + 1].second[0] == '\t') &&
             trim(lines[i + 1].second)[0] != '#') {
        overrides.push_back(trim(lines[++i].second));
      }
      step(trim(text), overrides);
      if (::testing::Test::HasFatalFailure()) return;
      EXPECT_EQ(db_->busy_statements(), std::vector<std::string>{})
          << where() << "a statement was left running";
    }
    line_ = 0;
    if (engine_) {
      flush();
      auto report = run_check(*db_, clock_.now());
      ASSERT_TRUE(report.ok()) << report.status().to_string();
      for (const auto& c : report->checks)
        EXPECT_TRUE(c.ok()) << where() << "check " << c.name
                            << " failed: " << (c.examples.empty() ? "" : c.examples[0]);
      EXPECT_EQ(report->pending.orders + report->pending.refunds, 0) << where();
    }
  }

  // Opens the scenario's fresh store; run() does it, execute() needs it first.
  void open() {
    if (db_) return;
    if (db_file_.empty()) {
      db_ = recur::testing::open_test_db(dir_);
      return;
    }
    store::OpenOptions options;
    options.strict_statements = true;
    auto db = store::Database::open(db_file_, options);
    ASSERT_TRUE(db.ok()) << db.status().to_string();
    db_ = std::move(db).value();
  }
  store::Database& db() { return *db_; }
  Instant now() const { return clock_.now(); }

  // Runs one command (a line of the format, without `=> …`; `overrides` are a `program` line's
  // indented lines) and returns its result fields or its error. Commands that set things up
  // (program, at, member, apply, expect, check) fail the test themselves and return no fields.
  Result<Fields> execute(const std::string& command,
                         const std::vector<std::string>& overrides = {}) {
    line_ = ++executed_;
    return perform(command, overrides);
  }

  // Applies what is pending (deferred mode), so that the store holds the ledger both modes agree
  // on.
  void settle() { flush(); }

  // Every row of every table, in a canonical order: two equal snapshots are the same store.
  std::string snapshot() {
    std::string out;
    auto tables = db_->prepare(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "ORDER BY name");
    EXPECT_TRUE(tables.ok()) << tables.status().to_string();
    if (!tables.ok()) return out;
    std::vector<std::string> names;
    while (*tables->step()) names.push_back(tables->column_string(0));
    for (const std::string& name : names) {
      auto st = db_->prepare("SELECT * FROM \"" + name + "\" ORDER BY 1, 2");
      if (!st.ok()) st = db_->prepare("SELECT * FROM \"" + name + "\" ORDER BY 1");
      EXPECT_TRUE(st.ok()) << name << ": " << st.status().to_string();
      if (!st.ok()) continue;
      out += "[" + name + "]\n";
      while (*st->step()) {
        for (int c = 0; c < st->column_count(); ++c)
          out += (st->column_is_null(c) ? std::string("NULL") : st->column_string(c)) + "|";
        out += "\n";
      }
    }
    return out;
  }

  // The names of the recur check findings that fail now, each with its first example.
  std::vector<std::string> check_failures() {
    std::vector<std::string> out;
    auto report = run_check(*db_, clock_.now());
    if (!report.ok()) return {"run_check: " + report.status().to_string()};
    for (const auto& c : report->checks)
      if (!c.ok()) out.push_back(c.name + (c.examples.empty() ? "" : ": " + c.examples[0]));
    return out;
  }

  // The ledger in a canonical form, to compare runs.
  std::string dump() {
    std::string out;
    auto rows = [&](const char* sql, int columns) {
      auto st = db_->prepare(sql);
      EXPECT_TRUE(st.ok()) << st.status().to_string();
      if (!st.ok()) return;
      while (*st->step()) {
        for (int c = 0; c < columns; ++c)
          out += (st->column_is_null(c) ? std::string("NULL") : st->column_string(c)) + "|";
        out += "\n";
      }
    };
    rows(
        "SELECT member_id, points, points_debt, growth, tier, grace_until_day, period_start_day "
        "FROM loyalty_accounts ORDER BY member_id",
        7);
    rows(
        "SELECT member_id, account, earned, remaining, earned_at, usable_from, "
        "COALESCE(expires_at, -1), COALESCE(order_key, '-') FROM loyalty_lots "
        "ORDER BY member_id, account, earned_at, COALESCE(order_key, ''), earned",
        8);
    rows(
        "SELECT member_id, account, cause, amount, idem_key, at FROM loyalty_entries "
        "ORDER BY idem_key",
        6);
    rows(
        "SELECT member_id, account, earned, remaining, earned_at, COALESCE(expires_at, -1), "
        "COALESCE(topup_key, '-'), COALESCE(order_key, '-') FROM wallet_lots "
        "ORDER BY member_id, account, earned_at, earned",
        8);
    rows("SELECT member_id, principal, bonus, cashback FROM wallet_accounts ORDER BY member_id", 4);
    rows(
        "SELECT member_id, from_tier, to_tier, at, reason FROM loyalty_tier_changes "
        "ORDER BY member_id, at, change_id",
        5);
    rows(
        "SELECT coupon_id, template, member_id, state, COALESCE(order_key, '-'), "
        "COALESCE(discount_fen, -1) FROM coupons ORDER BY coupon_id",
        6);
    return out;
  }

 private:
  std::string where() const { return path_ + ":" + std::to_string(line_) + ": "; }

  MemberId member_of(const std::string& ref) {
    auto it = aliases_.find(ref);
    if (it != aliases_.end()) return it->second.first;
    auto id = identity::parse_identity(ref);
    EXPECT_TRUE(id.ok()) << where() << "unknown member '" << ref << "'";
    if (!id.ok()) return 0;
    return *db_->query_int("SELECT member_id FROM identities WHERE kind = '" + id->kind +
                           "' AND value = '" + id->value + "'");
  }
  // An alias or identity, followed to the member it was merged into.
  MemberId live(const std::string& ref) {
    identity::Merger merger(*db_);
    auto r = merger.live_root(member_of(ref));
    EXPECT_TRUE(r.ok()) << where() << r.status().to_string();
    return r.value_or(0);
  }
  std::string identity_text(const std::string& ref) {
    auto it = aliases_.find(ref);
    return it == aliases_.end() ? ref : it->second.second;
  }

  Instant time_arg(const Args& a, const std::string& key = "at") {
    if (!a.has(key)) return clock_.now();
    auto t = parse_timestamp(a.get(key), TimeZone::shanghai());
    EXPECT_TRUE(t.ok()) << where() << t.status().to_string();
    return t.value_or(clock_.now());
  }
  Date date_arg(const Args& a, const std::string& key) {
    auto d = parse_date(a.get(key));
    EXPECT_TRUE(d.ok()) << where() << key << ": " << d.status().to_string();
    return d.value_or(Date{});
  }
  Fen money_arg(const Args& a, const std::string& key) {
    auto m = parse_money(a.get(key));
    EXPECT_TRUE(m.ok()) << where() << key << ": " << m.status().to_string();
    return m.value_or(0);
  }
  std::int64_t int_arg(const Args& a, const std::string& key, std::int64_t fallback = 0) {
    if (!a.has(key)) return fallback;
    return std::stoll(a.get(key));
  }

  // Applies what the store holds but the program has not seen (deferred mode).
  void flush() {
    if (mode_ != Mode::kDeferred || !engine_) return;
    apply();
  }
  // apply_pending two orders or refunds per transaction, so that scenarios cross chunk edges
  // (a refund in the chunk after its order, a member's orders split between chunks).
  void apply() {
    ApplyOptions options;
    options.chunk = 2;
    auto s = apply_pending(*db_, *engine_, options);
    ASSERT_TRUE(s.ok()) << where() << s.status().to_string();
  }

  // Runs `fn` in a transaction; returns its fields, or its error.
  template <typename Fn>
  Result<Fields> in_tx(Fn&& fn) {
    auto tx = store::Transaction::begin(*db_);
    if (!tx.ok()) return tx.status();
    Result<Fields> r = fn();
    if (r.ok()) {
      Status c = (*tx)->commit();
      if (!c.ok()) return c;
    }
    return r;
  }

  void step(const std::string& text, const std::vector<std::string>& overrides) {
    std::string command = text, expect;
    if (auto arrow = text.find(" => "); arrow != std::string::npos) {
      command = text.substr(0, arrow);
      expect = trim(text.substr(arrow + 4));
    }
    Result<Fields> r = perform(command, overrides);
    if (::testing::Test::HasFatalFailure()) return;
    compare(tokenize(command)[0], r, expect);
  }

  Result<Fields> perform(const std::string& command, const std::vector<std::string>& overrides) {
    std::vector<std::string> t = tokenize(command);
    const std::string& verb = t[0];
    Args a = parse_args(t, 1);
    Result<Fields> r = Fields{};
    if (verb == "program") {
      load_program_cmd(a, overrides);
    } else if (verb == "at") {
      ASSIGN_OR_RETURN(Instant when,
                       parse_timestamp(trim(command.substr(2)), TimeZone::shanghai()));
      clock_.set(when);
    } else if (verb == "member") {
      add_member(a);
    } else if (verb == "order") {
      r = order(a);
    } else if (verb == "refund") {
      r = refund(a);
    } else if (verb == "apply") {
      apply();
    } else if (verb == "expect") {
      flush();
      check_expect(t);
    } else if (verb == "check") {
      flush();
      ASSIGN_OR_RETURN(CheckReport report, run_check(*db_, clock_.now()));
      EXPECT_TRUE(report.ok) << where() << "recur check found violations";
    } else {
      flush();
      r = other(verb, a);
    }
    return r;
  }

  void compare(const std::string& verb, const Result<Fields>& r, const std::string& expect) {
    if (expect.rfind("error", 0) == 0) {
      std::string want = trim(expect.substr(5));
      EXPECT_FALSE(r.ok()) << where() << verb << " should fail with '" << want << "'";
      if (!r.ok()) {
        EXPECT_NE(r.status().message().find(want), std::string::npos)
            << where() << "error '" << r.status().message() << "' lacks '" << want << "'";
      }
      return;
    }
    if (!r.ok()) {
      ADD_FAILURE() << where() << verb << " failed: " << r.status().to_string();
      return;
    }
    if (expect.empty()) return;
    // In deferred mode an order or refund has no result yet: apply first, then read it back.
    Fields fields = *r;
    if (mode_ == Mode::kDeferred && (verb == "order" || verb == "refund")) {
      flush();
      fields = verb == "order" ? replay_order() : replay_refund();
    }
    for (const std::string& tok : tokenize(expect)) {
      auto eq = tok.find('=');
      ASSERT_NE(eq, std::string::npos) << where() << "expected field=value, got '" << tok << "'";
      std::string k = tok.substr(0, eq), v = tok.substr(eq + 1);
      auto it = fields.find(k);
      if (it == fields.end()) {
        ADD_FAILURE() << where() << verb << " has no result field '" << k << "'";
        continue;
      }
      EXPECT_EQ(it->second, v) << where() << verb << " " << k;
    }
  }

  void load_program_cmd(const Args& a, const std::vector<std::string>& overrides) {
    flush();  // orders so far were applied under the program then in force
    ASSERT_FALSE(a.pos.empty()) << where() << "program default | program FILE";
    std::string file = a.pos[0] == "default"
                           ? std::string(RECUR_SOURCE_DIR) + "/config/program.yaml"
                           : std::string(RECUR_SOURCE_DIR) + "/tests/loyalty/scenarios/" + a.pos[0];
    std::string text = recur::testing::read_file(file);
    ASSERT_FALSE(text.empty()) << where() << "cannot read " << file;
    if (!overrides.empty()) {
      YAML::Node root = YAML::Load(text);
      for (const std::string& o : overrides) {
        auto eq = o.find(" = ");
        ASSERT_NE(eq, std::string::npos) << where() << "override 'path = value', got '" << o << "'";
        set_path(root, trim(o.substr(0, eq)), trim(o.substr(eq + 3)));
      }
      YAML::Emitter em;
      em << root;
      text = em.c_str();
    }
    auto loaded = load_program(*db_, text, path_, clock_.now());
    ASSERT_TRUE(loaded.ok()) << where() << loaded.status().to_string();
    auto engine = open_engine(*db_, clock_);
    ASSERT_TRUE(engine.ok()) << where() << engine.status().to_string();
    engine_ = std::move(engine).value();
  }

  void add_member(const Args& a) {
    ASSERT_EQ(a.pos.size(), 2u) << where() << "member ALIAS IDENTITY [birthday=YYYY-MM-DD]";
    auto tx = store::Transaction::begin(*db_);
    ASSERT_TRUE(tx.ok());
    identity::Merger merger(*db_);
    register_merge_participant(merger);
    identity::Resolver resolver(*db_, merger, clock_);
    ASSERT_TRUE(resolver.begin_batch().ok());
    auto ids = identity::parse_identities(a.pos[1]);
    ASSERT_TRUE(ids.ok()) << where() << ids.status().to_string();
    auto res = resolver.resolve(*ids, "scenario");
    ASSERT_TRUE(res.ok()) << where() << res.status().to_string();
    if (a.has("birthday")) {
      auto st = db_->prepare("UPDATE members SET birthday = ? WHERE member_id = ?");
      st->bind(1, a.get("birthday")).bind(2, res->member);
      ASSERT_TRUE(st->run().ok());
    }
    ASSERT_TRUE((*tx)->commit().ok());
    aliases_[a.pos[0]] = {res->member, ids->front().to_string()};
  }

  struct L {
    std::string category, sku;
    std::int64_t qty;
    Fen price;
  };
  // CATEGORY:SKU:QTYxPRICE,… (the category may be empty)
  static Result<std::vector<L>> parse_lines(const std::string& spec) {
    std::vector<L> lines;
    std::stringstream ss(spec);
    std::string item;
    while (std::getline(ss, item, ',')) {
      auto p2 = item.rfind(':');
      auto p1 = p2 == std::string::npos || p2 == 0 ? std::string::npos : item.rfind(':', p2 - 1);
      if (p1 == std::string::npos || p2 == std::string::npos)
        return invalid_argument("line '" + item + "': CATEGORY:SKU:QTYxPRICE");
      std::string qp = item.substr(p2 + 1);
      auto x = qp.find('x');
      if (x == std::string::npos) return invalid_argument("line '" + item + "': QTYxPRICE");
      auto price = parse_money(qp.substr(x + 1));
      if (!price.ok()) return price.status();
      lines.push_back(L{item.substr(0, p1), item.substr(p1 + 1, p2 - p1 - 1),
                        std::stoll(qp.substr(0, x)), *price});
    }
    return lines;
  }

  // order SOURCE:ID member=REF lines=CATEGORY:SKU:QTYxPRICE,… [at=TIME]
  Result<Fields> order(const Args& a) {
    if (a.pos.empty()) return invalid_argument("order SOURCE:ID member=… lines=…");
    std::string key = a.pos[0];
    auto colon = key.find(':');
    std::string source = key.substr(0, colon), id = key.substr(colon + 1);
    Instant at = time_arg(a);
    std::string member_text;
    // A record naming several members' identities merges them; apply what they earned before,
    // as one-by-one arrival would have.
    if (a.get("member").find('|') != std::string::npos) flush();
    {
      std::string m = a.get("member");
      std::size_t start = 0;
      while (start <= m.size() && !m.empty()) {
        auto bar = m.find('|', start);
        std::string part =
            m.substr(start, bar == std::string::npos ? std::string::npos : bar - start);
        if (!member_text.empty()) member_text += '|';
        member_text += identity_text(part);
        if (bar == std::string::npos) break;
        start = bar + 1;
      }
    }
    ASSIGN_OR_RETURN(std::vector<L> lines, parse_lines(a.get("lines")));
    OrderInput input;
    auto stored = in_tx([&]() -> Result<Fields> {
      identity::Merger merger(*db_);
      register_merge_participant(merger);
      identity::Resolver resolver(*db_, merger, clock_);
      RETURN_IF_ERROR(resolver.begin_batch());
      ASSIGN_OR_RETURN(auto ids, identity::parse_identities(member_text));
      MemberId member = kGuest;
      if (!ids.empty()) {
        ASSIGN_OR_RETURN(identity::Resolution res, resolver.resolve(ids, "order " + key));
        member = res.member;
      }
      Fen paid = 0;
      std::int64_t qty = 0;
      for (const L& l : lines) {
        paid += l.qty * l.price;
        qty += l.qty;
      }
      ASSIGN_OR_RETURN(auto ins,
                       db_->prepare("INSERT INTO orders (source, order_id, member_id, member_ref, "
                                    "channel, paid_at, paid_day, gross_fen, discount_fen, "
                                    "paid_fen, line_count, item_qty) VALUES (?, ?, ?, ?, 'store', "
                                    "?, ?, ?, 0, ?, ?, ?)"));
      ins.bind(1, source).bind(2, id).bind(3, member);
      if (ids.empty())
        ins.bind(4, std::nullopt);
      else
        ins.bind(4, ids.front().to_string());
      ins.bind(5, at.seconds)
          .bind(6, static_cast<std::int64_t>(TimeZone::shanghai().local_date(at).days))
          .bind(7, paid)
          .bind(8, paid)
          .bind(9, static_cast<std::int64_t>(lines.size()))
          .bind(10, qty);
      RETURN_IF_ERROR(ins.run());
      OrderPk pk = db_->last_insert_rowid();
      ASSIGN_OR_RETURN(auto line_st,
                       db_->prepare("INSERT INTO order_lines (order_pk, line_no, member_id, sku, "
                                    "category, qty, unit_price_fen, discount_fen, amount_fen) "
                                    "VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?)"));
      input = OrderInput{key, pk, member, at, {}};
      for (std::size_t i = 0; i < lines.size(); ++i) {
        const L& l = lines[i];
        line_st.reset();
        line_st.bind(1, pk)
            .bind(2, static_cast<std::int64_t>(i + 1))
            .bind(3, member)
            .bind(4, l.sku)
            .bind_optional(5, l.category)
            .bind(6, l.qty)
            .bind(7, l.price)
            .bind(8, l.qty * l.price);
        RETURN_IF_ERROR(line_st.run());
        input.lines.push_back(
            OrderLineInput{static_cast<std::int64_t>(i + 1), l.sku, l.category, l.qty * l.price});
      }
      if (mode_ == Mode::kDeferred || !engine_) return Fields{};
      ASSIGN_OR_RETURN(OrderEffect e, engine_->apply_order(input));
      return order_fields(e);
    });
    last_order_ = key;
    return stored;
  }

  static Fields order_fields(const OrderEffect& e) {
    return Fields{{"points", std::to_string(e.points)},
                  {"growth", std::to_string(e.growth)},
                  {"tier", e.tier_after},
                  {"replayed", e.replayed ? "yes" : "no"}};
  }
  Fields replay_order() {
    auto tx = store::Transaction::begin(*db_);
    auto e = engine_->apply_order(OrderInput{last_order_, 0, 1, {}, {}});
    EXPECT_TRUE(e.ok()) << where() << e.status().to_string();
    Fields f = e.ok() ? order_fields(*e) : Fields{};
    f["replayed"] = "no";
    f["tier"] = e.ok() ? e->tier_after : "";
    return f;
  }

  // refund SOURCE:ORDER_ID [id=REFUND_ID] [sku=SKU] amount=YUAN [at=TIME]
  Result<Fields> refund(const Args& a) {
    if (a.pos.empty()) return invalid_argument("refund SOURCE:ORDER_ID amount=…");
    std::string order = a.pos[0];
    auto colon = order.find(':');
    std::string source = order.substr(0, colon), order_id = order.substr(colon + 1);
    std::string refund_id = a.get("id", order_id + "-R" + std::to_string(++refunds_));
    Fen amount = money_arg(a, "amount");
    Instant at = time_arg(a);
    RefundInput input;
    auto r = in_tx([&]() -> Result<Fields> {
      ASSIGN_OR_RETURN(auto o, db_->prepare("SELECT order_pk, member_id FROM orders WHERE "
                                            "source = ? AND order_id = ?"));
      o.bind(1, source).bind(2, order_id);
      ASSIGN_OR_RETURN(bool found, o.step());
      if (!found) return not_found("no order " + order);
      OrderPk pk = o.column_int64(0);
      MemberId member = o.column_int64(1);
      std::optional<std::int64_t> line_no;
      if (a.has("sku")) {
        ASSIGN_OR_RETURN(auto l, db_->prepare("SELECT line_no FROM order_lines WHERE order_pk = ? "
                                              "AND sku = ? ORDER BY line_no LIMIT 1"));
        l.bind(1, pk).bind(2, a.get("sku"));
        ASSIGN_OR_RETURN(bool has, l.step());
        if (!has) return not_found("no line with sku " + a.get("sku"));
        line_no = l.column_int64(0);
      }
      ASSIGN_OR_RETURN(auto ins, db_->prepare("INSERT INTO refunds (source, refund_id, order_pk, "
                                              "line_no, member_id, refunded_at, qty, amount_fen) "
                                              "VALUES (?, ?, ?, ?, ?, ?, 0, ?)"));
      ins.bind(1, source).bind(2, refund_id).bind(3, pk);
      if (line_no)
        ins.bind(4, *line_no);
      else
        ins.bind(4, std::nullopt);
      ins.bind(5, member).bind(6, at.seconds).bind(7, amount);
      RETURN_IF_ERROR(ins.run());
      input = RefundInput{
          source + ":" + refund_id, db_->last_insert_rowid(), order, line_no, amount, at};
      if (mode_ == Mode::kDeferred || !engine_) return Fields{};
      ASSIGN_OR_RETURN(RefundEffect e, engine_->apply_refund(input));
      return refund_fields(e);
    });
    last_refund_ = source + ":" + refund_id;
    return r;
  }

  static Fields refund_fields(const RefundEffect& e) {
    return Fields{
        {"clawed", std::to_string(e.points_clawed)},   {"debt", std::to_string(e.points_debt)},
        {"settled", std::to_string(e.points_settled)}, {"deducted", format_money(e.deducted_fen)},
        {"growth", std::to_string(e.growth_clawed)},   {"tier", e.tier_after}};
  }
  Fields replay_refund() {
    auto tx = store::Transaction::begin(*db_);
    auto e = engine_->apply_refund(RefundInput{last_refund_, 0, "", std::nullopt, 1, {}});
    EXPECT_TRUE(e.ok()) << where() << e.status().to_string();
    return e.ok() ? refund_fields(*e) : Fields{};
  }

  Result<Fields> other(const std::string& verb, const Args& a) {
    if (!engine_) return failed_precondition("load a program first");
    auto key = [&](const std::string& fallback) { return a.get("key", fallback); };
    if (verb == "adjust") {
      return in_tx([&]() -> Result<Fields> {
        ASSIGN_OR_RETURN(AdjustEffect e,
                         engine_->adjust(AdjustInput{
                             live(a.pos.at(0)), int_arg(a, "points"), int_arg(a, "growth"),
                             a.get("reason", "scenario"), key(""), time_arg(a)}));
        return Fields{{"balance", std::to_string(e.points_balance)},
                      {"growth", std::to_string(e.growth_balance)},
                      {"delta", std::to_string(e.points)},
                      {"tier", e.tier_after},
                      {"replayed", e.replayed ? "yes" : "no"}};
      });
    }
    if (verb == "redeem") {
      return in_tx([&]() -> Result<Fields> {
        ASSIGN_OR_RETURN(RedeemEffect e,
                         engine_->redeem(RedeemInput{live(a.pos.at(0)), money_arg(a, "order"),
                                                     int_arg(a, "points"), a.get("reference"),
                                                     key(""), time_arg(a)}));
        return Fields{{"points", std::to_string(e.points)},
                      {"discount", format_money(e.discount_fen)},
                      {"cash", format_money(e.cash_fen)},
                      {"ratio", std::to_string(e.points_per_yuan)},
                      {"balance", std::to_string(e.points_balance)},
                      {"replayed", e.replayed ? "yes" : "no"}};
      });
    }
    if (verb == "quote") {
      ASSIGN_OR_RETURN(
          RedemptionQuote q,
          engine_->quote_redemption(live(a.pos.at(0)), money_arg(a, "order"), time_arg(a)));
      return Fields{{"max_points", std::to_string(q.max_points)},
                    {"max_discount", format_money(q.max_discount_fen)},
                    {"cap", format_money(q.cap_fen)},
                    {"ratio", std::to_string(q.points_per_yuan)},
                    {"usable", std::to_string(q.usable)}};
    }
    if (verb == "task") {
      return in_tx([&]() -> Result<Fields> {
        ASSIGN_OR_RETURN(Task task, parse_task(a.pos.at(1)));
        Instant at = time_arg(a);
        std::string k = key(a.pos.at(1) + ":" + a.pos.at(0) + ":" +
                            TimeZone::shanghai().local_date(at).to_string());
        ASSIGN_OR_RETURN(TaskEffect e, engine_->complete_task(live(a.pos.at(0)), task, k, at));
        return Fields{{"points", std::to_string(e.points)},
                      {"growth", std::to_string(e.growth)},
                      {"streak", std::to_string(e.streak)},
                      {"bonus", std::to_string(e.bonus_points)},
                      {"tier", e.tier_after},
                      {"replayed", e.replayed ? "yes" : "no"}};
      });
    }
    if (verb == "expire") {
      return in_tx([&]() -> Result<Fields> {
        Date d = date_arg(a, "as_of");
        ASSIGN_OR_RETURN(ExpireSummary s, engine_->expire(d, key(d.to_string())));
        return Fields{{"lots", std::to_string(s.lots)},
                      {"points", std::to_string(s.points)},
                      {"members", std::to_string(s.members)},
                      {"replayed", s.replayed ? "yes" : "no"}};
      });
    }
    if (verb == "evaluate") {
      return in_tx([&]() -> Result<Fields> {
        Date d = date_arg(a, "as_of");
        ASSIGN_OR_RETURN(TierRunSummary s, engine_->evaluate_tiers(d, key(d.to_string())));
        return Fields{{"members", std::to_string(s.members)},
                      {"upgraded", std::to_string(s.upgraded)},
                      {"downgraded", std::to_string(s.downgraded)},
                      {"grace_started", std::to_string(s.grace_started)},
                      {"kept", std::to_string(s.kept)},
                      {"requalified", std::to_string(s.requalified)},
                      {"replayed", s.replayed ? "yes" : "no"}};
      });
    }
    if (verb == "merge") {
      return in_tx([&]() -> Result<Fields> {
        identity::Merger merger(*db_);
        register_merge_participant(merger);
        ASSIGN_OR_RETURN(identity::MergeRecord rec,
                         merger.merge(live(a.pos.at(0)), live(a.pos.at(1)),
                                      identity::MergeReason::kManual, "scenario", clock_.now()));
        last_merge_ = rec.merge_id;
        return Fields{{"merge", std::to_string(rec.merge_id)}};
      });
    }
    if (verb == "unmerge") {
      return in_tx([&]() -> Result<Fields> {
        identity::Merger merger(*db_);
        register_merge_participant(merger);
        MergeId id = a.pos.empty() || a.pos[0] == "last" ? last_merge_ : std::stoll(a.pos[0]);
        ASSIGN_OR_RETURN(identity::UnmergeResult u, merger.unmerge(id, clock_.now()));
        return Fields{{"orders", std::to_string(u.orders)}};
      });
    }
    if (verb == "topup" || verb == "wallet_spend" || verb == "wallet_refund" ||
        verb == "withdraw" || verb == "cashback" || verb == "clawback" || verb == "wallet_adjust" ||
        verb == "wallet_expire")
      return wallet_command(verb, a);
    if (verb == "coupon") return coupon(a);
    if (verb == "mall") return mall(a);
    if (verb == "checkout" || verb == "settle_refund") return settlement(verb, a);
    return invalid_argument("unknown command '" + verb + "'");
  }

  // Stored value and cashback. Result fields: principal, bonus, cashback (how much each balance
  // moved, ¥, unsigned), paid_out, deducted (¥), replayed; wallet_expire: lots, members,
  // cashback.
  Result<Fields> wallet_command(const std::string& verb, const Args& a) {
    return in_tx([&]() -> Result<Fields> {
      ASSIGN_OR_RETURN(auto w, open_wallet(*db_, clock_));
      Instant at = time_arg(a);
      const std::string k = a.get("key");
      if (verb == "wallet_expire") {
        Date d = date_arg(a, "as_of");
        ASSIGN_OR_RETURN(WalletExpireSummary s, w->expire(d, a.get("key", d.to_string())));
        return Fields{{"lots", std::to_string(s.lots)},
                      {"members", std::to_string(s.members)},
                      {"cashback", format_money(s.cashback)},
                      {"replayed", s.replayed ? "yes" : "no"}};
      }
      Result<WalletEffect> e = internal_error("?");
      if (verb == "topup") {
        e = w->topup(live(a.pos.at(0)), money_arg(a, "amount"), at, k);
      } else if (verb == "wallet_spend") {
        e = w->spend(live(a.pos.at(0)), money_arg(a, "amount"), a.get("order"), at, k);
      } else if (verb == "wallet_refund") {
        e = w->refund_spend(a.get("order"), money_arg(a, "amount"), at, k);
      } else if (verb == "withdraw") {
        e = a.has("topup") ? w->withdraw_topup(live(a.pos.at(0)), a.get("topup"), at, k)
                           : w->withdraw_amount(live(a.pos.at(0)), money_arg(a, "amount"), at, k);
      } else if (verb == "cashback") {
        CashbackInput in{
            live(a.pos.at(0)), a.get("order"), money_arg(a, "net"), a.get("channel"), {}, at, k};
        // lines=CATEGORY:YUAN,…
        std::stringstream ss(a.get("lines"));
        std::string item;
        while (std::getline(ss, item, ',')) {
          auto colon = item.rfind(':');
          ASSIGN_OR_RETURN(Fen amount, parse_money(item.substr(colon + 1)));
          in.lines.push_back(CashbackLine{item.substr(0, colon), amount});
        }
        e = w->earn_cashback(in);
      } else if (verb == "clawback") {
        e = w->clawback_cashback(a.get("order"), money_arg(a, "refunded"), at, k);
      } else if (verb == "wallet_adjust") {
        ASSIGN_OR_RETURN(WalletAccount acc, parse_wallet_account(a.get("account")));
        e = w->adjust(live(a.pos.at(0)), acc, money_arg(a, "amount"), a.get("reason", "scenario"),
                      at, k);
      }
      if (!e.ok()) return e.status();
      auto abs_money = [](Fen f) { return format_money(f < 0 ? -f : f); };
      return Fields{
          {"principal", abs_money(e->change.principal)}, {"bonus", abs_money(e->change.bonus)},
          {"cashback", abs_money(e->change.cashback)},   {"paid_out", format_money(e->paid_out)},
          {"deducted", format_money(e->deducted)},       {"replayed", e->replayed ? "yes" : "no"}};
    });
  }

  // expect principal|bonus|cashback|cashback_balance|spendable|wallet_lots REF = VALUE
  bool wallet_expect(const std::string& what, const std::string& ref, const std::string& want) {
    if (what == "stored_liability") {
      auto l = wallet_liability(*db_, clock_.now());
      EXPECT_TRUE(l.ok()) << where() << l.status().to_string();
      if (l.ok()) {
        EXPECT_EQ(format_money(l->owed_fen), want) << where() << "expect " << what;
      }
      return true;
    }
    if (what != "principal" && what != "bonus" && what != "cashback" &&
        what != "cashback_balance" && what != "spendable" && what != "wallet_lots")
      return false;
    auto w = open_wallet(*db_, clock_);
    EXPECT_TRUE(w.ok()) << where() << w.status().to_string();
    if (!w.ok()) return true;
    auto s = (*w)->state(member_of(ref), clock_.now());
    EXPECT_TRUE(s.ok()) << where() << s.status().to_string();
    if (!s.ok()) return true;
    std::string got;
    if (what == "principal")
      got = format_money(s->balance.principal);
    else if (what == "bonus")
      got = format_money(s->balance.bonus);
    else if (what == "cashback")
      got = format_money(s->cashback_usable);
    else if (what == "cashback_balance")
      got = format_money(s->balance.cashback);
    else if (what == "spendable")
      got = format_money(s->spendable());
    else {
      // ACCOUNT:REMAINING@LAST_VALID_DAY, in the order state() lists them
      for (const WalletLot& l : s->lots) {
        std::string through =
            l.expires_at
                ? TimeZone::shanghai().local_date(Instant{l.expires_at->seconds - 1}).to_string()
                : "never";
        got += (got.empty() ? "" : " ") + std::string(wallet_account_name(l.account)) + ":" +
               format_money(l.remaining) + "@" + through;
      }
      if (got.empty()) got = "none";
    }
    EXPECT_EQ(got, want) << where() << "expect " << what << " " << ref;
    return true;
  }

  // A coupon named by `as=` when issued, or its id.
  std::int64_t coupon_ref(const std::string& ref) {
    auto it = coupon_aliases_.find(ref);
    if (it != coupon_aliases_.end()) return it->second;
    return std::stoll(ref);
  }

  static Fields change_fields(const CouponChange& c) {
    return Fields{{"state", std::string(coupon_state_name(c.state))},
                  {"order", c.order_key},
                  {"replayed", c.replayed ? "yes" : "no"}};
  }
  static Fields run_fields(const CouponRun& r) {
    return Fields{{"coupons", std::to_string(r.coupons)},
                  {"members", std::to_string(r.members)},
                  {"skipped", std::to_string(r.skipped)},
                  {"points", std::to_string(r.points)},
                  {"replayed", r.replayed ? "yes" : "no"}};
  }

  // coupon issue|lock|use|release|revoke|refund|expire|monthly|birthday … (README.md)
  // checkout SOURCE:ID REF lines=… [coupon=NAME|ID] [points=N] [wallet=YUAN] [channel=C]
  // settle_refund SOURCE:ID [line=N] amount=YUAN id=REFUND_ID
  Result<Fields> settlement(const std::string& verb, const Args& a) {
    if (a.pos.empty()) return invalid_argument(verb + " SOURCE:ID …");
    return in_tx([&]() -> Result<Fields> {
      CouponBook book(*engine_);
      auto opened = open_wallet(*db_, clock_);
      std::unique_ptr<Wallet> wallet = opened.ok() ? std::move(*opened) : nullptr;
      Settlement settle(*engine_, book, wallet.get());
      if (verb == "checkout") {
        CheckoutInput in;
        in.order_key = a.pos[0];
        in.member = live(a.pos.at(1));
        in.channel = a.get("channel", "store");
        in.at = time_arg(a);
        ASSIGN_OR_RETURN(std::vector<L> lines, parse_lines(a.get("lines")));
        for (std::size_t i = 0; i < lines.size(); ++i)
          in.lines.push_back(CheckoutLine{static_cast<std::int64_t>(i + 1), lines[i].sku,
                                          lines[i].category, lines[i].qty * lines[i].price});
        if (a.has("coupon")) in.coupon_id = coupon_ref(a.get("coupon"));
        in.points = int_arg(a, "points");
        if (a.has("wallet")) in.wallet = money_arg(a, "wallet");
        ASSIGN_OR_RETURN(CheckoutEffect e, settle.checkout(in));
        return Fields{{"goods", format_money(e.goods)},
                      {"coupon", format_money(e.coupon)},
                      {"points", std::to_string(e.points)},
                      {"points_fen", format_money(e.points_fen)},
                      {"wallet", format_money(e.wallet)},
                      {"cash", format_money(e.cash)},
                      {"earned", std::to_string(e.earned_points)},
                      {"growth", std::to_string(e.earned_growth)},
                      {"cashback", format_money(e.cashback)},
                      {"tier", e.tier_after},
                      {"replayed", e.replayed ? "yes" : "no"}};
      }
      SettlementRefundInput in;
      in.key = a.pos[0].substr(0, a.pos[0].find(':') + 1) + a.get("id");
      in.order_key = a.pos[0];
      if (a.has("line")) in.line_no = int_arg(a, "line");
      in.amount = money_arg(a, "amount");
      in.at = time_arg(a);
      ASSIGN_OR_RETURN(SettlementRefundEffect e, settle.refund(in));
      return Fields{{"goods", format_money(e.goods)},
                    {"points_returned", std::to_string(e.points_returned)},
                    {"wallet", format_money(e.wallet)},
                    {"cash", format_money(e.cash)},
                    {"deducted", format_money(e.deducted)},
                    {"uncovered", format_money(e.uncovered)},
                    {"clawed", std::to_string(e.points_clawed)},
                    {"growth", std::to_string(e.growth_clawed)},
                    {"cashback", format_money(e.cashback_clawed)},
                    {"coupon", e.coupon_returned ? "returned" : "kept"},
                    {"full", e.full ? "yes" : "no"},
                    {"tier", e.tier_after},
                    {"replayed", e.replayed ? "yes" : "no"}};
    });
  }

  Result<Fields> coupon(const Args& a) {
    if (a.pos.empty()) return invalid_argument("coupon issue|lock|use|release|revoke|…");
    const std::string& sub = a.pos[0];
    CouponBook book(*engine_);
    std::string key = a.get("key");
    return in_tx([&]() -> Result<Fields> {
      if (sub == "issue") {
        ASSIGN_OR_RETURN(IssueEffect e, book.issue(IssueInput{live(a.pos.at(1)), a.pos.at(2), key,
                                                              time_arg(a), "operator", ""}));
        if (a.has("as")) coupon_aliases_[a.get("as")] = e.coupon.coupon_id;
        const TimeZone& tz = TimeZone::shanghai();
        return Fields{
            {"id", std::to_string(e.coupon.coupon_id)},
            {"state", std::string(coupon_state_name(e.coupon.state))},
            {"valid_from", tz.local_date(e.coupon.valid_from).to_string()},
            {"valid_through", tz.local_date(Instant{e.coupon.valid_until.seconds - 1}).to_string()},
            {"budget", format_money(e.coupon.budget_fen)},
            {"replayed", e.replayed ? "yes" : "no"}};
      }
      if (sub == "lock") {
        ASSIGN_OR_RETURN(CouponChange c, book.lock(coupon_ref(a.pos.at(1)), live(a.pos.at(2)),
                                                   a.get("order"), key, time_arg(a)));
        return change_fields(c);
      }
      if (sub == "use") {
        CouponOrder o;
        o.order_key = a.get("order");
        o.channel = a.get("channel", "store");
        o.at = time_arg(a);
        if (a.has("shipping")) o.shipping_fen = money_arg(a, "shipping");
        ASSIGN_OR_RETURN(std::vector<L> lines, parse_lines(a.get("lines")));
        for (const L& l : lines) o.lines.push_back({l.sku, l.category, l.qty * l.price});
        ASSIGN_OR_RETURN(UseEffect e, book.use(coupon_ref(a.pos.at(1)), live(a.pos.at(2)), o, key));
        return Fields{{"discount", format_money(e.discount_fen)},
                      {"in_scope", format_money(e.in_scope_fen)},
                      {"gift", e.gift_sku.empty() ? "none" : e.gift_sku},
                      {"replayed", e.replayed ? "yes" : "no"}};
      }
      if (sub == "release") {
        ASSIGN_OR_RETURN(CouponChange c, book.release(coupon_ref(a.pos.at(1)), key, time_arg(a)));
        return change_fields(c);
      }
      if (sub == "revoke") {
        ASSIGN_OR_RETURN(CouponChange c,
                         book.revoke(coupon_ref(a.pos.at(1)), a.get("reason"), key, time_arg(a)));
        return change_fields(c);
      }
      if (sub == "refund") {
        ASSIGN_OR_RETURN(RefundReturn r,
                         book.return_for_refund(a.pos.at(1), std::nullopt, a.get("full") == "yes",
                                                time_arg(a), key));
        return Fields{{"returned", std::to_string(r.returned)},
                      {"kept", std::to_string(r.kept)},
                      {"replayed", r.replayed ? "yes" : "no"}};
      }
      if (sub == "expire") {
        Date d = date_arg(a, "as_of");
        ASSIGN_OR_RETURN(CouponRun r,
                         book.expire(d, a.get("key", "coupon-expire:" + d.to_string())));
        return run_fields(r);
      }
      if (sub == "monthly") {
        auto first = parse_date(a.get("month") + "-01");
        if (!first.ok()) return first.status();
        ASSIGN_OR_RETURN(
            CouponRun r,
            book.issue_monthly(*first, time_arg(a), a.get("key", "monthly:" + a.get("month"))));
        return run_fields(r);
      }
      if (sub == "birthday") {
        Date d = date_arg(a, "day");
        ASSIGN_OR_RETURN(CouponRun r,
                         book.issue_birthday(d, a.get("key", "birthday:" + d.to_string())));
        return run_fields(r);
      }
      return invalid_argument("unknown coupon command '" + sub + "'");
    });
  }

  // mall exchange REF ITEM key=K [as=NAME] [coupon_as=NAME] · mall cancel NAME key=K
  Result<Fields> mall(const Args& a) {
    if (a.pos.empty()) return invalid_argument("mall exchange|cancel …");
    const std::string& sub = a.pos[0];
    Mall m(*engine_);
    return in_tx([&]() -> Result<Fields> {
      if (sub == "exchange") {
        ASSIGN_OR_RETURN(ExchangeEffect e, m.exchange(ExchangeInput{live(a.pos.at(1)), a.pos.at(2),
                                                                    a.get("key"), time_arg(a)}));
        if (a.has("as")) exchange_aliases_[a.get("as")] = e.exchange_id;
        if (a.has("coupon_as") && e.coupon_id) coupon_aliases_[a.get("coupon_as")] = *e.coupon_id;
        return Fields{{"points", std::to_string(e.points)},
                      {"cash", format_money(e.cash_fen)},
                      {"balance", std::to_string(e.points_balance)},
                      {"coupon", e.coupon_id ? "yes" : "none"},
                      {"stock_left", e.stock_left ? std::to_string(*e.stock_left) : "unlimited"},
                      {"replayed", e.replayed ? "yes" : "no"}};
      }
      if (sub == "cancel") {
        auto it = exchange_aliases_.find(a.pos.at(1));
        std::int64_t id = it != exchange_aliases_.end() ? it->second : std::stoll(a.pos.at(1));
        ASSIGN_OR_RETURN(CancelEffect e, m.cancel(id, a.get("key"), time_arg(a)));
        return Fields{{"points", std::to_string(e.points)},
                      {"lots", std::to_string(e.lots)},
                      {"balance", std::to_string(e.points_balance)},
                      {"coupon_revoked", e.coupon_revoked ? "yes" : "none"},
                      {"replayed", e.replayed ? "yes" : "no"}};
      }
      return invalid_argument("unknown mall command '" + sub + "'");
    });
  }

  // expect WHAT [REF] = VALUE
  void check_expect(const std::vector<std::string>& t) {
    auto eq = std::find(t.begin(), t.end(), "=");
    ASSERT_NE(eq, t.end()) << where() << "expect WHAT [REF] = VALUE";
    std::string what = t.at(1);
    std::string ref = eq - t.begin() > 2 ? t.at(2) : "";
    std::string want;
    for (auto it = eq + 1; it != t.end(); ++it) want += (want.empty() ? "" : " ") + *it;
    if (what == "liability" || what == "liability_points") {
      auto l = points_liability(*db_, engine_->program(), clock_.now());
      ASSERT_TRUE(l.ok()) << where() << l.status().to_string();
      std::string got =
          what == "liability" ? format_money(l->value_fen) : std::to_string(l->points);
      EXPECT_EQ(got, want) << where() << "expect " << what;
      return;
    }
    if (wallet_expect(what, ref, want)) return;
    if (what == "coupons" || what == "coupon" || what == "mall_stock") {
      std::string got;
      if (what == "coupons") {
        // The member's coupons (held now, any state) by id: TEMPLATE:STATE …
        auto st = db_->prepare(
            "SELECT template, state FROM coupons WHERE member_id = ? ORDER BY coupon_id");
        ASSERT_TRUE(st.ok());
        st->bind(1, member_of(ref));
        while (*st->step())
          got += (got.empty() ? "" : " ") + st->column_string(0) + ":" + st->column_string(1);
        if (got.empty()) got = "none";
      } else if (what == "coupon") {
        auto st = db_->prepare("SELECT state FROM coupons WHERE coupon_id = ?");
        st->bind(1, coupon_ref(ref));
        got = *st->step() ? st->column_string(0) : "missing";
      } else {
        auto st = db_->prepare("SELECT remaining FROM mall_stock WHERE item = ?");
        st->bind(1, ref);
        got = *st->step() ? st->column_string(0) : "untouched";
      }
      EXPECT_EQ(got, want) << where() << "expect " << what << " " << ref;
      return;
    }
    MemberId m = member_of(ref);
    auto state = engine_->member_state(m, clock_.now());
    ASSERT_TRUE(state.ok()) << where() << state.status().to_string();
    const AccountState& acct = state->account;
    std::string got;
    if (what == "points")
      got = std::to_string(acct.points);
    else if (what == "usable")
      got = std::to_string(state->usable);
    else if (what == "pending")
      got = std::to_string(state->pending);
    else if (what == "debt")
      got = std::to_string(acct.points_debt);
    else if (what == "growth")
      got = std::to_string(acct.growth);
    else if (what == "qualifying")
      got = std::to_string(state->qualifying_growth);
    else if (what == "tier")
      got = acct.tier;
    else if (what == "grace")
      got = acct.grace_until ? acct.grace_until->to_string() : "none";
    else if (what == "value")
      got = format_money(state->value_fen);
    else if (what == "lots") {
      for (const Lot& l : state->lots) {
        std::string through =
            l.expires_at
                ? TimeZone::shanghai().local_date(Instant{l.expires_at->seconds - 1}).to_string()
                : "never";
        got += (got.empty() ? "" : " ") + std::to_string(l.remaining) + "@" + through;
      }
      if (got.empty()) got = "none";
    } else {
      FAIL() << where() << "unknown expectation '" << what << "'";
    }
    EXPECT_EQ(got, want) << where() << "expect " << what << " " << ref;
  }

  std::string path_;
  Mode mode_;
  int line_ = 0;
  int executed_ = 0;     // commands run through execute()
  std::string db_file_;  // empty: a fresh store in dir_
  recur::testing::TempDir dir_;
  std::unique_ptr<store::Database> db_;
  ManualClock clock_{recur::testing::kTestNow};
  std::unique_ptr<LoyaltyEngine> engine_;
  std::map<std::string, std::pair<MemberId, std::string>> aliases_;  // alias -> (id, identity)
  std::string last_order_, last_refund_;
  MergeId last_merge_ = 0;
  int refunds_ = 0;
  std::map<std::string, std::int64_t> coupon_aliases_, exchange_aliases_;
};

Scenario::Scenario(std::string path, Mode mode)
    : impl_(std::make_unique<Impl>(std::move(path), mode)) {}
Scenario::Scenario(std::string path, Mode mode, std::string db_file)
    : impl_(std::make_unique<Impl>(std::move(path), mode, std::move(db_file))) {}
Scenario::~Scenario() = default;

void Scenario::run() {
  impl_->run();
}
void Scenario::open() {
  impl_->open();
}
store::Database& Scenario::db() {
  return impl_->db();
}
Instant Scenario::now() const {
  return impl_->now();
}
Result<Scenario::Fields> Scenario::execute(const std::string& command,
                                           const std::vector<std::string>& overrides) {
  return impl_->execute(command, overrides);
}
void Scenario::settle() {
  impl_->settle();
}
std::string Scenario::snapshot() {
  return impl_->snapshot();
}
std::vector<std::string> Scenario::check_failures() {
  return impl_->check_failures();
}
std::string Scenario::dump() {
  return impl_->dump();
}

}  // namespace recur::loyalty::scenario
