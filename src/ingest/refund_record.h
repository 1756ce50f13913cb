#pragma once
// One refund as `recur import refunds` checks and stores it: its fields, then against the store
// (the order exists, the refund does not precede the payment, nor return more than is left on
// the order or, with a SKU, on its line), then the `refunds` row. The bulk import and `recur
// order stream` share it.

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "core/ids.h"
#include "core/money.h"
#include "core/time.h"
#include "ingest/import_context.h"
#include "ingest/order_record.h"
#include "store/database.h"

namespace recur::ingest {

// The canonical refund fields, by index into SourceRow::values (fields_of(RecordKind::kRefunds)).
namespace refund_field {
enum : int { kSource, kRefundId, kOrderId, kRefundedAt, kSku, kQty, kAmount, kReason };
}  // namespace refund_field

// A refund as written.
struct StoredRefund {
  std::int64_t refund_pk = 0;
  MemberId member = kGuest;             // the order's buyer
  std::optional<std::int64_t> line_no;  // none: an amount of the whole order
  Fen amount = 0;
  Instant at;
};

// Writes refunds inside the caller's transaction. Bound to one connection.
class RefundWriter {
 public:
  explicit RefundWriter(store::Database& db) : db_(db) {}
  Status prepare();

  enum class Kind { kWritten, kPresent, kRejected };
  struct Outcome {
    Kind kind = Kind::kRejected;
    FieldError error;     // kRejected: why (nothing was written)
    StoredRefund refund;  // kWritten
  };
  // kPresent: the store has the refund (source, refund_id) already; nothing was written. An
  // error Status: the store failed.
  Result<Outcome> write(const ImportContext& ctx, std::span<const std::string_view> values);

 private:
  // Rejects when `amount` (and `qty`) exceed what is left on the order's line with `sku`;
  // else sets `line_no`.
  Result<std::optional<FieldError>> check_line(std::span<const std::string_view> v, OrderPk pk,
                                               Fen amount, std::int64_t qty,
                                               std::optional<std::int64_t>& line_no);

  store::Database& db_;
  store::Statement exists_st_, order_st_, line_st_, refunded_st_, insert_st_;
};

}  // namespace recur::ingest
