// Orders: one row per order line. Phase 1 reads and validates every row and groups lines into
// orders; phase 2 writes the good orders in chunked transactions, skipping orders already
// present (idempotent by source + order_id). A crash between chunks leaves whole orders only;
// re-running skips what is there and finishes the rest.

#include <fmt/format.h>

#include <algorithm>
#include <unordered_map>

#include "core/money.h"
#include "identity/identity.h"
#include "ingest/field_parsers.h"
#include "ingest/import_context.h"
#include "ingest/order_key_index.h"
#include "store/database.h"

namespace recur::ingest {
namespace {

enum OrderField : int {
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
  kOrderFieldCount
};

struct Line {
  std::string_view sku, category;
  std::int64_t qty;
  Fen unit_price, discount, amount;
  std::uint32_t order;  // index into orders
  std::uint32_t row;    // index into the row list (for errors)
};

struct Order {
  std::string_view source, order_id, member_text, channel, store_id;
  Instant paid_at;
  std::vector<identity::Identity> ids;
  std::uint32_t first_line = 0;
  std::uint32_t nlines = 0;
  std::uint32_t begin = 0;  // first line index after grouping
  bool bad = false;
};

struct RowInfo {
  std::uint32_t line;
  std::string_view raw;
  std::uint32_t order;  // UINT32_MAX when the row could not be tied to an order
};

}  // namespace

Status import_orders(ImportContext& ctx, RecordSource& src, ImportSummary& sum) {
  std::vector<Order> orders;
  std::vector<Line> lines;
  std::vector<RowInfo> rows;
  std::vector<bool> row_failed;  // by row index: already reported
  OrderKeyIndex index;
  bool grouped_in_order = true;

  SourceRow row;
  std::uint32_t last_order = UINT32_MAX;
  auto fail = [&](const SourceRow& r, int field, std::string reason) {
    ctx.reject(sum, src, r, field, std::move(reason));
    row_failed.back() = true;
  };

  while (src.next(row)) {
    ++sum.rows;
    if (sum.rows == 4096 && src.progress() > 0) {
      // Size the lists from the share of the file read so far.
      auto expected = static_cast<std::size_t>(4096 / src.progress() * 1.05);
      rows.reserve(expected);
      row_failed.reserve(expected);
      lines.reserve(expected);
      orders.reserve(expected * orders.size() / 4096 + 16);
      index.reserve(expected * orders.size() / 4096 + 16);
    }
    if ((sum.rows & 0xFFFF) == 0 && ctx.progress) ctx.progress(src.progress() * 0.5, sum.rows);
    auto ri = static_cast<std::uint32_t>(rows.size());
    rows.push_back(RowInfo{row.line, row.raw, UINT32_MAX});
    row_failed.push_back(false);
    if (!row.malformed.empty()) {
      fail(row, -1, row.malformed);
      continue;
    }
    const auto& v = row.values;
    if (v[kSource].empty()) {
      fail(row, kSource, "source is empty");
      continue;
    }
    if (v[kOrderId].empty()) {
      fail(row, kOrderId, "order_id is empty");
      continue;
    }
    // Find or create the order.
    std::uint32_t oi;
    bool first_of_order = false;
    if (last_order != UINT32_MAX && orders[last_order].source == v[kSource] &&
        orders[last_order].order_id == v[kOrderId]) {
      oi = last_order;
    } else {
      auto [found, inserted] = index.find_or_insert(
          OrderKeyIndex::hash(v[kSource], v[kOrderId]), static_cast<std::uint32_t>(orders.size()),
          [&](std::uint32_t o) {
            return orders[o].source == v[kSource] && orders[o].order_id == v[kOrderId];
          });
      oi = found;
      if (inserted) {
        orders.emplace_back();
        first_of_order = true;
      } else {
        grouped_in_order = false;
      }
      last_order = oi;
    }
    rows[ri].order = oi;
    Order& o = orders[oi];

    auto order_bad = [&](int field, std::string reason) {
      o.bad = true;
      fail(row, field, std::move(reason));
    };
    if (first_of_order) {
      o.source = v[kSource];
      o.order_id = v[kOrderId];
      o.first_line = row.line;
      o.member_text = v[kMember];
      o.channel = v[kChannel];
      o.store_id = v[kStoreId];
      if (v[kPaidAt].empty()) {
        order_bad(kPaidAt, "paid_at is empty");
        continue;
      }
      auto t = ctx.parse_time(v[kPaidAt]);
      if (!t.ok()) {
        order_bad(kPaidAt, t.status().message());
        continue;
      }
      o.paid_at = *t;
      if (!is_valid_channel(o.channel)) {
        order_bad(
            kChannel,
            fmt::format("'{}' is not a channel (online, miniprogram, store, marketplace:<name>)",
                        o.channel));
        continue;
      }
      auto ids = identity::parse_identities(o.member_text, ctx.options.member_kind);
      if (!ids.ok()) {
        order_bad(kMember, ids.status().message());
        continue;
      }
      o.ids = std::move(ids).value();
    } else {
      // Later lines must agree with the order's first line.
      auto differs = [&](int field, std::string_view first) {
        if (v[field] == first) return false;
        order_bad(field,
                  fmt::format("'{}' differs from '{}' on line {}, the first line of order {}",
                              v[field], first, o.first_line, o.order_id));
        return true;
      };
      if (differs(kMember, o.member_text) || differs(kChannel, o.channel) ||
          differs(kStoreId, o.store_id))
        continue;
      auto t = ctx.parse_time(v[kPaidAt]);
      if (!t.ok() || *t != o.paid_at) {
        order_bad(kPaidAt,
                  fmt::format("paid_at '{}' differs from the first line of order {} (line {})",
                              v[kPaidAt], o.order_id, o.first_line));
        continue;
      }
    }
    // The line itself.
    Line ln{};
    ln.order = oi;
    ln.row = ri;
    ln.sku = v[kSku];
    ln.category = v[kCategory];
    if (ln.sku.empty()) {
      order_bad(kSku, "sku is empty");
      continue;
    }
    auto qty = parse_int_field(v[kQty], 1, 1'000'000);
    if (!qty.ok()) {
      order_bad(kQty, "qty: " + qty.status().message());
      continue;
    }
    ln.qty = *qty;
    if (!v[kUnitPrice].empty() && !parse_money_fast(v[kUnitPrice], ln.unit_price)) {
      order_bad(kUnitPrice, "unit_price: " + parse_money(v[kUnitPrice]).status().message());
      continue;
    }
    if (!parse_money_fast(v[kAmount], ln.amount)) {
      order_bad(kAmount, "amount: " + parse_money(v[kAmount]).status().message());
      continue;
    }
    if (v[kUnitPrice].empty()) {
      // Without a unit price the line is priced from its amount: amount ÷ qty rounded up to the
      // fen, the rounding kept as discount (0 ≤ discount < qty fen).
      if (ln.amount < 0) {
        order_bad(kAmount, "amount is negative");
        continue;
      }
      ln.unit_price = (ln.amount + ln.qty - 1) / ln.qty;
    }
    Fen gross = ln.qty * ln.unit_price;
    if (v[kDiscount].empty()) {
      ln.discount = gross - ln.amount;
    } else if (!parse_money_fast(v[kDiscount], ln.discount)) {
      order_bad(kDiscount, "discount: " + parse_money(v[kDiscount]).status().message());
      continue;
    }
    if (ln.unit_price < 0) {
      order_bad(kUnitPrice, "unit_price is negative");
      continue;
    }
    if (ln.amount < 0) {
      order_bad(kAmount, "amount is negative");
      continue;
    }
    if (ln.discount < 0) {
      order_bad(
          kDiscount,
          fmt::format("discount {} is negative (amount {} exceeds qty × unit_price {})",
                      format_money(ln.discount), format_money(ln.amount), format_money(gross)));
      continue;
    }
    if (gross - ln.discount != ln.amount) {
      order_bad(kAmount, fmt::format("amount {} ≠ qty × unit_price − discount = {} × {} − {} = {}",
                                     format_money(ln.amount), ln.qty, format_money(ln.unit_price),
                                     format_money(ln.discount), format_money(gross - ln.discount)));
      continue;
    }
    ++o.nlines;
    lines.push_back(ln);
  }

  // A bad line spoils its whole order: the other lines are rejected too, so no order is half
  // applied.
  for (std::size_t r = 0; r < rows.size(); ++r) {
    if (row_failed[r] || rows[r].order == UINT32_MAX) continue;
    const Order& o = orders[rows[r].order];
    if (o.bad)
      sum.errors.push_back(
          RowError{rows[r].line, "",
                   fmt::format("order {} has a bad line (see above); the whole order is rejected",
                               o.order_id),
                   std::string(rows[r].raw)});
  }
  std::sort(sum.errors.begin(), sum.errors.end(),
            [](const RowError& a, const RowError& b) { return a.line < b.line; });
  sum.rejected = static_cast<std::int64_t>(sum.errors.size());
  if (sum.rejected > 0 && !ctx.options.skip_bad) return Status();  // all-or-nothing
  if (ctx.options.dry_run) return Status();

  // Group lines by order (stable: file order within an order).
  if (!grouped_in_order)
    std::stable_sort(lines.begin(), lines.end(),
                     [](const Line& a, const Line& b) { return a.order < b.order; });
  {
    std::uint32_t prev = UINT32_MAX;
    for (std::uint32_t i = 0; i < lines.size(); ++i)
      if (lines[i].order != prev) {
        orders[lines[i].order].begin = i;
        prev = lines[i].order;
      }
  }

  // Phase 2: apply.
  store::Database& db = ctx.db;
  ASSIGN_OR_RETURN(auto exists_st,
                   db.prepare("SELECT 1 FROM orders WHERE source = ? AND order_id = ?"));
  ASSIGN_OR_RETURN(auto order_st,
                   db.prepare("INSERT INTO orders (source, order_id, member_id, member_ref, "
                              "channel, store_id, paid_at, paid_day, "
                              "gross_fen, discount_fen, paid_fen, line_count, item_qty, batch_id) "
                              "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  ASSIGN_OR_RETURN(auto line_st,
                   db.prepare("INSERT INTO order_lines (order_pk, line_no, member_id, sku, "
                              "category, qty, unit_price_fen, "
                              "discount_fen, amount_fen) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  ASSIGN_OR_RETURN(auto category_st, db.prepare("SELECT category FROM products WHERE sku = ?"));
  std::unordered_map<std::string_view, std::string> category_cache;

  const std::size_t chunk = std::max<std::size_t>(1, ctx.options.chunk_orders);
  std::string ref;  // the order's primary identity, reused across orders
  // Sources with no order in the store when the import began need no per-order existence check
  // (the file's own duplicates were grouped above). Another connection committing in between
  // turns the checks back on.
  std::vector<std::string_view> fresh_sources;
  ASSIGN_OR_RETURN(std::int64_t data_version, db.query_int("PRAGMA data_version", 0));
  {
    ASSIGN_OR_RETURN(auto any_st, db.prepare("SELECT 1 FROM orders WHERE source = ? LIMIT 1"));
    std::string_view last;
    for (const Order& o : orders) {
      if (o.source == last ||
          std::find(fresh_sources.begin(), fresh_sources.end(), o.source) != fresh_sources.end())
        continue;
      last = o.source;
      any_st.reset();
      any_st.bind_text_static(1, o.source);
      ASSIGN_OR_RETURN(bool any, any_st.step());
      if (!any) fresh_sources.push_back(o.source);
    }
  }
  for (std::size_t start = 0; start < orders.size(); start += chunk) {
    std::size_t end = std::min(orders.size(), start + chunk);
    ASSIGN_OR_RETURN(auto tx, store::Transaction::begin(db));
    RETURN_IF_ERROR(ctx.resolver.begin_batch());
    ASSIGN_OR_RETURN(std::int64_t version, db.query_int("PRAGMA data_version", 0));
    if (version != data_version) fresh_sources.clear();
    for (std::size_t oi = start; oi < end; ++oi) {
      const Order& o = orders[oi];
      if (o.bad || o.nlines == 0) continue;
      bool present = false;
      if (std::find(fresh_sources.begin(), fresh_sources.end(), o.source) == fresh_sources.end()) {
        exists_st.rewind();
        exists_st.bind_text_static(1, o.source).bind_text_static(2, o.order_id);
        ASSIGN_OR_RETURN(present, exists_st.step());
      }
      if (present) {
        sum.skipped += o.nlines;
        continue;
      }
      MemberId member = kGuest;
      ref.clear();
      if (!o.ids.empty()) {
        ASSIGN_OR_RETURN(identity::Resolution res, ctx.resolver.resolve(o.ids, [&o] {
          return fmt::format("order {}:{}", o.source, o.order_id);
        }));
        member = res.member;
        ref.assign(o.ids.front().kind).append(":").append(o.ids.front().value);
      }
      Fen gross = 0, discount = 0, paid = 0;
      std::int64_t qty = 0;
      for (std::uint32_t k = 0; k < o.nlines; ++k) {
        const Line& ln = lines[o.begin + k];
        gross += ln.qty * ln.unit_price;
        discount += ln.discount;
        paid += ln.amount;
        qty += ln.qty;
      }
      order_st.rewind();
      order_st.bind_text_static(1, o.source).bind_text_static(2, o.order_id).bind(3, member);
      if (ref.empty())
        order_st.bind(4, std::nullopt);
      else
        order_st.bind_text_static(4, ref);
      order_st.bind_text_static(5, o.channel)
          .bind_optional_static(6, o.store_id)
          .bind(7, o.paid_at.seconds)
          .bind(8, static_cast<std::int64_t>(ctx.zone.local_date(o.paid_at).days))
          .bind(9, gross)
          .bind(10, discount)
          .bind(11, paid)
          .bind(12, static_cast<std::int64_t>(o.nlines))
          .bind(13, qty)
          .bind(14, ctx.batch_id);
      RETURN_IF_ERROR(order_st.run());
      OrderPk pk = db.last_insert_rowid();
      for (std::uint32_t k = 0; k < o.nlines; ++k) {
        const Line& ln = lines[o.begin + k];
        std::string_view category = ln.category;
        if (category.empty()) {
          auto it = category_cache.find(ln.sku);
          if (it == category_cache.end()) {
            category_st.reset();
            category_st.bind_text_static(1, ln.sku);
            ASSIGN_OR_RETURN(bool found, category_st.step());
            it =
                category_cache.emplace(ln.sku, found ? category_st.column_string(0) : std::string())
                    .first;
            category_st.reset();
          }
          category = it->second;
        }
        line_st.rewind();
        line_st.bind(1, pk)
            .bind(2, static_cast<std::int64_t>(k) + 1)
            .bind(3, member)
            .bind_text_static(4, ln.sku)
            .bind_optional_static(5, category)
            .bind(6, ln.qty)
            .bind(7, ln.unit_price)
            .bind(8, ln.discount)
            .bind(9, ln.amount);
        RETURN_IF_ERROR(line_st.run());
      }
      sum.applied += o.nlines;
      ++sum.records_applied;
    }
    exists_st.reset();
    RETURN_IF_ERROR(tx->commit());
    if (ctx.progress)
      ctx.progress(0.5 + 0.5 * static_cast<double>(end) / static_cast<double>(orders.size()),
                   sum.rows);
  }
  sum.committed = true;
  return Status();
}

}  // namespace recur::ingest
