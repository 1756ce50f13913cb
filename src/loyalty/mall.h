#pragma once
// The points mall (积分商城): members exchange points (or points + cash) for the items of the
// program's `mall:` section — physical gifts, coupons, virtual rights — within the item's stock,
// per-member limit and minimum tier. An exchange can be cancelled: the stock comes back, a
// coupon it issued is revoked (refused once that coupon was used), and the points come back as
// new lots that keep the terms of the lots they were spent from (same usable-from and expiry,
// so points that would have expired meanwhile come back already expired and the next
// `recur points expire` writes them off).
//
// Same contract as the engine (engine.h): the caller's write transaction, an idempotency key
// per mutation (a replay returns the first result), explicit instants.

#include <cstdint>
#include <optional>
#include <string>

#include "core/ids.h"
#include "core/money.h"
#include "core/status.h"
#include "core/time.h"
#include "loyalty/coupon_book.h"

namespace recur::loyalty {

struct ExchangeInput {
  MemberId member = 0;
  std::string item;  // mall item key
  std::string key;   // idempotency key
  Instant at;
};

struct ExchangeEffect {
  bool replayed = false;
  std::int64_t exchange_id = 0;
  std::string item;
  MemberId member = 0;
  std::int64_t points = 0;
  Fen cash_fen = 0;  // to pay besides the points
  std::optional<std::int64_t> coupon_id;
  std::int64_t points_balance = 0;
  std::optional<std::int64_t> stock_left;  // none: unlimited
};

struct CancelEffect {
  bool replayed = false;
  std::int64_t exchange_id = 0;
  MemberId member = 0;  // who got the points back (the survivor if merged since)
  std::int64_t points = 0;
  std::int64_t lots = 0;  // lots the points came back as
  std::optional<std::int64_t> coupon_revoked;
  std::int64_t points_balance = 0;
};

struct MallExchange {
  std::int64_t exchange_id = 0;
  std::string item, state;  // active, cancelled
  MemberId member = 0;
  std::int64_t points = 0;
  Fen cash_fen = 0;
  std::optional<std::int64_t> coupon_id;
  Instant at;
};

class Mall {
 public:
  explicit Mall(LoyaltyEngine& engine) : book_(engine) {}

  Result<ExchangeEffect> exchange(const ExchangeInput& in);
  Result<CancelEffect> cancel(std::int64_t exchange_id, const std::string& key, Instant at);

  // Stock left of an item (none: unlimited).
  Result<std::optional<std::int64_t>> stock_left(const MallItem& item);
  Result<std::vector<MallExchange>> exchanges(MemberId member);
  // The exchange made with idempotency key `key`, if any.
  Result<std::optional<MallExchange>> by_key(const std::string& key);

 private:
  Result<MallExchange> load(std::int64_t exchange_id);
  CouponBook book_;
};

}  // namespace recur::loyalty
