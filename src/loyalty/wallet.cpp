#include "loyalty/wallet.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "identity/merge.h"
#include "loyalty/decimal.h"
#include "loyalty/ledger.h"
#include "store/settings.h"

namespace recur::loyalty {

std::string_view wallet_account_name(WalletAccount a) {
  switch (a) {
    case WalletAccount::kPrincipal:
      return "stored_principal";
    case WalletAccount::kBonus:
      return "stored_bonus";
    case WalletAccount::kCashback:
      return "cashback";
  }
  return "?";
}

Result<WalletAccount> parse_wallet_account(std::string_view name) {
  if (name == "principal" || name == "stored_principal") return WalletAccount::kPrincipal;
  if (name == "bonus" || name == "stored_bonus") return WalletAccount::kBonus;
  if (name == "cashback") return WalletAccount::kCashback;
  return invalid_argument(
      fmt::format("'{}' is not a wallet account (principal, bonus, cashback)", name));
}

namespace {

Fen& part(WalletSplit& s, WalletAccount a) {
  return a == WalletAccount::kPrincipal ? s.principal
         : a == WalletAccount::kBonus   ? s.bonus
                                        : s.cashback;
}

constexpr WalletAccount kAccounts[] = {WalletAccount::kPrincipal, WalletAccount::kBonus,
                                       WalletAccount::kCashback};

// floor(a * b / d) for a, b >= 0, d > 0, exactly.
Fen scale(Fen a, Fen b, Fen d) {
  return mul_div_floor(a, b, d).q;
}

std::string money(Fen f) {
  return "¥" + format_money(f);
}

}  // namespace

Wallet::Wallet(store::Database& db, ActiveProgram program, TimeZone zone, const Clock& clock)
    : db_(db), active_(std::move(program)), zone_(std::move(zone)), clock_(clock) {}

Instant Wallet::cashback_expiry(Date day) const {
  return zone_.start_of_day(day.plus_days(rules().cashback.valid_days + 1));
}

Result<MemberId> Wallet::live(MemberId member) {
  identity::Merger merger(db_);
  return merger.live_root(member);
}

Result<WalletSplit> Wallet::load(MemberId member) {
  ASSIGN_OR_RETURN(
      store::Statement * st,
      db_.cached("SELECT principal, bonus, cashback FROM wallet_accounts WHERE member_id = ?"));
  st->bind(1, member);
  WalletSplit b;
  ASSIGN_OR_RETURN(bool row, st->step());
  if (row) b = WalletSplit{st->column_int64(0), st->column_int64(1), st->column_int64(2)};
  st->reset();
  return b;
}

Status Wallet::save(MemberId member, const WalletSplit& b) {
  if (b.principal < 0 || b.bonus < 0 || b.cashback < 0)
    return internal_error(fmt::format("wallet of member {} would go negative", member));
  ASSIGN_OR_RETURN(
      store::Statement * st,
      db_.cached("INSERT INTO wallet_accounts (member_id, principal, bonus, cashback, updated_at) "
                 "VALUES (?, ?, ?, ?, ?) ON CONFLICT (member_id) DO UPDATE SET "
                 "principal = excluded.principal, bonus = excluded.bonus, "
                 "cashback = excluded.cashback, updated_at = excluded.updated_at"));
  st->bind(1, member)
      .bind(2, b.principal)
      .bind(3, b.bonus)
      .bind(4, b.cashback)
      .bind(5, clock_.now().seconds);
  return st->run();
}

Result<std::int64_t> Wallet::append(MemberId member, WalletSplit& b, WalletAccount account,
                                    Fen amount, std::string_view cause,
                                    const std::string& reference, const std::string& key,
                                    Instant at, std::string_view note) {
  if (!db_.in_transaction()) return internal_error("wallet written outside a transaction");
  Fen& balance = part(b, account);
  if (balance + amount < 0)
    return internal_error(
        fmt::format("{} of member {} would go negative", wallet_account_name(account), member));
  ASSIGN_OR_RETURN(
      store::Statement * st,
      db_.cached(
          std::string(
              "INSERT INTO loyalty_entries_other (entry_id, member_id, account, cause, amount, "
              "balance_after, reference, idem_key, at, program_version, note) VALUES (") +
          kNextEntryIdSql + ", ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  st->bind(1, member)
      .bind(2, wallet_account_name(account))
      .bind(3, cause)
      .bind(4, amount)
      .bind(5, balance + amount)
      .bind_optional(6, reference);
  if (key.empty())  // the caller's row makes it happen once (OnceBy::kCaller): no key of its own
    st->bind(7, std::nullopt);
  else
    st->bind(7, fmt::format("wallet:{}:{}", key, wallet_account_name(account)));
  st->bind(8, at.seconds).bind(9, active_.version).bind_optional(10, note);
  Status s = st->run();
  if (!s.ok()) return s;
  balance += amount;
  return db_.last_insert_rowid();
}

Result<std::int64_t> Wallet::new_lot(MemberId member, WalletAccount account, Fen amount,
                                     std::int64_t entry, Instant at, std::optional<Instant> expires,
                                     std::string_view topup_key, std::string_view order_key) {
  ASSIGN_OR_RETURN(
      store::Statement * st,
      db_.cached("INSERT INTO wallet_lots (member_id, account, earned, remaining, earned_at, "
                 "expires_at, entry_id, topup_key, order_key, origin_member) "
                 "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  st->bind(1, member)
      .bind(2, wallet_account_name(account))
      .bind(3, amount)
      .bind(4, amount)
      .bind(5, at.seconds);
  if (expires)
    st->bind(6, expires->seconds);
  else
    st->bind(6, std::nullopt);
  st->bind(7, entry).bind_optional(8, topup_key).bind_optional(9, order_key).bind(10, member);
  RETURN_IF_ERROR(st->run());
  return db_.last_insert_rowid();
}

Status Wallet::use_lot(std::int64_t lot, MemberId member, Fen amount, std::int64_t entry,
                       std::string_view cause, std::string_view order_key) {
  ASSIGN_OR_RETURN(store::Statement * up,
                   db_.cached("UPDATE wallet_lots SET remaining = remaining - ?1 WHERE lot_id = "
                              "?2 AND remaining - ?1 >= 0 AND remaining - ?1 <= earned"));
  up->bind(1, amount).bind(2, lot);
  RETURN_IF_ERROR(up->run());
  if (db_.changes() != 1)
    return internal_error(fmt::format("wallet lot {} cannot change by {}", lot, -amount));
  ASSIGN_OR_RETURN(store::Statement * ins,
                   db_.cached("INSERT INTO wallet_lot_usage (entry_id, lot_id, member_id, amount, "
                              "cause, order_key) VALUES (?, ?, ?, ?, ?, ?)"));
  ins->bind(1, entry).bind(2, lot).bind(3, member).bind(4, amount).bind(5, cause).bind_optional(
      6, order_key);
  return ins->run();
}

Status Wallet::take(MemberId member, WalletAccount account, Fen amount, std::int64_t entry,
                    Instant at, std::string_view cause, std::string_view order_key) {
  if (amount <= 0) return Status();
  std::vector<std::pair<std::int64_t, Fen>> lots;
  {
    ASSIGN_OR_RETURN(
        store::Statement * st,
        db_.cached("SELECT lot_id, remaining FROM wallet_lots WHERE member_id = ?1 AND "
                   "account = ?2 AND remaining > 0 AND (expires_at IS NULL OR expires_at > ?3) "
                   "ORDER BY expires_at IS NULL, expires_at, lot_id"));
    st->bind(1, member).bind(2, wallet_account_name(account)).bind(3, at.seconds);
    while (true) {
      ASSIGN_OR_RETURN(bool row, st->step());
      if (!row) break;
      lots.emplace_back(st->column_int64(0), st->column_int64(1));
    }
    st->reset();
  }
  Fen need = amount;
  for (const auto& [lot, remaining] : lots) {
    if (need == 0) break;
    Fen t = std::min(need, remaining);
    RETURN_IF_ERROR(use_lot(lot, member, t, entry, cause, order_key));
    need -= t;
  }
  if (need > 0)
    return internal_error(fmt::format("{} lots of member {} hold {} fen less than the balance",
                                      wallet_account_name(account), member, need));
  return Status();
}

Result<Fen> Wallet::usable_cashback(MemberId member, Instant at) {
  ASSIGN_OR_RETURN(store::Statement * st,
                   db_.cached("SELECT COALESCE(SUM(remaining), 0) FROM wallet_lots WHERE "
                              "member_id = ?1 AND account = 'cashback' AND remaining > 0 AND "
                              "(expires_at IS NULL OR expires_at > ?2)"));
  st->bind(1, member).bind(2, at.seconds);
  ASSIGN_OR_RETURN(bool row, st->step());
  Fen v = row ? st->column_int64(0) : 0;
  st->reset();
  return v;
}

std::string Wallet::operation_key(OnceBy once_by, std::string_view kind, const std::string& key) {
  if (once_by == OnceBy::kCaller) return {};
  return fmt::format("{}:{}", kind, key);
}

Result<std::optional<WalletEffect>> Wallet::find_op(const std::string& op_key) {
  if (op_key.empty()) return std::optional<WalletEffect>();  // OnceBy::kCaller
  ASSIGN_OR_RETURN(
      store::Statement * st,
      db_.cached("SELECT kind, member_id, order_key, amount_fen, principal, bonus, cashback, "
                 "paid_out_fen, deducted_fen, after_principal, after_bonus, after_cashback, "
                 "detail FROM wallet_operations WHERE op_key = ?"));
  st->bind(1, op_key);
  ASSIGN_OR_RETURN(bool row, st->step());
  if (!row) return std::optional<WalletEffect>();
  WalletEffect e;
  e.replayed = true;
  e.kind = st->column_string(0);
  e.key = op_key.substr(op_key.find(':') + 1);
  e.member = st->column_int64(1);
  e.order_key = st->column_string(2);
  e.amount = st->column_int64(3);
  e.change = WalletSplit{st->column_int64(4), st->column_int64(5), st->column_int64(6)};
  e.paid_out = st->column_int64(7);
  e.deducted = st->column_int64(8);
  e.after = WalletSplit{st->column_int64(9), st->column_int64(10), st->column_int64(11)};
  e.detail = st->column_string(12);
  st->reset();
  return std::optional<WalletEffect>(std::move(e));
}

Status Wallet::record_op(const std::string& op_key, const WalletEffect& e, Instant at) {
  if (op_key.empty()) return Status();  // OnceBy::kCaller
  ASSIGN_OR_RETURN(
      store::Statement * st,
      db_.cached("INSERT INTO wallet_operations (op_key, kind, member_id, at, order_key, "
                 "amount_fen, principal, bonus, cashback, paid_out_fen, deducted_fen, "
                 "after_principal, after_bonus, after_cashback, detail) "
                 "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  st->bind(1, op_key)
      .bind(2, e.kind)
      .bind(3, e.member)
      .bind(4, at.seconds)
      .bind_optional(5, e.order_key)
      .bind(6, e.amount)
      .bind(7, e.change.principal)
      .bind(8, e.change.bonus)
      .bind(9, e.change.cashback)
      .bind(10, e.paid_out)
      .bind(11, e.deducted)
      .bind(12, e.after.principal)
      .bind(13, e.after.bonus)
      .bind(14, e.after.cashback)
      .bind_optional(15, e.detail);
  return st->run();
}

Result<WalletEffect> Wallet::topup(MemberId member_in, Fen paid, Instant at,
                                   const std::string& key) {
  if (key.empty()) return invalid_argument("topup: an idempotency key is required");
  const std::string op = "topup:" + key;
  ASSIGN_OR_RETURN(auto prior, find_op(op));
  if (prior) return *prior;
  const StoredValueRules& r = rules();
  if (paid < r.min_topup_fen || paid > r.max_topup_fen)
    return invalid_argument(fmt::format("top-up of {} is outside {}–{} (充值金额超出范围)",
                                        money(paid), money(r.min_topup_fen),
                                        money(r.max_topup_fen)));
  ASSIGN_OR_RETURN(MemberId member, live(member_in));
  std::string tier = active_.program.tiers.front().key;
  {
    ASSIGN_OR_RETURN(store::Statement * st,
                     db_.cached("SELECT tier FROM loyalty_accounts WHERE member_id = ?"));
    st->bind(1, member);
    ASSIGN_OR_RETURN(bool row, st->step());
    if (row) tier = st->column_string(0);
    st->reset();
  }
  const TopupBonusRule* rule = nullptr;
  for (const TopupBonusRule& b : r.bonus) {
    if (b.pay_fen > paid) continue;
    if (!b.tiers.empty() && std::find(b.tiers.begin(), b.tiers.end(), tier) == b.tiers.end())
      continue;
    if (!rule || b.pay_fen > rule->pay_fen || (b.pay_fen == rule->pay_fen && !b.tiers.empty()))
      rule = &b;
  }
  WalletEffect e;
  e.kind = "topup";
  e.key = key;
  e.member = member;
  e.amount = paid;
  ASSIGN_OR_RETURN(e.after, load(member));
  const std::string reference = "topup:" + key;
  ASSIGN_OR_RETURN(std::int64_t pe, append(member, e.after, WalletAccount::kPrincipal, paid,
                                           "topup", reference, "topup:" + key, at));
  RETURN_IF_ERROR(
      new_lot(member, WalletAccount::kPrincipal, paid, pe, at, std::nullopt, key, {}).status());
  e.change.principal = paid;
  if (rule) {
    e.detail =
        fmt::format("充{}送{} (pay {} get {})", format_money(rule->pay_fen),
                    format_money(rule->bonus_fen), money(rule->pay_fen), money(rule->bonus_fen));
    ASSIGN_OR_RETURN(std::int64_t be,
                     append(member, e.after, WalletAccount::kBonus, rule->bonus_fen, "topup",
                            reference, "topup:" + key, at, e.detail));
    RETURN_IF_ERROR(
        new_lot(member, WalletAccount::kBonus, rule->bonus_fen, be, at, std::nullopt, key, {})
            .status());
    e.change.bonus = rule->bonus_fen;
  }
  RETURN_IF_ERROR(save(member, e.after));
  ASSIGN_OR_RETURN(auto ins,
                   db_.prepare("INSERT INTO wallet_topups (topup_key, member_id, at, paid_fen, "
                               "bonus_fen) VALUES (?, ?, ?, ?, ?)"));
  ins.bind(1, key).bind(2, member).bind(3, at.seconds).bind(4, paid).bind(5, e.change.bonus);
  RETURN_IF_ERROR(ins.run());
  RETURN_IF_ERROR(record_op(op, e, at));
  return e;
}

Result<WalletEffect> Wallet::spend(MemberId member_in, Fen amount, const std::string& order_key,
                                   Instant at, const std::string& key, OnceBy once_by) {
  if (key.empty()) return invalid_argument("spend: an idempotency key is required");
  const std::string op = operation_key(once_by, "spend", key);
  ASSIGN_OR_RETURN(auto prior, find_op(op));
  if (prior) return *prior;
  if (amount <= 0)
    return invalid_argument(fmt::format("spend of {}: must be more than zero", money(amount)));
  if (order_key.empty()) return invalid_argument("spend: the order key is required");
  {
    ASSIGN_OR_RETURN(store::Statement * st,
                     db_.cached("SELECT COUNT(*) FROM wallet_spends WHERE order_key = ?"));
    st->bind(1, order_key);
    ASSIGN_OR_RETURN(bool row, st->step());
    bool paid = row && st->column_int64(0) > 0;
    st->reset();
    if (paid)
      return Status(
          StatusCode::kAlreadyExists,
          fmt::format("order {} was already paid with stored value (订单已使用储值)", order_key));
  }
  ASSIGN_OR_RETURN(MemberId member, live(member_in));
  WalletEffect e;
  e.kind = "spend";
  e.key = key;
  e.order_key = order_key;
  e.member = member;
  e.amount = amount;
  ASSIGN_OR_RETURN(e.after, load(member));
  ASSIGN_OR_RETURN(Fen cashback, usable_cashback(member, at));
  const Fen available = e.after.principal + e.after.bonus + cashback;
  if (available < amount)
    return failed_precondition(
        fmt::format("member {} has {} of stored value to spend, {} needed (储值余额不足)", member,
                    money(available), money(amount)));
  // The split: cashback first (or last), then bonus and principal by the spending order.
  const StoredValueRules& r = rules();
  WalletSplit s;
  Fen rest = amount;
  if (r.cashback.spend_first) {
    s.cashback = std::min(rest, cashback);
    rest -= s.cashback;
  }
  const Fen b = e.after.bonus, p = e.after.principal;
  Fen from_stored = std::min(rest, b + p);
  switch (r.spend_order) {
    case SpendOrder::kPrincipalFirst:
      s.principal = std::min(from_stored, p);
      s.bonus = from_stored - s.principal;
      break;
    case SpendOrder::kBonusFirst:
      s.bonus = std::min(from_stored, b);
      s.principal = from_stored - s.bonus;
      break;
    case SpendOrder::kProportional:
      // bonus = floor(x·B/(B+P)); the principal takes the rest, so the parts add up to x and
      // neither exceeds its balance (x ≤ B+P).
      s.bonus = b + p == 0 ? 0 : scale(from_stored, b, b + p);
      s.principal = from_stored - s.bonus;
      break;
  }
  rest -= from_stored;
  if (!r.cashback.spend_first) {
    s.cashback = rest;
    rest = 0;
  }
  if (rest != 0 || s.cashback > cashback || s.bonus > b || s.principal > p)
    return internal_error(fmt::format("spend split of {} does not add up", money(amount)));
  const std::string reference = "order:" + order_key;
  for (WalletAccount a : kAccounts) {
    Fen v = part(s, a);
    if (v == 0) continue;
    ASSIGN_OR_RETURN(std::int64_t entry,
                     append(member, e.after, a, -v, "spend", reference, op, at));
    RETURN_IF_ERROR(take(member, a, v, entry, at, "spend", order_key));
    part(e.change, a) = -v;
  }
  RETURN_IF_ERROR(save(member, e.after));
  ASSIGN_OR_RETURN(store::Statement * ins,
                   db_.cached("INSERT INTO wallet_spends (order_key, member_id, at, amount_fen, "
                              "principal_fen, bonus_fen, cashback_fen) "
                              "VALUES (?, ?, ?, ?, ?, ?, ?)"));
  ins->bind(1, order_key)
      .bind(2, member)
      .bind(3, at.seconds)
      .bind(4, amount)
      .bind(5, s.principal)
      .bind(6, s.bonus)
      .bind(7, s.cashback);
  RETURN_IF_ERROR(ins->run());
  RETURN_IF_ERROR(record_op(op, e, at));
  return e;
}

Result<WalletEffect> Wallet::refund_spend(const std::string& order_key, Fen amount, Instant at,
                                          const std::string& key, OnceBy once_by) {
  if (key.empty()) return invalid_argument("refund: an idempotency key is required");
  const std::string op = operation_key(once_by, "refund", key);
  ASSIGN_OR_RETURN(auto prior, find_op(op));
  if (prior) return *prior;
  if (amount <= 0)
    return invalid_argument(fmt::format("refund of {}: must be more than zero", money(amount)));
  MemberId member = 0;
  WalletSplit spent, back;
  Fen total = 0, refunded = 0;
  {
    ASSIGN_OR_RETURN(auto st, db_.prepare("SELECT member_id, amount_fen, principal_fen, "
                                          "bonus_fen, cashback_fen, refunded_fen, "
                                          "refunded_principal, refunded_bonus, refunded_cashback "
                                          "FROM wallet_spends WHERE order_key = ?"));
    st.bind(1, order_key);
    ASSIGN_OR_RETURN(bool row, st.step());
    if (!row)
      return not_found(
          fmt::format("order {} was not paid with stored value (订单未使用储值)", order_key));
    member = st.column_int64(0);
    total = st.column_int64(1);
    spent = WalletSplit{st.column_int64(2), st.column_int64(3), st.column_int64(4)};
    refunded = st.column_int64(5);
    back = WalletSplit{st.column_int64(6), st.column_int64(7), st.column_int64(8)};
  }
  if (refunded + amount > total)
    return invalid_argument(fmt::format(
        "order {} spent {} of stored value and {} was refunded already: {} more is too much "
        "(退款超过储值支付金额)",
        order_key, money(total), money(refunded), money(amount)));
  // This refund's x fen split over what each account has left to get back (r = spent − given
  // back, Rem = their sum ≥ x) by prefix sums: cashback floor(r_c·x/Rem), bonus
  // floor((r_c+r_b)·x/Rem) − that, principal the rest. Each part is ≥ 0 and ≤ its r, the three
  // add up to x exactly, the first refund follows the spend's proportions, and refunding all
  // that is left returns every account in full.
  const Fen r_after = refunded + amount;
  const WalletSplit left{spent.principal - back.principal, spent.bonus - back.bonus,
                         spent.cashback - back.cashback};
  const Fen rem = total - refunded;
  const Fen c_part = scale(left.cashback, amount, rem);
  const Fen cb_part = scale(left.cashback + left.bonus, amount, rem);
  WalletSplit delta{amount - cb_part, cb_part - c_part, c_part};
  const WalletSplit target{back.principal + delta.principal, back.bonus + delta.bonus,
                           back.cashback + delta.cashback};
  if (delta.principal > left.principal || delta.bonus > left.bonus ||
      delta.cashback > left.cashback)
    return internal_error(fmt::format("order {}: refund split exceeds what is left", order_key));
  ASSIGN_OR_RETURN(member, live(member));
  WalletEffect e;
  e.kind = "refund";
  e.key = key;
  e.order_key = order_key;
  e.member = member;
  e.amount = amount;
  ASSIGN_OR_RETURN(e.after, load(member));
  const std::string reference = "order:" + order_key;
  for (WalletAccount a : kAccounts) {
    Fen v = part(delta, a);
    if (v == 0) continue;
    if (v < 0) return internal_error("refund share went down");
    ASSIGN_OR_RETURN(std::int64_t entry,
                     append(member, e.after, a, v, "refund", reference, op, at));
    part(e.change, a) = v;
    // Back into the lots the spend took from, the latest first, when they are still the
    // member's; otherwise (moved by an unmerge) into a new lot of the same terms.
    struct Taken {
      std::int64_t lot;
      Fen net;
      MemberId owner;
      std::optional<Instant> expires;
      std::string topup, order;
    };
    std::vector<Taken> taken;
    {
      ASSIGN_OR_RETURN(
          store::Statement * st,
          db_.cached("SELECT u.lot_id, SUM(u.amount), l.member_id, l.expires_at, "
                     "COALESCE(l.topup_key, ''), COALESCE(l.order_key, '') "
                     "FROM wallet_lot_usage u JOIN wallet_lots l ON l.lot_id = u.lot_id "
                     "WHERE u.order_key = ?1 AND l.account = ?2 AND u.cause IN ('spend', "
                     "'refund') GROUP BY u.lot_id HAVING SUM(u.amount) > 0 "
                     "ORDER BY u.lot_id DESC"));
      st->bind(1, order_key).bind(2, wallet_account_name(a));
      while (true) {
        ASSIGN_OR_RETURN(bool row, st->step());
        if (!row) break;
        Taken t{st->column_int64(0), st->column_int64(1),  st->column_int64(2),
                std::nullopt,        st->column_string(4), st->column_string(5)};
        if (!st->column_is_null(3)) t.expires = Instant{st->column_int64(3)};
        taken.push_back(std::move(t));
      }
      st->reset();
    }
    Fen need = v;
    for (const Taken& t : taken) {
      if (need == 0) break;
      Fen g = std::min(need, t.net);
      if (t.owner == member) {
        RETURN_IF_ERROR(use_lot(t.lot, member, -g, entry, "refund", order_key));
      } else {
        // The lot's own terms: its top-up, the order that earned it, its expiry.
        RETURN_IF_ERROR(new_lot(member, a, g, entry, at, t.expires, t.topup, t.order).status());
      }
      need -= g;
    }
    if (need != 0)
      return internal_error(
          fmt::format("order {}: lots took {} fen less than the spend says", order_key, need));
  }
  RETURN_IF_ERROR(save(member, e.after));
  ASSIGN_OR_RETURN(auto up, db_.prepare("UPDATE wallet_spends SET refunded_fen = ?, "
                                        "refunded_principal = ?, refunded_bonus = ?, "
                                        "refunded_cashback = ? WHERE order_key = ?"));
  up.bind(1, r_after)
      .bind(2, target.principal)
      .bind(3, target.bonus)
      .bind(4, target.cashback)
      .bind(5, order_key);
  RETURN_IF_ERROR(up.run());
  e.detail = fmt::format("refunded {} of {} in all", money(r_after), money(total));
  RETURN_IF_ERROR(record_op(op, e, at));
  return e;
}

Result<WalletEffect> Wallet::withdraw_topup(MemberId member, const std::string& topup_key,
                                            Instant at, const std::string& key) {
  if (topup_key.empty()) return invalid_argument("withdraw: name the top-up");
  return withdraw(member, topup_key, 0, at, key);
}

Result<WalletEffect> Wallet::withdraw_amount(MemberId member, Fen amount, Instant at,
                                             const std::string& key) {
  if (amount <= 0)
    return invalid_argument(fmt::format("withdrawal of {}: must be more than zero", money(amount)));
  return withdraw(member, {}, amount, at, key);
}

Result<WalletEffect> Wallet::withdraw(MemberId member_in, const std::string& topup_key, Fen amount,
                                      Instant at, const std::string& key) {
  if (key.empty()) return invalid_argument("withdraw: an idempotency key is required");
  const std::string op = "withdraw:" + key;
  ASSIGN_OR_RETURN(auto prior, find_op(op));
  if (prior) return *prior;
  ASSIGN_OR_RETURN(MemberId member, live(member_in));
  // Principal lots to take from: the named top-up's, or every open one, newest first.
  struct PLot {
    std::int64_t lot;
    Fen remaining;
    std::string topup;
  };
  std::vector<PLot> plots;
  {
    ASSIGN_OR_RETURN(
        auto st,
        db_.prepare("SELECT lot_id, remaining, COALESCE(topup_key, '') FROM wallet_lots WHERE "
                    "member_id = ?1 AND account = 'stored_principal' AND remaining > 0 AND "
                    "(?2 = '' OR topup_key = ?2) ORDER BY lot_id DESC"));
    st.bind(1, member).bind(2, topup_key);
    while (true) {
      ASSIGN_OR_RETURN(bool row, st.step());
      if (!row) break;
      plots.push_back(PLot{st.column_int64(0), st.column_int64(1), st.column_string(2)});
    }
  }
  if (!topup_key.empty()) {
    ASSIGN_OR_RETURN(auto st,
                     db_.prepare("SELECT member_id FROM wallet_topups WHERE topup_key = ?"));
    st.bind(1, topup_key);
    ASSIGN_OR_RETURN(bool row, st.step());
    if (!row) return not_found(fmt::format("no top-up '{}' (充值记录不存在)", topup_key));
    if (st.column_int64(0) != member)
      return invalid_argument(fmt::format("top-up '{}' belongs to member {}, not {}", topup_key,
                                          st.column_int64(0), member));
    amount = 0;
    for (const PLot& l : plots) amount += l.remaining;
    if (amount == 0)
      return failed_precondition(fmt::format(
          "top-up '{}' has no principal left to withdraw (该笔充值本金已用完或已退)", topup_key));
  }
  Fen have = 0;
  for (const PLot& l : plots) have += l.remaining;
  if (have < amount)
    return failed_precondition(fmt::format("member {} has {} of principal, {} asked (可退本金不足)",
                                           member, money(have), money(amount)));
  WalletEffect e;
  e.kind = "withdraw";
  e.key = key;
  e.member = member;
  e.amount = amount;
  ASSIGN_OR_RETURN(e.after, load(member));
  const bool deduct = rules().withdrawal == WithdrawalPolicy::kDeductSpentBonus;
  const std::string reference = topup_key.empty() ? "withdraw:" + key : "topup:" + topup_key;
  ASSIGN_OR_RETURN(std::int64_t pentry, append(member, e.after, WalletAccount::kPrincipal, -amount,
                                               "withdraw", reference, "withdraw:" + key, at));
  e.change.principal = -amount;
  struct Forfeit {
    std::int64_t lot;
    Fen amount;
  };
  std::vector<Forfeit> forfeits;
  // A top-up may have several principal lots here: a refund of a payment whose lot an unmerge
  // moved away comes back as a new lot with the same top-up. Its bonus is shared out over the
  // principal the top-up has left in all of them, and what this withdrawal already forfeits
  // from a bonus lot is not there for the next.
  std::map<std::string, Fen> topup_left;
  for (const PLot& l : plots) topup_left[l.topup] += l.remaining;
  std::map<std::int64_t, Fen> planned;  // bonus lot -> forfeited by this withdrawal so far
  Fen need = amount;
  for (const PLot& l : plots) {
    if (need == 0) break;
    Fen t = std::min(need, l.remaining);
    RETURN_IF_ERROR(use_lot(l.lot, member, t, pentry, "withdraw", {}));
    need -= t;
    if (l.topup.empty()) {
      e.paid_out += t;
      continue;
    }
    // The top-up's bonus: what is left of its lot, and what of it was spent.
    std::int64_t blot = 0;
    Fen b_rem = 0, b_earned = 0, forfeited = 0, deducted = 0;
    {
      ASSIGN_OR_RETURN(auto st, db_.prepare("SELECT lot_id, remaining, earned FROM wallet_lots "
                                            "WHERE topup_key = ? AND account = 'stored_bonus' "
                                            "AND member_id = ?"));
      st.bind(1, l.topup).bind(2, member);
      ASSIGN_OR_RETURN(bool row, st.step());
      if (row) {
        blot = st.column_int64(0);
        b_rem = st.column_int64(1);
        b_earned = st.column_int64(2);
      }
      ASSIGN_OR_RETURN(auto tp, db_.prepare("SELECT forfeited_fen, deducted_fen FROM "
                                            "wallet_topups WHERE topup_key = ?"));
      tp.bind(1, l.topup);
      ASSIGN_OR_RETURN(bool trow, tp.step());
      if (trow) {
        forfeited = tp.column_int64(0);
        deducted = tp.column_int64(1);
      }
    }
    const Fen left = topup_left[l.topup];
    topup_left[l.topup] -= t;
    const Fen already = blot ? planned[blot] : 0;
    b_rem -= already;  // its earlier forfeits are taken after the loop; the top-up row has them
    const bool whole = t == left;
    // Withdrawing a share of the top-up's principal left forfeits that share of its bonus left.
    Fen forfeit = whole ? b_rem : scale(b_rem, t, left);
    Fen charge = 0;
    if (deduct) {
      Fen spent = std::max<Fen>(0, b_earned - b_rem - forfeited - deducted);
      charge = std::min(t, whole ? spent : scale(spent, t, left));
    }
    if (forfeit > 0) {
      forfeits.push_back(Forfeit{blot, forfeit});
      planned[blot] += forfeit;
    }
    e.deducted += charge;
    e.paid_out += t - charge;
    ASSIGN_OR_RETURN(auto up, db_.prepare("UPDATE wallet_topups SET withdrawn_fen = "
                                          "withdrawn_fen + ?, paid_out_fen = paid_out_fen + ?, "
                                          "deducted_fen = deducted_fen + ?, forfeited_fen = "
                                          "forfeited_fen + ? WHERE topup_key = ?"));
    up.bind(1, t).bind(2, t - charge).bind(3, charge).bind(4, forfeit).bind(5, l.topup);
    RETURN_IF_ERROR(up.run());
    e.detail +=
        fmt::format("{}{}: principal {}, bonus forfeited {}, deducted {}",
                    e.detail.empty() ? "" : "; ", l.topup, money(t), money(forfeit), money(charge));
  }
  Fen forfeit_total = 0;
  for (const Forfeit& f : forfeits) forfeit_total += f.amount;
  if (forfeit_total > 0) {
    ASSIGN_OR_RETURN(std::int64_t bentry,
                     append(member, e.after, WalletAccount::kBonus, -forfeit_total, "withdraw",
                            reference, "withdraw:" + key, at, "bonus forfeited (赠送金作废)"));
    for (const Forfeit& f : forfeits)
      RETURN_IF_ERROR(use_lot(f.lot, member, f.amount, bentry, "withdraw", {}));
    e.change.bonus = -forfeit_total;
  }
  RETURN_IF_ERROR(save(member, e.after));
  RETURN_IF_ERROR(record_op(op, e, at));
  return e;
}

Result<WalletEffect> Wallet::adjust(MemberId member_in, WalletAccount account, Fen amount,
                                    const std::string& reason, Instant at, const std::string& key) {
  if (key.empty()) return invalid_argument("adjust: an idempotency key is required");
  const std::string op = "adjust:" + key;
  ASSIGN_OR_RETURN(auto prior, find_op(op));
  if (prior) return *prior;
  if (amount == 0) return invalid_argument("adjust: the amount must not be zero");
  if (reason.empty()) return invalid_argument("adjust: a reason is required (调整原因)");
  ASSIGN_OR_RETURN(MemberId member, live(member_in));
  WalletEffect e;
  e.kind = "adjust";
  e.key = key;
  e.member = member;
  e.amount = amount;
  e.detail = reason;
  ASSIGN_OR_RETURN(e.after, load(member));
  if (amount < 0) {
    Fen have = part(e.after, account);
    if (account == WalletAccount::kCashback) {
      ASSIGN_OR_RETURN(have, usable_cashback(member, at));
    }
    if (have < -amount)
      return failed_precondition(fmt::format("member {} has {} of {}, cannot take {} (余额不足)",
                                             member, money(have), wallet_account_name(account),
                                             money(-amount)));
  }
  ASSIGN_OR_RETURN(std::int64_t entry, append(member, e.after, account, amount, "adjustment",
                                              "adjust:" + key, "adjust:" + key, at, reason));
  if (amount > 0) {
    std::optional<Instant> expires;
    if (account == WalletAccount::kCashback) expires = cashback_expiry(zone_.local_date(at));
    RETURN_IF_ERROR(new_lot(member, account, amount, entry, at, expires, {}, {}).status());
  } else {
    RETURN_IF_ERROR(take(member, account, -amount, entry, at, "adjustment", {}));
  }
  part(e.change, account) = amount;
  RETURN_IF_ERROR(save(member, e.after));
  RETURN_IF_ERROR(record_op(op, e, at));
  return e;
}

Result<WalletState> Wallet::state(MemberId member, Instant at, int entries) {
  WalletState s;
  s.member = member;
  ASSIGN_OR_RETURN(s.balance, load(member));
  ASSIGN_OR_RETURN(s.cashback_usable, usable_cashback(member, at));
  s.cashback_expired = s.balance.cashback - s.cashback_usable;
  {
    ASSIGN_OR_RETURN(
        auto st,
        db_.prepare("SELECT lot_id, account, earned, remaining, earned_at, expires_at, "
                    "COALESCE(topup_key, ''), COALESCE(order_key, '') FROM wallet_lots WHERE "
                    "member_id = ? AND remaining > 0 ORDER BY account = 'cashback' DESC, "
                    "expires_at IS NULL, expires_at, lot_id"));
    st.bind(1, member);
    while (true) {
      ASSIGN_OR_RETURN(bool row, st.step());
      if (!row) break;
      WalletLot l;
      l.lot_id = st.column_int64(0);
      ASSIGN_OR_RETURN(l.account, parse_wallet_account(st.column_string(1)));
      l.earned = st.column_int64(2);
      l.remaining = st.column_int64(3);
      l.earned_at = Instant{st.column_int64(4)};
      if (!st.column_is_null(5)) l.expires_at = Instant{st.column_int64(5)};
      l.topup_key = st.column_string(6);
      l.order_key = st.column_string(7);
      s.lots.push_back(std::move(l));
    }
  }
  {
    ASSIGN_OR_RETURN(
        auto st,
        db_.prepare("SELECT entry_id, account, cause, amount, balance_after, "
                    "COALESCE(reference, ''), COALESCE(note, ''), at FROM loyalty_entries WHERE "
                    "member_id = ? AND account IN ('stored_principal', 'stored_bonus', "
                    "'cashback') ORDER BY entry_id DESC LIMIT ?"));
    st.bind(1, member).bind(2, entries);
    while (true) {
      ASSIGN_OR_RETURN(bool row, st.step());
      if (!row) break;
      s.entries.push_back(WalletEntry{st.column_int64(0), st.column_string(1), st.column_string(2),
                                      st.column_string(5), st.column_string(6), st.column_int64(3),
                                      st.column_int64(4), Instant{st.column_int64(7)}});
    }
  }
  return s;
}

Result<std::optional<WalletSpendRecord>> Wallet::spend_record(const std::string& order_key) {
  ASSIGN_OR_RETURN(auto st, db_.prepare("SELECT member_id, at, amount_fen, refunded_fen, "
                                        "principal_fen, bonus_fen, cashback_fen, "
                                        "refunded_principal, refunded_bonus, refunded_cashback "
                                        "FROM wallet_spends WHERE order_key = ?"));
  st.bind(1, order_key);
  ASSIGN_OR_RETURN(bool row, st.step());
  if (!row) return std::optional<WalletSpendRecord>();
  WalletSpendRecord r;
  r.order_key = order_key;
  r.member = st.column_int64(0);
  r.at = Instant{st.column_int64(1)};
  r.amount = st.column_int64(2);
  r.refunded = st.column_int64(3);
  r.spent = WalletSplit{st.column_int64(4), st.column_int64(5), st.column_int64(6)};
  r.given_back = WalletSplit{st.column_int64(7), st.column_int64(8), st.column_int64(9)};
  return std::optional<WalletSpendRecord>(std::move(r));
}

Result<std::unique_ptr<Wallet>> open_wallet(store::Database& db, const Clock& clock) {
  ASSIGN_OR_RETURN(ActiveProgram active, active_program(db));
  if (!active.program.stored_value.enabled)
    return failed_precondition(
        "the program in force has no stored_value section (会员计划未配置储值); add one and run "
        "recur program load");
  ASSIGN_OR_RETURN(TimeZone zone, store::merchant_time_zone(db));
  return std::make_unique<Wallet>(db, std::move(active), std::move(zone), clock);
}

}  // namespace recur::loyalty
