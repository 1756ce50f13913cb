// recur wallet show|topup|spend|refund|withdraw|adjust|cashback|liability — stored value (储值)
// and cashback (消费金). See docs/loyalty.md (rules) and docs/cli.md.

#include <fmt/format.h>

#include <cstdio>
#include <functional>

#include "cli/cli_args.h"
#include "cli/cli_context.h"
#include "cli/loyalty_render.h"
#include "core/json_writer.h"
#include "identity/member_view.h"
#include "identity/merge.h"
#include "loyalty/check.h"
#include "loyalty/wallet.h"
#include "store/audit.h"
#include "store/settings.h"

namespace recur::cli {
namespace {

using loyalty::Wallet;
using loyalty::WalletEffect;

// What every mutating command shares.
struct Common {
  std::string ref, key, at;
  bool json = false;
};

void write_split(JsonWriter& w, std::string_view key, const loyalty::WalletSplit& s) {
  w.key(key)
      .begin_object()
      .field("principal_fen", s.principal)
      .field("bonus_fen", s.bonus)
      .field("cashback_fen", s.cashback)
      .field("principal", format_money(s.principal))
      .field("bonus", format_money(s.bonus))
      .field("cashback", format_money(s.cashback))
      .end_object();
}

void render(const WalletEffect& e, bool json) {
  if (json) {
    JsonWriter w;
    w.begin_object()
        .field("kind", e.kind)
        .field("key", e.key)
        .field("replayed", e.replayed)
        .field("member_id", e.member)
        .field("order", e.order_key)
        .field("amount_fen", e.amount)
        .field("amount", format_money(e.amount));
    write_split(w, "change", e.change);
    w.field("paid_out_fen", e.paid_out).field("deducted_fen", e.deducted);
    write_split(w, "balance", e.after);
    w.field("detail", e.detail).end_object();
    std::printf("%s\n", w.str().c_str());
    return;
  }
  if (e.replayed)
    std::printf("already done (重复请求): key %s — the first result:\n", e.key.c_str());
  auto signed_money = [](Fen f) { return (f > 0 ? "+" : "") + format_money(f); };
  std::printf("%s member 会员 %lld%s%s: principal 本金 %s · bonus 赠送 %s · cashback 消费金 %s\n",
              e.kind.c_str(), static_cast<long long>(e.member),
              e.order_key.empty() ? "" : " order ", e.order_key.c_str(),
              signed_money(e.change.principal).c_str(), signed_money(e.change.bonus).c_str(),
              signed_money(e.change.cashback).c_str());
  if (e.kind == "withdraw")
    std::printf("  pay back 退还 ¥%s (kept for bonus already spent 扣回已用赠送金 ¥%s)\n",
                format_money(e.paid_out).c_str(), format_money(e.deducted).c_str());
  if (e.kind == "clawback" && e.deducted)
    std::printf("  cashback already spent: keep ¥%s back from the refund (从退款中扣除)\n",
                format_money(e.deducted).c_str());
  if (!e.detail.empty()) std::printf("  %s\n", e.detail.c_str());
  std::printf("  balance 余额 principal ¥%s · bonus ¥%s · cashback ¥%s\n",
              format_money(e.after.principal).c_str(), format_money(e.after.bonus).c_str(),
              format_money(e.after.cashback).c_str());
}

// Opens the store and the wallet, runs `op` in one write transaction, commits, renders.
int mutate(Context& ctx, const Common& c, bool needs_member,
           const std::function<Result<WalletEffect>(Wallet&, MemberId, Instant)>& op,
           std::string_view audit_action = {}) {
  auto db = ctx.open_db();
  if (!db.ok()) return report(db.status());
  auto tx = store::Transaction::begin(**db);
  if (!tx.ok()) return report(tx.status());
  MemberId member = 0;
  if (needs_member) {
    auto m = live_member(**db, c.ref);
    if (!m.ok()) return report(m.status());
    member = *m;
  }
  auto at = when(ctx, **db, c.at);
  if (!at.ok()) return report(at.status());
  auto wallet = loyalty::open_wallet(**db, ctx.clock);
  if (!wallet.ok()) return report(wallet.status());
  auto e = op(**wallet, member, *at);
  if (!e.ok()) return report(e.status());
  if (!e->replayed && !audit_action.empty()) {
    Status s = store::append_audit(
        **db, ctx.clock.now(), "cli", std::string(audit_action), std::to_string(e->member),
        fmt::format("principal {} bonus {} cashback {}: {} (key {})",
                    format_money(e->change.principal), format_money(e->change.bonus),
                    format_money(e->change.cashback), e->detail, c.key));
    if (!s.ok()) return report(s);
  }
  if (auto s = (*tx)->commit(); !s.ok()) return report(s);
  render(*e, c.json);
  return kExitOk;
}

std::string valid_through(const TimeZone& tz, const std::optional<Instant>& expires) {
  if (!expires) return "never";
  return tz.local_date(Instant{expires->seconds - 1}).to_string();
}

int show(Context& ctx, const std::string& ref, int entries, bool json) {
  auto db = ctx.open_db(true);
  if (!db.ok()) return report(db.status());
  auto member = live_member(**db, ref);
  if (!member.ok()) return report(member.status());
  auto wallet = loyalty::open_wallet(**db, ctx.clock);
  if (!wallet.ok()) return report(wallet.status());
  auto s = (*wallet)->state(*member, ctx.clock.now(), entries);
  if (!s.ok()) return report(s.status());
  const TimeZone& tz = (*wallet)->zone();
  if (json) {
    JsonWriter w;
    w.begin_object().field("member_id", *member);
    write_split(w, "balance", s->balance);
    w.field("cashback_usable_fen", s->cashback_usable)
        .field("cashback_expired_fen", s->cashback_expired)
        .field("spendable_fen", s->spendable())
        .field("spendable", format_money(s->spendable()));
    w.key("lots").begin_array();
    for (const auto& l : s->lots)
      w.begin_object()
          .field("lot_id", l.lot_id)
          .field("account", loyalty::wallet_account_name(l.account))
          .field("earned_fen", l.earned)
          .field("remaining_fen", l.remaining)
          .field("earned_at", tz.format(l.earned_at))
          .field("valid_through", valid_through(tz, l.expires_at))
          .field("topup", l.topup_key)
          .field("order", l.order_key)
          .end_object();
    w.end_array();
    w.key("entries").begin_array();
    for (const auto& e : s->entries)
      w.begin_object()
          .field("entry_id", e.entry_id)
          .field("account", e.account)
          .field("cause", e.cause)
          .field("amount_fen", e.amount)
          .field("balance_after_fen", e.balance_after)
          .field("reference", e.reference)
          .field("note", e.note)
          .field("at", tz.format(e.at))
          .end_object();
    w.end_array().end_object();
    std::printf("%s\n", w.str().c_str());
    return kExitOk;
  }
  std::printf("member 会员 %lld  stored value 储值: spendable 可用 ¥%s\n",
              static_cast<long long>(*member), format_money(s->spendable()).c_str());
  std::printf("  principal 本金 ¥%s · bonus 赠送金 ¥%s · cashback 消费金 ¥%s",
              format_money(s->balance.principal).c_str(), format_money(s->balance.bonus).c_str(),
              format_money(s->cashback_usable).c_str());
  if (s->cashback_expired)
    std::printf(" (+ ¥%s expired, not yet written off 已过期)",
                format_money(s->cashback_expired).c_str());
  std::printf("\n");
  for (const auto& l : s->lots)
    std::printf("  lot 批次 #%-6lld %-16s ¥%s of ¥%s, valid through %s%s%s%s%s\n",
                static_cast<long long>(l.lot_id),
                std::string(loyalty::wallet_account_name(l.account)).c_str(),
                format_money(l.remaining).c_str(), format_money(l.earned).c_str(),
                valid_through(tz, l.expires_at).c_str(), l.topup_key.empty() ? "" : ", top-up ",
                l.topup_key.c_str(), l.order_key.empty() ? "" : ", order ", l.order_key.c_str());
  for (const auto& e : s->entries)
    std::printf("  entry 流水 #%-6lld %s %-16s %10s → %-10s %-10s %s%s%s\n",
                static_cast<long long>(e.entry_id), tz.format(e.at).c_str(), e.account.c_str(),
                format_money(e.amount).c_str(), format_money(e.balance_after).c_str(),
                e.cause.c_str(), e.reference.c_str(), e.note.empty() ? "" : " — ", e.note.c_str());
  return kExitOk;
}

int expire(Context& ctx, const std::string& as_of_text, const std::string& key_text, bool json) {
  auto as_of = parse_date(as_of_text);
  if (!as_of.ok()) return report(invalid_argument("--as-of: " + as_of.status().message()));
  const std::string key = key_text.empty() ? as_of->to_string() : key_text;
  auto db = ctx.open_db();
  if (!db.ok()) return report(db.status());
  auto tx = store::Transaction::begin(**db);
  if (!tx.ok()) return report(tx.status());
  auto wallet = loyalty::open_wallet(**db, ctx.clock);
  if (!wallet.ok()) return report(wallet.status());
  auto s = (*wallet)->expire(*as_of, key);
  if (!s.ok()) return report(s.status());
  if (auto c = (*tx)->commit(); !c.ok()) return report(c);
  if (json) {
    JsonWriter w;
    w.begin_object()
        .field("as_of", s->as_of.to_string())
        .field("replayed", s->replayed)
        .field("lots", s->lots)
        .field("members", s->members)
        .field("cashback_fen", s->cashback)
        .field("cashback", format_money(s->cashback))
        .end_object();
    std::printf("%s\n", w.str().c_str());
  } else {
    std::printf("%s as of %s: cashback ¥%s in %lld lots of %lld members expired (消费金过期)\n",
                s->replayed ? "already run (重复请求):" : "expired 已过期",
                s->as_of.to_string().c_str(), format_money(s->cashback).c_str(),
                static_cast<long long>(s->lots), static_cast<long long>(s->members));
  }
  return kExitOk;
}

int liability(Context& ctx, bool json) {
  auto db = ctx.open_db(true);
  if (!db.ok()) return report(db.status());
  auto l = loyalty::wallet_liability(**db, ctx.clock.now());
  if (!l.ok()) return report(l.status());
  if (json) {
    JsonWriter w;
    write_wallet_liability_json(w, *l);
    std::printf("%s\n", w.str().c_str());
  } else {
    print_wallet_liability_text(*l);
  }
  return kExitOk;
}

// Adds --key (required), --at and --json to a mutating subcommand.
void common_flags(Command* s, Common& c) {
  s->add_option("--key", c.key, "idempotency key: replaying it changes nothing")->required();
  s->add_option("--at", c.at, "when (default now), in the merchant's zone");
  s->add_flag("--json", c.json, "print JSON");
}

}  // namespace

void register_wallet(Command& app, Context& ctx) {
  Command* cmd = app.add_subcommand(
      "wallet",
      "stored value (储值): top-ups with bonus, spending, refunds, withdrawals, cashback");
  cmd->require_subcommand(1);

  auto ref = std::make_shared<std::string>();
  auto entries = std::make_shared<int>(20);
  auto sjson = std::make_shared<bool>(false);
  Command* s = cmd->add_subcommand("show", "a member's principal, bonus, cashback, lots, entries");
  s->add_option("ref", *ref, "member id or identity (phone:13800138000)")->required();
  s->add_option("--entries", *entries, "how many recent entries to list");
  s->add_flag("--json", *sjson, "print JSON");
  s->callback([&ctx, ref, entries, sjson] { throw Exit{show(ctx, *ref, *entries, *sjson)}; });

  struct Args {
    Common c;
    std::string amount, order, topup, account, reason, channel;
  };

  auto top = std::make_shared<Args>();
  Command* t = cmd->add_subcommand("topup", "pay money in; the bonus rules add a bonus (充值)");
  t->add_option("ref", top->c.ref, "member id or identity")->required();
  t->add_option("--amount", top->amount, "yuan paid (e.g. 500 or 500.00)")->required();
  common_flags(t, top->c);
  t->callback([&ctx, top] {
    auto fen = yuan("--amount", top->amount);
    if (!fen.ok()) throw Exit{report(fen.status())};
    throw Exit{mutate(ctx, top->c, true, [&](Wallet& w, MemberId m, Instant at) {
      return w.topup(m, *fen, at, top->c.key);
    })};
  });

  auto sp = std::make_shared<Args>();
  Command* p = cmd->add_subcommand("spend", "pay (part of) an order with stored value (储值消费)");
  p->add_option("ref", sp->c.ref, "member id or identity")->required();
  p->add_option("--amount", sp->amount, "yuan to pay")->required();
  p->add_option("--order", sp->order, "the order paid (source:order_id)")->required();
  common_flags(p, sp->c);
  p->callback([&ctx, sp] {
    auto fen = yuan("--amount", sp->amount);
    if (!fen.ok()) throw Exit{report(fen.status())};
    throw Exit{mutate(ctx, sp->c, true, [&](Wallet& w, MemberId m, Instant at) {
      return w.spend(m, *fen, sp->order, at, sp->c.key);
    })};
  });

  auto rf = std::make_shared<Args>();
  Command* r = cmd->add_subcommand(
      "refund", "give back part of what an order paid with stored value (储值退款)");
  r->add_option("--order", rf->order, "the order (source:order_id)")->required();
  r->add_option("--amount", rf->amount, "yuan to give back")->required();
  common_flags(r, rf->c);
  r->callback([&ctx, rf] {
    auto fen = yuan("--amount", rf->amount);
    if (!fen.ok()) throw Exit{report(fen.status())};
    throw Exit{mutate(ctx, rf->c, false, [&](Wallet& w, MemberId, Instant at) {
      return w.refund_spend(rf->order, *fen, at, rf->c.key);
    })};
  });

  auto wd = std::make_shared<Args>();
  Command* d = cmd->add_subcommand(
      "withdraw", "hand principal back to the member (退储值): one top-up, or an amount");
  d->add_option("ref", wd->c.ref, "member id or identity")->required();
  auto* topup_opt = d->add_option("--topup", wd->topup, "the top-up's key: all its principal left");
  auto* amount_opt =
      d->add_option("--amount", wd->amount, "yuan of principal, newest top-up first");
  topup_opt->excludes(amount_opt);
  common_flags(d, wd->c);
  d->callback([&ctx, wd] {
    if (wd->topup.empty() == wd->amount.empty())
      throw Exit{report(invalid_argument("withdraw needs --topup KEY or --amount YUAN"))};
    Fen fen = 0;
    if (!wd->amount.empty()) {
      auto v = yuan("--amount", wd->amount);
      if (!v.ok()) throw Exit{report(v.status())};
      fen = *v;
    }
    throw Exit{mutate(
        ctx, wd->c, true,
        [&](Wallet& w, MemberId m, Instant at) {
          return wd->topup.empty() ? w.withdraw_amount(m, fen, at, wd->c.key)
                                   : w.withdraw_topup(m, wd->topup, at, wd->c.key);
        },
        "wallet.withdraw")};
  });

  auto adj = std::make_shared<Args>();
  Command* a = cmd->add_subcommand("adjust", "correct one balance with a reason (人工调整)");
  a->add_option("ref", adj->c.ref, "member id or identity")->required();
  a->add_option("--account", adj->account, "principal, bonus or cashback")->required();
  a->add_option("--amount", adj->amount, "yuan to add (negative: take; never below zero)")
      ->required();
  a->add_option("--reason", adj->reason, "why (kept on the entry and in the audit log)")
      ->required();
  common_flags(a, adj->c);
  a->callback([&ctx, adj] {
    auto fen = yuan("--amount", adj->amount);
    if (!fen.ok()) throw Exit{report(fen.status())};
    auto account = loyalty::parse_wallet_account(adj->account);
    if (!account.ok()) throw Exit{report(account.status())};
    throw Exit{mutate(
        ctx, adj->c, true,
        [&](Wallet& w, MemberId m, Instant at) {
          return w.adjust(m, *account, *fen, adj->reason, at, adj->c.key);
        },
        "wallet.adjust")};
  });

  Command* cb = cmd->add_subcommand("cashback", "cashback (消费金返利): earn, claw back, expire");
  cb->require_subcommand(1);
  auto earn = std::make_shared<Args>();
  Command* ce = cb->add_subcommand("earn", "credit an order's cashback (normally done by orders)");
  ce->add_option("ref", earn->c.ref, "member id or identity")->required();
  ce->add_option("--order", earn->order, "the order (source:order_id)")->required();
  ce->add_option("--net-paid", earn->amount, "yuan the member paid, net of discounts")->required();
  ce->add_option("--channel", earn->channel, "the order's channel (store, online, …)");
  common_flags(ce, earn->c);
  ce->callback([&ctx, earn] {
    auto fen = yuan("--net-paid", earn->amount);
    if (!fen.ok()) throw Exit{report(fen.status())};
    throw Exit{mutate(ctx, earn->c, true, [&](Wallet& w, MemberId m, Instant at) {
      return w.earn_cashback(
          loyalty::CashbackInput{m, earn->order, *fen, earn->channel, {}, at, earn->c.key});
    })};
  });
  auto claw = std::make_shared<Args>();
  Command* cc = cb->add_subcommand("clawback", "take back the cashback of a refunded share");
  cc->add_option("--order", claw->order, "the order (source:order_id)")->required();
  cc->add_option("--refunded", claw->amount, "yuan refunded")->required();
  common_flags(cc, claw->c);
  cc->callback([&ctx, claw] {
    auto fen = yuan("--refunded", claw->amount);
    if (!fen.ok()) throw Exit{report(fen.status())};
    throw Exit{mutate(ctx, claw->c, false, [&](Wallet& w, MemberId, Instant at) {
      return w.clawback_cashback(claw->order, *fen, at, claw->c.key);
    })};
  });
  auto as_of = std::make_shared<std::string>();
  auto ekey = std::make_shared<std::string>();
  auto ejson = std::make_shared<bool>(false);
  Command* cx = cb->add_subcommand("expire", "write off cashback that expired before a day");
  cx->add_option("--as-of", *as_of, "the day (YYYY-MM-DD): lots expired before it began")
      ->required();
  cx->add_option("--key", *ekey, "idempotency key (default: the day)");
  cx->add_flag("--json", *ejson, "print JSON");
  cx->callback([&ctx, as_of, ekey, ejson] { throw Exit{expire(ctx, *as_of, *ekey, *ejson)}; });

  auto ljson = std::make_shared<bool>(false);
  Command* l = cmd->add_subcommand(
      "liability", "stored value and unexpired cashback owed to members (储值负债)");
  l->add_flag("--json", *ljson, "print JSON");
  l->callback([&ctx, ljson] { throw Exit{liability(ctx, *ljson)}; });
}

}  // namespace recur::cli
