// Random scenarios for the whole loyalty ledger: a seeded generator writes a script in the
// scenario format (scenarios/README.md) that mixes every operation an operator, a till or an
// import can perform — orders, refunds, redemptions, tasks, adjustments, daily jobs, merges and
// unmerges, stored value, cashback, coupons, the mall, checkouts and their refunds, program
// changes — over two years of a small store, and replays of earlier commands with their keys.
//
// Each script runs through scenario_runner.h twice, immediate and deferred, and must hold:
//   1. recur check finds nothing wrong, every kCheckEvery commands and at the end;
//   2. a command that fails leaves every table as it was (nothing half-applied);
//   3. a command replayed with its idempotency key succeeds as a replay and changes nothing;
//   4. the imported orders and refunds the generator writes are valid, and are all accepted;
//   5. both modes give every other command the same result and end with the same ledger;
//   6. the ledger's roll-forward closes every account at the sum of its balances.
// On a failure the test prints the script so far; RECUR_FUZZ_SCRIPT=FILE runs a saved one.
//
// RECUR_FUZZ_SEEDS=N and RECUR_FUZZ_STEPS=N run more and longer scripts (a soak run); the
// default keeps the test to a few seconds. RECUR_FUZZ_TRACE=1 prints each command with its result
// (or why it was refused) as it runs.

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <sstream>
#include <thread>

#include "core/money.h"
#include "core/time.h"
#include "loyalty/ledger_report.h"
#include "scenario_runner.h"
#include "test_util.h"

namespace recur::loyalty {
namespace {

using scenario::Mode;
using scenario::Scenario;

constexpr int kCheckEvery = 10;

int env_int(const char* name, int fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::atoi(v) : fallback;
}

// One command of a script and what the generator expects of it.
struct Command {
  enum Kind {
    kSetup,   // program, at, member: must succeed (fatal failures otherwise)
    kImport,  // order, refund: valid by construction, must succeed
    kMaybe,   // may fail; a failure changes nothing
    kReplay,  // a replay of an earlier command: succeeds as a replay, changes nothing
  };
  std::string text;
  Kind kind = kMaybe;
  std::vector<std::string> overrides;  // a `program` line's
};

std::string yuan(Fen fen) {
  return format_money(fen);
}

// Writes a random script, one command at a time, learning from each result what exists (the
// coupons issued, the exchanges made, the checkouts paid) so that later commands name them.
class Generator {
 public:
  // `tag` marks every key and order id the generator makes, so that generators writing to one
  // store at once never reuse each other's; without `program_changes` it never loads another
  // program after the opening.
  explicit Generator(std::uint64_t seed, std::string tag = "", bool program_changes = true)
      : rng_(seed), tag_(std::move(tag)), program_changes_(program_changes) {}

  std::vector<Command> opening() {
    std::vector<Command> out;
    out.push_back(program_command());
    out.push_back({"at " + now_text(), Command::kSetup, {}});
    for (int i = 1; i <= kMembers; ++i) {
      std::string line =
          "member m" + std::to_string(i) + " phone:1380000" + std::to_string(1000 + i);
      if (chance(0.5)) {
        line += " birthday=19" + std::to_string(70 + pick(0, 29)) + "-" + two(pick(1, 12)) + "-" +
                two(pick(1, 28));
      }
      out.push_back({line, Command::kSetup, {}});
    }
    return out;
  }

  // The next command: an order most often, then everything else.
  // Each seed weighs the kinds of command its own way (a base mix, each kind scaled by 1/3 to 3),
  // so that some scripts are mostly merges and stored value, others mostly coupons: sequences
  // rare in the base mix (a refund after an unmerge, then a merge again) come up.
  Command next() {
    if (weights_.empty()) {
      static constexpr double kBase[] = {250, 80, 40, 30, 50, 30, 20, 90, 130, 40, 110, 60, 5, 65};
      std::uniform_real_distribution<double> scale(-1.0986, 1.0986);  // e^±ln 3
      for (double w : kBase) weights_.push_back(w * std::exp(scale(rng_)));
      if (!program_changes_) weights_[12] = 0;
    }
    std::discrete_distribution<int> kind(weights_.begin(), weights_.end());
    switch (kind(rng_)) {
      case 0:
        return order();
      case 1:
        return refund();
      case 2:
        return redeem();
      case 3:
        return adjust();
      case 4:
        return task();
      case 5:
        return daily_job();
      case 6:
        return merge();
      case 7:
        return wallet();
      case 8:
        return coupon();
      case 9:
        return mall();
      case 10:
        return checkout();
      case 11:
        return settle_refund();
      case 12:
        return program_command();
      default:
        return replay();
    }
  }

  // Moves the clock on; returns the `at` line.
  Command advance() {
    const int roll = pick(0, 99);
    if (roll < 70)
      minutes_ += pick(1, 360);
    else if (roll < 95)
      minutes_ += pick(1, 5) * 1440 + pick(0, 600);
    else
      minutes_ += pick(20, 60) * 1440;
    import_second_ = 0;
    return {"at " + now_text(), Command::kSetup, {}};
  }

