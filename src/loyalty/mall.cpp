#include "loyalty/mall.h"

#include <fmt/format.h>

#include "identity/merge.h"

namespace recur::loyalty {
namespace {

constexpr const char* kExchangeColumns =
    "SELECT exchange_id, item, state, member_id, points, cash_fen, coupon_id, at "
    "FROM mall_exchanges ";

MallExchange read_exchange(const store::Statement& st) {
  MallExchange x;
  x.exchange_id = st.column_int64(0);
  x.item = st.column_string(1);
  x.state = st.column_string(2);
  x.member = st.column_int64(3);
  x.points = st.column_int64(4);
  x.cash_fen = st.column_int64(5);
  if (!st.column_is_null(6)) x.coupon_id = st.column_int64(6);
  x.at = Instant{st.column_int64(7)};
  return x;
}

}  // namespace

Result<MallExchange> Mall::load(std::int64_t exchange_id) {
  store::Database& db = book_.engine().ledger().db();
  ASSIGN_OR_RETURN(store::Statement * st,
                   db.cached(std::string(kExchangeColumns) + "WHERE exchange_id = ?"));
  st->bind(1, exchange_id);
  ASSIGN_OR_RETURN(bool row, st->step());
  if (!row) {
    st->reset();
    return not_found(fmt::format("no mall exchange {} (兑换单不存在)", exchange_id));
  }
  MallExchange x = read_exchange(*st);
  st->reset();
  return x;
}

Result<std::optional<MallExchange>> Mall::by_key(const std::string& key) {
  store::Database& db = book_.engine().ledger().db();
  ASSIGN_OR_RETURN(store::Statement * st,
                   db.cached(std::string(kExchangeColumns) + "WHERE exchange_key = ?"));
  st->bind(1, key);
  ASSIGN_OR_RETURN(bool row, st->step());
  std::optional<MallExchange> x;
  if (row) x = read_exchange(*st);
  st->reset();
  return x;
}

Result<std::vector<MallExchange>> Mall::exchanges(MemberId member) {
  store::Database& db = book_.engine().ledger().db();
  ASSIGN_OR_RETURN(
      store::Statement * st,
      db.cached(std::string(kExchangeColumns) + "WHERE member_id = ? ORDER BY exchange_id DESC"));
  st->bind(1, member);
  std::vector<MallExchange> out;
  while (true) {
    ASSIGN_OR_RETURN(bool row, st->step());
    if (!row) break;
    out.push_back(read_exchange(*st));
  }
  st->reset();
  return out;
}

Result<std::optional<std::int64_t>> Mall::stock_left(const MallItem& item) {
  if (item.stock == 0) return std::optional<std::int64_t>();
  store::Database& db = book_.engine().ledger().db();
  ASSIGN_OR_RETURN(store::Statement * st,
                   db.cached("SELECT remaining FROM mall_stock WHERE item = ?"));
  st->bind(1, item.key);
  ASSIGN_OR_RETURN(bool row, st->step());
  std::int64_t left = row ? st->column_int64(0) : item.stock;
  st->reset();
  return std::optional<std::int64_t>(left);
}

Result<ExchangeEffect> Mall::exchange(const ExchangeInput& in) {
  if (in.key.empty()) return invalid_argument("a mall exchange needs an idempotency key (--key)");
  LoyaltyEngine& engine = book_.engine();
  store::Database& db = engine.ledger().db();
  Ledger& ledger = engine.ledger();
  const Program& p = engine.program();
  ASSIGN_OR_RETURN(auto prior, by_key(in.key));
  if (prior) {
    ExchangeEffect e;
    e.replayed = true;
    e.exchange_id = prior->exchange_id;
    e.item = prior->item;
    e.member = prior->member;
    e.points = prior->points;
    e.cash_fen = prior->cash_fen;
    e.coupon_id = prior->coupon_id;
    ASSIGN_OR_RETURN(AccountState a, ledger.load(prior->member, p.tiers.front().key));
    e.points_balance = a.points;
    if (const MallItem* item = p.mall.find(prior->item)) {
      ASSIGN_OR_RETURN(e.stock_left, stock_left(*item));
    }
    return e;
  }
  const MallItem* item = p.mall.find(in.item);
  if (!item)
    return not_found(fmt::format("no mall item '{}' in program version {} (商品不存在)", in.item,
                                 engine.program_version()));
  identity::Merger merger(db);
  ASSIGN_OR_RETURN(MemberId member, merger.live_root(in.member));
  ASSIGN_OR_RETURN(AccountState a, ledger.load(member, p.tiers.front().key));
  if (!a.stored) a.tier_since = in.at;
  if (!item->min_tier.empty()) {
    int need = p.tier_index(item->min_tier), have = std::max(0, p.tier_index(a.tier));
    if (have < need)
      return failed_precondition(
          fmt::format("item '{}' is for {} members and above; member {} is {} (会员等级不足)",
                      item->key, p.tiers[static_cast<std::size_t>(need)].name, member,
                      p.tiers[static_cast<std::size_t>(have)].name));
  }
  ASSIGN_OR_RETURN(auto left, stock_left(*item));
  if (left && *left <= 0)
    return failed_precondition(fmt::format("item '{}' is out of stock: all {} exchanged (已兑完)",
                                           item->key, item->stock));
  if (item->per_member_limit > 0) {
    ASSIGN_OR_RETURN(store::Statement * st,
                     db.cached("SELECT COUNT(*) FROM mall_exchanges WHERE member_id = ? AND "
                               "item = ? AND state = 'active'"));
    st->bind(1, member).bind(2, item->key);
    ASSIGN_OR_RETURN(bool row, st->step());
    std::int64_t n = row ? st->column_int64(0) : 0;
    st->reset();
    if (n >= item->per_member_limit)
      return failed_precondition(
          fmt::format("member {} has already exchanged '{}' {} time(s), the most allowed "
                      "(每人限兑 {} 次)",
                      member, item->key, n, item->per_member_limit));
  }
  ASSIGN_OR_RETURN(std::int64_t usable, ledger.usable_points(member, in.at));
  if (usable < item->points)
    return failed_precondition(
        fmt::format("member {} has {} usable points; '{}' needs {} (积分不足)", member, usable,
                    item->key, item->points));
  Posting post{Cause::kExchange, "mall:" + item->key, "mall-exchange:" + in.key, in.at, item->name};
  ASSIGN_OR_RETURN(Debit d, ledger.debit(a, Account::kPoints, item->points, post, LotOrder::kSpend,
                                         Shortfall::kFail));
  RETURN_IF_ERROR(ledger.save(a, in.at));
  if (left) {
    ASSIGN_OR_RETURN(
        store::Statement * st,
        db.cached("INSERT INTO mall_stock (item, initial, remaining) VALUES (?1, ?2, "
                  "?2 - 1) ON CONFLICT (item) DO UPDATE SET remaining = remaining - 1"));
    st->bind(1, item->key).bind(2, item->stock);
    RETURN_IF_ERROR(st->run());
  }
  std::optional<std::int64_t> coupon;
  if (!item->coupon.empty()) {
    ASSIGN_OR_RETURN(IssueEffect ie, book_.issue(IssueInput{member, item->coupon, "mall:" + in.key,
                                                            in.at, "mall", "mall:" + item->key}));
    coupon = ie.coupon.coupon_id;
  }
  ASSIGN_OR_RETURN(store::Statement * ins,
                   db.cached("INSERT INTO mall_exchanges (exchange_key, item, member_id, points, "
                             "cash_fen, entry_id, coupon_id, state, at, program_version) "
                             "VALUES (?, ?, ?, ?, ?, ?, ?, 'active', ?, ?)"));
  ins->bind(1, in.key)
      .bind(2, item->key)
      .bind(3, member)
      .bind(4, item->points)
      .bind(5, item->cash)
      .bind(6, d.entry_id);
  ins->bind(7, coupon);
  ins->bind(8, in.at.seconds).bind(9, engine.program_version());
  RETURN_IF_ERROR(ins->run());
  ExchangeEffect e;
  e.exchange_id = db.last_insert_rowid();
  e.item = item->key;
  e.member = member;
  e.points = item->points;
  e.cash_fen = item->cash;
  e.coupon_id = coupon;
  e.points_balance = a.points;
  if (left) e.stock_left = *left - 1;
  return e;
}

Result<CancelEffect> Mall::cancel(std::int64_t exchange_id, const std::string& key, Instant at) {
  if (key.empty()) return invalid_argument("cancelling an exchange needs an idempotency key");
  LoyaltyEngine& engine = book_.engine();
  store::Database& db = engine.ledger().db();
  Ledger& ledger = engine.ledger();
  const Program& p = engine.program();
  {
    ASSIGN_OR_RETURN(store::Statement * st,
                     db.cached("SELECT exchange_id FROM mall_exchanges WHERE cancel_key = ?"));
    st->bind(1, key);
    ASSIGN_OR_RETURN(bool row, st->step());
    std::int64_t done = row ? st->column_int64(0) : 0;
    st->reset();
    if (row) {
      if (done != exchange_id)
        return failed_precondition(
            fmt::format("key '{}' already cancelled exchange {}, not {} (幂等键已被占用)", key,
                        done, exchange_id));
      ASSIGN_OR_RETURN(MallExchange x, load(exchange_id));
      identity::Merger merger(db);
      ASSIGN_OR_RETURN(MemberId m, merger.live_root(x.member));
      ASSIGN_OR_RETURN(AccountState a, ledger.load(m, p.tiers.front().key));
      CancelEffect e;
      e.replayed = true;
      e.exchange_id = exchange_id;
      e.member = m;
      e.points = x.points;
      e.points_balance = a.points;
      if (x.coupon_id) e.coupon_revoked = x.coupon_id;
      return e;
    }
  }
  ASSIGN_OR_RETURN(MallExchange x, load(exchange_id));
  if (x.state != "active")
    return failed_precondition(
        fmt::format("exchange {} was already cancelled (兑换单已取消)", exchange_id));
  CancelEffect e;
  e.exchange_id = exchange_id;
  if (x.coupon_id) {
    ASSIGN_OR_RETURN(Coupon c, book_.get(*x.coupon_id));
    if (c.state == CouponState::kUsed)
      return failed_precondition(
          fmt::format("exchange {} issued coupon {}, which was used on order {}; it cannot be "
                      "cancelled (券已使用, 不能取消兑换)",
                      exchange_id, c.coupon_id, c.order_key));
    if (c.state == CouponState::kIssued || c.state == CouponState::kLocked) {
      RETURN_IF_ERROR(book_
                          .revoke(c.coupon_id,
                                  fmt::format("mall exchange {} cancelled", exchange_id),
                                  "mall-cancel:" + key, at)
                          .status());
      e.coupon_revoked = c.coupon_id;
    }
  }
  // The points come back as lots with the terms of the lots they were taken from.
  struct Taken {
    std::int64_t amount;
    Instant earned_at, usable_from;
    std::optional<Instant> expires_at;
  };
  std::vector<Taken> taken;
  {
    // The usage first, then each lot by id: a join would read every order's lots through the
    // loyalty_lots view.
    std::vector<std::pair<std::int64_t, std::int64_t>> used;  // (lot, amount)
    ASSIGN_OR_RETURN(auto st, db.prepare("SELECT u.lot_id, u.amount FROM loyalty_lot_usage u "
                                         "JOIN mall_exchanges x ON x.entry_id = u.entry_id "
                                         "WHERE x.exchange_id = ? ORDER BY u.lot_id"));
    st.bind(1, exchange_id);
    while (true) {
      ASSIGN_OR_RETURN(bool row, st.step());
      if (!row) break;
      used.emplace_back(st.column_int64(0), st.column_int64(1));
    }
    for (const auto& [lot_id, amount] : used) {
      ASSIGN_OR_RETURN(std::optional<Lot> lot, ledger.points_lot(lot_id));
      if (!lot)
        return internal_error(fmt::format("exchange {}: lot {} is gone", exchange_id, lot_id));
      taken.push_back(Taken{amount, lot->earned_at, lot->usable_from, lot->expires_at});
    }
  }
  identity::Merger merger(db);
  ASSIGN_OR_RETURN(MemberId member, merger.live_root(x.member));
  ASSIGN_OR_RETURN(AccountState a, ledger.load(member, p.tiers.front().key));
  for (std::size_t i = 0; i < taken.size(); ++i) {
    const Taken& t = taken[i];
    Posting post{Cause::kExchange, fmt::format("mall:cancel:{}", exchange_id),
                 fmt::format("mall-cancel:{}:{}", key, i + 1), at,
                 fmt::format("exchange {} cancelled", exchange_id)};
    RETURN_IF_ERROR(ledger
                        .credit(a, Account::kPoints, t.amount, post,
                                LotTerms{t.earned_at, t.usable_from, t.expires_at, {}})
                        .status());
    e.points += t.amount;
    ++e.lots;
  }
  RETURN_IF_ERROR(ledger.save(a, at));
  {
    // Items without a stock row are unlimited: nothing to give back.
    ASSIGN_OR_RETURN(store::Statement * st,
                     db.cached("UPDATE mall_stock SET remaining = remaining + 1 WHERE item = ?"));
    st->bind(1, x.item);
    RETURN_IF_ERROR(st->run());
  }
  ASSIGN_OR_RETURN(store::Statement * st,
                   db.cached("UPDATE mall_exchanges SET state = 'cancelled', cancel_key = ?, "
                             "cancelled_at = ? WHERE exchange_id = ?"));
  st->bind(1, key).bind(2, at.seconds).bind(3, exchange_id);
  RETURN_IF_ERROR(st->run());
  e.member = member;
  e.points_balance = a.points;
  return e;
}

}  // namespace recur::loyalty
