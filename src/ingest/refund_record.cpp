#include "ingest/refund_record.h"

#include <fmt/format.h>

#include "ingest/field_parsers.h"

namespace recur::ingest {

using namespace refund_field;

Status RefundWriter::prepare() {
  ASSIGN_OR_RETURN(exists_st_,
                   db_.prepare("SELECT 1 FROM refunds WHERE source = ? AND refund_id = ?"));
  ASSIGN_OR_RETURN(order_st_, db_.prepare("SELECT order_pk, member_id, paid_at, paid_fen FROM "
                                          "orders WHERE source = ? AND order_id = ?"));
  ASSIGN_OR_RETURN(
      line_st_,
      db_.prepare("SELECT l.line_no, l.qty, l.amount_fen, "
                  "COALESCE((SELECT SUM(r.amount_fen) FROM refunds r WHERE r.order_pk = l.order_pk "
                  "AND r.line_no = l.line_no), 0), "
                  "COALESCE((SELECT SUM(r.qty) FROM refunds r WHERE r.order_pk = l.order_pk AND "
                  "r.line_no = l.line_no), 0) "
                  "FROM order_lines l WHERE l.order_pk = ? AND l.sku = ? ORDER BY l.line_no"));
  ASSIGN_OR_RETURN(
      refunded_st_,
      db_.prepare("SELECT COALESCE(SUM(amount_fen), 0) FROM refunds WHERE order_pk = ?"));
  ASSIGN_OR_RETURN(
      insert_st_,
      db_.prepare(
          "INSERT INTO refunds (source, refund_id, order_pk, line_no, member_id, refunded_at, qty, "
          "amount_fen, reason, batch_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  return Status();
}

Result<std::optional<FieldError>> RefundWriter::check_line(std::span<const std::string_view> v,
                                                           OrderPk pk, Fen amount, std::int64_t qty,
                                                           std::optional<std::int64_t>& line_no) {
  // The order's line with this SKU that has the most left to refund (the first that covers the
  // amount).
  line_st_.reset();
  line_st_.bind(1, pk).bind(2, v[kSku]);
  Fen best_left = -1;
  std::int64_t qty_left = 0;
  while (true) {
    ASSIGN_OR_RETURN(bool more, line_st_.step());
    if (!more) break;
    Fen left = line_st_.column_int64(2) - line_st_.column_int64(3);
    if (!line_no || (best_left < amount && left > best_left)) {
      line_no = line_st_.column_int64(0);
      best_left = left;
      qty_left = line_st_.column_int64(1) - line_st_.column_int64(4);
    }
  }
  line_st_.reset();
  if (!line_no) {
    return std::optional<FieldError>(
        FieldError{kSku, fmt::format("order {} has no line with sku {}", v[kOrderId], v[kSku])});
  }
  if (amount > best_left) {
    return std::optional<FieldError>(
        FieldError{kAmount, fmt::format("refund {} exceeds what is left to refund on sku {} ({})",
                                        format_money(amount), v[kSku], format_money(best_left))});
  }
  if (qty > qty_left) {
    return std::optional<FieldError>(FieldError{
        kQty, fmt::format("{} units returned but only {} of sku {} are left on the order", qty,
                          qty_left, v[kSku])});
  }
  return std::optional<FieldError>();
}

Result<RefundWriter::Outcome> RefundWriter::write(const ImportContext& ctx,
                                                  std::span<const std::string_view> v) {
  Outcome out;
  auto reject = [&](int field, std::string reason) {
    out.kind = Kind::kRejected;
    out.error = FieldError{field, std::move(reason)};
    return out;
  };
  if (v[kSource].empty()) return reject(kSource, "source is empty");
  if (v[kRefundId].empty()) return reject(kRefundId, "refund_id is empty");
  if (v[kOrderId].empty()) return reject(kOrderId, "order_id is empty");
  auto at = ctx.parse_time(v[kRefundedAt]);
  if (!at.ok()) return reject(kRefundedAt, at.status().message());
  Fen amount = 0;
  if (!parse_money_fast(v[kAmount], amount))
    return reject(kAmount, "amount: " + parse_money(v[kAmount]).status().message());
  if (amount <= 0) return reject(kAmount, "a refund amount must be positive");
  std::int64_t qty = 0;
  if (!v[kQty].empty()) {
    auto q = parse_int_field(v[kQty], 0, 1'000'000);
    if (!q.ok()) return reject(kQty, "qty: " + q.status().message());
    qty = *q;
  }
  exists_st_.reset();
  exists_st_.bind(1, v[kSource]).bind(2, v[kRefundId]);
  ASSIGN_OR_RETURN(bool present, exists_st_.exists());
  if (present) {
    out.kind = Kind::kPresent;
    return out;
  }

  order_st_.reset();
  order_st_.bind(1, v[kSource]).bind(2, v[kOrderId]);
  ASSIGN_OR_RETURN(bool found, order_st_.step());
  if (!found) {
    return reject(kOrderId,
                  fmt::format("order {}:{} has not been imported", v[kSource], v[kOrderId]));
  }
  const OrderPk pk = order_st_.column_int64(0);
  const MemberId member = order_st_.column_int64(1);
  const Instant paid_at{order_st_.column_int64(2)};
  const Fen order_paid = order_st_.column_int64(3);
  order_st_.reset();
  if (*at < paid_at) {
    return reject(kRefundedAt, fmt::format("refund at {} is before the order was paid ({})",
                                           ctx.zone.format(*at), ctx.zone.format(paid_at)));
  }
  refunded_st_.reset();
  refunded_st_.bind(1, pk);
  ASSIGN_OR_RETURN(bool r1, refunded_st_.step());
  const Fen order_refunded = r1 ? refunded_st_.column_int64(0) : 0;
  refunded_st_.reset();
  if (order_refunded + amount > order_paid) {
    return reject(kAmount,
                  fmt::format("refund {} exceeds what is left to refund on order {} ({} of {})",
                              format_money(amount), v[kOrderId],
                              format_money(order_paid - order_refunded), format_money(order_paid)));
  }
  std::optional<std::int64_t> line_no;
  if (!v[kSku].empty()) {
    ASSIGN_OR_RETURN(std::optional<FieldError> bad, check_line(v, pk, amount, qty, line_no));
    if (bad) return reject(bad->field, std::move(bad->reason));
  } else if (qty != 0) {
    return reject(kQty, "qty needs a sku: an amount-only refund returns no units");
  }
  insert_st_.reset();
  insert_st_.bind(1, v[kSource]).bind(2, v[kRefundId]).bind(3, pk);
  insert_st_.bind(4, line_no);
  insert_st_.bind(5, member)
      .bind(6, at->seconds)
      .bind(7, qty)
      .bind(8, amount)
      .bind_optional(9, v[kReason]);
  if (ctx.batch_id > 0)
    insert_st_.bind(10, ctx.batch_id);
  else
    insert_st_.bind(10, std::nullopt);
  Status ins = insert_st_.run();
  if (!ins.ok()) {
    if (ins.code() == StatusCode::kAlreadyExists)
      return reject(kRefundId, fmt::format("refund {} appears twice in the file", v[kRefundId]));
    return ins;
  }
  out.kind = Kind::kWritten;
  out.refund = StoredRefund{db_.last_insert_rowid(), member, line_no, amount, *at};
  return out;
}

}  // namespace recur::ingest
