#pragma once
// One order as `recur import orders` checks and stores it: the checks of its rows (one row per
// order line) and the write of the `orders` row and its `order_lines`. The bulk import and
// `recur order stream` share them, so an order is the same whichever way it arrives.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/ids.h"
#include "core/money.h"
#include "core/time.h"
#include "identity/identity.h"
#include "ingest/import_context.h"
#include "store/database.h"

namespace recur::ingest {

// The canonical order fields, by index into SourceRow::values (fields_of(RecordKind::kOrders)).
namespace order_field {
enum : int {
  kSource,
  kOrderId,
  kPaidAt,
  kMember,
  kChannel,
  kStoreId,
  kSku,
  kCategory,
  kQty,
  kUnitPrice,
  kDiscount,
  kAmount,
};
}  // namespace order_field

// What is wrong with a row: the canonical field (-1: the row as a whole) and why.
struct FieldError {
  int field = -1;
  std::string reason;
};

// The order-level fields, as the order's first row gives them. Views into the row's values.
struct OrderHead {
  std::string_view source, order_id, member_text, channel, store_id;
  Instant paid_at;
  std::vector<identity::Identity> ids;  // empty: a guest
};

// One line's item fields, in fen. Views into the row's values.
struct OrderItem {
  std::string_view sku, category;
  std::int64_t qty = 0;
  Fen unit_price = 0, discount = 0, amount = 0;
};

// The order fields of an order's first row (paid_at, channel, member; source and order_id are
// the caller's to check, as they find the order). `head` gets every field even when one is bad,
// so later rows can be compared with it.
std::optional<FieldError> read_order_head(const ImportContext& ctx,
                                          std::span<const std::string_view> values,
                                          OrderHead& head);
// A later row of the order must agree with its first (on line `first_line`).
std::optional<FieldError> check_same_order(const ImportContext& ctx,
                                           std::span<const std::string_view> values,
                                           const OrderHead& head, std::uint32_t first_line);
// The item fields of a row: sku, qty, unit_price, discount, amount (amount = qty × unit_price −
// discount, to the fen; a missing unit price or discount is derived).
std::optional<FieldError> read_order_item(std::span<const std::string_view> values,
                                          OrderItem& item);

// Writes orders into the store inside the caller's transaction: the member resolved from the
// order's identities (none: a guest), the `orders` row with its totals and primary identity
// (`member_ref`), and an `order_lines` row per item, a line without a category taking its
// product's. Bound to one connection.
class OrderWriter {
 public:
  explicit OrderWriter(store::Database& db) : db_(db) {}
  Status prepare();

  // Whether the store has an order (source, order_id).
  Result<bool> exists(std::string_view source, std::string_view order_id);

  struct Written {
    OrderPk pk = 0;
    MemberId member = kGuest;
  };
  // The order must not be in the store (exists()). `categories`, when given, gets each line's
  // category as stored (empty when neither the line nor its product has one).
  Result<Written> write(ImportContext& ctx, const OrderHead& order,
                        std::span<const OrderItem> items,
                        std::vector<std::string>* categories = nullptr);
  // Forgets the products' categories read so far (the products table changed).
  void forget_categories() { category_cache_.clear(); }

 private:
  Result<std::string_view> category_of(std::string_view sku);

  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
  };
  store::Database& db_;
  store::Statement exists_st_, order_st_, line_st_, category_st_;
  std::unordered_map<std::string, std::string, Hash, std::equal_to<>> category_cache_;
  std::string ref_;  // the order's primary identity, reused across orders
};

}  // namespace recur::ingest
