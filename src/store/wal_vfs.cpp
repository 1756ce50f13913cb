#include "store/wal_vfs.h"

#include <sqlite3.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <new>
#include <vector>

namespace recur::store {
namespace {

constexpr const char* kName = "recur-wal";
constexpr int kFrameHeader = 24;  // a WAL frame's header, written before its page
constexpr int kWalHeader = 32;    // the WAL file's own header, at offset 0
// The most one write hands the platform: the unix VFS writes at most 128 KiB - 1 per call (it
// masks the size with 0x1ffff), so a long transaction's frames go in pieces of this.
constexpr std::size_t kMaxWrite = 96 * 1024;

sqlite3_vfs* g_real = nullptr;                        // the platform's VFS
std::atomic<std::uint64_t> g_asked{0}, g_written{0};  // wal_write_counts()
sqlite3_vfs g_vfs;
sqlite3_io_methods g_methods;

// One open file: the platform's sqlite3_file follows it in the memory SQLite gives xOpen.
struct File {
  sqlite3_file base;  // first: SQLite sees this
  sqlite3_file* real = nullptr;
  // WAL files: the bytes written and not yet handed to the platform, which start at `off`.
  std::vector<char>* pending = nullptr;
  sqlite3_int64 off = 0;
  bool commit_frame = false;  // the last write was a commit frame's header: its page comes next
  File* wal = nullptr;        // a database file: its WAL, while open
  File* main = nullptr;       // a WAL: its database file
};

constexpr std::size_t kRealOffset = (sizeof(File) + alignof(std::max_align_t) - 1) /
                                    alignof(std::max_align_t) * alignof(std::max_align_t);

File* as_file(sqlite3_file* f) {
  return reinterpret_cast<File*>(f);
}
sqlite3_file* real(sqlite3_file* f) {
  return as_file(f)->real;
}

std::uint32_t big_endian_u32(const void* p) {
  const auto* b = static_cast<const unsigned char*>(p);
  return (std::uint32_t{b[0]} << 24) | (std::uint32_t{b[1]} << 16) | (std::uint32_t{b[2]} << 8) |
         std::uint32_t{b[3]};
}

// Hands the pending bytes to the platform.
int flush(File* f) {
  if (f->pending == nullptr || f->pending->empty()) return SQLITE_OK;
  g_written.fetch_add(1, std::memory_order_relaxed);
  const int rc = f->real->pMethods->xWrite(f->real, f->pending->data(),
                                           static_cast<int>(f->pending->size()), f->off);
  f->pending->clear();
  f->commit_frame = false;
  return rc;
}

int x_close(sqlite3_file* file) {
  File* f = as_file(file);
  int rc = flush(f);
  if (f->main != nullptr) f->main->wal = nullptr;
  if (f->wal != nullptr) f->wal->main = nullptr;
  delete f->pending;
  f->pending = nullptr;
  const int closed = f->real->pMethods->xClose(f->real);
  return rc != SQLITE_OK ? rc : closed;
}

int x_read(sqlite3_file* file, void* out, int amount, sqlite3_int64 offset) {
  if (int rc = flush(as_file(file)); rc != SQLITE_OK) return rc;
  return real(file)->pMethods->xRead(real(file), out, amount, offset);
}

int x_write(sqlite3_file* file, const void* data, int amount, sqlite3_int64 offset) {
  File* f = as_file(file);
  if (f->pending == nullptr) return f->real->pMethods->xWrite(f->real, data, amount, offset);
  g_asked.fetch_add(1, std::memory_order_relaxed);
  std::vector<char>& p = *f->pending;
  if (!p.empty() && (offset != f->off + static_cast<sqlite3_int64>(p.size()) ||
                     p.size() + static_cast<std::size_t>(amount) > kMaxWrite)) {
    if (int rc = flush(f); rc != SQLITE_OK) return rc;  // elsewhere, or too much at once
  }
  if (static_cast<std::size_t>(amount) > kMaxWrite) {  // larger than a piece: as it is
    g_written.fetch_add(1, std::memory_order_relaxed);
    return f->real->pMethods->xWrite(f->real, data, amount, offset);
  }
  if (p.empty()) f->off = offset;
  // Within the capacity reserved at open: p.size() + amount <= kMaxWrite here.
  const char* bytes = static_cast<const char*>(data);
  p.insert(p.end(), bytes, bytes + amount);
  if (amount == kFrameHeader && offset >= kWalHeader) {
    // A frame's header: a commit frame gives the database's size in pages after the commit.
    f->commit_frame = big_endian_u32(bytes + 4) != 0;
    return SQLITE_OK;
  }
  if (f->commit_frame) return flush(f);  // the commit is complete
  return SQLITE_OK;
}

int x_truncate(sqlite3_file* file, sqlite3_int64 size) {
  if (int rc = flush(as_file(file)); rc != SQLITE_OK) return rc;
  return real(file)->pMethods->xTruncate(real(file), size);
}

int x_sync(sqlite3_file* file, int flags) {
  if (int rc = flush(as_file(file)); rc != SQLITE_OK) return rc;
  return real(file)->pMethods->xSync(real(file), flags);
}

int x_file_size(sqlite3_file* file, sqlite3_int64* size) {
  if (int rc = flush(as_file(file)); rc != SQLITE_OK) return rc;
  return real(file)->pMethods->xFileSize(real(file), size);
}

int x_lock(sqlite3_file* file, int level) {
  return real(file)->pMethods->xLock(real(file), level);
}
int x_unlock(sqlite3_file* file, int level) {
  return real(file)->pMethods->xUnlock(real(file), level);
}
int x_check_reserved_lock(sqlite3_file* file, int* out) {
  return real(file)->pMethods->xCheckReservedLock(real(file), out);
}
int x_file_control(sqlite3_file* file, int op, void* arg) {
  if (op == SQLITE_FCNTL_VFSNAME) {  // name this layer too, as SQLite's own shims do
    if (int rc = real(file)->pMethods->xFileControl(real(file), op, arg); rc == SQLITE_OK) {
      auto** name = static_cast<char**>(arg);
      char* both = sqlite3_mprintf("%s/%z", kName, *name);
      *name = both;
      return both ? SQLITE_OK : SQLITE_NOMEM;
    }
  }
  return real(file)->pMethods->xFileControl(real(file), op, arg);
}
int x_sector_size(sqlite3_file* file) {
  return real(file)->pMethods->xSectorSize(real(file));
}
int x_device_characteristics(sqlite3_file* file) {
  return real(file)->pMethods->xDeviceCharacteristics(real(file));
}
int x_shm_map(sqlite3_file* file, int page, int size, int extend, void volatile** out) {
  return real(file)->pMethods->xShmMap(real(file), page, size, extend, out);
}
int x_shm_lock(sqlite3_file* file, int offset, int n, int flags) {
  return real(file)->pMethods->xShmLock(real(file), offset, n, flags);
}
// SQLite calls the barrier between the two copies of the wal-index header that publish a
// commit: the WAL's bytes go to the platform before any reader can see the commit.
void x_shm_barrier(sqlite3_file* file) {
  if (File* wal = as_file(file)->wal; wal != nullptr) (void)flush(wal);
  real(file)->pMethods->xShmBarrier(real(file));
}
int x_shm_unmap(sqlite3_file* file, int del) {
  return real(file)->pMethods->xShmUnmap(real(file), del);
}
int x_fetch(sqlite3_file* file, sqlite3_int64 offset, int amount, void** out) {
  return real(file)->pMethods->xFetch(real(file), offset, amount, out);
}
int x_unfetch(sqlite3_file* file, sqlite3_int64 offset, void* page) {
  return real(file)->pMethods->xUnfetch(real(file), offset, page);
}

int x_open(sqlite3_vfs*, sqlite3_filename name, sqlite3_file* file, int flags, int* out_flags) {
  File* f = new (file) File();
  f->real = reinterpret_cast<sqlite3_file*>(reinterpret_cast<char*>(file) + kRealOffset);
  f->real->pMethods = nullptr;
  const int rc = g_real->xOpen(g_real, name, f->real, flags, out_flags);
  if (rc != SQLITE_OK || f->real->pMethods == nullptr || f->real->pMethods->iVersion < 3) {
    if (f->real->pMethods != nullptr) f->real->pMethods->xClose(f->real);
    f->base.pMethods = nullptr;  // SQLite calls no xClose then
    return rc != SQLITE_OK ? rc : SQLITE_CANTOPEN;
  }
  f->base.pMethods = &g_methods;
  if ((flags & SQLITE_OPEN_WAL) != 0) {
    // Room for a whole piece now, so that x_write never allocates (nor throws into SQLite).
    try {
      f->pending = new std::vector<char>();
      f->pending->reserve(kMaxWrite);
    } catch (const std::bad_alloc&) {
      delete f->pending;
      f->pending = nullptr;
      f->real->pMethods->xClose(f->real);
      f->base.pMethods = nullptr;
      return SQLITE_NOMEM;
    }
    sqlite3_file* db = sqlite3_database_file_object(name);
    if (db != nullptr && db->pMethods == &g_methods) {
      f->main = as_file(db);
      f->main->wal = f;
    }
  }
  return SQLITE_OK;
}

int x_delete(sqlite3_vfs*, const char* name, int sync_dir) {
  return g_real->xDelete(g_real, name, sync_dir);
}
int x_access(sqlite3_vfs*, const char* name, int flags, int* out) {
  return g_real->xAccess(g_real, name, flags, out);
}
int x_full_pathname(sqlite3_vfs*, const char* name, int size, char* out) {
  return g_real->xFullPathname(g_real, name, size, out);
}
void* x_dl_open(sqlite3_vfs*, const char* name) {
  return g_real->xDlOpen(g_real, name);
}
void x_dl_error(sqlite3_vfs*, int size, char* out) {
  g_real->xDlError(g_real, size, out);
}
void (*x_dl_sym(sqlite3_vfs*, void* lib, const char* symbol))(void) {
  return g_real->xDlSym(g_real, lib, symbol);
}
void x_dl_close(sqlite3_vfs*, void* lib) {
  g_real->xDlClose(g_real, lib);
}
int x_randomness(sqlite3_vfs*, int size, char* out) {
  return g_real->xRandomness(g_real, size, out);
}
int x_sleep(sqlite3_vfs*, int micros) {
  return g_real->xSleep(g_real, micros);
}
int x_current_time(sqlite3_vfs*, double* out) {
  return g_real->xCurrentTime(g_real, out);
}
int x_get_last_error(sqlite3_vfs*, int size, char* out) {
  return g_real->xGetLastError(g_real, size, out);
}
int x_current_time_int64(sqlite3_vfs*, sqlite3_int64* out) {
  return g_real->xCurrentTimeInt64(g_real, out);
}

bool register_vfs() {
  g_real = sqlite3_vfs_find(nullptr);
  if (g_real == nullptr || g_real->iVersion < 2) return false;
  g_methods = sqlite3_io_methods{};
  g_methods.iVersion = 3;
  g_methods.xClose = x_close;
  g_methods.xRead = x_read;
  g_methods.xWrite = x_write;
  g_methods.xTruncate = x_truncate;
  g_methods.xSync = x_sync;
  g_methods.xFileSize = x_file_size;
  g_methods.xLock = x_lock;
  g_methods.xUnlock = x_unlock;
  g_methods.xCheckReservedLock = x_check_reserved_lock;
  g_methods.xFileControl = x_file_control;
  g_methods.xSectorSize = x_sector_size;
  g_methods.xDeviceCharacteristics = x_device_characteristics;
  g_methods.xShmMap = x_shm_map;
  g_methods.xShmLock = x_shm_lock;
  g_methods.xShmBarrier = x_shm_barrier;
  g_methods.xShmUnmap = x_shm_unmap;
  g_methods.xFetch = x_fetch;
  g_methods.xUnfetch = x_unfetch;

  g_vfs = sqlite3_vfs{};
  g_vfs.iVersion = 2;
  g_vfs.szOsFile = static_cast<int>(kRealOffset) + g_real->szOsFile;
  g_vfs.mxPathname = g_real->mxPathname;
  g_vfs.zName = kName;
  g_vfs.xOpen = x_open;
  g_vfs.xDelete = x_delete;
  g_vfs.xAccess = x_access;
  g_vfs.xFullPathname = x_full_pathname;
  g_vfs.xDlOpen = x_dl_open;
  g_vfs.xDlError = x_dl_error;
  g_vfs.xDlSym = x_dl_sym;
  g_vfs.xDlClose = x_dl_close;
  g_vfs.xRandomness = x_randomness;
  g_vfs.xSleep = x_sleep;
  g_vfs.xCurrentTime = x_current_time;
  g_vfs.xGetLastError = x_get_last_error;
  g_vfs.xCurrentTimeInt64 = x_current_time_int64;
  return sqlite3_vfs_register(&g_vfs, /*makeDflt=*/0) == SQLITE_OK;
}

}  // namespace

WalWriteCounts wal_write_counts() {
  return WalWriteCounts{g_asked.load(std::memory_order_relaxed),
                        g_written.load(std::memory_order_relaxed)};
}

const char* wal_combining_vfs() {
  static const bool registered = register_vfs();
  return registered ? kName : nullptr;
}

}  // namespace recur::store
