#pragma once
// Orders and refunds arriving one at a time as JSON objects (`recur order stream`; the HTTP API
// later): each is checked as `recur import` checks a row, stored as the import stores it
// (order_record.h, refund_record.h), and applied to the loyalty program in force as `recur
// loyalty apply` applies it (LoyaltyEngine::apply_order; a refund through RefundCascade, so a
// checked-out order's refund runs the settlement's cascade).
//
// A record is an order unless its object has a "refund_id" key. An order is one object with its
// lines in a "lines" array, or one object for a one-line order (docs/formats.md).
//
// Contract:
//  1. apply() runs inside the caller's write transaction and never commits. On an error the
//     caller must roll the record back (a savepoint): it may have written part of it. After any
//     rollback call rolled_back(); call begin_transaction() after each BEGIN.
//  2. Idempotent: an order whose source + order_id is in the store, or a refund whose source +
//     refund_id is, is a duplicate: nothing changes, and the result says so (with what the
//     order earned, when the program applied it).
//  3. Records are applied in the order they come. `recur loyalty apply` applies in the order
//     things happened (paid_at, refunded_at); records sent in that order leave the same balances.
//  4. Bad input is an error with code kInvalidArgument whose message names the field as the
//     record writes it: "field 'amount': amount is negative".
//  5. The program in force is read once, by open(). Not thread-safe; one connection.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/ids.h"
#include "core/status.h"
#include "store/database.h"

namespace recur::ingest {

enum class StreamKind { kOrder, kRefund };

struct StreamResult {
  StreamKind kind = StreamKind::kOrder;
  std::string key;        // "source:order_id" or, for a refund, "source:refund_id"
  std::string order_key;  // a refund's order
  bool duplicate = false;
  MemberId member = kGuest;  // the order's buyer; kGuest: a guest, who earns nothing
  bool applied = false;      // the program applied it (false: a guest, no program, a duplicate
                             // the program never saw)
  std::int64_t points = 0, growth = 0;  // earned; negative: taken back by a refund
  std::string tier;                     // the member's tier after it
};

class RecordStream {
 public:
  // Reads the merchant's time zone and the program in force (none: records are stored only).
  // `member_kind`: the identity kind of a bare member value ("13900000001" with "phone"), as
  // `recur import --member-kind`; empty: every value names its kind.
  static Result<std::unique_ptr<RecordStream>> open(store::Database& db, const Clock& clock,
                                                    std::string_view member_kind = {});
  ~RecordStream();
  RecordStream(const RecordStream&) = delete;
  RecordStream& operator=(const RecordStream&) = delete;

  // One record: `json` is one JSON object, `line` its line number (for messages).
  Result<StreamResult> apply(std::string_view json, std::uint32_t line);
  // After the caller's BEGIN: notices other connections' commits.
  Status begin_transaction();
  // After the caller rolled back a record or a transaction: forgets what was cached about it.
  void rolled_back();
  bool has_program() const;

  // The stream as a row of import_batches (kind 'stream', `label` as its file), committed at
  // once with status 'running', so the orders and refunds it stores carry its batch_id and an
  // interrupted stream leaves a trace, as an import does. Outside any transaction.
  Status start_batch(std::string_view label);
  // Closes that row: records read, stored, duplicates (skipped), rejected, and 'done' or
  // 'failed'. Outside any transaction; nothing without start_batch().
  Status finish_batch(std::int64_t records, std::int64_t stored, std::int64_t duplicates,
                      std::int64_t rejected, bool failed);

 private:
  struct State;
  explicit RecordStream(std::unique_ptr<State> state);
  std::unique_ptr<State> s_;
};

}  // namespace recur::ingest
