// recur coupon templates|issue|list|show|lock|use|release|revoke|refund|expire|monthly|birthday
// — coupons (优惠券) and the coupon book. See docs/loyalty.md and docs/cli.md.

#include <fmt/format.h>

#include <cstdio>
#include <functional>
#include <map>
#include <string>

#include "cli/cli_args.h"
#include "cli/cli_context.h"
#include "core/json_writer.h"
#include "identity/member_view.h"
#include "identity/merge.h"
#include "loyalty/coupon_book.h"
#include "loyalty/decimal.h"
#include "loyalty/engine.h"
#include "loyalty/settlement.h"
#include "store/audit.h"
#include "store/settings.h"

namespace recur::cli {
namespace {

// Runs `fn` with the coupon book of the program in force (in one write transaction if `write`).
int with_book(Context& ctx, bool write,
              const std::function<Status(store::Database&, loyalty::CouponBook&)>& fn) {
  return with_engine(ctx, write, [&](store::Database& db, loyalty::LoyaltyEngine& engine) {
    loyalty::CouponBook book(engine);
    return fn(db, book);
  });
}

std::string through(const TimeZone& tz, Instant until) {
  return tz.local_date(Instant{until.seconds - 1}).to_string();
}

// An unused coupon outside its validity now: the daily `coupon expire` has not written it off
// yet, or its first day is still to come. Empty for a coupon that can be used now or is not
// unused.
std::string_view validity_note(const loyalty::Coupon& c, Instant now) {
  if (c.state != loyalty::CouponState::kIssued && c.state != loyalty::CouponState::kLocked)
    return {};
  if (now >= c.valid_until) return "past validity";
  if (now < c.valid_from) return "not valid yet";
  return {};
}

void write_coupon(JsonWriter& w, const loyalty::Coupon& c, const TimeZone& tz, Instant now) {
  const std::string_view note = validity_note(c, now);
  w.begin_object()
      .field("coupon_id", c.coupon_id)
      .field("template", c.template_key)
      .field("member_id", c.member)
      .field("origin_member", c.origin_member)
      .field("state", loyalty::coupon_state_name(c.state))
      .field("source", c.source)
      .field("source_ref", c.source_ref)
      .field("issued_at", tz.format(c.issued_at))
      .field("valid_from", tz.format(c.valid_from))
      .field("valid_through", through(tz, c.valid_until))
      .field("budget_fen", c.budget_fen)
      .field("order", c.order_key)
      .field("discount_fen", c.discount_fen)
      .field("reason", c.reason)
      .field("usable_now", c.state == loyalty::CouponState::kIssued && note.empty())
      .field("validity_note", note)
      .end_object();
}

void print_coupon(const loyalty::Coupon& c, const TimeZone& tz, Instant now) {
  std::printf("  #%-7lld %-28s %-8s valid %s … %s  budget ¥%s", static_cast<long long>(c.coupon_id),
              c.template_key.c_str(), std::string(loyalty::coupon_state_name(c.state)).c_str(),
              tz.local_date(c.valid_from).to_string().c_str(), through(tz, c.valid_until).c_str(),
              format_money(c.budget_fen).c_str());
  if (!c.order_key.empty()) std::printf("  order %s", c.order_key.c_str());
  if (c.state == loyalty::CouponState::kUsed)
    std::printf("  ¥%s off", format_money(c.discount_fen).c_str());
  if (!c.reason.empty()) std::printf("  (%s)", c.reason.c_str());
  const std::string_view note = validity_note(c, now);
  if (note == "past validity")
    std::printf("  past validity 已过有效期 (recur coupon expire writes it off)");
  else if (!note.empty())
    std::printf("  not valid yet 未到使用时间");
  std::printf("\n");
}

int templates(Context& ctx, bool json) {
  return with_book(ctx, false, [&](store::Database& db, loyalty::CouponBook& book) -> Status {
    const loyalty::Program& p = book.engine().program();
    JsonWriter w;
    w.begin_array();
    if (!json)
      std::printf("coupon templates 券模板 (program version %d, refund policy %s)\n",
                  book.engine().program_version(),
                  std::string(loyalty::coupon_refund_policy_name(p.coupons.refund_policy)).c_str());
    // One pass over the coupons for every template's counts (not one per template).
    struct Counts {
      std::int64_t out = 0, used = 0, open = 0;
      Fen budget = 0, actual = 0;
    };
    std::map<std::string, Counts, std::less<>> counts;
    ASSIGN_OR_RETURN(auto st, db.prepare("SELECT template, COUNT(*), SUM(state = 'used'), "
                                         "SUM(state IN ('issued', 'locked')), SUM(budget_fen), "
                                         "SUM(CASE WHEN state = 'used' THEN discount_fen ELSE 0 "
                                         "END) FROM coupons WHERE state != 'revoked' "
                                         "GROUP BY template"));
    while (true) {
      ASSIGN_OR_RETURN(bool row, st.step());
      if (!row) break;
      counts[st.column_string(0)] =
          Counts{st.column_int64(1), st.column_int64(2), st.column_int64(3), st.column_int64(4),
                 st.column_int64(5)};
    }
    for (const loyalty::CouponTemplate& t : p.coupons.templates) {
      const auto found = counts.find(t.key);
      const Counts c = found == counts.end() ? Counts{} : found->second;
      const std::int64_t out = c.out, used = c.used, open = c.open;
      const Fen budget = c.budget, actual = c.actual;
      if (json) {
        w.begin_object()
            .field("key", t.key)
            .field("name", t.name)
            .field("type", loyalty::coupon_type_name(t.type))
            .field("stock", t.stock)
            .field("issued", out)
            .field("unused", open)
            .field("used", used)
            .field("budget_fen", budget)
            .field("actual_fen", actual)
            .end_object();
      } else {
        std::string what;
        switch (t.type) {
          case loyalty::CouponType::kThresholdOff:
            what = fmt::format("满¥{}减¥{}", format_money(t.threshold), format_money(t.amount));
            break;
          case loyalty::CouponType::kPercentOff:
            what = fmt::format("×{} (cap ¥{})", loyalty::format_milli(t.rate_milli),
                               format_money(t.cap));
            break;
          case loyalty::CouponType::kNoThreshold:
            what = fmt::format("¥{} off", format_money(t.amount));
            break;
          case loyalty::CouponType::kFreeShipping:
            what = fmt::format("free shipping (cap ¥{})", format_money(t.cap));
            break;
          case loyalty::CouponType::kGift:
            what = "gift " + t.gift_sku;
            break;
        }
        std::printf(
            "  %-28s %-14s %-26s issued %lld%s · unused %lld · used %lld · budget ¥%s · "
            "actual ¥%s  %s\n",
            t.key.c_str(), std::string(loyalty::coupon_type_name(t.type)).c_str(), what.c_str(),
            static_cast<long long>(out), t.stock ? fmt::format("/{}", t.stock).c_str() : "",
            static_cast<long long>(open), static_cast<long long>(used),
            format_money(budget).c_str(), format_money(actual).c_str(), t.name.c_str());
      }
    }
    w.end_array();
    if (json) std::printf("%s\n", w.str().c_str());
    return Status();
  });
}

struct IssueArgs {
  std::string ref, template_key, key, at;
  bool json = false;
};

int issue(Context& ctx, const IssueArgs& a) {
  return with_book(ctx, true, [&](store::Database& db, loyalty::CouponBook& book) -> Status {
    ASSIGN_OR_RETURN(MemberId m, live_member(db, a.ref));
    ASSIGN_OR_RETURN(Instant at, when(ctx, db, a.at));
    ASSIGN_OR_RETURN(loyalty::IssueEffect e, book.issue(loyalty::IssueInput{
                                                 m, a.template_key, a.key, at, "operator", "cli"}));
    if (!e.replayed)
      RETURN_IF_ERROR(store::append_audit(db, ctx.clock.now(), "cli", "coupon.issue",
                                          std::to_string(m),
                                          fmt::format("{} (key {})", a.template_key, a.key)));
    const TimeZone& tz = book.engine().zone();
    if (a.json) {
      JsonWriter w;
      w.begin_object().field("replayed", e.replayed).key("coupon");
      write_coupon(w, e.coupon, tz, ctx.clock.now());
      w.end_object();
      std::printf("%s\n", w.str().c_str());
    } else {
      std::printf("%s\n", e.replayed ? "already issued (重复请求, 未变更):" : "issued 已发券:");
      print_coupon(e.coupon, tz, ctx.clock.now());
    }
    return Status();
  });
}

int list(Context& ctx, const std::string& ref, bool all, bool json) {
  return with_book(ctx, false, [&](store::Database& db, loyalty::CouponBook& book) -> Status {
    ASSIGN_OR_RETURN(MemberId m, live_member(db, ref));
    ASSIGN_OR_RETURN(auto coupons, book.list(m, !all));
    const TimeZone& tz = book.engine().zone();
    if (json) {
      JsonWriter w;
      w.begin_object().field("member_id", m).key("coupons").begin_array();
      for (const auto& c : coupons) write_coupon(w, c, tz, ctx.clock.now());
      w.end_array().end_object();
      std::printf("%s\n", w.str().c_str());
      return Status();
    }
    std::printf("member 会员 %lld: %zu %scoupon(s) 券\n", static_cast<long long>(m), coupons.size(),
                all ? "" : "unused ");
    for (const auto& c : coupons) print_coupon(c, tz, ctx.clock.now());
    return Status();
  });
}

int show(Context& ctx, std::int64_t id, bool json) {
  return with_book(ctx, false, [&](store::Database&, loyalty::CouponBook& book) -> Status {
    ASSIGN_OR_RETURN(loyalty::Coupon c, book.get(id));
    const TimeZone& tz = book.engine().zone();
    if (json) {
      JsonWriter w;
      write_coupon(w, c, tz, ctx.clock.now());
      std::printf("%s\n", w.str().c_str());
    } else {
      std::printf("coupon 券 #%lld of member %lld (issued to %lld, %s %s, %s)\n",
                  static_cast<long long>(c.coupon_id), static_cast<long long>(c.member),
                  static_cast<long long>(c.origin_member), c.source.c_str(), c.source_ref.c_str(),
                  tz.format(c.issued_at).c_str());
      print_coupon(c, tz, ctx.clock.now());
    }
    return Status();
  });
}

struct UseArgs {
  std::int64_t id = 0;
  std::string member, order, channel, shipping, key, at;
  std::vector<std::string> lines;  // CATEGORY:SKU:YUAN
  bool json = false;
};

// The order to use a coupon on: given line by line, or read from the store.
Result<loyalty::CouponOrder> order_of(Context& ctx, store::Database& db, const UseArgs& a,
                                      MemberId& member) {
  loyalty::CouponOrder o;
  o.order_key = a.order;
  ASSIGN_OR_RETURN(o.at, when(ctx, db, a.at));
  if (!a.shipping.empty()) {
    auto fee = parse_money(a.shipping);
    if (!fee.ok()) return invalid_argument("--shipping: " + fee.status().message());
    o.shipping_fen = *fee;
  }
  if (!a.lines.empty()) {
    if (a.member.empty()) return invalid_argument("--line needs --member (whose order it is)");
    if (a.channel.empty()) return invalid_argument("--line needs --channel (online, store, …)");
    ASSIGN_OR_RETURN(member, live_member(db, a.member));
    o.channel = a.channel;
    for (const std::string& l : a.lines) {
      ASSIGN_OR_RETURN(LineArg line, parse_line_arg(l));
      o.lines.push_back({line.sku, line.category, line.amount});
    }
    return o;
  }
  auto colon = a.order.find(':');
  if (colon == std::string::npos)
    return invalid_argument(fmt::format("--order '{}': expected SOURCE:ORDER_ID", a.order));
  ASSIGN_OR_RETURN(auto st, db.prepare("SELECT order_pk, member_id, channel, paid_at FROM orders "
                                       "WHERE source = ? AND order_id = ?"));
  st.bind(1, a.order.substr(0, colon)).bind(2, a.order.substr(colon + 1));
  ASSIGN_OR_RETURN(bool found, st.step());
  if (!found)
    return not_found(
        fmt::format("no order {} in the store; give its lines with --line (订单不存在)", a.order));
  std::int64_t pk = st.column_int64(0);
  identity::Merger merger(db);
  ASSIGN_OR_RETURN(member, merger.live_root(st.column_int64(1)));
  if (!a.member.empty()) {
    ASSIGN_OR_RETURN(member, live_member(db, a.member));
  }
  o.channel = a.channel.empty() ? st.column_string(2) : a.channel;
  if (a.at.empty()) o.at = Instant{st.column_int64(3)};
  ASSIGN_OR_RETURN(auto ls, db.prepare("SELECT sku, COALESCE(category, ''), amount_fen FROM "
                                       "order_lines WHERE order_pk = ? ORDER BY line_no"));
  ls.bind(1, pk);
  while (true) {
    ASSIGN_OR_RETURN(bool row, ls.step());
    if (!row) break;
    o.lines.push_back({ls.column_string(0), ls.column_string(1), ls.column_int64(2)});
  }
  return o;
}

int use(Context& ctx, const UseArgs& a) {
  return with_book(ctx, true, [&](store::Database& db, loyalty::CouponBook& book) -> Status {
    MemberId member = 0;
    ASSIGN_OR_RETURN(loyalty::CouponOrder o, order_of(ctx, db, a, member));
    ASSIGN_OR_RETURN(loyalty::UseEffect e, book.use(a.id, member, o, a.key));
    if (a.json) {
      JsonWriter w;
      w.begin_object()
          .field("replayed", e.replayed)
          .field("coupon_id", e.coupon_id)
          .field("member_id", e.member)
          .field("template", e.template_key)
          .field("order", e.order_key)
          .field("in_scope_fen", e.in_scope_fen)
          .field("discount_fen", e.discount_fen)
          .field("gift_sku", e.gift_sku)
          .end_object();
      std::printf("%s\n", w.str().c_str());
    } else {
      std::printf("%s coupon #%lld (%s) on order %s: ¥%s off of ¥%s in scope%s%s\n",
                  e.replayed ? "already used (重复请求):" : "used 已核销:",
                  static_cast<long long>(e.coupon_id), e.template_key.c_str(), e.order_key.c_str(),
                  format_money(e.discount_fen).c_str(), format_money(e.in_scope_fen).c_str(),
                  e.gift_sku.empty() ? "" : "; gift 赠品 ", e.gift_sku.c_str());
    }
    return Status();
  });
}

void print_change(const loyalty::CouponChange& c, std::string_view verb, bool json) {
  if (json) {
    JsonWriter w;
    w.begin_object()
        .field("replayed", c.replayed)
        .field("coupon_id", c.coupon_id)
        .field("member_id", c.member)
        .field("state", loyalty::coupon_state_name(c.state))
        .field("order", c.order_key)
        .end_object();
    std::printf("%s\n", w.str().c_str());
    return;
  }
  std::printf("%s coupon #%lld is now %s%s%s\n",
              c.replayed ? "already done (重复请求, 未变更):" : std::string(verb).c_str(),
              static_cast<long long>(c.coupon_id),
              std::string(loyalty::coupon_state_name(c.state)).c_str(),
              c.order_key.empty() ? "" : " for order ", c.order_key.c_str());
}

void print_run(const loyalty::CouponRun& r, std::string_view what, bool json) {
  if (json) {
    JsonWriter w;
    w.begin_object()
        .field("period", r.period)
        .field("replayed", r.replayed)
        .field("coupons", r.coupons)
        .field("members", r.members)
        .field("skipped", r.skipped)
        .field("points", r.points)
        .end_object();
    std::printf("%s\n", w.str().c_str());
    return;
  }
  std::printf("%s %s %s: %lld coupon(s), %lld member(s)",
              r.replayed ? "already run (重复请求):" : "done:", std::string(what).c_str(),
              r.period.c_str(), static_cast<long long>(r.coupons),
              static_cast<long long>(r.members));
  if (r.points) std::printf(", %lld points", static_cast<long long>(r.points));
  if (r.skipped)
    std::printf(", %lld skipped (stock or limit 库存或限领)", static_cast<long long>(r.skipped));
  std::printf("\n");
}

}  // namespace

void register_coupon(Command& app, Context& ctx) {
  Command* cmd = app.add_subcommand(
      "coupon", "coupons (优惠券): templates, issue, use, release, revoke, expire, monthly");
  cmd->require_subcommand(1);

  auto tjson = std::make_shared<bool>(false);
  Command* t = cmd->add_subcommand("templates", "the coupon templates in force, with counts");
  t->add_flag("--json", *tjson, "print JSON");
  t->callback([&ctx, tjson] { throw Exit{templates(ctx, *tjson)}; });

  auto ia = std::make_shared<IssueArgs>();
  Command* i = cmd->add_subcommand("issue", "issue a coupon of a template to a member (发券)");
  i->add_option("ref", ia->ref, "member id or identity")->required();
  i->add_option("template", ia->template_key, "coupon template key")->required();
  i->add_option("--key", ia->key, "idempotency key: replaying it changes nothing")->required();
  i->add_option("--at", ia->at, "when (default now), in the merchant's zone");
  i->add_flag("--json", ia->json, "print JSON");
  i->callback([&ctx, ia] { throw Exit{issue(ctx, *ia)}; });

  auto lref = std::make_shared<std::string>();
  auto lall = std::make_shared<bool>(false);
  auto ljson = std::make_shared<bool>(false);
  Command* l = cmd->add_subcommand("list", "a member's coupons (unused unless --all)");
  l->add_option("ref", *lref, "member id or identity")->required();
  l->add_flag("--all", *lall, "include used, expired and revoked coupons");
  l->add_flag("--json", *ljson, "print JSON");
  l->callback([&ctx, lref, lall, ljson] { throw Exit{list(ctx, *lref, *lall, *ljson)}; });

  auto sid = std::make_shared<std::int64_t>(0);
  auto sjson = std::make_shared<bool>(false);
  Command* s = cmd->add_subcommand("show", "one coupon");
  s->add_option("id", *sid, "coupon id")->required();
  s->add_flag("--json", *sjson, "print JSON");
  s->callback([&ctx, sid, sjson] { throw Exit{show(ctx, *sid, *sjson)}; });

  auto ua = std::make_shared<UseArgs>();
  Command* u = cmd->add_subcommand(
      "use", "use a coupon on an order (核销): checks owner, validity, channel, scope, threshold");
  u->add_option("id", ua->id, "coupon id")->required();
  u->add_option("--order", ua->order, "the order, SOURCE:ORDER_ID")->required();
  u->add_option("--line", ua->lines,
                "an order line CATEGORY:SKU:YUAN (repeat; without it the stored order's lines)");
  u->add_option("--member", ua->member, "whose order (default: the stored order's member)");
  u->add_option("--channel", ua->channel, "online, store, … (default: the stored order's)");
  u->add_option("--shipping", ua->shipping, "shipping fee in yuan (free-shipping coupons)");
  u->add_option("--key", ua->key, "idempotency key")->required();
  u->add_option("--at", ua->at, "when (default: the order's payment time, else now)");
  u->add_flag("--json", ua->json, "print JSON");
  u->callback([&ctx, ua] { throw Exit{use(ctx, *ua)}; });

  struct IdArgs {
    std::int64_t id = 0;
    std::string key, at, order, member, reason;
    bool json = false;
  };
  auto ka = std::make_shared<IdArgs>();
  Command* k = cmd->add_subcommand("lock", "hold a coupon for an order being placed (锁定)");
  k->add_option("id", ka->id, "coupon id")->required();
  k->add_option("--order", ka->order, "the order, SOURCE:ORDER_ID")->required();
  k->add_option("--member", ka->member, "whose order")->required();
  k->add_option("--key", ka->key, "idempotency key")->required();
  k->add_option("--at", ka->at, "when (default now)");
  k->add_flag("--json", ka->json, "print JSON");
  k->callback([&ctx, ka] {
    throw Exit{with_book(ctx, true, [&](store::Database& db, loyalty::CouponBook& book) -> Status {
      ASSIGN_OR_RETURN(MemberId m, live_member(db, ka->member));
      ASSIGN_OR_RETURN(Instant at, when(ctx, db, ka->at));
      ASSIGN_OR_RETURN(auto c, book.lock(ka->id, m, ka->order, ka->key, at));
      print_change(c, "locked 已锁定:", ka->json);
      return Status();
    })};
  });

  auto ra = std::make_shared<IdArgs>();
  Command* r = cmd->add_subcommand("release", "give a locked coupon back to the member (释放)");
  r->add_option("id", ra->id, "coupon id")->required();
  r->add_option("--key", ra->key, "idempotency key")->required();
  r->add_option("--at", ra->at, "when (default now)");
  r->add_flag("--json", ra->json, "print JSON");
  r->callback([&ctx, ra] {
    throw Exit{with_book(ctx, true, [&](store::Database& db, loyalty::CouponBook& book) -> Status {
      ASSIGN_OR_RETURN(Instant at, when(ctx, db, ra->at));
      ASSIGN_OR_RETURN(auto c, book.release(ra->id, ra->key, at));
      print_change(c, "released 已释放:", ra->json);
      return Status();
    })};
  });

  auto va = std::make_shared<IdArgs>();
  Command* v = cmd->add_subcommand("revoke", "withdraw an unused coupon, with a reason (作废)");
  v->add_option("id", va->id, "coupon id")->required();
  v->add_option("--reason", va->reason, "why (kept on the coupon, its entry and the audit log)")
      ->required();
  v->add_option("--key", va->key, "idempotency key")->required();
  v->add_option("--at", va->at, "when (default now)");
  v->add_flag("--json", va->json, "print JSON");
  v->callback([&ctx, va] {
    throw Exit{with_book(ctx, true, [&](store::Database& db, loyalty::CouponBook& book) -> Status {
      ASSIGN_OR_RETURN(Instant at, when(ctx, db, va->at));
      ASSIGN_OR_RETURN(auto c, book.revoke(va->id, va->reason, va->key, at));
      if (!c.replayed)
        RETURN_IF_ERROR(store::append_audit(db, ctx.clock.now(), "cli", "coupon.revoke",
                                            std::to_string(va->id),
                                            fmt::format("{} (key {})", va->reason, va->key)));
      print_change(c, "revoked 已作废:", va->json);
      return Status();
    })};
  });

  struct RefundArgs {
    std::string order, key, at;
    bool full = false, json = false;
  };
  auto fa = std::make_shared<RefundArgs>();
  Command* f = cmd->add_subcommand(
      "refund", "after a refund: give back the coupons used on the order (coupons.refund_policy)");
  f->add_option("order", fa->order, "the refunded order, SOURCE:ORDER_ID")->required();
  f->add_flag("--full", fa->full, "the whole order was refunded (else partial: coupons stay used)");
  f->add_option("--key", fa->key, "idempotency key")->required();
  f->add_option("--at", fa->at, "when (default now)");
  f->add_flag("--json", fa->json, "print JSON");
  f->callback([&ctx, fa] {
    throw Exit{with_book(ctx, true, [&](store::Database& db, loyalty::CouponBook& book) -> Status {
      ASSIGN_OR_RETURN(Instant at, when(ctx, db, fa->at));
      loyalty::Settlement settlement(book.engine(), book, nullptr);
      ASSIGN_OR_RETURN(bool settled, settlement.settled(fa->order));
      if (settled)
        return failed_precondition(fmt::format(
            "order {} was checked out through recur: refund it with `recur order refund`, which "
            "gives its coupon back by the policy (该订单经结算, 请用 recur order refund 退款)",
            fa->order));
      ASSIGN_OR_RETURN(auto r,
                       book.return_for_refund(fa->order, std::nullopt, fa->full, at, fa->key));
      if (fa->json) {
        JsonWriter w;
        w.begin_object()
            .field("replayed", r.replayed)
            .field("returned", r.returned)
            .field("kept", r.kept)
            .end_object();
        std::printf("%s\n", w.str().c_str());
      } else {
        std::printf("%s order %s: %lld coupon(s) returned 已退回, %lld kept used\n",
                    r.replayed ? "already done (重复请求):" : "refund:", fa->order.c_str(),
                    static_cast<long long>(r.returned), static_cast<long long>(r.kept));
      }
      return Status();
    })};
  });

  struct RunArgs {
    std::string when, key, at;
    bool json = false;
  };
  auto ea = std::make_shared<RunArgs>();
  Command* e = cmd->add_subcommand("expire", "mark coupons whose validity ended as expired");
  e->add_option("--as-of", ea->when, "the day (YYYY-MM-DD): coupons that ended before it began")
      ->required();
  e->add_option("--key", ea->key, "idempotency key (default: coupon-expire:DAY)");
  e->add_flag("--json", ea->json, "print JSON");
  e->callback([&ctx, ea] {
    auto day = parse_date(ea->when);
    if (!day.ok()) throw Exit{report(invalid_argument("--as-of: " + day.status().message()))};
    std::string key = ea->key.empty() ? "coupon-expire:" + day->to_string() : ea->key;
    throw Exit{with_book(ctx, true, [&](store::Database&, loyalty::CouponBook& book) -> Status {
      ASSIGN_OR_RETURN(auto r, book.expire(*day, key));
      print_run(r, "coupon expiry 券过期 as of", ea->json);
      return Status();
    })};
  });

  auto ma = std::make_shared<RunArgs>();
  Command* m = cmd->add_subcommand("monthly", "issue each member their tier's monthly coupons");
  m->add_option("--month", ma->when, "the month, YYYY-MM")->required();
  m->add_option("--key", ma->key, "idempotency key (default: coupon-monthly:MONTH)");
  m->add_option("--at", ma->at, "issue time (default now)");
  m->add_flag("--json", ma->json, "print JSON");
  m->callback([&ctx, ma] {
    auto first = parse_date(ma->when + "-01");
    if (!first.ok() || ma->when.size() != 7)
      throw Exit{report(invalid_argument(fmt::format("--month '{}': expected YYYY-MM", ma->when)))};
    std::string key = ma->key.empty() ? "coupon-monthly:" + ma->when : ma->key;
    throw Exit{with_book(ctx, true, [&](store::Database& db, loyalty::CouponBook& book) -> Status {
      ASSIGN_OR_RETURN(Instant at, when(ctx, db, ma->at));
      ASSIGN_OR_RETURN(auto r, book.issue_monthly(*first, at, key));
      print_run(r, "monthly coupons 月度券", ma->json);
      return Status();
    })};
  });

  auto ba = std::make_shared<RunArgs>();
  Command* b = cmd->add_subcommand(
      "birthday", "give members born on a day their tier's birthday points and coupon");
  b->add_option("--day", ba->when, "the day, YYYY-MM-DD")->required();
  b->add_option("--key", ba->key, "idempotency key (default: birthday:DAY)");
  b->add_flag("--json", ba->json, "print JSON");
  b->callback([&ctx, ba] {
    auto day = parse_date(ba->when);
    if (!day.ok()) throw Exit{report(invalid_argument("--day: " + day.status().message()))};
    std::string key = ba->key.empty() ? "birthday:" + day->to_string() : ba->key;
    throw Exit{with_book(ctx, true, [&](store::Database&, loyalty::CouponBook& book) -> Status {
      ASSIGN_OR_RETURN(auto r, book.issue_birthday(*day, key));
      print_run(r, "birthday gifts 生日礼", ba->json);
      return Status();
    })};
  });
}

}  // namespace recur::cli
