#pragma once
// A background checkpointer: copies the WAL back into the database file on a thread of its own,
// so that a connection committing one small transaction after another (recur order stream, the
// coming server) does not stop every thousand pages to write them back and fsync — the work
// SQLite's automatic checkpoint does on the committing thread, inside COMMIT.
//
// Contract:
//  1. start() turns the writer's automatic checkpoint off and watches its commits (a WAL hook).
//     Each time `frames` more frames were appended to the WAL, the thread wakes and runs a
//     PASSIVE checkpoint on its own connection: it never blocks the writer or readers, and a
//     checkpoint that cannot finish (a reader on an old snapshot) is simply run again later.
//  2. If the WAL reaches `inline_frames` anyway (the thread falls behind), the writer checkpoints
//     inline after that commit, as SQLite's automatic checkpoint would: the WAL stays bounded.
//  3. stop() (and the destructor) wakes the thread, waits for it, runs a last checkpoint and
//     gives the writer its automatic checkpoint back (`wal_autocheckpoint` pages).
//  4. The writer's connection must outlive the Checkpointer and stay in WAL mode. One
//     Checkpointer per writer connection; the writer keeps being used by one thread.
// Durability is unchanged: with synchronous=NORMAL a commit is durable once a checkpoint (on
// whichever thread) has synced the WAL; with FULL every commit syncs it.
// Nothing here reads a clock: the thread runs when commits say there is work.

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>

#include "core/status.h"
#include "store/database.h"

namespace recur::store {

struct CheckpointerOptions {
  int frames = 1000;              // wake the thread when the WAL holds this many frames
  int inline_frames = 20000;      // the writer checkpoints itself from here on
  int wal_autocheckpoint = 1000;  // the writer's setting restored by stop()
};

struct CheckpointerStats {
  std::int64_t background = 0;   // checkpoints the thread ran (not counting stop()'s last one)
  std::int64_t inline_runs = 0;  // checkpoints the writer ran because the thread fell behind
};

class Checkpointer {
 public:
  static Result<std::unique_ptr<Checkpointer>> start(Database& writer,
                                                     CheckpointerOptions options = {});
  ~Checkpointer();
  Checkpointer(const Checkpointer&) = delete;
  Checkpointer& operator=(const Checkpointer&) = delete;

  // Idempotent; returns the last checkpoint's error, if any.
  Status stop();
  CheckpointerStats stats();

 private:
  Checkpointer(Database& writer, std::unique_ptr<Database> own, CheckpointerOptions options);
  static int on_commit(void* self, sqlite3* db, const char* schema, int frames);
  void run();

  Database& writer_;
  std::unique_ptr<Database> own_;  // the thread's connection
  CheckpointerOptions options_;
  std::mutex mu_;
  std::condition_variable wake_;
  int woken_at_ = 0;  // WAL frames when the writer last woke the thread (the writer's thread only)
  bool due_ = false, stopping_ = false, stopped_ = false;
  CheckpointerStats stats_;
  Status error_;
  std::thread thread_;
};

}  // namespace recur::store
