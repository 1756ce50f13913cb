// Refunds: each must reference an imported order (and line, when a SKU is given) and may not
// return more than is left to refund. These checks need the database, so the rows are applied
// tentatively in one transaction and rolled back when any is bad (all-or-nothing), or the bad
// ones are left out (--skip-bad).

#include <fmt/format.h>

#include "core/money.h"
#include "ingest/field_parsers.h"
#include "ingest/import_context.h"

namespace recur::ingest {
namespace {

enum RefundField : int { kSource, kRefundId, kOrderId, kRefundedAt, kSku, kQty, kAmount, kReason };

}  // namespace

Status import_refunds(ImportContext& ctx, RecordSource& src, ImportSummary& sum) {
  store::Database& db = ctx.db;
  ASSIGN_OR_RETURN(auto exists_st,
                   db.prepare("SELECT 1 FROM refunds WHERE source = ? AND refund_id = ?"));
  ASSIGN_OR_RETURN(auto order_st, db.prepare("SELECT order_pk, member_id, paid_at, paid_fen FROM "
                                             "orders WHERE source = ? AND order_id = ?"));
  ASSIGN_OR_RETURN(
      auto line_st,
      db.prepare("SELECT l.line_no, l.qty, l.amount_fen, "
                 "COALESCE((SELECT SUM(r.amount_fen) FROM refunds r WHERE r.order_pk = l.order_pk "
                 "AND r.line_no = l.line_no), 0), "
                 "COALESCE((SELECT SUM(r.qty) FROM refunds r WHERE r.order_pk = l.order_pk AND "
                 "r.line_no = l.line_no), 0) "
                 "FROM order_lines l WHERE l.order_pk = ? AND l.sku = ? ORDER BY l.line_no"));
  ASSIGN_OR_RETURN(
      auto refunded_st,
      db.prepare("SELECT COALESCE(SUM(amount_fen), 0) FROM refunds WHERE order_pk = ?"));
  ASSIGN_OR_RETURN(
      auto insert_st,
      db.prepare(
          "INSERT INTO refunds (source, refund_id, order_pk, line_no, member_id, refunded_at, qty, "
          "amount_fen, reason, batch_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));

  ASSIGN_OR_RETURN(auto tx, store::Transaction::begin(db));
  SourceRow row;
  while (src.next(row)) {
    ++sum.rows;
    if ((sum.rows & 0x3FFF) == 0 && ctx.progress) ctx.progress(src.progress(), sum.rows);
    auto fail = [&](int field, std::string reason) {
      ctx.reject(sum, src, row, field, std::move(reason));
    };
    if (!row.malformed.empty()) {
      fail(-1, row.malformed);
      continue;
    }
    const auto& v = row.values;
    if (v[kSource].empty()) {
      fail(kSource, "source is empty");
      continue;
    }
    if (v[kRefundId].empty()) {
      fail(kRefundId, "refund_id is empty");
      continue;
    }
    if (v[kOrderId].empty()) {
      fail(kOrderId, "order_id is empty");
      continue;
    }
    auto at = ctx.parse_time(v[kRefundedAt]);
    if (!at.ok()) {
      fail(kRefundedAt, at.status().message());
      continue;
    }
    Fen amount = 0;
    if (!parse_money_fast(v[kAmount], amount)) {
      fail(kAmount, "amount: " + parse_money(v[kAmount]).status().message());
      continue;
    }
    if (amount <= 0) {
      fail(kAmount, "a refund amount must be positive");
      continue;
    }
    std::int64_t qty = 0;
    if (!v[kQty].empty()) {
      auto q = parse_int_field(v[kQty], 0, 1'000'000);
      if (!q.ok()) {
        fail(kQty, "qty: " + q.status().message());
        continue;
      }
      qty = *q;
    }
    exists_st.reset();
    exists_st.bind(1, v[kSource]).bind(2, v[kRefundId]);
    ASSIGN_OR_RETURN(bool present, exists_st.step());
    exists_st.reset();
    if (present) {
      ++sum.skipped;
      continue;
    }

    order_st.reset();
    order_st.bind(1, v[kSource]).bind(2, v[kOrderId]);
    ASSIGN_OR_RETURN(bool found, order_st.step());
    if (!found) {
      fail(kOrderId, fmt::format("order {}:{} has not been imported", v[kSource], v[kOrderId]));
      continue;
    }
    OrderPk pk = order_st.column_int64(0);
    MemberId member = order_st.column_int64(1);
    Instant paid_at{order_st.column_int64(2)};
    Fen order_paid = order_st.column_int64(3);
    order_st.reset();
    if (*at < paid_at) {
      fail(kRefundedAt, fmt::format("refund at {} is before the order was paid ({})",
                                    ctx.zone.format(*at), ctx.zone.format(paid_at)));
      continue;
    }
    refunded_st.reset();
    refunded_st.bind(1, pk);
    ASSIGN_OR_RETURN(bool r1, refunded_st.step());
    Fen order_refunded = r1 ? refunded_st.column_int64(0) : 0;
    refunded_st.reset();
    if (order_refunded + amount > order_paid) {
      fail(kAmount,
           fmt::format("refund {} exceeds what is left to refund on order {} ({} of {})",
                       format_money(amount), v[kOrderId], format_money(order_paid - order_refunded),
                       format_money(order_paid)));
      continue;
    }
    std::optional<std::int64_t> line_no;
    if (!v[kSku].empty()) {
      line_st.reset();
      line_st.bind(1, pk).bind(2, v[kSku]);
      Fen best_left = -1;
      std::int64_t qty_left = 0;
      while (true) {
        ASSIGN_OR_RETURN(bool more, line_st.step());
        if (!more) break;
        Fen left = line_st.column_int64(2) - line_st.column_int64(3);
        if (!line_no || (best_left < amount && left > best_left)) {
          line_no = line_st.column_int64(0);
          best_left = left;
          qty_left = line_st.column_int64(1) - line_st.column_int64(4);
        }
      }
      line_st.reset();
      if (!line_no) {
        fail(kSku, fmt::format("order {} has no line with sku {}", v[kOrderId], v[kSku]));
        continue;
      }
      if (amount > best_left) {
        fail(kAmount, fmt::format("refund {} exceeds what is left to refund on sku {} ({})",
                                  format_money(amount), v[kSku], format_money(best_left)));
        continue;
      }
      if (qty > qty_left) {
        fail(kQty, fmt::format("{} units returned but only {} of sku {} are left on the order", qty,
                               qty_left, v[kSku]));
        continue;
      }
    } else if (qty != 0) {
      fail(kQty, "qty needs a sku: an amount-only refund returns no units");
      continue;
    }
    insert_st.reset();
    insert_st.bind(1, v[kSource]).bind(2, v[kRefundId]).bind(3, pk);
    if (line_no)
      insert_st.bind(4, *line_no);
    else
      insert_st.bind(4, std::nullopt);
    insert_st.bind(5, member)
        .bind(6, at->seconds)
        .bind(7, qty)
        .bind(8, amount)
        .bind_optional(9, v[kReason])
        .bind(10, ctx.batch_id);
    Status ins = insert_st.run();
    if (!ins.ok()) {
      if (ins.code() == StatusCode::kAlreadyExists) {
        fail(kRefundId, fmt::format("refund {} appears twice in the file", v[kRefundId]));
        continue;
      }
      return ins;
    }
    ++sum.applied;
    ++sum.records_applied;
  }
  sum.rejected = static_cast<std::int64_t>(sum.errors.size());
  if ((sum.rejected > 0 && !ctx.options.skip_bad) || ctx.options.dry_run) {
    sum.applied = 0;
    sum.records_applied = 0;
    return Status();  // the transaction rolls back
  }
  RETURN_IF_ERROR(tx->commit());
  sum.committed = true;
  return Status();
}

}  // namespace recur::ingest
