#pragma once
// Shared by the CLI commands: global options, opening the store, output helpers.

#include "cli/command.h"

#include <memory>
#include <optional>
#include <string>

#include "core/clock.h"
#include "core/status.h"
#include "store/database.h"
#include "store/statement_profile.h"

namespace recur::cli {

// Exit codes.
inline constexpr int kExitOk = 0;
inline constexpr int kExitBadInput = 1;  // rejected rows, unknown member, failed check
inline constexpr int kExitUsage = 2;
inline constexpr int kExitFailure = 3;  // I/O or internal error

// Thrown by a command to end the program with `code` (CLI11 callbacks cannot return one).
struct Exit {
  int code;
};

struct GlobalOptions {
  std::string db_path;  // --db, else $RECUR_DB, else ./recur.db
  bool full_sync = false;
  bool plain_vfs = false;  // SQLite's own VFS for the WAL (store::OpenOptions::combine_wal_writes)
  bool profile_sql = false;  // --profile-sql: where SQLite spent the command's time, on stderr
  int lock_wait_s = 10;      // --lock-wait: how long to wait for another command's write lock
};

// The command's "now": the system's, or the instant $RECUR_NOW names (an ISO 8601 time with
// its offset, e.g. 2026-01-01T09:00:00+08:00), so that replays and tests of the binary that
// compare two stores get the same times (a merge is dated when recur makes it).
class CommandClock final : public Clock {
 public:
  CommandClock();
  Instant now() const override { return fixed_ ? *fixed_ : system_.now(); }
  // Not OK when $RECUR_NOW is set but is not a time (main reports it before any command).
  const Status& error() const { return error_; }

 private:
  SystemClock system_;
  std::optional<Instant> fixed_;
  Status error_;
};

struct Context {
  GlobalOptions global;
  CommandClock clock;
  // Statements of every store the command opened (with --profile-sql, made by the first
  // open_db); outlives them.
  mutable std::unique_ptr<store::StatementProfile> profile;
  Result<std::unique_ptr<store::Database>> open_db(bool read_only = false) const;
};

// Prints "error: …" to stderr and returns the exit code matching the status.
int report(const Status& status);

// A progress bar on stderr when it is a terminal; silent otherwise.
class ProgressBar {
 public:
  explicit ProgressBar(std::string label);
  ~ProgressBar();
  void update(double fraction, std::int64_t rows);
  void finish();

 private:
  std::string label_;
  bool tty_;
  bool done_ = false;
  int last_permille_ = -1;
};

void register_import(Command& app, Context& ctx);
void register_member(Command& app, Context& ctx);
void register_stats(Command& app, Context& ctx);
void register_generate(Command& app, Context& ctx);
void register_init(Command& app, Context& ctx);
void register_model(Command& app, Context& ctx);
void register_kpi(Command& app, Context& ctx);
void register_compute(Command& app, Context& ctx);
void register_program(Command& app, Context& ctx);
void register_points(Command& app, Context& ctx);
void register_wallet(Command& app, Context& ctx);
void register_tiers(Command& app, Context& ctx);
void register_check(Command& app, Context& ctx);
void register_loyalty(Command& app, Context& ctx);
void register_backtest(Command& app, Context& ctx);
void register_segment(Command& app, Context& ctx);
void register_coupon(Command& app, Context& ctx);
void register_mall(Command& app, Context& ctx);
void register_order(Command& app, Context& ctx);
void register_ledger(Command& app, Context& ctx);

}  // namespace recur::cli
