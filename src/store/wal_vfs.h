#pragma once
// A SQLite VFS over the platform's that writes a WAL commit with one write() instead of two per
// page. SQLite appends each frame to the WAL as two writes (its 24-byte header, then the page),
// so a commit of ten pages makes twenty system calls; one order per transaction spends most of
// its time there. This VFS keeps the WAL's consecutive writes in a buffer and writes them at
// once when the commit frame is complete — inside the same xWrite call, so a failed write fails
// the commit exactly as before. Anything else that touches the WAL (a read, a sync, a truncate,
// its size, closing it) and the wal-index barrier that publishes a commit write the buffer
// first, so no reader, in this process or another, can see a commit whose frames are not in the
// file. Durability is unchanged: a commit's frames reach the operating system before COMMIT
// returns, as with the platform VFS. The database file and everything else pass straight through.
//
// Not for `PRAGMA locking_mode=EXCLUSIVE` set before the WAL opens (SQLite then keeps the
// wal-index in heap memory and calls no barrier; the commit-frame write still flushes, so this
// holds there too, but it is not tested).

#include <cstdint>

namespace recur::store {

// The VFS's name, registered (not as the default) on the first call.
const char* wal_combining_vfs();

// Since the process started, through this VFS: the WAL writes SQLite asked for, and the writes
// handed to the platform for them (for tests and benchmarks).
struct WalWriteCounts {
  std::uint64_t asked = 0, written = 0;
};
WalWriteCounts wal_write_counts();

}  // namespace recur::store
