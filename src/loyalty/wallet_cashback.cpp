// Cashback (消费金返利): earning on orders, taking back on refunds, expiry. The Wallet's other
// operations are in wallet.cpp; the contract is in wallet.h.

#include <fmt/format.h>

#include <algorithm>

#include "loyalty/decimal.h"
#include "loyalty/wallet.h"

namespace recur::loyalty {
namespace {

// floor(a * b / d) for a, b >= 0, d > 0, exactly.
Fen scale(Fen a, Fen b, Fen d) {
  return mul_div_floor(a, b, d).q;
}

std::string money(Fen f) {
  return "¥" + format_money(f);
}

// "母婴" covers "母婴" and "母婴/奶粉/三段", not "母婴用品".
bool category_matches(std::string_view category, const std::string& prefix) {
  if (category.size() < prefix.size() || category.substr(0, prefix.size()) != prefix) return false;
  return category.size() == prefix.size() || category[prefix.size()] == '/';
}

}  // namespace

Result<WalletEffect> Wallet::earn_cashback(const CashbackInput& in) {
  if (in.key.empty()) return invalid_argument("cashback: an idempotency key is required");
  const std::string op = operation_key(in.once_by, "cashback", in.key);
  ASSIGN_OR_RETURN(auto prior, find_op(op));
  if (prior) return *prior;
  if (in.order_key.empty()) return invalid_argument("cashback: the order key is required");
  if (in.net_paid < 0) return invalid_argument("cashback: net paid must not be negative");
  {
    ASSIGN_OR_RETURN(store::Statement * st,
                     db_.cached("SELECT COUNT(*) FROM wallet_cashback_orders WHERE order_key = ?"));
    st->bind(1, in.order_key);
    ASSIGN_OR_RETURN(bool row, st->step());
    bool earned = row && st->column_int64(0) > 0;
    st->reset();
    if (earned)
      return Status(StatusCode::kAlreadyExists,
                    fmt::format("order {} already earned cashback (订单已返利)", in.order_key));
  }
  ASSIGN_OR_RETURN(MemberId member, live(in.member));
  const CashbackRules& c = rules().cashback;
  Fen eligible = in.net_paid;
  if (!c.enabled) {
    eligible = 0;
  } else if (!c.channels.empty() &&
             std::find(c.channels.begin(), c.channels.end(), in.channel) == c.channels.end()) {
    eligible = 0;
  } else if (!c.categories.empty() && !in.lines.empty()) {
    Fen sum = 0;
    for (const CashbackLine& l : in.lines)
      if (std::any_of(c.categories.begin(), c.categories.end(),
                      [&](const std::string& p) { return category_matches(l.category, p); }))
        sum += std::max<Fen>(0, l.amount);
    eligible = std::min(sum, in.net_paid);
  }
  Fen earned = c.enabled ? scale(eligible, c.rate_milli, kMilli) : 0;
  if (c.per_order_cap_fen > 0) earned = std::min(earned, c.per_order_cap_fen);
  WalletEffect e;
  e.kind = "cashback";
  e.key = in.key;
  e.order_key = in.order_key;
  e.member = member;
  e.amount = in.net_paid;
  ASSIGN_OR_RETURN(e.after, load(member));
  if (earned > 0) {
    Instant expires = cashback_expiry(zone_.local_date(in.at));
    ASSIGN_OR_RETURN(std::int64_t entry, append(member, e.after, WalletAccount::kCashback, earned,
                                                "cashback", "order:" + in.order_key, op, in.at));
    RETURN_IF_ERROR(
        new_lot(member, WalletAccount::kCashback, earned, entry, in.at, expires, {}, in.order_key)
            .status());
    e.change.cashback = earned;
    e.detail =
        fmt::format("{} of {} eligible, valid through {}", format_milli(c.rate_milli),
                    money(eligible), zone_.local_date(Instant{expires.seconds - 1}).to_string());
    RETURN_IF_ERROR(save(member, e.after));
  }
  ASSIGN_OR_RETURN(store::Statement * ins,
                   db_.cached("INSERT INTO wallet_cashback_orders (order_key, member_id, at, "
                              "net_paid_fen, eligible_fen, earned_fen) VALUES (?, ?, ?, ?, ?, ?)"));
  ins->bind(1, in.order_key)
      .bind(2, member)
      .bind(3, in.at.seconds)
      .bind(4, in.net_paid)
      .bind(5, eligible)
      .bind(6, earned);
  RETURN_IF_ERROR(ins->run());
  RETURN_IF_ERROR(record_op(op, e, in.at));
  return e;
}

Result<WalletEffect> Wallet::clawback_cashback(const std::string& order_key, Fen refunded,
                                               Instant at, const std::string& key, OnceBy once_by) {
  if (key.empty()) return invalid_argument("clawback: an idempotency key is required");
  const std::string op = operation_key(once_by, "clawback", key);
  ASSIGN_OR_RETURN(auto prior, find_op(op));
  if (prior) return *prior;
  if (refunded <= 0)
    return invalid_argument(fmt::format("refund of {}: must be more than zero", money(refunded)));
  MemberId member = 0;
  Fen net = 0, earned = 0, refunded_before = 0, clawed = 0;
  {
    ASSIGN_OR_RETURN(auto st, db_.prepare("SELECT member_id, net_paid_fen, earned_fen, "
                                          "refunded_fen, clawed_fen FROM wallet_cashback_orders "
                                          "WHERE order_key = ?"));
    st.bind(1, order_key);
    ASSIGN_OR_RETURN(bool row, st.step());
    if (!row)
      return not_found(fmt::format("order {} earned no cashback (订单无返利记录)", order_key));
    member = st.column_int64(0);
    net = st.column_int64(1);
    earned = st.column_int64(2);
    refunded_before = st.column_int64(3);
    clawed = st.column_int64(4);
  }
  const Fen r_after = refunded_before + refunded;
  if (r_after > net)
    return invalid_argument(
        fmt::format("order {} paid {} and {} was refunded already: {} more is too much", order_key,
                    money(net), money(refunded_before), money(refunded)));
  // What the refunds so far owe back: floor(earned·R/net), all of it once fully refunded.
  const Fen owed = r_after == net ? earned : scale(earned, r_after, net);
  Fen claw = owed - clawed;
  ASSIGN_OR_RETURN(member, live(member));
  WalletEffect e;
  e.kind = "clawback";
  e.key = key;
  e.order_key = order_key;
  e.member = member;
  e.amount = refunded;
  ASSIGN_OR_RETURN(e.after, load(member));
  Fen taken = 0, forgiven = 0;
  if (claw > 0) {
    // In this order: what is left of the order's own lot (even if it expired and was not
    // written off yet); then its cashback that expired unused (never worth anything to the
    // member: forgiven); then the member's other unexpired cashback (the spent part is paid
    // back from it); what remains is kept back from the refund.
    struct Source {
      std::int64_t lot;
      Fen remaining;
      bool own;
    };
    std::vector<Source> sources;
    Fen expired_own = 0, forgiven_before = 0;
    {
      ASSIGN_OR_RETURN(auto st,
                       db_.prepare("SELECT lot_id, remaining, COALESCE(order_key = ?3, 0) AS own "
                                   "FROM wallet_lots WHERE member_id = ?1 AND account = 'cashback' "
                                   "AND remaining > 0 AND (order_key = ?3 OR expires_at IS NULL OR "
                                   "expires_at > ?2) ORDER BY own DESC, expires_at IS NULL, "
                                   "expires_at, lot_id"));
      st.bind(1, member).bind(2, at.seconds).bind(3, order_key);
      while (true) {
        ASSIGN_OR_RETURN(bool row, st.step());
        if (!row) break;
        sources.push_back(Source{st.column_int64(0), st.column_int64(1), st.column_int64(2) != 0});
      }
      ASSIGN_OR_RETURN(auto ex, db_.prepare("SELECT COALESCE(SUM(u.amount), 0) FROM "
                                            "wallet_lot_usage u JOIN wallet_lots l ON l.lot_id = "
                                            "u.lot_id WHERE l.order_key = ? AND l.account = "
                                            "'cashback' AND u.cause = 'expiry'"));
      ex.bind(1, order_key);
      ASSIGN_OR_RETURN(bool row, ex.step());
      if (row) expired_own = ex.column_int64(0);
      ASSIGN_OR_RETURN(auto fg, db_.prepare("SELECT forgiven_fen FROM wallet_cashback_orders "
                                            "WHERE order_key = ?"));
      fg.bind(1, order_key);
      ASSIGN_OR_RETURN(bool frow, fg.step());
      if (frow) forgiven_before = fg.column_int64(0);
    }
    Fen need = claw;
    std::vector<std::pair<std::int64_t, Fen>> plan;
    bool forgave = false;
    for (const Source& s : sources) {
      if (!s.own && !forgave) {
        forgiven = std::min(need, std::max<Fen>(0, expired_own - forgiven_before));
        need -= forgiven;
        forgave = true;
      }
      if (need == 0) break;
      Fen t = std::min(need, s.remaining);
      plan.emplace_back(s.lot, t);
      need -= t;
      taken += t;
    }
    if (!forgave) {
      forgiven = std::min(need, std::max<Fen>(0, expired_own - forgiven_before));
      need -= forgiven;
    }
    e.deducted = need;
    if (taken > 0) {
      ASSIGN_OR_RETURN(std::int64_t entry, append(member, e.after, WalletAccount::kCashback, -taken,
                                                  "refund", "order:" + order_key, op, at,
                                                  "cashback of the refunded share (返利退回)"));
      for (const auto& [lot, t] : plan)
        RETURN_IF_ERROR(use_lot(lot, member, t, entry, "clawback", order_key));
      e.change.cashback = -taken;
      RETURN_IF_ERROR(save(member, e.after));
    }
  }
  ASSIGN_OR_RETURN(auto up, db_.prepare("UPDATE wallet_cashback_orders SET refunded_fen = ?, "
                                        "clawed_fen = ?, deducted_fen = deducted_fen + ?, "
                                        "forgiven_fen = forgiven_fen + ? WHERE order_key = ?"));
  up.bind(1, r_after)
      .bind(2, clawed + std::max<Fen>(0, claw))
      .bind(3, e.deducted)
      .bind(4, forgiven)
      .bind(5, order_key);
  RETURN_IF_ERROR(up.run());
  e.detail =
      fmt::format("owed back {}: taken {}, expired unused {}, deducted from the refund {}",
                  money(std::max<Fen>(0, claw)), money(taken), money(forgiven), money(e.deducted));
  RETURN_IF_ERROR(record_op(op, e, at));
  return e;
}

Result<WalletExpireSummary> Wallet::expire(Date as_of, const std::string& key) {
  if (key.empty()) return invalid_argument("expire: an idempotency key is required");
  const std::string op = "expire:" + key;
  WalletExpireSummary s;
  s.as_of = as_of;
  {
    ASSIGN_OR_RETURN(auto st, db_.prepare("SELECT cashback, lots, members, detail FROM "
                                          "wallet_operations WHERE op_key = ?"));
    st.bind(1, op);
    ASSIGN_OR_RETURN(bool row, st.step());
    if (row) {
      s.replayed = true;
      s.cashback = -st.column_int64(0);
      s.lots = st.column_int64(1);
      s.members = st.column_int64(2);
      auto d = parse_date(st.column_string(3));
      if (d.ok()) s.as_of = *d;
      return s;
    }
  }
  const Instant cutoff = zone_.start_of_day(as_of);
  struct Expired {
    std::int64_t lot;
    MemberId member;
    Fen remaining;
  };
  std::vector<Expired> lots;
  {
    ASSIGN_OR_RETURN(auto st,
                     db_.prepare("SELECT lot_id, member_id, remaining FROM wallet_lots WHERE "
                                 "account = 'cashback' AND remaining > 0 AND expires_at <= ? "
                                 "ORDER BY member_id, lot_id"));
    st.bind(1, cutoff.seconds);
    while (true) {
      ASSIGN_OR_RETURN(bool row, st.step());
      if (!row) break;
      lots.push_back(Expired{st.column_int64(0), st.column_int64(1), st.column_int64(2)});
    }
  }
  for (std::size_t i = 0; i < lots.size();) {
    MemberId m = lots[i].member;
    std::size_t j = i;
    Fen total = 0;
    while (j < lots.size() && lots[j].member == m) total += lots[j++].remaining;
    ASSIGN_OR_RETURN(WalletSplit b, load(m));
    ASSIGN_OR_RETURN(
        std::int64_t entry,
        append(m, b, WalletAccount::kCashback, -total, "expiry", "expire:" + as_of.to_string(),
               fmt::format("expire:{}:{}", key, m), cutoff, "cashback expired (消费金过期)"));
    for (std::size_t k = i; k < j; ++k)
      RETURN_IF_ERROR(use_lot(lots[k].lot, m, lots[k].remaining, entry, "expiry", {}));
    RETURN_IF_ERROR(save(m, b));
    s.cashback += total;
    s.lots += static_cast<std::int64_t>(j - i);
    ++s.members;
    i = j;
  }
  ASSIGN_OR_RETURN(auto ins,
                   db_.prepare("INSERT INTO wallet_operations (op_key, kind, member_id, at, "
                               "cashback, lots, members, detail) VALUES (?, 'expire', 0, ?, ?, "
                               "?, ?, ?)"));
  ins.bind(1, op)
      .bind(2, cutoff.seconds)
      .bind(3, -s.cashback)
      .bind(4, s.lots)
      .bind(5, s.members)
      .bind(6, as_of.to_string());
  RETURN_IF_ERROR(ins.run());
  return s;
}

Result<std::optional<CashbackRecord>> Wallet::cashback_record(const std::string& order_key) {
  ASSIGN_OR_RETURN(auto st, db_.prepare("SELECT member_id, at, net_paid_fen, eligible_fen, "
                                        "earned_fen, refunded_fen, clawed_fen, deducted_fen, "
                                        "forgiven_fen FROM wallet_cashback_orders WHERE "
                                        "order_key = ?"));
  st.bind(1, order_key);
  ASSIGN_OR_RETURN(bool row, st.step());
  if (!row) return std::optional<CashbackRecord>();
  CashbackRecord r;
  r.order_key = order_key;
  r.member = st.column_int64(0);
  r.at = Instant{st.column_int64(1)};
  r.net_paid = st.column_int64(2);
  r.eligible = st.column_int64(3);
  r.earned = st.column_int64(4);
  r.refunded = st.column_int64(5);
  r.clawed = st.column_int64(6);
  r.deducted = st.column_int64(7);
  r.forgiven = st.column_int64(8);
  return std::optional<CashbackRecord>(std::move(r));
}

}  // namespace recur::loyalty