  // What the last command's result taught: what it created (a coupon, an exchange, a checkout,
  // a top-up) exists from now on, and it may be replayed.
  void learn(const Command& c, const Result<Scenario::Fields>& r) {
    std::vector<std::function<void()>> on_success;
    on_success.swap(on_success_);
    if (trace_)
      fmt::print(stderr, "{} => {}\n", c.text, r.ok() ? "ok" : std::string(r.status().message()));
    if (!r.ok() || c.kind == Command::kReplay) return;
    for (auto& f : on_success) f();
    if (auto it = r->find("merge"); it != r->end()) merges_.push_back(it->second);
    if (auto it = r->find("replayed");
        c.kind == Command::kMaybe && it != r->end() && it->second == "no")
      replayable_.push_back(c.text);
  }

 private:
  static constexpr int kMembers = 8;

  struct Line {
    std::string text, sku;  // text: CATEGORY:SKU:QTYxPRICE
    Fen amount = 0, refunded = 0;
  };
  struct Order {
    std::string key;
    std::vector<Line> lines;
    bool whole_refunded = false;  // an order-level refund was made: only those from now on
    Fen total() const {
      Fen t = 0;
      for (const Line& l : lines) t += l.amount;
      return t;
    }
    Fen refunded() const {
      Fen t = 0;
      for (const Line& l : lines) t += l.refunded;
      return t;
    }
  };
  struct Spend {
    std::string order;
    Fen amount = 0;
  };
  // A coupon as the generator last saw it succeed: what it may do next is a guess (merges move
  // holders, daily jobs expire coupons, refunds give used ones back), good enough to aim with.
  struct Coupon {
    enum State { kIssued, kLocked, kUsed, kGone };
    std::string name, holder;  // holder: the member alias it was issued to
    State state = kIssued;
    std::string lock_order;  // while locked: the order it is held for
    std::int32_t issued_day = 0;
  };
  Coupon new_coupon(std::string name, std::string holder) const {
    Coupon c;
    c.name = std::move(name);
    c.holder = std::move(holder);
    c.issued_day = today().days;
    return c;
  }

