#include "loyalty/apply.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "loyalty/pending_orders.h"
#include "loyalty/refund_cascade.h"
#include "store/settings.h"

namespace recur::loyalty {

std::string order_key(std::string_view source, std::string_view order_id) {
  std::string k;
  k.reserve(source.size() + order_id.size() + 1);
  k.append(source).append(":").append(order_id);
  return k;
}

namespace {

// Orders not applied, or applied (through the API) before the store had their row (the third
// column says which), above `?1`, the watermark: every order at or below it is applied.
constexpr const char* kPendingOrders =
    "SELECT o.order_pk, o.paid_at, lo.order_key IS NOT NULL FROM orders o "
    "LEFT JOIN loyalty_orders lo ON lo.order_key = o.source || ':' || o.order_id "
    "WHERE o.order_pk > ?1 AND o.member_id != 0 AND lo.order_pk IS NULL "
    "ORDER BY o.paid_at, o.order_pk";
// The same between two order pks: the orders an import wrote since its last merge.
constexpr const char* kPendingOrdersInRange =
    "SELECT o.order_pk, o.paid_at, lo.order_key IS NOT NULL FROM orders o "
    "LEFT JOIN loyalty_orders lo ON lo.order_key = o.source || ':' || o.order_id "
    "WHERE o.order_pk BETWEEN ? AND ? AND o.member_id != 0 AND lo.order_pk IS NULL";
constexpr const char* kPendingRefunds =
    "SELECT r.refund_pk, r.refunded_at FROM refunds r WHERE r.refund_pk > ?1 AND "
    "r.member_id != 0 AND NOT EXISTS "
    "(SELECT 1 FROM loyalty_refunds lr WHERE lr.refund_pk = r.refund_pk) AND NOT EXISTS "
    "(SELECT 1 FROM loyalty_settlement_refunds sr WHERE sr.refund_pk = r.refund_pk) "
    "ORDER BY r.refunded_at, r.refund_pk";

// Orders per OrderBatch part: the reader reads the next block meanwhile. Smaller blocks start
// the overlap sooner; each part costs a few lookups of its own (1,000–2,000 ran best).
constexpr std::size_t kBlock = 2000;

struct Item {
  std::int64_t at;
  int kind;  // 0 order, 1 refund: orders first at the same instant
  std::int64_t pk;
  bool applied = false;  // an order applied before the store had its row: only its pk to record
  bool operator<(const Item& o) const {
    if (at != o.at) return at < o.at;
    if (kind != o.kind) return kind < o.kind;
    return pk < o.pk;
  }
};

// The apply watermarks (settings): every member order (refund) with a pk at or below the value
// is applied, so the search for what is pending starts above it and costs what was added since,
// not the whole store. Raised by each apply to the highest pk it saw; never lowered.
constexpr const char* kOrdersThrough = "loyalty.orders_applied_through";
constexpr const char* kRefundsThrough = "loyalty.refunds_applied_through";

struct Watermarks {
  std::int64_t orders = 0, refunds = 0;
};

Result<Watermarks> read_watermarks(store::Database& db) {
  Watermarks w;
  for (auto [key, value] : {std::pair{kOrdersThrough, &w.orders}, {kRefundsThrough, &w.refunds}}) {
    ASSIGN_OR_RETURN(std::optional<std::string> v, store::get_setting(db, key));
    if (v) *value = std::strtoll(v->c_str(), nullptr, 10);
  }
  return w;
}

// The highest order and refund pks in the store, read in the caller's transaction.
Result<Watermarks> highest_pks(store::Database& db) {
  Watermarks w;
  ASSIGN_OR_RETURN(w.orders, db.query_int("SELECT COALESCE(MAX(order_pk), 0) FROM orders"));
  ASSIGN_OR_RETURN(w.refunds, db.query_int("SELECT COALESCE(MAX(refund_pk), 0) FROM refunds"));
  return w;
}

// Raises the watermarks to `to` where that is higher, in the caller's write transaction.
Status raise_watermarks(store::Database& db, const Watermarks& to) {
  ASSIGN_OR_RETURN(Watermarks now, read_watermarks(db));
  if (to.orders > now.orders)
    RETURN_IF_ERROR(store::set_setting(db, kOrdersThrough, std::to_string(to.orders)));
  if (to.refunds > now.refunds)
    RETURN_IF_ERROR(store::set_setting(db, kRefundsThrough, std::to_string(to.refunds)));
  return Status();
}

Status collect(store::Database& db, const char* sql, int kind, std::int64_t after,
               std::vector<Item>& out) {
  ASSIGN_OR_RETURN(auto st, db.prepare(sql));
  st.bind(1, after);
  while (true) {
    ASSIGN_OR_RETURN(bool row, st.step());
    if (!row) break;
    out.push_back(
        Item{st.column_int64(1), kind, st.column_int64(0), kind == 0 && st.column_int64(2) != 0});
  }
  return Status();
}

// What was pending, read in one snapshot.
struct Snapshot {
  std::vector<Item> items;  // sorted
  Watermarks top;           // the highest pks, every pending row of which `items` holds
  // PRAGMA data_version then: it changes on this connection only when another connection
  // commits, so a chunk that finds it changed knows another writer may have applied some of
  // `items` meanwhile.
  std::int64_t data_version = 0;
};

// Applies `items` (sorted) with `engine`: in chunked transactions of its own, reading ahead on a
// second connection; or, with `here`, inside the caller's transaction, reading on its
// connection.
// Afterwards the watermarks rise to `raise_to`, when given: the highest pks of the snapshot
// `items` were read in, every pending row of which they hold.
// `data_version`: the snapshot's (own transactions only). Once another connection committed
// since, the orders of each chunk are looked up and those applied meanwhile replayed, as two
// imports or applies at once would otherwise write the same order twice (and the second fail
// on the order key's unique index); until then none is looked up.
Result<ApplySummary> apply_items(store::Database& db, LoyaltyEngine& engine,
                                 std::vector<Item> items, const ApplyOptions& options, bool here,
                                 const Watermarks* raise_to, std::int64_t data_version = 0) {
  // A transaction of its own per chunk, or nothing inside the caller's.
  auto begin = [&]() -> Result<std::unique_ptr<store::Transaction>> {
    if (here) return std::unique_ptr<store::Transaction>();
    return store::Transaction::begin(db);
  };
  auto commit = [](std::unique_ptr<store::Transaction>& tx) {
    return tx ? tx->commit() : Status();
  };
  // Orders applied before the store had their row only learn their order_pk (a replay, which
  // changes no balance): done first, so every order left has a key never applied.
  {
    std::vector<std::int64_t> replays;
    for (const Item& it : items)
      if (it.applied) replays.push_back(it.pk);
    if (!replays.empty()) {
      ASSIGN_OR_RETURN(std::vector<OrderInput> orders, read_orders(db, replays));
      ASSIGN_OR_RETURN(auto tx, begin());
      for (const OrderInput& o : orders) RETURN_IF_ERROR(engine.apply_order(o).status());
      RETURN_IF_ERROR(commit(tx));
      items.erase(
          std::remove_if(items.begin(), items.end(), [](const Item& it) { return it.applied; }),
          items.end());
    }
  }

  // The orders in blocks of kBlock, each within one run of orders (up to the next refund) and
  // one chunk: the reader reads them ahead, in the order the loop below applies them.
  ASSIGN_OR_RETURN(auto refund_st,
                   db.prepare("SELECT r.source, r.refund_id, o.source, o.order_id, r.line_no, "
                              "r.amount_fen, r.refunded_at, o.member_id FROM refunds r "
                              "JOIN orders o ON o.order_pk = r.order_pk WHERE r.refund_pk = ?"));
  const std::size_t chunk = std::max<std::size_t>(1, options.chunk);
  std::vector<std::vector<std::int64_t>> blocks;
  for (std::size_t i = 0; i < items.size();) {
    if (items[i].kind != 0) {
      ++i;
      continue;
    }
    const std::size_t chunk_end = std::min(items.size(), (i / chunk + 1) * chunk);
    std::vector<std::int64_t>& block = blocks.emplace_back();
    for (; i < chunk_end && items[i].kind == 0 && block.size() < kBlock; ++i)
      block.push_back(items[i].pk);
  }
  ASSIGN_OR_RETURN(auto reader, PendingOrderReader::start(db, std::move(blocks), here));
  RefundCascade cascade(engine);
  ApplySummary sum;
  RefundInput refund;
  // One OrderBatch per chunk, over the days of its items, kept across the refunds between its
  // runs of orders: before a refund it writes what it holds, after it forgets the member the
  // refund changed (reading every member again after each refund made an apply with many
  // refunds four times slower).
  std::optional<LoyaltyEngine::OrderBatch> batch;
  bool others_wrote = false;  // another connection committed since the snapshot
  // Applies the orders items[from, to), block by block as the reader hands them over.
  auto apply_run = [&](std::size_t from, std::size_t to) -> Status {
    for (std::size_t i = from; i < to; i += kBlock) {
      ASSIGN_OR_RETURN(std::vector<OrderInput> run, reader->next());
      std::vector<OrderEffect> effects;
      if (options.batched) {
        ASSIGN_OR_RETURN(effects, batch->add(run, /*keys_new=*/!others_wrote));
      } else {
        for (const OrderInput& o : run) {
          ASSIGN_OR_RETURN(OrderEffect e, engine.apply_order(o));
          effects.push_back(std::move(e));
        }
      }
      reader->give_back(std::move(run));  // applied and written: the reader frees it
      for (const OrderEffect& e : effects) {
        if (e.replayed) ++sum.already_applied;
        if (e.replayed || e.guest) continue;
        ++sum.orders;
        sum.points += e.points;
        sum.growth += e.growth;
        if (e.tier_after != e.tier_before) ++sum.upgrades;
      }
    }
    return Status();
  };
  const TimeZone& zone = engine.zone();
  for (std::size_t start = 0; start < items.size(); start += chunk) {
    std::size_t end = std::min(items.size(), start + chunk);
    ASSIGN_OR_RETURN(auto tx, begin());
    if (!here && !others_wrote) {  // holding the write lock: nobody commits until ours
      ASSIGN_OR_RETURN(std::int64_t version, db.query_int("PRAGMA data_version"));
      others_wrote = version != data_version;
    }
    batch.emplace(engine, LoyaltyEngine::DateRange{zone.local_date(Instant{items[start].at}),
                                                   zone.local_date(Instant{items[end - 1].at})});
    for (std::size_t i = start; i < end;) {
      if (items[i].kind == 0) {  // a run of orders up to the next refund
        std::size_t j = i;
        while (j < end && items[j].kind == 0) ++j;
        RETURN_IF_ERROR(apply_run(i, j));
        i = j;
        continue;
      }
      const Item& it = items[i++];
      refund_st.reset();
      refund_st.bind(1, it.pk);
      ASSIGN_OR_RETURN(bool row, refund_st.step());
      if (!row) continue;
      refund.key = order_key(refund_st.column_text(0), refund_st.column_text(1));
      refund.refund_pk = it.pk;
      refund.order_key = order_key(refund_st.column_text(2), refund_st.column_text(3));
      refund.line_no.reset();
      if (!refund_st.column_is_null(4)) refund.line_no = refund_st.column_int64(4);
      refund.amount = refund_st.column_int64(5);
      refund.at = Instant{refund_st.column_int64(6)};
      const MemberId order_member = refund_st.column_int64(7);
      refund_st.reset();
      // The batch's accounts and rows are written before the refund reads them, and what it
      // knew of the members the refund changed is read again after.
      RETURN_IF_ERROR(batch->finish());
      // An order checked out with coupon, points or stored value: the whole cascade.
      ASSIGN_OR_RETURN(AppliedRefund e, cascade.apply(refund));
      batch->forget(order_member);
      batch->forget(e.member);
      if (e.replayed) {
        ++sum.already_applied;
        continue;
      }
      ++sum.refunds;
      sum.points_clawed += e.points_clawed;
      sum.points_debt += e.points_debt;
      sum.growth_clawed += e.growth_clawed;
      sum.deducted_fen += e.deducted_fen;
    }
    refund_st.reset();
    RETURN_IF_ERROR(batch->finish());
    RETURN_IF_ERROR(commit(tx));
    if (options.progress)
      options.progress(static_cast<double>(end) / static_cast<double>(items.size()),
                       static_cast<std::int64_t>(end));
  }
  if (raise_to) {  // after the last chunk: a crash before it only leaves them lower
    ASSIGN_OR_RETURN(auto tx, begin());
    RETURN_IF_ERROR(raise_watermarks(db, *raise_to));
    RETURN_IF_ERROR(commit(tx));
  }
  return sum;
}

// What is pending above the watermarks, read in one snapshot: the caller's transaction, or one
// of its own.
Result<Snapshot> pending_items(store::Database& db) {
  std::unique_ptr<store::Transaction> tx;
  if (!db.in_transaction()) {
    ASSIGN_OR_RETURN(tx, store::Transaction::begin(db));
  }
  Snapshot snap;
  ASSIGN_OR_RETURN(Watermarks from, read_watermarks(db));
  RETURN_IF_ERROR(collect(db, kPendingOrders, 0, from.orders, snap.items));
  RETURN_IF_ERROR(collect(db, kPendingRefunds, 1, from.refunds, snap.items));
  ASSIGN_OR_RETURN(snap.top, highest_pks(db));
  ASSIGN_OR_RETURN(snap.data_version, db.query_int("PRAGMA data_version"));
  if (tx) RETURN_IF_ERROR(tx->commit());
  std::sort(snap.items.begin(), snap.items.end());
  return snap;
}

}  // namespace

Result<ApplySummary> apply_pending(store::Database& db, LoyaltyEngine& engine,
                                   const ApplyOptions& options) {
  if (db.in_transaction())
    return internal_error("apply_pending runs its own transactions; call it outside one");
  ASSIGN_OR_RETURN(Snapshot pending, pending_items(db));
  return apply_items(db, engine, std::move(pending.items), options, /*here=*/false, &pending.top,
                     pending.data_version);
}

Result<ApplySummary> apply_pending_here(store::Database& db, LoyaltyEngine& engine,
                                        const OrderPkRange* orders) {
  if (!db.in_transaction()) return internal_error("apply_pending_here needs a transaction");
  std::vector<Item> items;
  std::optional<Watermarks> top;
  if (orders == nullptr) {
    ASSIGN_OR_RETURN(Snapshot pending, pending_items(db));
    items = std::move(pending.items);
    top = pending.top;
  } else {
    ASSIGN_OR_RETURN(store::Statement * st, db.cached(kPendingOrdersInRange));
    st->bind(1, orders->first).bind(2, orders->last);
    while (true) {
      ASSIGN_OR_RETURN(bool row, st->step());
      if (!row) break;
      items.push_back(Item{st->column_int64(1), 0, st->column_int64(0), st->column_int64(2) != 0});
    }
    st->reset();
  }
  std::sort(items.begin(), items.end());
  ApplyOptions options;
  options.chunk = std::max<std::size_t>(1, items.size());
  return apply_items(db, engine, std::move(items), options, /*here=*/true, top ? &*top : nullptr);
}

Result<PendingCounts> count_pending(store::Database& db, std::size_t examples) {
  ASSIGN_OR_RETURN(Watermarks w, read_watermarks(db));
  std::vector<Item> items;  // every pending row, the watermarks aside
  RETURN_IF_ERROR(collect(db, kPendingOrders, 0, 0, items));
  RETURN_IF_ERROR(collect(db, kPendingRefunds, 1, 0, items));
  PendingCounts c;
  for (const Item& it : items) {
    (it.kind == 0 ? c.orders : c.refunds) += 1;
    if (it.pk <= (it.kind == 0 ? w.orders : w.refunds)) {
      ++c.below_watermark;
      if (c.examples.size() < examples)
        c.examples.push_back(fmt::format("{} {}", it.kind == 0 ? "order" : "refund", it.pk));
    }
  }
  return c;
}

Status apply_after_import(store::Database& db, const Clock& clock, std::size_t chunk) {
  ASSIGN_OR_RETURN(auto cur, current_program(db));
  if (!cur) return Status();
  ASSIGN_OR_RETURN(auto engine, open_engine(db, clock));
  ApplyOptions options;
  options.chunk = chunk;
  return apply_pending(db, *engine, options).status();
}

}  // namespace recur::loyalty
