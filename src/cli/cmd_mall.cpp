// recur mall list|exchange|cancel — the points mall (积分商城). See docs/loyalty.md.

#include <fmt/format.h>

#include <cstdio>

#include "cli/cli_args.h"
#include "cli/cli_context.h"
#include "core/json_writer.h"
#include "identity/member_view.h"
#include "identity/merge.h"
#include "loyalty/engine.h"
#include "loyalty/mall.h"
#include "store/settings.h"

namespace recur::cli {
namespace {

int list(Context& ctx, const std::string& ref, bool json) {
  auto db = ctx.open_db(true);
  if (!db.ok()) return report(db.status());
  auto engine = loyalty::open_engine(**db, ctx.clock);
  if (!engine.ok()) return report(engine.status());
  loyalty::Mall mall(**engine);
  const loyalty::Program& p = (*engine)->program();
  JsonWriter w;
  w.begin_object().key("items").begin_array();
  if (!json)
    std::printf("points mall 积分商城 (program version %d)\n", (*engine)->program_version());
  for (const loyalty::MallItem& i : p.mall.items) {
    auto left = mall.stock_left(i);
    if (!left.ok()) return report(left.status());
    if (json) {
      w.begin_object()
          .field("key", i.key)
          .field("name", i.name)
          .field("points", i.points)
          .field("cash_fen", i.cash)
          .field("stock", i.stock)
          .field("per_member_limit", i.per_member_limit)
          .field("min_tier", i.min_tier)
          .field("coupon", i.coupon);
      w.field("stock_left", *left);
      w.end_object();
    } else {
      std::printf("  %-16s %7lld points%s  stock %s  limit %s%s%s  %s\n", i.key.c_str(),
                  static_cast<long long>(i.points),
                  i.cash ? fmt::format(" + ¥{}", format_money(i.cash)).c_str() : "",
                  *left ? fmt::format("{}/{}", **left, i.stock).c_str() : "unlimited",
                  i.per_member_limit ? std::to_string(i.per_member_limit).c_str() : "none",
                  i.min_tier.empty() ? "" : ("  tier ≥ " + i.min_tier).c_str(),
                  i.coupon.empty() ? "" : ("  coupon " + i.coupon).c_str(), i.name.c_str());
    }
  }
  w.end_array();
  if (!ref.empty()) {
    auto m = live_member(**db, ref);
    if (!m.ok()) return report(m.status());
    auto xs = mall.exchanges(*m);
    if (!xs.ok()) return report(xs.status());
    const TimeZone& tz = (*engine)->zone();
    w.field("member_id", *m).key("exchanges").begin_array();
    if (!json) std::printf("member 会员 %lld exchanges 兑换记录:\n", static_cast<long long>(*m));
    for (const auto& x : *xs) {
      if (json) {
        w.begin_object()
            .field("exchange_id", x.exchange_id)
            .field("item", x.item)
            .field("state", x.state)
            .field("points", x.points)
            .field("cash_fen", x.cash_fen)
            .field("at", tz.format(x.at));
        w.field("coupon_id", x.coupon_id);
        w.end_object();
      } else {
        std::printf("  #%lld %s %-16s %lld points%s %s\n", static_cast<long long>(x.exchange_id),
                    tz.format(x.at).c_str(), x.item.c_str(), static_cast<long long>(x.points),
                    x.cash_fen ? fmt::format(" + ¥{}", format_money(x.cash_fen)).c_str() : "",
                    x.state.c_str());
      }
    }
    w.end_array();
  }
  w.end_object();
  if (json) std::printf("%s\n", w.str().c_str());
  return kExitOk;
}

struct ExchangeArgs {
  std::string ref, item, key, at;
  std::int64_t id = 0;
  bool json = false;
};

int exchange(Context& ctx, const ExchangeArgs& a) {
  std::optional<loyalty::ExchangeEffect> e;
  int code = with_engine(ctx, true, [&](store::Database& db, loyalty::LoyaltyEngine& engine) {
    ASSIGN_OR_RETURN(MemberId member, live_member(db, a.ref));
    ASSIGN_OR_RETURN(Instant at, when(ctx, db, a.at));
    loyalty::Mall mall(engine);
    ASSIGN_OR_RETURN(e, mall.exchange(loyalty::ExchangeInput{member, a.item, a.key, at}));
    return Status();
  });
  if (code != kExitOk) return code;
  if (a.json) {
    JsonWriter w;
    w.begin_object()
        .field("replayed", e->replayed)
        .field("exchange_id", e->exchange_id)
        .field("item", e->item)
        .field("member_id", e->member)
        .field("points", e->points)
        .field("cash_fen", e->cash_fen)
        .field("points_balance", e->points_balance);
    w.field("coupon_id", e->coupon_id);
    w.field("stock_left", e->stock_left);
    w.end_object();
    std::printf("%s\n", w.str().c_str());
  } else {
    std::printf("%s exchange #%lld: member %lld, %s for %lld points%s → balance %lld%s\n",
                e->replayed ? "already exchanged (重复请求, 未变更):" : "exchanged 已兑换:",
                static_cast<long long>(e->exchange_id), static_cast<long long>(e->member),
                e->item.c_str(), static_cast<long long>(e->points),
                e->cash_fen ? fmt::format(" + ¥{} to pay", format_money(e->cash_fen)).c_str() : "",
                static_cast<long long>(e->points_balance),
                e->coupon_id ? fmt::format("; coupon #{} issued", *e->coupon_id).c_str() : "");
  }
  return kExitOk;
}

int cancel(Context& ctx, const ExchangeArgs& a) {
  std::optional<loyalty::CancelEffect> e;
  int code = with_engine(ctx, true, [&](store::Database& db, loyalty::LoyaltyEngine& engine) {
    ASSIGN_OR_RETURN(Instant at, when(ctx, db, a.at));
    loyalty::Mall mall(engine);
    ASSIGN_OR_RETURN(e, mall.cancel(a.id, a.key, at));
    return Status();
  });
  if (code != kExitOk) return code;
  if (a.json) {
    JsonWriter w;
    w.begin_object()
        .field("replayed", e->replayed)
        .field("exchange_id", e->exchange_id)
        .field("member_id", e->member)
        .field("points", e->points)
        .field("lots", e->lots)
        .field("points_balance", e->points_balance);
    w.field("coupon_revoked", e->coupon_revoked);
    w.end_object();
    std::printf("%s\n", w.str().c_str());
  } else {
    std::printf(
        "%s exchange #%lld: %lld points back to member %lld → balance %lld%s\n",
        e->replayed ? "already cancelled (重复请求, 未变更):" : "cancelled 已取消:",
        static_cast<long long>(e->exchange_id), static_cast<long long>(e->points),
        static_cast<long long>(e->member), static_cast<long long>(e->points_balance),
        e->coupon_revoked ? fmt::format("; coupon #{} revoked", *e->coupon_revoked).c_str() : "");
  }
  return kExitOk;
}

}  // namespace

void register_mall(Command& app, Context& ctx) {
  Command* cmd = app.add_subcommand("mall", "the points mall (积分商城): items, exchanges");
  cmd->require_subcommand(1);

  auto lref = std::make_shared<std::string>();
  auto ljson = std::make_shared<bool>(false);
  Command* l = cmd->add_subcommand("list", "the items with stock left; a member's exchanges");
  l->add_option("ref", *lref, "member id or identity (optional): also list their exchanges");
  l->add_flag("--json", *ljson, "print JSON");
  l->callback([&ctx, lref, ljson] { throw Exit{list(ctx, *lref, *ljson)}; });

  auto xa = std::make_shared<ExchangeArgs>();
  Command* x = cmd->add_subcommand("exchange", "exchange points for an item (兑换)");
  x->add_option("ref", xa->ref, "member id or identity")->required();
  x->add_option("item", xa->item, "mall item key")->required();
  x->add_option("--key", xa->key, "idempotency key: replaying it changes nothing")->required();
  x->add_option("--at", xa->at, "when (default now)");
  x->add_flag("--json", xa->json, "print JSON");
  x->callback([&ctx, xa] { throw Exit{exchange(ctx, *xa)}; });

  auto ca = std::make_shared<ExchangeArgs>();
  Command* c = cmd->add_subcommand("cancel", "cancel an exchange: points and stock come back");
  c->add_option("id", ca->id, "exchange id")->required();
  c->add_option("--key", ca->key, "idempotency key")->required();
  c->add_option("--at", ca->at, "when (default now)");
  c->add_flag("--json", ca->json, "print JSON");
  c->callback([&ctx, ca] { throw Exit{cancel(ctx, *ca)}; });
}

}  // namespace recur::cli
