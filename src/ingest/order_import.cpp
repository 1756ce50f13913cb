// Orders: one row per order line. Phase 1 reads and validates every row and groups lines into
// orders; phase 2 writes the good orders in chunked transactions, skipping orders already
// present (idempotent by source + order_id). A crash between chunks leaves whole orders only;
// re-running skips what is there and finishes the rest.

#include <fmt/format.h>

#include <algorithm>
#include <span>

#include "ingest/import_context.h"
#include "ingest/order_key_index.h"
#include "ingest/order_record.h"
#include "store/database.h"

namespace recur::ingest {
namespace {

using namespace order_field;

struct Order {
  OrderHead head;
  std::uint32_t first_line = 0;
  std::uint32_t nlines = 0;
  std::uint32_t begin = 0;  // first item index after grouping
  bool bad = false;
};

struct RowInfo {
  std::uint32_t line;
  std::string_view raw;
  std::uint32_t order;  // UINT32_MAX when the row could not be tied to an order
};

// Puts the items of each order next to each other, in file order within an order (a stable
// reordering by order; nothing to do when the file kept each order's lines together).
void group_items(std::vector<OrderItem>& items, std::vector<std::uint32_t>& item_order,
                 bool grouped_in_order) {
  if (grouped_in_order) return;
  std::vector<std::uint32_t> perm(items.size());
  for (std::uint32_t i = 0; i < perm.size(); ++i) perm[i] = i;
  std::stable_sort(perm.begin(), perm.end(),
                   [&](std::uint32_t a, std::uint32_t b) { return item_order[a] < item_order[b]; });
  std::vector<OrderItem> sorted_items;
  std::vector<std::uint32_t> sorted_order;
  sorted_items.reserve(items.size());
  sorted_order.reserve(items.size());
  for (std::uint32_t p : perm) {
    sorted_items.push_back(items[p]);
    sorted_order.push_back(item_order[p]);
  }
  items.swap(sorted_items);
  item_order.swap(sorted_order);
}

}  // namespace

Status import_orders(ImportContext& ctx, RecordSource& src, ImportSummary& sum) {
  std::vector<Order> orders;
  std::vector<OrderItem> items;
  std::vector<std::uint32_t> item_order;  // by item: its index into orders
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
      items.reserve(expected);
      item_order.reserve(expected);
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
    if (last_order != UINT32_MAX && orders[last_order].head.source == v[kSource] &&
        orders[last_order].head.order_id == v[kOrderId]) {
      oi = last_order;
    } else {
      auto [found, inserted] = index.find_or_insert(
          OrderKeyIndex::hash(v[kSource], v[kOrderId]), static_cast<std::uint32_t>(orders.size()),
          [&](std::uint32_t o) {
            return orders[o].head.source == v[kSource] && orders[o].head.order_id == v[kOrderId];
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

    std::optional<FieldError> bad;
    if (first_of_order) {
      o.first_line = row.line;
      bad = read_order_head(ctx, v, o.head);
    } else {
      bad = check_same_order(ctx, v, o.head, o.first_line);  // later lines agree with the first
    }
    OrderItem item;
    if (!bad) bad = read_order_item(v, item);
    if (bad) {
      o.bad = true;
      fail(row, bad->field, std::move(bad->reason));
      continue;
    }
    ++o.nlines;
    items.push_back(item);
    item_order.push_back(oi);
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
                               o.head.order_id),
                   std::string(rows[r].raw)});
  }
  std::sort(sum.errors.begin(), sum.errors.end(),
            [](const RowError& a, const RowError& b) { return a.line < b.line; });
  sum.rejected = static_cast<std::int64_t>(sum.errors.size());
  if (sum.rejected > 0 && !ctx.options.skip_bad) return Status();  // all-or-nothing
  if (ctx.options.dry_run) return Status();

  group_items(items, item_order, grouped_in_order);
  {
    std::uint32_t prev = UINT32_MAX;
    for (std::uint32_t i = 0; i < item_order.size(); ++i)
      if (item_order[i] != prev) {
        orders[item_order[i]].begin = i;
        prev = item_order[i];
      }
  }

  // Phase 2: apply.
  store::Database& db = ctx.db;
  OrderWriter writer(db);
  RETURN_IF_ERROR(writer.prepare());
  const std::size_t chunk = std::max<std::size_t>(1, ctx.options.chunk_orders);
  // Sources with no order in the store when the import began need no per-order existence check
  // (the file's own duplicates were grouped above). Another connection committing in between
  // turns the checks back on.
  std::vector<std::string_view> fresh_sources;
  ASSIGN_OR_RETURN(std::int64_t data_version, db.query_int("PRAGMA data_version", 0));
  {
    ASSIGN_OR_RETURN(auto any_st, db.prepare("SELECT 1 FROM orders WHERE source = ? LIMIT 1"));
    std::string_view last;
    for (const Order& o : orders) {
      if (o.head.source == last || std::find(fresh_sources.begin(), fresh_sources.end(),
                                             o.head.source) != fresh_sources.end())
        continue;
      last = o.head.source;
      any_st.reset();
      any_st.bind_text_static(1, o.head.source);
      ASSIGN_OR_RETURN(bool any, any_st.step());
      if (!any) fresh_sources.push_back(o.head.source);
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
      if (std::find(fresh_sources.begin(), fresh_sources.end(), o.head.source) ==
          fresh_sources.end()) {
        ASSIGN_OR_RETURN(present, writer.exists(o.head.source, o.head.order_id));
      }
      if (present) {
        sum.skipped += o.nlines;
        continue;
      }
      ASSIGN_OR_RETURN(OrderWriter::Written w,
                       writer.write(ctx, o.head, std::span(items).subspan(o.begin, o.nlines)));
      if (w.member != kGuest && ctx.merge_flush) ctx.merge_flush->written(w.pk);
      sum.applied += o.nlines;
      ++sum.records_applied;
    }
    RETURN_IF_ERROR(tx->commit());
    if (ctx.progress)
      ctx.progress(0.5 + 0.5 * static_cast<double>(end) / static_cast<double>(orders.size()),
                   sum.rows);
  }
  sum.committed = true;
  return Status();
}

}  // namespace recur::ingest