  int pick(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
  bool chance(double p) { return std::bernoulli_distribution(p)(rng_); }
  template <typename T>
  const T& any(const std::vector<T>& v) {
    return v[static_cast<std::size_t>(pick(0, static_cast<int>(v.size()) - 1))];
  }
  // fmt here rather than "literal" + std::string: GCC 12 at -O3 warns (-Wrestrict) on that.
  static std::string two(int n) { return fmt::format("{:02}", n); }
  std::string member() { return fmt::format("m{}", pick(1, kMembers)); }
  // Imported orders and refunds each get a second of their own: apply_pending puts an order
  // before a refund at the same instant (apply.h), where arrival order may not.
  std::string import_at() {
    ++import_second_;
    return " at=" + today().to_string() + "T" + now_text().substr(11) + ":" + two(import_second_);
  }
  std::string key(const char* what) { return tag_ + what + "-" + std::to_string(++keys_); }
  Date today() const { return Date{static_cast<std::int32_t>(minutes_ / 1440)}; }
  std::string now_text() const {
    const std::int64_t m = minutes_ % 1440;
    return today().to_string() + " " + two(static_cast<int>(m / 60)) + ":" +
           two(static_cast<int>(m % 60));
  }

  Command program_command() {
    std::vector<std::string> o;
    auto maybe = [&](double p, std::string line) {
      if (chance(p)) o.push_back(std::move(line));
    };
    maybe(0.5, "points.pending_days = 0");
    maybe(0.4, "points.refund.spent_points = deduct_from_refund");
    const int mode = pick(0, 2);
    if (mode == 1) o.push_back("tier_evaluation.mode = lifetime");
    if (mode == 2) {
      o.push_back("tier_evaluation.mode = periodic");
      maybe(0.5, "tier_evaluation.anchor = attained");
    }
    if (chance(0.3)) {
      o.push_back("points.expiry.policy = rolling_days");
      o.push_back("points.expiry.days = " + std::to_string(pick(20, 120)));
    }
    maybe(0.2, "points.expiry.policy = never");
    const int spend = pick(0, 2);
    if (spend == 1) o.push_back("stored_value.spend_order = bonus_first");
    if (spend == 2) o.push_back("stored_value.spend_order = proportional");
    maybe(0.4, "stored_value.withdrawal = forfeit_bonus");
    maybe(0.4, "stored_value.cashback.spend = last");
    maybe(0.3, "coupons.refund_policy = never");
    maybe(0.3, "redemption.min_points = 1");
    return {"program default", Command::kSetup, o};
  }

  std::vector<Line> lines(int most) {
    static const char* const kCategories[] = {"服饰/上衣", "母婴/奶粉", "3C/手机", "礼品卡",
                                              "食品/零食"};
    std::vector<Line> out;
    const int n = pick(1, most);
    for (int i = 0; i < n; ++i) {
      Line l;
      l.sku = fmt::format("K{}", ++skus_);
      const int qty = pick(1, 3);
      const Fen price = pick(0, 9) < 7 ? pick(990, 29900) : pick(30000, 250000);
      l.amount = qty * price;
      l.text = std::string(kCategories[pick(0, 4)]) + ":" + l.sku + ":" + std::to_string(qty) +
               "x" + yuan(price);
      out.push_back(l);
    }
    return out;
  }
  static std::string lines_text(const std::vector<Line>& ls) {
    std::string t;
    for (const Line& l : ls) t += (t.empty() ? "" : ",") + l.text;
    return t;
  }

  Command order() {
    Order o;
    o.key = "shop:" + tag_ + "o" + std::to_string(++orders_made_);
    o.lines = lines(3);
    std::string who = member();
    if (chance(0.03)) who += "|" + member();  // one record naming two members merges them
    orders_.push_back(o);
    return {"order " + o.key + " member=" + who + " lines=" + lines_text(o.lines) + import_at(),
            Command::kImport,
            {}};
  }

  // An order of `from` with something left to refund, or null.
  Order* open_order(std::vector<Order>& from) {
    std::vector<Order*> open;
    for (Order& o : from)
      if (o.refunded() < o.total()) open.push_back(&o);
    return open.empty() ? nullptr : any(open);
  }

  // A refund of `o` that the model knows is valid: of one line (its index), or of the order —
  // the engine spreads that over the lines, so no line refunds after the first one. Books it on
  // the lines, to know what is left.
  struct RefundPick {
    std::optional<std::size_t> line;
    Fen amount = 0;
  };
  RefundPick pick_refund(Order& o) {
    if (!o.whole_refunded && chance(0.6)) {
      std::vector<std::size_t> open;
      for (std::size_t i = 0; i < o.lines.size(); ++i)
        if (o.lines[i].refunded < o.lines[i].amount) open.push_back(i);
      const std::size_t i = any(open);
      Line& l = o.lines[i];
      const Fen left = l.amount - l.refunded;
      const Fen amount = chance(0.4) ? left : pick(1, static_cast<int>(left));
      l.refunded += amount;
      return {i, amount};
    }
    const Fen left = o.total() - o.refunded();
    const Fen amount = chance(0.45) ? left : pick(1, static_cast<int>(left));
    o.whole_refunded = true;
    Fen rest = amount;
    for (Line& l : o.lines) {
      const Fen take = std::min(rest, l.amount - l.refunded);
      l.refunded += take;
      rest -= take;
    }
    return {std::nullopt, amount};
  }

  Command refund() {
    Order* o = open_order(orders_);
    if (!o) return order();
    const RefundPick r = pick_refund(*o);
    const std::string line = r.line ? " sku=" + o->lines[*r.line].sku : "";
    return {"refund " + o->key + line + " amount=" + yuan(r.amount) + " id=r" + tag_ +
                std::to_string(++refunds_) + import_at(),
            Command::kImport,
            {}};
  }

  Command redeem() {
    return {"redeem " + member() + " order=" + yuan(pick(1000, 60000)) +
                " points=" + std::to_string(pick(1, 40) * 50) + " key=" + key("redeem"),
            Command::kMaybe,
            {}};
  }

  Command adjust() {
    std::string t = "adjust " + member();
    if (chance(0.8)) t += " points=" + std::to_string(pick(-3000, 8000));
    if (chance(0.4)) t += " growth=" + std::to_string(pick(-2000, 6000));
    return {t + " reason=\"fuzz\" key=" + key("adjust"), Command::kMaybe, {}};
  }

  Command task() {
    static const char* const kTasks[] = {"sign_in", "review", "share", "invite",
                                         "profile_completion"};
    return {
        "task " + member() + " " + kTasks[pick(0, 4)] + " key=" + key("task"), Command::kMaybe, {}};
  }

  Command daily_job() {
    const std::string d = today().to_string();
    switch (pick(0, 5)) {
      case 0:
        return {"expire as_of=" + d + " key=" + key("expire"), Command::kMaybe, {}};
      case 1:
        return {"evaluate as_of=" + d + " key=" + key("evaluate"), Command::kMaybe, {}};
      case 2:
        return {"wallet_expire as_of=" + d + " key=" + key("wexpire"), Command::kMaybe, {}};
      case 3:
        return {"coupon expire as_of=" + d + " key=" + key("cexpire"), Command::kMaybe, {}};
      case 4:
        return {"coupon monthly month=" + d.substr(0, 7) + " key=" + key("monthly"),
                Command::kMaybe,
                {}};
      default:
        return {"coupon birthday day=" + d + " key=" + key("birthday"), Command::kMaybe, {}};
    }
  }

  // Merges, and unmerges of the last merge or of any earlier one (those a record naming two
  // members made have ids the generator did not see: it tries one past the last it knows).
  Command merge() {
    if (chance(0.2)) return {"unmerge last", Command::kMaybe, {}};
    if (chance(0.25)) {
      std::string id = std::to_string(merges_.size() + 1);
      if (!merges_.empty() && chance(0.8)) id = any(merges_);
      return {"unmerge " + id, Command::kMaybe, {}};
    }
    return {"merge " + member() + " " + member(), Command::kMaybe, {}};
  }

  Command wallet() {
    const std::string k = key("wallet");
    switch (pick(0, 8)) {
      case 0:
      case 1: {
        static const int kAmounts[] = {10, 50, 100, 500, 1000, 1200};
        const std::string who = member();
        on_success_.push_back([this, k, who] {
          topups_.push_back(k);
          funded_.push_back(who);
        });
        return {"topup " + who + " amount=" + std::to_string(kAmounts[pick(0, 5)]) + " key=" + k,
                Command::kMaybe,
                {}};
      }
      case 2: {
        Spend s{"pay:" + tag_ + std::to_string(++spends_made_), pick(100, 40000)};
        on_success_.push_back([this, s] { spends_.push_back(s); });
        return {"wallet_spend " + funded() + " amount=" + yuan(s.amount) + " order=" + s.order +
                    " key=" + k,
                Command::kMaybe,
                {}};
      }
      case 3: {
        if (spends_.empty()) return order();
        const Spend& s = any(spends_);
        return {
            "wallet_refund order=" + s.order + " amount=" + yuan(pick(1, s.amount)) + " key=" + k,
            Command::kMaybe,
            {}};
      }
      case 4:
        if (!topups_.empty() && chance(0.5))
          return {
              "withdraw " + funded() + " topup=" + any(topups_) + " key=" + k, Command::kMaybe, {}};
        return {"withdraw " + funded() + " amount=" + yuan(pick(100, 50000)) + " key=" + k,
                Command::kMaybe,
                {}};
      case 5:
      case 6: {
        if (orders_.empty()) return order();
        const Order& o = any(orders_);
        on_success_.push_back([this, o] { cashback_orders_.push_back(o); });
        return {
            "cashback " + member() + " order=" + o.key + " net=" + yuan(o.total()) + " key=" + k,
            Command::kMaybe,
            {}};
      }
      case 7: {
        if (cashback_orders_.empty()) return order();
        const Order& o = any(cashback_orders_);
        return {"clawback order=" + o.key + " refunded=" + yuan(pick(1, 1 + o.total() / 2)) +
                    " key=" + k,
                Command::kMaybe,
                {}};
      }
      default: {
        static const char* const kAccounts[] = {"principal", "bonus", "cashback"};
        return {"wallet_adjust " + (chance(0.5) ? funded() : member()) +
                    " account=" + kAccounts[pick(0, 2)] + " amount=" + yuan(pick(-5000, 20000)) +
                    " reason=\"fuzz\" key=" + k,
                Command::kMaybe,
                {}};
      }
    }
  }

  // A member that topped up, mostly; anyone sometimes.
  std::string funded() { return funded_.empty() || chance(0.2) ? member() : any(funded_); }

  // A coupon and, mostly, the member it was issued to (the runner follows merges); mostly one
  // the generator believes usable (issued or locked in the last few weeks: most coupons are
  // valid for a month), else any; now and then a coupon that does not exist.
  std::optional<Coupon> coupon_pick() {
    if (coupons_.empty() || chance(0.04)) return new_coupon("999999", member());
    std::vector<const Coupon*> live;
    for (const Coupon& c : coupons_)
      if ((c.state == Coupon::kIssued || c.state == Coupon::kLocked) &&
          today().days - c.issued_day <= 20)
        live.push_back(&c);
    if (live.empty() && chance(0.85)) return std::nullopt;  // issue one first, mostly
    Coupon c;
    if (!live.empty() && chance(0.9)) {
      c = *any(live);
    } else {
      const int n = static_cast<int>(coupons_.size());
      c = chance(0.7) ? coupons_[static_cast<std::size_t>(pick(std::max(0, n - 4), n - 1))]
                      : any(coupons_);
    }
    if (chance(0.08)) c.holder = member();
    return c;
  }
  Coupon* coupon_named(const std::string& name) {
    for (Coupon& c : coupons_)
      if (c.name == name) return &c;
    return nullptr;
  }
  // After a command on coupon `name` succeeds: its state is `state`, held for `order`.
  void on_coupon(const std::string& name, Coupon::State state, std::string order = "") {
    on_success_.push_back([this, name, state, order] {
      if (Coupon* c = coupon_named(name)) {
        c->state = state;
        c->lock_order = order;
      }
    });
  }
  // The order a command using coupon `c` pays: the one it is locked to, mostly, if it is locked
  // (using a coupon on the order it is held for is the lock's purpose); else `fresh`.
  std::string order_for(const Coupon& c, std::string fresh) {
    if (c.state == Coupon::kLocked && !c.lock_order.empty() && chance(0.85)) return c.lock_order;
    return fresh;
  }

  Command coupon() {
    static const char* const kTemplates[] = {"silver_monthly_10_off_99",
                                             "gold_monthly_20_off_199",
                                             "diamond_monthly_50_off_299",
                                             "free_shipping",
                                             "birthday_10_off",
                                             "formula_95_off",
                                             "mall_5_off",
                                             "wipes_gift"};
    const std::string k = key("coupon");
    const int roll = pick(0, 9);
    std::optional<Coupon> picked;
    if (roll >= 4 && !coupons_.empty()) picked = coupon_pick();
    if (!picked) {
      const Coupon c = new_coupon("c" + std::to_string(++coupons_made_), member());
      on_success_.push_back([this, c] { coupons_.push_back(c); });
      return {
          "coupon issue " + c.holder + " " + kTemplates[pick(0, 7)] + " key=" + k + " as=" + c.name,
          Command::kMaybe,
          {}};
    }
    const Coupon& c = *picked;
    switch (roll) {
      case 4: {
        // Held for an order still to come: a `coupon use` or a checkout (which then names the
        // coupon's order, see order_for), or now and then one that never comes.
        const int to = pick(0, 9);
        const std::string order = to < 4 ? "use:" + tag_ + std::to_string(++uses_)
                                  : to < 8
                                      ? "till:" + tag_ + "k" + std::to_string(++checkouts_made_)
                                      : "lock:" + tag_ + std::to_string(pick(1, 50));
        on_coupon(c.name, Coupon::kLocked, order);
        return {"coupon lock " + c.name + " " + c.holder + " order=" + order + " key=" + k,
                Command::kMaybe,
                {}};
      }
      case 5: {
        std::vector<const Coupon*> locked;
        for (const Coupon& l : coupons_)
          if (l.state == Coupon::kLocked) locked.push_back(&l);
        const std::string name = locked.empty() || chance(0.2) ? c.name : any(locked)->name;
        on_coupon(name, Coupon::kIssued);
        return {"coupon release " + name + " key=" + k, Command::kMaybe, {}};
      }
      case 6:
      case 7: {
        const std::string order = order_for(c, "use:" + tag_ + std::to_string(++uses_));
        on_success_.push_back([this, order] { used_orders_.push_back(order); });
        on_coupon(c.name, Coupon::kUsed);
        return {"coupon use " + c.name + " " + c.holder + " order=" + order + " channel=" +
                    (chance(0.5) ? "online" : "store") + " lines=" + lines_text(lines(3)) +
                    (chance(0.3) ? " shipping=" + yuan(pick(0, 2500)) : "") + " key=" + k,
                Command::kMaybe,
                {}};
      }
      case 8:
        on_coupon(c.name, Coupon::kGone);
        return {"coupon revoke " + c.name + " reason=\"fuzz\" key=" + k, Command::kMaybe, {}};
      default:
        if (used_orders_.empty()) return order();
        return {"coupon refund " + any(used_orders_) + " full=" + (chance(0.5) ? "yes" : "no") +
                    " key=" + k,
                Command::kMaybe,
                {}};
    }
  }

  Command mall() {
    static const char* const kItems[] = {"coupon_5", "wipes_pack", "thermos_cash", "gold_tea_set"};
    if (exchanges_.empty() || chance(0.7)) {
      const std::string name = "e" + std::to_string(++exchanges_made_), who = member();
      const int item = pick(0, 3);
      on_success_.push_back([this, name] { exchanges_.push_back(name); });
      std::string coupon;
      if (item == 0) {  // coupon_5 issues a coupon
        const Coupon c = new_coupon("c" + std::to_string(++coupons_made_), who);
        coupon = " coupon_as=" + c.name;
        on_success_.push_back([this, c] { coupons_.push_back(c); });
      }
      return {"mall exchange " + who + " " + kItems[item] + " key=" + key("mall") + " as=" + name +
                  coupon,
              Command::kMaybe,
              {}};
    }
    return {"mall cancel " + any(exchanges_) + " key=" + key("mall"), Command::kMaybe, {}};
  }

  Command checkout() {
    Order o;
    o.key = "till:" + tag_ + "k" + std::to_string(++checkouts_made_);
    o.lines = lines(3);
    std::string who = member(), coupon;
    if (std::optional<Coupon> c; chance(0.4) && (c = coupon_pick())) {
      who = c->holder;
      coupon = " coupon=" + c->name;
      o.key = order_for(*c, o.key);
      on_coupon(c->name, Coupon::kUsed);
    }
    const bool wallet = chance(0.3);
    if (wallet && coupon.empty() && chance(0.6)) who = funded();  // someone with stored value
    std::string t = "checkout " + o.key + " " + who + " lines=" + lines_text(o.lines) + coupon;
    if (chance(0.4)) t += " points=" + std::to_string(pick(1, 20) * 100);
    if (wallet)
      t += " wallet=" + yuan(pick(100, static_cast<int>(std::min<Fen>(o.total(), 50000))));
    if (chance(0.3)) t += " channel=online";
    on_success_.push_back([this, o] { checkouts_.push_back(o); });
    return {t, Command::kMaybe, {}};
  }

  Command settle_refund() {
    Order* o = open_order(checkouts_);
    if (!o) return checkout();
    const RefundPick r = pick_refund(*o);
    const std::string line = r.line ? " line=" + std::to_string(*r.line + 1) : "";
    return {"settle_refund " + o->key + line + " amount=" + yuan(r.amount) + " id=sr" + tag_ +
                std::to_string(++refunds_),
            Command::kMaybe,
            {}};
  }

  Command replay() {
    if (replayable_.empty()) return order();
    return {any(replayable_), Command::kReplay, {}};
  }

  std::mt19937_64 rng_;
  std::string tag_;
  bool program_changes_ = true;
  bool trace_ = env_int("RECUR_FUZZ_TRACE", 0) != 0;
  std::vector<double> weights_;  // of the kinds of command next() picks, drawn on first use
  std::int64_t minutes_ =
      static_cast<std::int64_t>(Date::from_ymd(2024, 1, 5).days) * 1440 + 10 * 60;
  int import_second_ = 0;
  int keys_ = 0, skus_ = 0, orders_made_ = 0, refunds_ = 0, coupons_made_ = 0, uses_ = 0;
  int exchanges_made_ = 0, checkouts_made_ = 0, spends_made_ = 0;
  std::vector<Order> orders_, checkouts_, cashback_orders_;
  std::vector<Spend> spends_;
  std::vector<Coupon> coupons_;
  std::vector<std::string> exchanges_, topups_, funded_, used_orders_, replayable_;
  std::vector<std::string> merges_;                // ids of merges the generator made
  std::vector<std::function<void()>> on_success_;  // what the last command creates
};

std::string script_text(const std::vector<Command>& script) {
  std::string out;
  for (const Command& c : script) {
    out += c.text;
    if (c.kind == Command::kReplay) out += "   # replay";
    out += "\n";
    for (const std::string& o : c.overrides) out += "  " + o + "\n";
  }
  return out;
}

std::string outcome(const Result<Scenario::Fields>& r) {
  if (!r.ok()) return "error: " + std::string(r.status().message());
  std::string out;
  for (const auto& [k, v] : *r) out += k + "=" + v + " ";
  return out;
}

// Runs `c` on `s` and checks properties 2–4; returns its result.
Result<Scenario::Fields> run_one(Scenario& s, const Command& c, std::size_t index) {
  const std::string where = "command " + std::to_string(index + 1) + " '" + c.text + "': ";
  if (c.kind == Command::kSetup || c.kind == Command::kImport) {
    Result<Scenario::Fields> r = s.execute(c.text, c.overrides);
    EXPECT_TRUE(r.ok()) << where << r.status().to_string();
    return r;
  }
  s.settle();
  const std::string before = s.snapshot();
  Result<Scenario::Fields> r = s.execute(c.text, c.overrides);
  if (c.kind == Command::kReplay) {
    EXPECT_TRUE(r.ok()) << where << "a replay failed: " << r.status().to_string();
    if (r.ok()) {
      EXPECT_EQ(r->at("replayed"), "yes") << where << "not reported as a replay";
    }
  }
  if (!r.ok() || c.kind == Command::kReplay) {
    s.settle();
    const std::string after = s.snapshot();
    EXPECT_TRUE(after == before) << where << (r.ok() ? "the replay" : "the failed command")
                                 << " changed the store";
  }
  return r;
}

// Property 6: the ledger's roll-forward (ledger_report.h) closes every account at the sum of the
// balances it explains, and a period's closing is the next one's opening.
void expect_roll_forward_adds_up(Scenario& s) {
  s.settle();
  store::Database& db = s.db();
  const Instant end{4102444800};  // 2100-01-01: after every entry, imports' seconds included
  auto all = roll_forward(db, Instant{0}, end);
  ASSERT_TRUE(all.ok()) << all.status().to_string();
  const std::map<std::string, std::string> balance_sql = {
      {"points", "SELECT COALESCE(SUM(points), 0) FROM loyalty_accounts"},
      {"growth", "SELECT COALESCE(SUM(growth), 0) FROM loyalty_accounts"},
      {"coupon", "SELECT COUNT(*) FROM coupons WHERE state IN ('issued', 'locked')"},
      {"stored_principal", "SELECT COALESCE(SUM(principal), 0) FROM wallet_accounts"},
      {"stored_bonus", "SELECT COALESCE(SUM(bonus), 0) FROM wallet_accounts"},
      {"cashback", "SELECT COALESCE(SUM(cashback), 0) FROM wallet_accounts"}};
  for (const auto& [account, sql] : balance_sql) {
    std::int64_t closing = 0;
    for (const auto& a : all->accounts)
      if (a.account == account) closing = a.closing;
    EXPECT_EQ(closing, recur::testing::count(db, sql)) << "the roll-forward of " << account;
  }
  // Split at the clock's day: the two halves meet.
  const Instant mid = TimeZone::shanghai().start_of_day(TimeZone::shanghai().local_date(s.now()));
  auto first = roll_forward(db, Instant{0}, mid), second = roll_forward(db, mid, end);
  ASSERT_TRUE(first.ok() && second.ok());
  for (const auto& b : second->accounts) {
    std::int64_t closing = 0;
    for (const auto& a : first->accounts)
      if (a.account == b.account) closing = a.closing;
    EXPECT_EQ(b.opening, closing) << b.account << " opens where it closed";
    EXPECT_EQ(b.closing, b.opening + b.in - b.out) << b.account;
  }
}

void expect_check_clean(Scenario& s, std::size_t index) {
  s.settle();
  for (const std::string& f : s.check_failures())
    ADD_FAILURE() << "after command " << index + 1 << ": recur check: " << f;
}

// The deferred run follows the script the immediate run wrote (or read) and must see the same
// results; then both ledgers must be equal.
void follow_deferred(const std::string& name, const std::vector<Command>& script,
                     const std::vector<std::string>& results, Scenario& immediate) {
  Scenario deferred(name + " (deferred)", Mode::kDeferred);
  deferred.open();
  for (std::size_t i = 0; i < script.size() && !::testing::Test::HasFailure(); ++i) {
    const Command& c = script[i];
    const std::string got = outcome(run_one(deferred, c, i));
    const std::string verb = c.text.substr(0, c.text.find(' '));
    if (verb != "order" && verb != "refund") {
      EXPECT_EQ(got, results[i]) << "command " << i + 1 << " '" << c.text
                                 << "': deferred and immediate results differ";
    }
    if ((i + 1) % kCheckEvery == 0) expect_check_clean(deferred, i);
  }
  deferred.settle();
  expect_check_clean(deferred, script.size() - 1);
  if (!::testing::Test::HasFailure()) {
    EXPECT_EQ(immediate.dump(), deferred.dump())
        << "bulk import + apply must leave the same ledger as applying orders one by one";
  }
}

// How often each command succeeded and why the others failed, over the whole run: a generator
// whose commands mostly fail tests little. Printed with RECUR_FUZZ_STATS=1.
struct Stats {
  std::map<std::string, std::pair<int, int>> by_verb;  // ok, failed
  std::map<std::string, int> errors;                   // verb + the error's first words

