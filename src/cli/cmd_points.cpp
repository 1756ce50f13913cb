// recur points show|adjust|redeem|task|expire|liability — a member's points (积分). See
// docs/loyalty.md.

#include <fmt/format.h>

#include <cstdio>

#include "cli/cli_args.h"
#include "cli/cli_context.h"
#include "cli/loyalty_render.h"
#include "cli/loyalty_sweep.h"
#include "core/json_writer.h"
#include "identity/member_view.h"
#include "identity/merge.h"
#include "loyalty/check.h"
#include "loyalty/decimal.h"
#include "loyalty/engine.h"
#include "store/audit.h"
#include "store/settings.h"

namespace recur::cli {
namespace {

std::string day_of(const TimeZone& tz, Instant t) {
  return tz.local_date(t).to_string();
}
// The last day a lot can be used: the day before it expires.
std::string valid_through(const TimeZone& tz, const std::optional<Instant>& expires) {
  if (!expires) return "never";
  return tz.local_date(Instant{expires->seconds - 1}).to_string();
}

void write_lot(JsonWriter& w, const loyalty::Lot& l, const TimeZone& tz) {
  w.begin_object()
      .field("lot_id", l.lot_id)
      .field("earned", l.earned)
      .field("remaining", l.remaining)
      .field("earned_at", tz.format(l.earned_at))
      .field("usable_from", tz.format(l.usable_from));
  if (l.expires_at)
    w.field("expires_at", tz.format(*l.expires_at))
        .field("valid_through", valid_through(tz, l.expires_at));
  else
    w.key("expires_at").null().field("valid_through", "never");
  w.field("order", l.order_key).end_object();
}

int show(Context& ctx, const std::string& ref, int entries, bool json) {
  auto db = ctx.open_db(true);
  if (!db.ok()) return report(db.status());
  auto member = live_member(**db, ref);
  if (!member.ok()) return report(member.status());
  auto engine = loyalty::open_engine(**db, ctx.clock);
  if (!engine.ok()) return report(engine.status());
  Instant now = ctx.clock.now();
  auto m = (*engine)->member_state(*member, now, entries);
  if (!m.ok()) return report(m.status());
  const TimeZone& tz = (*engine)->zone();
  const loyalty::Program& p = (*engine)->program();
  const loyalty::AccountState& a = m->account;
  if (json) {
    JsonWriter w;
    w.begin_object().field("member_id", *member);
    w.key("tier")
        .begin_object()
        .field("key", a.tier)
        .field("name", m->tier_name)
        .field("since", tz.format(a.tier_since));
    if (a.grace_until)
      w.field("downgrade_on", a.grace_until->to_string());
    else
      w.key("downgrade_on").null();
    w.end_object();
    w.key("points")
        .begin_object()
        .field("balance", a.points)
        .field("usable", m->usable)
        .field("pending", m->pending)
        .field("debt", a.points_debt)
        .field("expired_unswept", m->expired_unswept)
        .field("value_fen", m->value_fen)
        .field("value", format_money(m->value_fen))
        .field("points_per_yuan",
               p.tiers[static_cast<std::size_t>(m->tier)].benefits.redeem_points_per_yuan)
        .end_object();
    w.key("growth")
        .begin_object()
        .field("balance", a.growth)
        .field("qualifying", m->qualifying_growth);
    if (m->next_tier)
      w.field("next_tier", p.tiers[static_cast<std::size_t>(*m->next_tier)].key)
          .field("to_next", m->growth_to_next);
    w.end_object();
    w.key("lots").begin_array();
    for (const auto& l : m->lots) write_lot(w, l, tz);
    w.end_array();
    w.key("entries").begin_array();
    for (const auto& e : m->entries)
      w.begin_object()
          .field("entry_id", e.entry_id)
          .field("account", e.account)
          .field("cause", e.cause)
          .field("amount", e.amount)
          .field("balance_after", e.balance_after)
          .field("reference", e.reference)
          .field("note", e.note)
          .field("at", tz.format(e.at))
          .end_object();
    w.end_array();
    w.key("tier_changes").begin_array();
    for (const auto& c : m->tier_changes)
      w.begin_object()
          .field("from", c.from)
          .field("to", c.to)
          .field("reason", c.reason)
          .field("reference", c.reference)
          .field("at", tz.format(c.at))
          .end_object();
    w.end_array().end_object();
    std::printf("%s\n", w.str().c_str());
    return kExitOk;
  }
  std::printf("member 会员 %lld  tier 等级 %s %s (since %s)\n", static_cast<long long>(*member),
              a.tier.c_str(), m->tier_name.c_str(), day_of(tz, a.tier_since).c_str());
  if (a.grace_until)
    std::printf(
        "  keep warning 保级  below the keep level: downgrade on %s unless growth recovers\n",
        a.grace_until->to_string().c_str());
  std::printf("  points 积分       balance %lld · usable 可用 %lld · pending 待生效 %lld",
              static_cast<long long>(a.points), static_cast<long long>(m->usable),
              static_cast<long long>(m->pending));
  if (a.points_debt) std::printf(" · owed 欠 %lld", static_cast<long long>(a.points_debt));
  if (m->expired_unswept)
    std::printf(" · expired, not yet written off 已过期 %lld",
                static_cast<long long>(m->expired_unswept));
  std::printf(" · worth ¥%s\n", format_money(m->value_fen).c_str());
  std::printf("  growth 成长值     %lld (qualifying 计级 %lld", static_cast<long long>(a.growth),
              static_cast<long long>(m->qualifying_growth));
  if (m->next_tier)
    std::printf("; %lld more for %s", static_cast<long long>(m->growth_to_next),
                p.tiers[static_cast<std::size_t>(*m->next_tier)].name.c_str());
  std::printf(")\n");
  for (const auto& l : m->lots)
    std::printf("  lot 批次 #%-6lld %6lld of %-6lld usable from %s, valid through %s%s%s\n",
                static_cast<long long>(l.lot_id), static_cast<long long>(l.remaining),
                static_cast<long long>(l.earned), day_of(tz, l.usable_from).c_str(),
                valid_through(tz, l.expires_at).c_str(), l.order_key.empty() ? "" : ", order ",
                l.order_key.c_str());
  for (const auto& e : m->entries)
    std::printf("  entry 流水 #%-6lld %s %-6s %+8lld → %-8lld %-10s %s%s%s\n",
                static_cast<long long>(e.entry_id), tz.format(e.at).c_str(), e.account.c_str(),
                static_cast<long long>(e.amount), static_cast<long long>(e.balance_after),
                e.cause.c_str(), e.reference.c_str(), e.note.empty() ? "" : " — ", e.note.c_str());
  for (const auto& c : m->tier_changes)
    std::printf("  tier 等级变更     %s → %s (%s) %s %s\n", c.from.c_str(), c.to.c_str(),
                c.reason.c_str(), day_of(tz, c.at).c_str(), c.reference.c_str());
  return kExitOk;
}

struct AdjustArgs {
  std::string ref, reason, key, at;
  std::int64_t points = 0, growth = 0;
  bool json = false;
};

int adjust(Context& ctx, const AdjustArgs& a) {
  std::optional<loyalty::AdjustEffect> e;
  int code = with_engine(ctx, true, [&](store::Database& db, loyalty::LoyaltyEngine& engine) {
    ASSIGN_OR_RETURN(MemberId member, live_member(db, a.ref));
    ASSIGN_OR_RETURN(Instant at, when(ctx, db, a.at));
    ASSIGN_OR_RETURN(
        e, engine.adjust(loyalty::AdjustInput{member, a.points, a.growth, a.reason, a.key, at}));
    if (e->replayed) return Status();
    return store::append_audit(
        db, ctx.clock.now(), "cli", "points.adjust", std::to_string(member),
        fmt::format("points {:+} growth {:+}: {} (key {})", a.points, a.growth, a.reason, a.key));
  });
  if (code != kExitOk) return code;
  if (a.json) {
    JsonWriter w;
    w.begin_object()
        .field("member_id", e->member)
        .field("replayed", e->replayed)
        .field("points", e->points)
        .field("growth", e->growth)
        .field("points_balance", e->points_balance)
        .field("growth_balance", e->growth_balance)
        .field("tier", e->tier_after)
        .end_object();
    std::printf("%s\n", w.str().c_str());
  } else {
    std::printf(
        "%s member %lld: points %+lld, growth %+lld → balance %lld points, %lld growth, "
        "tier %s%s\n",
        e->replayed ? "already adjusted (重复请求, 未变更):" : "adjusted 已调整:",
        static_cast<long long>(e->member), static_cast<long long>(e->points),
        static_cast<long long>(e->growth), static_cast<long long>(e->points_balance),
        static_cast<long long>(e->growth_balance), e->tier_after.c_str(),
        e->replayed ? " (now)" : "");
  }
  return kExitOk;
}

struct RedeemArgs {
  std::string ref, key, at, amount, reference;
  std::int64_t points = 0;
  bool quote = false, json = false;
};

int redeem(Context& ctx, const RedeemArgs& a) {
  auto amount = yuan("--order-amount", a.amount);
  if (!amount.ok()) return report(amount.status());
  std::optional<loyalty::RedemptionQuote> q;
  std::optional<loyalty::RedeemEffect> e;
  int code = with_engine(ctx, !a.quote, [&](store::Database& db, loyalty::LoyaltyEngine& engine) {
    ASSIGN_OR_RETURN(MemberId member, live_member(db, a.ref));
    ASSIGN_OR_RETURN(Instant at, when(ctx, db, a.at));
    if (a.quote) {
      ASSIGN_OR_RETURN(q, engine.quote_redemption(member, *amount, at));
      return Status();
    }
    ASSIGN_OR_RETURN(
        e, engine.redeem(loyalty::RedeemInput{member, *amount, a.points, a.reference, a.key, at}));
    return Status();
  });
  if (code != kExitOk) return code;
  if (q) {
    if (a.json) {
      JsonWriter w;
      w.begin_object()
          .field("member_id", q->member)
          .field("tier", q->tier)
          .field("points_per_yuan", q->points_per_yuan)
          .field("usable", q->usable)
          .field("cap_fen", q->cap_fen)
          .field("max_points", q->max_points)
          .field("max_discount_fen", q->max_discount_fen)
          .end_object();
      std::printf("%s\n", w.str().c_str());
    } else {
      std::printf(
          "member %lld (%s, %lld points = ¥1) may pay up to ¥%s of ¥%s with %lld points "
          "(可抵扣); usable %lld\n",
          static_cast<long long>(q->member), q->tier.c_str(),
          static_cast<long long>(q->points_per_yuan), format_money(q->max_discount_fen).c_str(),
          format_money(*amount).c_str(), static_cast<long long>(q->max_points),
          static_cast<long long>(q->usable));
    }
    return kExitOk;
  }
  if (a.json) {
    JsonWriter w;
    w.begin_object()
        .field("member_id", e->member)
        .field("replayed", e->replayed)
        .field("points", e->points)
        .field("discount_fen", e->discount_fen)
        .field("cash_fen", e->cash_fen)
        .field("points_per_yuan", e->points_per_yuan)
        .field("points_balance", e->points_balance)
        .end_object();
    std::printf("%s\n", w.str().c_str());
  } else {
    std::printf("%s %lld points pay ¥%s; cash 现金 ¥%s (at %lld points = ¥1); balance %lld\n",
                e->replayed ? "already redeemed (重复请求):" : "redeemed 积分抵扣:",
                static_cast<long long>(e->points), format_money(e->discount_fen).c_str(),
                format_money(e->cash_fen).c_str(), static_cast<long long>(e->points_per_yuan),
                static_cast<long long>(e->points_balance));
  }
  return kExitOk;
}

int task(Context& ctx, const std::string& ref, const std::string& name, const std::string& key,
         const std::string& at_text, bool json) {
  auto t = loyalty::parse_task(name);
  if (!t.ok()) return report(t.status());
  std::optional<loyalty::TaskEffect> e;
  int code = with_engine(ctx, true, [&](store::Database& db, loyalty::LoyaltyEngine& engine) {
    ASSIGN_OR_RETURN(MemberId member, live_member(db, ref));
    ASSIGN_OR_RETURN(Instant at, when(ctx, db, at_text));
    ASSIGN_OR_RETURN(e, engine.complete_task(member, *t, key, at));
    return Status();
  });
  if (code != kExitOk) return code;
  if (json) {
    JsonWriter w;
    w.begin_object()
        .field("member_id", e->member)
        .field("task", loyalty::task_name(e->task))
        .field("replayed", e->replayed)
        .field("points", e->points)
        .field("growth", e->growth)
        .field("streak", e->streak)
        .field("bonus_points", e->bonus_points)
        .field("tier", e->tier_after)
        .end_object();
    std::printf("%s\n", w.str().c_str());
  } else {
    std::printf("%s %s: +%lld points, +%lld growth%s\n",
                e->replayed ? "already done (重复请求):" : "task done 任务完成:", name.c_str(),
                static_cast<long long>(e->points), static_cast<long long>(e->growth),
                e->streak ? fmt::format(" (streak 连续 {} days)", e->streak).c_str() : "");
  }
  return kExitOk;
}

int expire(Context& ctx, const std::string& as_of_text, const std::string& key_text, bool json) {
  auto s = run_dated_sweep(ctx, as_of_text, key_text,
                           [](loyalty::LoyaltyEngine& engine, Date as_of, const std::string& key) {
                             return engine.expire(as_of, key);
                           });
  if (!s.ok()) return report(s.status());
  if (json) {
    JsonWriter w;
    w.begin_object()
        .field("as_of", s->as_of.to_string())
        .field("replayed", s->replayed)
        .field("lots", s->lots)
        .field("points", s->points)
        .field("members", s->members)
        .end_object();
    std::printf("%s\n", w.str().c_str());
  } else {
    std::printf("%s as of %s: %lld points in %lld lots of %lld members expired (积分过期)\n",
                s->replayed ? "already run (重复请求):" : "expired 已过期",
                s->as_of.to_string().c_str(), static_cast<long long>(s->points),
                static_cast<long long>(s->lots), static_cast<long long>(s->members));
  }
  return kExitOk;
}

int liability(Context& ctx, bool json) {
  auto db = ctx.open_db(true);
  if (!db.ok()) return report(db.status());
  auto program = loyalty::active_program(**db);
  if (!program.ok()) return report(program.status());
  auto l = loyalty::points_liability(**db, program->program, ctx.clock.now());
  if (!l.ok()) return report(l.status());
  if (json) {
    JsonWriter w;
    write_liability_json(w, *l);
    std::printf("%s\n", w.str().c_str());
  } else {
    print_liability_text(*l);
  }
  return kExitOk;
}

}  // namespace

void register_points(Command& app, Context& ctx) {
  Command* cmd = app.add_subcommand("points",
                                    "members' points (积分): balances, adjustments, "
                                    "redemption, tasks, expiry, liability");
  cmd->require_subcommand(1);

  auto ref = std::make_shared<std::string>();
  auto entries = std::make_shared<int>(20);
  auto sjson = std::make_shared<bool>(false);
  Command* s = cmd->add_subcommand("show", "a member's points, lots, growth, tier and entries");
  s->add_option("ref", *ref, "member id or identity (phone:13800138000)")->required();
  s->add_option("--entries", *entries, "how many recent entries to list");
  s->add_flag("--json", *sjson, "print JSON");
  s->callback([&ctx, ref, entries, sjson] { throw Exit{show(ctx, *ref, *entries, *sjson)}; });

  auto adj = std::make_shared<AdjustArgs>();
  Command* a = cmd->add_subcommand("adjust", "grant or take points/growth with a reason");
  a->add_option("ref", adj->ref, "member id or identity")->required();
  a->add_option("--points", adj->points, "points to add (negative: take; never below zero)");
  a->add_option("--growth", adj->growth, "growth to add (negative: take)");
  a->add_option("--reason", adj->reason, "why (kept on the entry and in the audit log)")
      ->required();
  a->add_option("--key", adj->key, "idempotency key: replaying it changes nothing")->required();
  a->add_option("--at", adj->at, "when (default now), in the merchant's zone");
  a->add_flag("--json", adj->json, "print JSON");
  a->callback([&ctx, adj] { throw Exit{adjust(ctx, *adj)}; });

  auto red = std::make_shared<RedeemArgs>();
  Command* r = cmd->add_subcommand(
      "redeem", "pay part of an order with points at the member's tier ratio (积分抵扣)");
  r->add_option("ref", red->ref, "member id or identity")->required();
  r->add_option("--order-amount", red->amount, "the order's amount in yuan (e.g. 300.00)")
      ->required();
  r->add_option("--points", red->points, "points to use");
  r->add_option("--reference", red->reference, "the order paid (e.g. mall:M1001)");
  r->add_option("--key", red->key, "idempotency key");
  r->add_option("--at", red->at, "when (default now)");
  r->add_flag("--quote", red->quote, "only say how many points may be used");
  r->add_flag("--json", red->json, "print JSON");
  r->callback([&ctx, red] {
    if (!red->quote && (red->points <= 0 || red->key.empty()))
      throw Exit{report(invalid_argument("redeem needs --points N and --key K (or --quote)"))};
    throw Exit{redeem(ctx, *red)};
  });

  auto tref = std::make_shared<std::string>();
  auto tname = std::make_shared<std::string>();
  auto tkey = std::make_shared<std::string>();
  auto tat = std::make_shared<std::string>();
  auto tjson = std::make_shared<bool>(false);
  Command* t = cmd->add_subcommand(
      "task", "credit a task: sign_in, review, share, invite, profile_completion (任务)");
  t->add_option("ref", *tref, "member id or identity")->required();
  t->add_option("task", *tname, "the task")->required();
  t->add_option("--key", *tkey, "idempotency key")->required();
  t->add_option("--at", *tat, "when (default now)");
  t->add_flag("--json", *tjson, "print JSON");
  t->callback([&ctx, tref, tname, tkey, tat, tjson] {
    throw Exit{task(ctx, *tref, *tname, *tkey, *tat, *tjson)};
  });

  auto as_of = std::make_shared<std::string>();
  auto ekey = std::make_shared<std::string>();
  auto ejson = std::make_shared<bool>(false);
  Command* e = cmd->add_subcommand("expire", "write off points that expired before a day");
  e->add_option("--as-of", *as_of, "the day (YYYY-MM-DD): lots expired before it began")
      ->required();
  e->add_option("--key", *ekey, "idempotency key (default: the day)");
  e->add_flag("--json", *ejson, "print JSON");
  e->callback([&ctx, as_of, ekey, ejson] { throw Exit{expire(ctx, *as_of, *ekey, *ejson)}; });

  auto ljson = std::make_shared<bool>(false);
  Command* l = cmd->add_subcommand(
      "liability", "outstanding points valued at each member's redemption ratio (积分负债)");
  l->add_flag("--json", *ljson, "print JSON");
  l->callback([&ctx, ljson] { throw Exit{liability(ctx, *ljson)}; });
}

}  // namespace recur::cli
