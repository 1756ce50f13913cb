#include "store/group_commit.h"

#include <fmt/format.h>

#include <algorithm>
#include <utility>

namespace recur::store {
namespace {

constexpr const char* kSavepoint = "SAVEPOINT recur_unit";
constexpr const char* kRelease = "RELEASE recur_unit";
constexpr const char* kRollbackTo = "ROLLBACK TO recur_unit";

// Clears a flag on scope exit.
class Busy {
 public:
  explicit Busy(bool& flag) : flag_(flag) { flag_ = true; }
  ~Busy() { flag_ = false; }
  Busy(const Busy&) = delete;
  Busy& operator=(const Busy&) = delete;

 private:
  bool& flag_;
};

}  // namespace

GroupCommit::GroupCommit(Database& db, const MonotonicClock& clock, GroupCommitOptions options,
                         OnGroup on_group)
    : db_(db), clock_(clock), options_(std::move(options)), on_group_(std::move(on_group)) {
  options_.max_units = std::max<std::size_t>(1, options_.max_units);
}

GroupCommit::~GroupCommit() {
  if (tx_) (void)commit_group();  // the outcome goes to on_group
}

Status GroupCommit::refuse_nested(std::string_view what) const {
  if (!busy_) return Status();
  return failed_precondition(fmt::format(
      "GroupCommit::{}: called from inside a unit or on_group; a unit cannot run another or "
      "commit its own group",
      what));
}

Status GroupCommit::savepoint(const char* sql) {
  ASSIGN_OR_RETURN(Statement * st, db_.cached(sql));
  return st->run();
}

bool GroupCommit::due() const {
  return units_ >= options_.max_units || clock_.now_ns() - began_ns_ >= options_.window_ns;
}

std::optional<std::int64_t> GroupCommit::ns_until_due() const {
  if (!tx_) return std::nullopt;
  if (units_ >= options_.max_units) return 0;
  return std::max<std::int64_t>(0, began_ns_ + options_.window_ns - clock_.now_ns());
}

Status GroupCommit::open_group() {
  if (db_.in_transaction())
    return failed_precondition(
        "GroupCommit needs the connection to itself: a transaction is already open on it");
  ASSIGN_OR_RETURN(tx_, Transaction::begin(db_));
  began_ns_ = clock_.now_ns();
  units_ = 0;
  first_ = next_;
  if (options_.on_begin) {
    Status s = options_.on_begin();
    if (!s.ok()) {
      tx_.reset();  // nothing in it yet
      if (options_.on_rollback) options_.on_rollback();
      return s;
    }
  }
  return Status();
}

Result<GroupCommit::Ticket> GroupCommit::run(const std::function<Status()>& unit) {
  RETURN_IF_ERROR(refuse_nested("run"));
  if (!tx_) RETURN_IF_ERROR(open_group());
  RETURN_IF_ERROR(savepoint(kSavepoint));
  Status s;
  {
    Busy busy(busy_);
    s = unit();
  }
  if (s.ok()) s = db_.no_statement_running("the end of a unit");
  if (!db_.in_transaction()) {
    // SQLite rolled the whole transaction back (disk full, I/O error), or the unit ended it.
    Status why = s.ok() ? internal_error("a unit ended the group's transaction itself") : s;
    fail_group(Status(
        why.code(), fmt::format("the group's transaction ended inside a unit: {}", why.message())));
    return s.ok() ? why : s;
  }
  if (!s.ok()) {
    Status undo = savepoint(kRollbackTo);
    if (undo.ok()) undo = savepoint(kRelease);
    if (options_.on_rollback) options_.on_rollback();
    if (!undo.ok())
      fail_group(undo);
    else if (due())
      (void)commit_group();  // release the write lock on time even when units keep failing
    return s;
  }
  if (Status released = savepoint(kRelease); !released.ok()) {
    fail_group(released);
    return released;
  }
  const Ticket ticket = next_++;
  ++units_;
  if (due()) (void)commit_group();  // the outcome goes to on_group
  return ticket;
}

Status GroupCommit::flush() {
  RETURN_IF_ERROR(refuse_nested("flush"));
  if (!tx_) return Status();
  return commit_group();
}

Status GroupCommit::commit_if_due() {
  RETURN_IF_ERROR(refuse_nested("commit_if_due"));
  if (!tx_ || !due()) return Status();
  return commit_group();
}

Status GroupCommit::commit_group() {
  Status s = tx_->commit();
  tx_.reset();  // rolls back when the COMMIT failed
  if (!s.ok()) {
    s = Status(s.code(), fmt::format("COMMIT of a group of {} units failed, none of them was "
                                     "kept: {}",
                                     units_, s.message()));
    if (options_.on_rollback) options_.on_rollback();
  } else if (units_ > 0) {
    last_committed_ = next_ - 1;
  }
  const std::size_t units = units_;
  units_ = 0;
  if (units > 0 && on_group_) {
    Busy busy(busy_);
    on_group_(GroupOutcome{first_, next_ - 1, s});
  }
  return s;
}

void GroupCommit::fail_group(Status why) {
  tx_.reset();  // ROLLBACK (an error when SQLite already rolled back: nothing left to undo)
  if (options_.on_rollback) options_.on_rollback();
  const std::size_t units = units_;
  units_ = 0;
  if (units > 0 && on_group_) {
    Busy busy(busy_);
    on_group_(GroupOutcome{first_, next_ - 1, std::move(why)});
  }
}

}  // namespace recur::store
