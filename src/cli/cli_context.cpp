#include "cli/cli_context.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

namespace recur::cli {

CommandClock::CommandClock() {
  const char* env = std::getenv("RECUR_NOW");
  if (env == nullptr || *env == 0) return;
  auto t = parse_timestamp(env, TimeZone::utc());
  if (t.ok())
    fixed_ = *t;
  else
    error_ = invalid_argument(
        fmt::format("RECUR_NOW='{}' is not a time: {} (不是有效时间)", env, t.status().message()));
}

Result<std::unique_ptr<store::Database>> Context::open_db(bool read_only) const {
  std::string path = global.db_path;
  if (path.empty()) {
    const char* env = std::getenv("RECUR_DB");
    path = env && *env ? env : "recur.db";
  }
  store::OpenOptions o;
  o.synchronous = global.full_sync ? store::Synchronous::kFull : store::Synchronous::kNormal;
  o.read_only = read_only;
  o.combine_wal_writes = !global.plain_vfs;
  o.busy_timeout_ms = global.lock_wait_s * 1000;
  const char* strict = std::getenv("RECUR_STRICT_STATEMENTS");  // a check for tests
  o.strict_statements = strict && *strict && *strict != '0';
  if (read_only && access(path.c_str(), F_OK) != 0)
    return not_found(fmt::format(
        "database '{}' does not exist (数据库不存在); import data first or pass --db", path));
  ASSIGN_OR_RETURN(std::unique_ptr<store::Database> db, store::Database::open(path, o));
  if (global.profile_sql) {
    if (!profile) profile = std::make_unique<store::StatementProfile>();
    profile->attach(*db);
  }
  return db;
}

int report(const Status& status) {
  if (status.ok()) return kExitOk;
  std::fprintf(stderr, "error: %s\n", status.message().c_str());
  switch (status.code()) {
    case StatusCode::kInvalidArgument:
    case StatusCode::kNotFound:
    case StatusCode::kFailedPrecondition:
    case StatusCode::kAlreadyExists:
      return kExitBadInput;
    default:
      return kExitFailure;
  }
}

ProgressBar::ProgressBar(std::string label)
    : label_(std::move(label)), tty_(isatty(STDERR_FILENO) != 0) {}

ProgressBar::~ProgressBar() {
  finish();
}

void ProgressBar::update(double fraction, std::int64_t rows) {
  if (!tty_) return;
  int permille = static_cast<int>(fraction * 1000);
  if (permille == last_permille_) return;
  last_permille_ = permille;
  constexpr int kWidth = 30;
  int filled = permille * kWidth / 1000;
  std::string bar(static_cast<std::size_t>(filled), '#');
  bar.resize(kWidth, '.');
  std::fprintf(stderr, "\r%s [%s] %5.1f%%  %lld rows", label_.c_str(), bar.c_str(), permille / 10.0,
               static_cast<long long>(rows));
  std::fflush(stderr);
}

void ProgressBar::finish() {
  if (tty_ && !done_ && last_permille_ >= 0) std::fprintf(stderr, "\r\033[K");
  done_ = true;
}

}  // namespace recur::cli
