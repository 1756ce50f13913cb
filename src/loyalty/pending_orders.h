#pragma once
// Reads the orders apply_pending applies (their rows and lines in the store) ahead of it. When
// the store is a file, a second connection reads on a thread of its own: WAL lets it read the
// committed orders beside the apply's write transaction, so reading the next orders overlaps
// applying the last (docs/benchmarks.md, "Round six"). Otherwise it reads on the caller's
// connection when asked. Either way it hands back the same orders, block by block.

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "core/status.h"
#include "loyalty/engine.h"
#include "store/database.h"

namespace recur::loyalty {

class PendingOrderReader {
 public:
  // `blocks`: the order_pks to read, in the order next() will be asked for them. With
  // `same_connection` it reads on `db` when asked: inside a write transaction, the only
  // connection that sees the orders it wrote.
  static Result<std::unique_ptr<PendingOrderReader>> start(
      store::Database& db, std::vector<std::vector<std::int64_t>> blocks,
      bool same_connection = false);
  ~PendingOrderReader();  // stops reading and waits for the thread
  PendingOrderReader(const PendingOrderReader&) = delete;
  PendingOrderReader& operator=(const PendingOrderReader&) = delete;

  // The next block's orders, in its order; an order no longer in the store is left out.
  Result<std::vector<OrderInput>> next();
  // A block the caller is done with: the reading thread frees it. Its strings were allocated
  // there, and glibc frees a chunk from another thread's arena under that arena's lock: freeing
  // a block of 2,000 orders on the applying thread was about a tenth of a bulk apply's time.
  void give_back(std::vector<OrderInput> done);

 private:
  explicit PendingOrderReader(std::vector<std::vector<std::int64_t>> blocks)
      : blocks_(std::move(blocks)) {}
  void run();  // the reading thread

  std::vector<std::vector<std::int64_t>> blocks_;
  store::Database* inline_db_ = nullptr;  // reading on the caller's connection
  std::unique_ptr<store::Database> own_;  // the reading thread's connection
  std::size_t taken_ = 0;                 // blocks handed out
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::vector<OrderInput>> ready_;  // read, not yet handed out
  std::deque<std::vector<OrderInput>> spent_;  // given back, not yet freed
  Status failed_;                              // the thread's error, if any
  bool stop_ = false;
  std::thread thread_;
};

// Reads the orders `pks` and their lines on `db`, in that order (those in the store).
Result<std::vector<OrderInput>> read_orders(store::Database& db,
                                            const std::vector<std::int64_t>& pks);

}  // namespace recur::loyalty