  void add(const Command& c, const std::string& result) {
    std::vector<std::string> t = scenario::tokenize(c.text);
    std::string verb = t[0];
    if ((verb == "coupon" || verb == "mall") && t.size() > 1) verb += " " + t[1];
    if (c.kind == Command::kReplay) verb += " (replay)";
    const bool failed = result.rfind("error: ", 0) == 0;
    auto& [ok, bad] = by_verb[verb];
    ++(failed ? bad : ok);
    if (!failed) return;
    // The English part, numbers and ¥ amounts as N: one line per kind of refusal.
    std::string why = result.substr(7, result.find(" (", 7) - 7), shape;
    for (char ch : why)
      if (!(std::isdigit(static_cast<unsigned char>(ch)) || ch == '.') || shape.empty() ||
          shape.back() != 'N')
        shape += std::isdigit(static_cast<unsigned char>(ch)) ? 'N' : ch;
    ++errors[verb + ": " + shape.substr(0, 64)];
  }
  void print() const {
    for (const auto& [verb, n] : by_verb)
      std::fprintf(stderr, "%-28s ok %6d  failed %6d\n", verb.c_str(), n.first, n.second);
    for (const auto& [e, n] : errors) std::fprintf(stderr, "%6d  %s\n", n, e.c_str());
  }
};
Stats g_stats;

void fuzz(std::uint64_t seed, int steps) {
  const std::string name = "fuzz seed " + std::to_string(seed);
  SCOPED_TRACE(name);
  Generator gen(seed);
  std::vector<Command> script = gen.opening();
  std::vector<std::string> results;

  // The immediate run writes the script, learning from each result.
  Scenario immediate(name + " (immediate)", Mode::kImmediate);
  immediate.open();
  auto run = [&](std::size_t i) {
    Result<Scenario::Fields> r = run_one(immediate, script[i], i);
    results.push_back(outcome(r));
    return r;
  };
  for (std::size_t i = 0; i < script.size(); ++i) (void)run(i);
  const std::size_t opened = script.size();
  for (int n = 0; n < steps && !::testing::Test::HasFailure(); ++n) {
    if (n % 3 == 0) {
      script.push_back(gen.advance());
      (void)run(script.size() - 1);
    }
    script.push_back(gen.next());
    gen.learn(script.back(), run(script.size() - 1));
    if ((n + 1) % kCheckEvery == 0) expect_check_clean(immediate, script.size() - 1);
  }
  expect_check_clean(immediate, script.size() - 1);
  expect_roll_forward_adds_up(immediate);
  for (std::size_t i = opened; i < script.size(); ++i) g_stats.add(script[i], results[i]);
  follow_deferred(name, script, results, immediate);
  if (::testing::Test::HasFailure() || env_int("RECUR_FUZZ_PRINT", 0))
    std::fprintf(stderr, "--- the script (seed %llu) ---\n%s---\n",
                 static_cast<unsigned long long>(seed), script_text(script).c_str());
}

// Several generators at once on one store, each on a thread and a connection of its own, as
// tills, imports and an operator are: every command is its own transaction and waits for the
// store's write lock. Each thread keeps its own clock, so events reach the store out of time
// order — the ledger's invariants must hold whatever the times. Properties: no command fails for
// the store's sake (a lock, an I/O or internal error): only domain refusals; imports are all
// accepted; replays answer as replays; afterwards recur check is clean and the roll-forward
// closes every account at the sum of its balances.
void fuzz_concurrently(std::uint64_t seed, int threads, int steps) {
  const std::string name = "concurrent seed " + std::to_string(seed);
  SCOPED_TRACE(name);
  recur::testing::TempDir dir;
  const std::string file = dir.file("shared.db");
  Generator first(seed);
  const std::vector<Command> opening = first.opening();
  {
    Scenario setup(name, Mode::kImmediate, file);
    setup.open();
    for (const Command& c : opening) ASSERT_TRUE(setup.execute(c.text, c.overrides).ok()) << c.text;
  }
  std::vector<std::vector<Command>> scripts(static_cast<std::size_t>(threads));
  std::mutex mu;
  std::vector<std::string> problems;
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      const std::string tag = "t" + std::to_string(t) + "-";
      std::vector<Command>& script = scripts[static_cast<std::size_t>(t)];
      Scenario s(name + " " + tag, Mode::kImmediate, file);
      s.open();
      // The program in force (loading its text again changes nothing) and the members' aliases.
      for (const Command& c : opening) (void)s.execute(c.text, c.overrides);
      Generator gen(seed * 1000 + static_cast<std::uint64_t>(t) + 1, tag, false);
      for (int n = 0; n < steps; ++n) {
        if (n % 3 == 0) {
          script.push_back(gen.advance());
          (void)s.execute(script.back().text);
        }
        script.push_back(gen.next());
        const Command& c = script.back();
        Result<Scenario::Fields> r = s.execute(c.text, c.overrides);
        std::string problem;
        if (!r.ok() && (r.status().code() == StatusCode::kIoError ||
                        r.status().code() == StatusCode::kInternal))
          problem = "failed for the store's sake: " + r.status().to_string();
        else if (c.kind == Command::kImport && !r.ok())
          problem = "an import was refused: " + r.status().to_string();
        else if (c.kind == Command::kReplay && (!r.ok() || r->at("replayed") != "yes"))
          problem = "a replay did not answer as one: " + outcome(r);
        {
          std::lock_guard<std::mutex> lock(mu);
          g_stats.add(c, outcome(r));
          if (!problem.empty()) problems.push_back(tag + " '" + c.text + "': " + problem);
        }
        gen.learn(c, r);
      }
    });
  }
  for (std::thread& th : pool) th.join();
  for (const std::string& p : problems) ADD_FAILURE() << p;
  Scenario after(name + " (after)", Mode::kImmediate, file);
  after.open();
  for (const std::string& f : after.check_failures()) ADD_FAILURE() << "recur check: " << f;
  expect_roll_forward_adds_up(after);
  if (::testing::Test::HasFailure() || env_int("RECUR_FUZZ_PRINT", 0)) {
    for (std::size_t t = 0; t < scripts.size(); ++t)
      std::fprintf(stderr, "--- thread %zu (seed %llu) ---\n%s---\n", t,
                   static_cast<unsigned long long>(seed), script_text(scripts[t]).c_str());
  }
}

