// recur order checkout|refund|show (and stream, cmd_stream.cpp) — an order paid with a coupon,
// points and stored value besides cash, and its refunds (the refund cascade). See docs/loyalty.md
// ("Settlement").

#include <fmt/format.h>

#include <cstdio>
#include <functional>
#include <memory>

#include "cli/cli_args.h"
#include "cli/cli_context.h"
#include "cli/cmd_stream.h"
#include "core/json_writer.h"
#include "loyalty/coupon_book.h"
#include "loyalty/settlement.h"
#include "loyalty/wallet.h"
#include "store/settings.h"

namespace recur::cli {
namespace {

using loyalty::Settlement;

// Runs `fn` with the settlement of the program in force (engine, coupon book and, when the
// program has stored value, the wallet) in one write transaction.
int with_settlement(Context& ctx, const std::function<Status(store::Database&, Settlement&)>& fn) {
  return with_engine(ctx, true, [&](store::Database& db, loyalty::LoyaltyEngine& engine) {
    loyalty::CouponBook coupons(engine);
    std::unique_ptr<loyalty::Wallet> wallet;
    if (engine.program().stored_value.enabled)
      wallet =
          std::make_unique<loyalty::Wallet>(db, engine.active_program(), engine.zone(), ctx.clock);
    Settlement settlement(engine, coupons, wallet.get());
    return fn(db, settlement);
  });
}

struct CheckoutArgs {
  std::string order, ref, channel = "store", at, wallet;
  std::vector<std::string> lines;
  std::int64_t coupon = 0, points = 0;
  bool json = false;
};

void write_checkout(JsonWriter& w, const loyalty::CheckoutEffect& e) {
  w.begin_object()
      .field("order", e.order_key)
      .field("member", e.member)
      .field("replayed", e.replayed)
      .field("goods_fen", e.goods)
      .field("coupon_fen", e.coupon)
      .field("points", e.points)
      .field("points_fen", e.points_fen)
      .field("wallet_fen", e.wallet)
      .field("cash_fen", e.cash)
      .field("earned_points", e.earned_points)
      .field("earned_growth", e.earned_growth)
      .field("cashback_fen", e.cashback)
      .field("tier", e.tier_after);
  w.key("lines").begin_array();
  for (const auto& l : e.lines)
    w.begin_object()
        .field("line_no", l.line_no)
        .field("goods_fen", l.goods)
        .field("coupon_fen", l.coupon)
        .field("points", l.points)
        .field("points_fen", l.points_fen)
        .field("paid_fen", l.paid)
        .end_object();
  w.end_array().end_object();
}

void print_checkout(const loyalty::CheckoutEffect& e, bool json) {
  if (json) {
    JsonWriter w;
    write_checkout(w, e);
    std::printf("%s\n", w.str().c_str());
    return;
  }
  std::printf("order 订单 %s%s, member 会员 %lld\n", e.order_key.c_str(),
              e.replayed ? " (already done 重复请求)" : "", static_cast<long long>(e.member));
  std::printf(
      "  goods 商品 ¥%s − coupon 优惠券 ¥%s − points 积分 %lld (¥%s) − stored value 储值 "
      "¥%s = cash 现金 ¥%s\n",
      format_money(e.goods).c_str(), format_money(e.coupon).c_str(),
      static_cast<long long>(e.points), format_money(e.points_fen).c_str(),
      format_money(e.wallet).c_str(), format_money(e.cash).c_str());
  std::printf("  earned 获得 %lld points, %lld growth, ¥%s cashback 消费金; tier 等级 %s\n",
              static_cast<long long>(e.earned_points), static_cast<long long>(e.earned_growth),
              format_money(e.cashback).c_str(), e.tier_after.c_str());
}

int checkout(Context& ctx, const CheckoutArgs& a) {
  return with_settlement(ctx, [&](store::Database& db, Settlement& s) -> Status {
    loyalty::CheckoutInput in;
    in.order_key = a.order;
    ASSIGN_OR_RETURN(in.member, live_member(db, a.ref));
    in.channel = a.channel;
    ASSIGN_OR_RETURN(in.at, when(ctx, db, a.at));
    for (std::size_t i = 0; i < a.lines.size(); ++i) {
      ASSIGN_OR_RETURN(LineArg l, parse_line_arg(a.lines[i]));
      in.lines.push_back({static_cast<std::int64_t>(i + 1), l.sku, l.category, l.amount});
    }
    if (a.coupon > 0) in.coupon_id = a.coupon;
    in.points = a.points;
    if (!a.wallet.empty()) {
      ASSIGN_OR_RETURN(in.wallet, yuan("--wallet", a.wallet));
    }
    ASSIGN_OR_RETURN(loyalty::CheckoutEffect e, s.checkout(in));
    print_checkout(e, a.json);
    return Status();
  });
}

struct RefundArgs {
  std::string order, key, amount, at;
  std::int64_t line = 0;
  bool json = false;
};

int refund(Context& ctx, const RefundArgs& a) {
  return with_settlement(ctx, [&](store::Database& db, Settlement& s) -> Status {
    loyalty::SettlementRefundInput in;
    in.key = a.key;
    in.order_key = a.order;
    if (a.line > 0) in.line_no = a.line;
    ASSIGN_OR_RETURN(in.amount, yuan("--amount", a.amount));
    ASSIGN_OR_RETURN(in.at, when(ctx, db, a.at));
    ASSIGN_OR_RETURN(loyalty::SettlementRefundEffect e, s.refund(in));
    if (a.json) {
      JsonWriter w;
      w.begin_object()
          .field("refund", e.key)
          .field("order", e.order_key)
          .field("member", e.member)
          .field("replayed", e.replayed)
          .field("goods_fen", e.goods)
          .field("points_returned", e.points_returned)
          .field("wallet_fen", e.wallet)
          .field("cash_fen", e.cash)
          .field("deducted_fen", e.deducted)
          .field("uncovered_fen", e.uncovered)
          .field("points_clawed", e.points_clawed)
          .field("growth_clawed", e.growth_clawed)
          .field("cashback_clawed_fen", e.cashback_clawed)
          .field("coupon_returned", e.coupon_returned)
          .field("full", e.full)
          .field("tier", e.tier_after)
          .end_object();
      std::printf("%s\n", w.str().c_str());
      return Status();
    }
    std::printf("refund 退款 %s of order %s%s: goods 商品 ¥%s%s\n", e.key.c_str(),
                e.order_key.c_str(), e.replayed ? " (already done 重复请求)" : "",
                format_money(e.goods).c_str(), e.full ? " — the whole order 整单" : "");
    std::printf(
        "  back to the member 退回: cash 现金 ¥%s, stored value 储值 ¥%s, %lld points 积分%s\n",
        format_money(e.cash).c_str(), format_money(e.wallet).c_str(),
        static_cast<long long>(e.points_returned), e.coupon_returned ? ", the coupon 优惠券" : "");
    std::printf(
        "  taken back 扣回: %lld points, %lld growth, ¥%s cashback; kept from the cash "
        "现金扣减 ¥%s; tier 等级 %s\n",
        static_cast<long long>(e.points_clawed), static_cast<long long>(e.growth_clawed),
        format_money(e.cashback_clawed).c_str(), format_money(e.deducted).c_str(),
        e.tier_after.c_str());
    return Status();
  });
}

int show(Context& ctx, const std::string& order, bool json) {
  std::optional<loyalty::CheckoutEffect> c;
  std::vector<loyalty::SettlementRefundEffect> refunds;
  int code = with_engine(ctx, false, [&](store::Database&, loyalty::LoyaltyEngine& engine) {
    loyalty::CouponBook coupons(engine);
    Settlement s(engine, coupons, nullptr);
    ASSIGN_OR_RETURN(c, s.find_checkout(order));
    if (!c)
      return not_found(
          fmt::format("order {} was not checked out through recur (该订单未经结算)", order));
    ASSIGN_OR_RETURN(refunds, s.refunds_of(order));
    return Status();
  });
  if (code != kExitOk) return code;
  c->replayed = false;
  if (json) {
    // The checkout as `order checkout --json` prints it, with its refunds.
    JsonWriter w;
    w.begin_object().key("checkout");
    write_checkout(w, *c);
    w.key("refunds").begin_array();
    for (const auto& r : refunds)
      w.begin_object()
          .field("refund", r.key)
          .field("goods_fen", r.goods)
          .field("points_returned", r.points_returned)
          .field("wallet_fen", r.wallet)
          .field("cash_fen", r.cash)
          .field("deducted_fen", r.deducted)
          .field("uncovered_fen", r.uncovered)
          .field("coupon_returned", r.coupon_returned)
          .field("full", r.full)
          .end_object();
    w.end_array().end_object();
    std::printf("%s\n", w.str().c_str());
    return kExitOk;
  }
  print_checkout(*c, false);
  for (const auto& l : c->lines)
    std::printf("  line 行 %lld: goods ¥%s, coupon ¥%s, %lld points (¥%s), paid 实付 ¥%s\n",
                static_cast<long long>(l.line_no), format_money(l.goods).c_str(),
                format_money(l.coupon).c_str(), static_cast<long long>(l.points),
                format_money(l.points_fen).c_str(), format_money(l.paid).c_str());
  for (const auto& r : refunds)
    std::printf("  refund 退款 %s: goods ¥%s → cash ¥%s, stored value ¥%s, %lld points%s%s\n",
                r.key.c_str(), format_money(r.goods).c_str(), format_money(r.cash).c_str(),
                format_money(r.wallet).c_str(), static_cast<long long>(r.points_returned),
                r.coupon_returned ? ", coupon 优惠券" : "", r.full ? " (整单 whole order)" : "");
  return kExitOk;
}

}  // namespace

void register_order(Command& app, Context& ctx) {
  Command* cmd = app.add_subcommand("order",
                                    "checkout with coupon, points and stored value; refunds; a "
                                    "stream of orders (结算、退款与订单流)");
  cmd->require_subcommand(1);

  auto co = std::make_shared<CheckoutArgs>();
  Command* c = cmd->add_subcommand(
      "checkout", "pay an order with a coupon, points and stored value besides cash (结算)");
  c->add_option("order", co->order, "the order: source:order_id (its idempotency key)")->required();
  c->add_option("ref", co->ref, "member id or identity")->required();
  c->add_option("--line", co->lines, "CATEGORY:SKU:YUAN, net of line discounts (repeat)")
      ->required();
  c->add_option("--coupon", co->coupon, "coupon id to use");
  c->add_option("--points", co->points, "points to redeem");
  c->add_option("--wallet", co->wallet, "yuan to pay from stored value");
  c->add_option("--channel", co->channel, "online, store, miniprogram, …");
  c->add_option("--at", co->at, "when (default now), in the merchant's zone");
  c->add_flag("--json", co->json, "print JSON");
  c->callback([&ctx, co] { throw Exit{checkout(ctx, *co)}; });

  auto ra = std::make_shared<RefundArgs>();
  Command* r = cmd->add_subcommand(
      "refund", "refund goods of a checked-out order; every tender comes back (退款)");
  r->add_option("order", ra->order, "the order: source:order_id")->required();
  r->add_option("--amount", ra->amount, "goods value refunded, yuan")->required();
  r->add_option("--line", ra->line, "the line refunded (1 = first); default the whole order");
  r->add_option("--key", ra->key, "idempotency key, e.g. source:refund_id")->required();
  r->add_option("--at", ra->at, "when (default now), in the merchant's zone");
  r->add_flag("--json", ra->json, "print JSON");
  r->callback([&ctx, ra] { throw Exit{refund(ctx, *ra)}; });

  auto so = std::make_shared<std::string>();
  auto sjson = std::make_shared<bool>(false);
  Command* sh = cmd->add_subcommand(
      "show", "how a checked-out order was paid, line by line, and its refunds (结算明细)");
  sh->add_option("order", *so, "the order: source:order_id")->required();
  sh->add_flag("--json", *sjson, "print JSON");
  sh->callback([&ctx, so, sjson] { throw Exit{show(ctx, *so, *sjson)}; });

  register_order_stream(*cmd, ctx);
}

}  // namespace recur::cli
