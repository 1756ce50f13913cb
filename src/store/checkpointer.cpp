#include "store/checkpointer.h"

#include <fmt/format.h>

namespace recur::store {

namespace {

Status checkpoint(sqlite3* db) {
  int rc = sqlite3_wal_checkpoint_v2(db, "main", SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
  if (rc == SQLITE_OK || rc == SQLITE_BUSY) return Status();  // busy: another one is running
  return Status(StatusCode::kIoError,
                fmt::format("checkpoint failed: {} (sqlite {})", sqlite3_errmsg(db), rc));
}

}  // namespace

Result<std::unique_ptr<Checkpointer>> Checkpointer::start(Database& writer,
                                                          CheckpointerOptions options) {
  if (options.frames < 1 || options.inline_frames < options.frames)
    return invalid_argument(
        fmt::format("checkpointer: frames must be at least 1 and at most inline_frames ({} and {})",
                    options.frames, options.inline_frames));
  ASSIGN_OR_RETURN(std::int64_t wal,
                   writer.query_int("SELECT journal_mode = 'wal' FROM pragma_journal_mode"));
  if (wal != 1)
    return failed_precondition(fmt::format("checkpointer: {} is not in WAL mode", writer.path()));
  OpenOptions o;
  o.migrate = false;
  ASSIGN_OR_RETURN(auto own, Database::open(writer.path(), o));
  std::unique_ptr<Checkpointer> c(new Checkpointer(writer, std::move(own), options));
  // The automatic checkpoint is itself a WAL hook: turning it off first, then installing ours.
  sqlite3_wal_autocheckpoint(writer.raw(), 0);
  sqlite3_wal_hook(writer.raw(), &Checkpointer::on_commit, c.get());
  c->thread_ = std::thread([p = c.get()] { p->run(); });
  return c;
}

Checkpointer::Checkpointer(Database& writer, std::unique_ptr<Database> own,
                           CheckpointerOptions options)
    : writer_(writer), own_(std::move(own)), options_(options) {}

Checkpointer::~Checkpointer() {
  (void)stop();
}

int Checkpointer::on_commit(void* self, sqlite3* db, const char*, int frames) {
  auto* c = static_cast<Checkpointer*>(self);
  if (frames >= c->options_.inline_frames) {
    // The thread fell behind: checkpoint here, as SQLite's automatic checkpoint would.
    Status s = checkpoint(db);
    std::lock_guard lock(c->mu_);
    ++c->stats_.inline_runs;
    if (!s.ok()) c->error_ = std::move(s);
    return SQLITE_OK;
  }
  // Wake the thread each time another `frames` frames were appended since it was last woken (the
  // WAL starting over from its beginning starts the count over): a pass copies only what is new.
  int& last = c->woken_at_;
  if (frames < last) last = 0;
  if (frames >= last + c->options_.frames) {
    last = frames;
    {
      std::lock_guard lock(c->mu_);
      c->due_ = true;
    }
    c->wake_.notify_one();
  }
  return SQLITE_OK;
}

void Checkpointer::run() {
  std::unique_lock lock(mu_);
  while (true) {
    wake_.wait(lock, [&] { return due_ || stopping_; });
    if (stopping_) return;
    due_ = false;
    lock.unlock();
    Status s = checkpoint(own_->raw());
    lock.lock();
    ++stats_.background;
    if (!s.ok()) error_ = std::move(s);
  }
}

Status Checkpointer::stop() {
  {
    std::lock_guard lock(mu_);
    if (stopped_) return error_;
    stopping_ = stopped_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
  // Our hook off, the automatic checkpoint back (it installs its own hook).
  sqlite3_wal_hook(writer_.raw(), nullptr, nullptr);
  sqlite3_wal_autocheckpoint(writer_.raw(), options_.wal_autocheckpoint);
  Status s = checkpoint(own_->raw());
  std::lock_guard lock(mu_);
  if (!s.ok() && error_.ok()) error_ = std::move(s);
  return error_;
}

CheckpointerStats Checkpointer::stats() {
  std::lock_guard lock(mu_);
  return stats_;
}

}  // namespace recur::store