// A script as script_text() writes it: `# replay` marks replays; program, at and member lines are
// set-up, order and refund lines imports, anything else may fail.
std::vector<Command> parse_script(const std::string& text) {
  std::vector<Command> out;
  std::stringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    if (line[0] == ' ') {
      if (!out.empty()) out.back().overrides.push_back(scenario::trim(line));
      continue;
    }
    Command c;
    c.kind = Command::kMaybe;
    if (auto mark = line.find("   # replay"); mark != std::string::npos) {
      line = line.substr(0, mark);
      c.kind = Command::kReplay;
    }
    c.text = scenario::trim(line);
    const std::string verb = c.text.substr(0, c.text.find(' '));
    if (verb == "program" || verb == "at" || verb == "member") c.kind = Command::kSetup;
    if (verb == "order" || verb == "refund") c.kind = Command::kImport;
    out.push_back(c);
  }
  return out;
}

// RECUR_FUZZ_SCRIPT=FILE runs a script a failing seed printed (trimmed by hand, say) instead.
void replay_script(const std::string& path) {
  const std::vector<Command> script = parse_script(recur::testing::read_file(path));
  ASSERT_FALSE(script.empty()) << "no commands in " << path;
  Scenario immediate(path + " (immediate)", Mode::kImmediate);
  immediate.open();
  std::vector<std::string> results;
  for (std::size_t i = 0; i < script.size(); ++i) {
    results.push_back(outcome(run_one(immediate, script[i], i)));
    if ((i + 1) % kCheckEvery == 0) expect_check_clean(immediate, i);
  }
  expect_check_clean(immediate, script.size() - 1);
  follow_deferred(path, script, results, immediate);
}

