#pragma once
// Group commit: units of work that arrive one at a time (an order from a stream, a request) share
// one write transaction, so a few milliseconds of them cost one COMMIT (one WAL append, one
// fsync with --sync-full) instead of one each.
//
// Contract:
//  1. Each unit runs in its own SAVEPOINT inside the group's transaction (BEGIN IMMEDIATE, opened
//     with the group's first unit). A unit that fails is rolled back alone (ROLLBACK TO +
//     RELEASE) and run() returns its error; the other units of the group are unaffected.
//  2. A unit that succeeds gets a ticket: a number, increasing by one per successful unit. It is
//     NOT durable yet. The group commits when `window_ns` has passed since it began (checked
//     after each unit and by commit_if_due()), when it holds `max_units` units, on flush(), and
//     from the destructor.
//  3. After each COMMIT of a group with units, on_group is called with the group's tickets and
//     the COMMIT's status. Only a group reported with an OK status is durable; acknowledge a
//     unit only then. If the COMMIT fails (or the transaction ends inside a unit), the whole
//     group is rolled back and reported with the error: none of its units happened.
//  4. Whatever a unit cached in memory about what it wrote is wrong after a rollback (a unit's or
//     a group's): on_rollback is called then, e.g. to drop an identity resolver's cache.
//  5. One connection, one GroupCommit, one thread. The GroupCommit needs the connection to
//     itself: it refuses to open a group inside someone else's transaction, a unit that calls
//     run() or flush() (nested use), and use from inside on_group.
//  6. With OpenOptions::strict_statements, a unit that leaves a statement running fails alone
//     (before RELEASE), as a transaction would refuse to commit.
//
// The window is measured with the MonotonicClock passed in; nothing here reads the wall clock.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>

#include "core/monotonic_clock.h"
#include "core/status.h"
#include "store/database.h"

namespace recur::store {

// The tickets of one group, [first, last], and whether its COMMIT succeeded.
struct GroupOutcome {
  std::uint64_t first = 0, last = 0;
  Status status;
  std::size_t units() const { return static_cast<std::size_t>(last - first + 1); }
};

struct GroupCommitOptions {
  std::int64_t window_ns = 5'000'000;  // commit once this long has passed since the group began
  std::size_t max_units = 1000;        // commit once the group holds this many units
  // Called after the group's BEGIN, before its first unit (e.g. Resolver::begin_batch). An
  // error fails that unit and rolls the empty group back.
  std::function<Status()> on_begin;
  // Called after a unit or a group was rolled back.
  std::function<void()> on_rollback;
};

class GroupCommit {
 public:
  using Ticket = std::uint64_t;
  using OnGroup = std::function<void(const GroupOutcome&)>;

  GroupCommit(Database& db, const MonotonicClock& clock, GroupCommitOptions options,
              OnGroup on_group);
  // Flushes: the open group commits and on_group is called.
  ~GroupCommit();
  GroupCommit(const GroupCommit&) = delete;
  GroupCommit& operator=(const GroupCommit&) = delete;

  // Runs `unit` in its own savepoint of the current group (opening one if needed). OK: the
  // unit's ticket (durable once on_group reports its group committed; a COMMIT this call
  // triggered has already been reported). An error: the unit's own error (it left nothing
  // behind), or the reason it could not run (nested use, BEGIN failed).
  Result<Ticket> run(const std::function<Status()>& unit);
  // Commits the open group now, if any; its status (also reported to on_group).
  Status flush();
  // Commits the open group if its window has passed: for callers idle between units.
  Status commit_if_due();
  // Nanoseconds until the open group is due (0: due now); none without an open group.
  std::optional<std::int64_t> ns_until_due() const;

  // The highest ticket known durable (0: none yet).
  Ticket last_committed() const { return last_committed_; }
  // Units in the open group.
  std::size_t pending() const { return units_; }

 private:
  Status open_group();
  Status commit_group();
  // The transaction ended or cannot go on: rolls the group back and reports `why` for its units.
  void fail_group(Status why);
  Status savepoint(const char* sql);
  Status refuse_nested(std::string_view what) const;
  bool due() const;

  Database& db_;
  const MonotonicClock& clock_;
  GroupCommitOptions options_;
  OnGroup on_group_;
  std::unique_ptr<Transaction> tx_;  // the open group's transaction; null between groups
  std::int64_t began_ns_ = 0;        // when the open group began
  std::size_t units_ = 0;            // successful units in the open group
  Ticket first_ = 0;                 // the open group's first ticket
  Ticket next_ = 1;                  // the next unit's ticket
  Ticket last_committed_ = 0;
  bool busy_ = false;  // inside a unit or on_group: run() and flush() are refused
};

}  // namespace recur::store
