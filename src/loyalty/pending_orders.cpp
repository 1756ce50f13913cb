#include "loyalty/pending_orders.h"

#include <algorithm>
#include <string>
#include <unordered_map>

#include "loyalty/apply.h"
#include "loyalty/in_list.h"

namespace recur::loyalty {
namespace {

// Blocks read ahead of the one being applied, at most.
constexpr std::size_t kAhead = 8;

}  // namespace

Result<std::vector<OrderInput>> read_orders(store::Database& db,
                                            const std::vector<std::int64_t>& pks) {
  // One row per line; one row with NULL line columns for an order without lines.
  static const std::string kSql =
      "SELECT o.order_pk, o.source, o.order_id, o.member_id, o.paid_at, l.line_no, l.sku, "
      "COALESCE(l.category, ''), l.amount_fen FROM orders o "
      "LEFT JOIN order_lines l ON l.order_pk = o.order_pk WHERE o.order_pk IN (" +
      placeholders(kInList) + ") ORDER BY o.order_pk, l.line_no";
  std::vector<OrderInput> out;
  if (pks.empty()) return out;
  std::unordered_map<std::int64_t, OrderInput> loaded;
  loaded.reserve(pks.size());
  RETURN_IF_ERROR(for_each_in(
      db, kSql, pks, [](store::Statement&, int) {},
      [&](store::Statement& st) {
        auto [it, fresh] = loaded.try_emplace(st.column_int64(0));
        OrderInput& o = it->second;
        if (fresh) {
          o.key = order_key(st.column_text(1), st.column_text(2));
          o.order_pk = it->first;
          o.member = st.column_int64(3);
          o.paid_at = Instant{st.column_int64(4)};
        }
        if (!st.column_is_null(5))
          o.lines.push_back(OrderLineInput{st.column_int64(5), st.column_string(6),
                                           st.column_string(7), st.column_int64(8)});
      }));
  out.reserve(pks.size());
  for (std::int64_t pk : pks) {
    auto it = loaded.find(pk);
    if (it != loaded.end()) out.push_back(std::move(it->second));
  }
  return out;
}

Result<std::unique_ptr<PendingOrderReader>> PendingOrderReader::start(
    store::Database& db, std::vector<std::vector<std::int64_t>> blocks, bool same_connection) {
  std::unique_ptr<PendingOrderReader> r(new PendingOrderReader(std::move(blocks)));
  const std::string& path = db.path();
  const bool file = !path.empty() && path != ":memory:" && path.rfind("file:", 0) != 0;
  if (!same_connection && file && r->blocks_.size() > 1) {
    store::OpenOptions o;
    o.migrate = false;
    auto own = store::Database::open(path, o);
    if (own.ok()) {
      r->own_ = std::move(own).value();
      r->thread_ = std::thread([p = r.get()] { p->run(); });
      return r;
    }
  }
  r->inline_db_ = &db;  // a single block, an in-memory store, or no second connection
  return r;
}

PendingOrderReader::~PendingOrderReader() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void PendingOrderReader::run() {
  std::size_t next = 0;
  while (true) {
    std::deque<std::vector<OrderInput>> spent;
    bool read = false;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] {
        return stop_ || !spent_.empty() || (next < blocks_.size() && ready_.size() < kAhead);
      });
      if (stop_) return;
      spent.swap(spent_);
      read = next < blocks_.size() && ready_.size() < kAhead;
    }
    spent.clear();  // freed here, where they were allocated
    if (!read) continue;
    auto orders = read_orders(*own_, blocks_[next++]);
    std::lock_guard<std::mutex> lock(mu_);
    if (!orders.ok()) {
      failed_ = orders.status();
      cv_.notify_all();
      return;
    }
    ready_.push_back(std::move(orders).value());
    cv_.notify_all();
  }
}

void PendingOrderReader::give_back(std::vector<OrderInput> done) {
  if (!thread_.joinable()) return;  // read on the caller's thread: freed here
  {
    std::lock_guard<std::mutex> lock(mu_);
    spent_.push_back(std::move(done));
  }
  cv_.notify_all();
}

Result<std::vector<OrderInput>> PendingOrderReader::next() {
  if (taken_ >= blocks_.size()) return internal_error("no more pending orders to read");
  const std::size_t i = taken_++;
  if (inline_db_) return read_orders(*inline_db_, blocks_[i]);
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [&] { return !ready_.empty() || !failed_.ok(); });
  if (ready_.empty()) return failed_;
  std::vector<OrderInput> out = std::move(ready_.front());
  ready_.pop_front();
  cv_.notify_all();
  return out;
}

}  // namespace recur::loyalty