TEST(LedgerFuzz, RandomScriptsKeepTheLedgerConsistent) {
  if (const char* path = std::getenv("RECUR_FUZZ_SCRIPT"); path && *path) {
    replay_script(path);
    return;
  }
  const int seeds = env_int("RECUR_FUZZ_SEEDS", 4);
  const int steps = env_int("RECUR_FUZZ_STEPS", 250);
  const int first = env_int("RECUR_FUZZ_FIRST_SEED", 1);
  for (int seed = first; seed < first + seeds && !::testing::Test::HasFailure(); ++seed)
    fuzz(static_cast<std::uint64_t>(seed), steps);
  if (env_int("RECUR_FUZZ_STATS", 0)) g_stats.print();
}

// RECUR_FUZZ_THREADS=N threads (default 4) for RECUR_FUZZ_SEEDS seeds of RECUR_FUZZ_STEPS / 2
// commands each.
TEST(LedgerFuzz, ConcurrentScriptsKeepTheLedgerConsistent) {
  const int seeds = env_int("RECUR_FUZZ_SEEDS", 2);
  const int steps = env_int("RECUR_FUZZ_STEPS", 250) / 2;
  const int threads = env_int("RECUR_FUZZ_THREADS", 4);
  const int first = env_int("RECUR_FUZZ_FIRST_SEED", 1);
  for (int seed = first; seed < first + seeds && !::testing::Test::HasFailure(); ++seed)
    fuzz_concurrently(static_cast<std::uint64_t>(seed), threads, steps);
  if (env_int("RECUR_FUZZ_STATS", 0)) g_stats.print();
}

}  // namespace
}  // namespace recur::loyalty
