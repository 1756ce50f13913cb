#pragma once
// Shared by the bench/ drivers: a deterministic generator of realistic canonical orders CSV
// (docs/formats.md), the plain "mmap + from_chars" reader the import benchmarks compare
// against, and small helpers (temp dirs, timing, argument parsing, number formatting).
//
// Not a *_bench.cpp file, so CMake does not turn it into an executable of its own.

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include "core/time.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace recur::bench {

// ---------------------------------------------------------------------------------------------
// Command line: --lines N, --reps N, --seed N, --dir PATH, --keep, --page-size N, --plain-vfs.

struct Args {
  std::int64_t lines = 1'000'000;
  int reps = 3;
  std::uint64_t seed = 42;
  std::string dir;    // where temp files go; default: a fresh dir under $TMPDIR
  bool keep = false;  // keep the temp dir
  int page_size = 0;  // SQLite page size of the databases the driver creates; 0: the store's
  std::vector<std::string> drop_index;  // loyalty_bench: indexes dropped, to see what each costs
  std::string only;  // loyalty_bench: "a" or "b" runs that part alone; empty: both
  // --plain-vfs: the stores write their WAL through SQLite's own VFS, not
  // store::wal_combining_vfs (store::OpenOptions::combine_wal_writes), to compare the two.
  bool plain_vfs = false;
};

// --page-size, for new_db_page_size().
inline int g_page_size = 0;

// Prepares `path` (absent or removed) so that store::Database::open creates its schema with the
// --page-size given (nothing without one). A page size holds from the first page written, so
// the file is started here: the size, WAL, and a table created and dropped.
inline void new_db_page_size(const std::string& path) {
  if (g_page_size <= 0) return;
  sqlite3* db = nullptr;
  const std::string sql = "PRAGMA page_size=" + std::to_string(g_page_size) +
                          "; PRAGMA journal_mode=WAL; CREATE TABLE bench_start (x); "
                          "DROP TABLE bench_start;";
  if (sqlite3_open(path.c_str(), &db) != SQLITE_OK ||
      sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) {
    std::fprintf(stderr, "cannot start %s with page size %d: %s\n", path.c_str(), g_page_size,
                 db ? sqlite3_errmsg(db) : "out of memory");
    std::exit(1);
  }
  sqlite3_close(db);
}

inline Args parse_args(int argc, char** argv, Args defaults, const char* usage) {
  Args a = defaults;
  for (int i = 1; i < argc; ++i) {
    std::string_view k = argv[i];
    auto value = [&]() -> std::string_view {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "%s needs a value\n%s", argv[i], usage);
        std::exit(2);
      }
      return argv[++i];
    };
    auto number = [&](std::string_view v) {
      std::int64_t n = 0;
      auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
      if (ec != std::errc() || p != v.data() + v.size() || n < 0) {
        std::fprintf(stderr, "'%.*s' is not a count\n%s", static_cast<int>(v.size()), v.data(),
                     usage);
        std::exit(2);
      }
      return n;
    };
    if (k == "--lines")
      a.lines = std::max<std::int64_t>(1, number(value()));
    else if (k == "--reps")
      a.reps = static_cast<int>(std::max<std::int64_t>(1, number(value())));
    else if (k == "--seed")
      a.seed = static_cast<std::uint64_t>(number(value()));
    else if (k == "--dir")
      a.dir = std::string(value());
    else if (k == "--keep")
      a.keep = true;
    else if (k == "--drop-index")
      a.drop_index.emplace_back(value());
    else if (k == "--plain-vfs")
      a.plain_vfs = true;
    else if (k == "--only")
      a.only = std::string(value());
    else if (k == "--page-size")
      a.page_size = g_page_size = static_cast<int>(number(value()));
    else if (k == "--help" || k == "-h") {
      std::fputs(usage, stdout);
      std::exit(0);
    } else {
      std::fprintf(stderr, "unknown argument '%s'\n%s", argv[i], usage);
      std::exit(2);
    }
  }
  return a;
}

// ---------------------------------------------------------------------------------------------
// Timing and formatting.

inline double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// CPU seconds (user + system) this process has used so far.
inline double cpu_s() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) * 1e-6;
}

// The best (shortest wall-clock) of several runs, with the CPU time of that run. On a busy
// machine cpu/wall drops below 1: the process waited for a core, and wall-clock rates understate
// what an idle machine does.
struct Best {
  double wall = 1e300;
  double cpu = 0;
  template <typename Fn>
  void run(Fn&& fn) {
    const double w0 = now_s(), c0 = cpu_s();
    fn();
    const double w = now_s() - w0, c = cpu_s() - c0;
    if (w < wall) {
      wall = w;
      cpu = c;
    }
  }
  void add(double w, double c) {
    if (w < wall) {
      wall = w;
      cpu = c;
    }
  }
};

// A note for the output when some measurement ran with less than a whole core.
inline std::string load_note(std::initializer_list<Best> runs) {
  double worst = 1;
  for (const Best& b : runs)  // a Best never run (wall 1e300) says nothing
    if (b.wall > 0 && b.wall < 1e300) worst = std::min(worst, b.cpu / b.wall);
  if (worst >= 0.85) return "";
  char buf[160];
  std::snprintf(
      buf, sizeof buf,
      "# note: the machine was busy (cpu/wall down to %.2f); wall-clock rates understate an "
      "idle machine\n",
      worst);
  return buf;
}

// 2412345.6 -> "2.41M", 312000 -> "312k".
inline std::string rate(double per_s) {
  char buf[32];
  if (per_s >= 1e6)
    std::snprintf(buf, sizeof buf, "%.2fM", per_s / 1e6);
  else if (per_s >= 1e3)
    std::snprintf(buf, sizeof buf, "%.0fk", per_s / 1e3);
  else
    std::snprintf(buf, sizeof buf, "%.0f", per_s);
  return buf;
}

[[noreturn]] inline void die(const std::string& what) {
  std::fprintf(stderr, "bench: %s\n", what.c_str());
  std::exit(1);
}

// A fresh directory for the run's files, removed on destruction unless `keep`.
class TempDir {
 public:
  TempDir(const std::string& parent, const char* tag, bool keep) : keep_(keep) {
    std::filesystem::path base =
        parent.empty() ? std::filesystem::temp_directory_path() : std::filesystem::path(parent);
    std::filesystem::create_directories(base);
    std::string tmpl = (base / (std::string("recur-") + tag + "-XXXXXX")).string();
    if (!::mkdtemp(tmpl.data())) die("cannot create a temp dir under " + base.string());
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    if (keep_)
      std::fprintf(stderr, "bench: kept %s\n", path_.c_str());
    else
      std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string file(const char* name) const {
    return (std::filesystem::path(path_) / name).string();
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  bool keep_;
};

inline void write_file(const std::string& path, std::string_view bytes) {
  FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) die("cannot write " + path);
  if (std::fwrite(bytes.data(), 1, bytes.size(), f) != bytes.size()) die("cannot write " + path);
  std::fclose(f);
}

// A read-only mmap of a whole file (the reference readers' input).
class Mapped {
 public:
  explicit Mapped(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDONLY);
    if (fd < 0) die("cannot open " + path);
    struct stat st {};
    if (::fstat(fd, &st) != 0) die("cannot stat " + path);
    size_ = static_cast<std::size_t>(st.st_size);
    if (size_ > 0) {
      data_ = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
      if (data_ == MAP_FAILED) die("cannot mmap " + path);
      ::madvise(data_, size_, MADV_SEQUENTIAL);
    }
    ::close(fd);
  }
  ~Mapped() {
    if (data_) ::munmap(data_, size_);
  }
  Mapped(const Mapped&) = delete;
  Mapped& operator=(const Mapped&) = delete;
  std::string_view view() const { return {static_cast<const char*>(data_), size_}; }

 private:
  void* data_ = nullptr;
  std::size_t size_ = 0;
};

// ---------------------------------------------------------------------------------------------
// The generator. Deterministic for a given (lines, seed). About three lines per order (1-5),
// orders in time order over 2023-2024 between 08:00 and 22:00 local, a skewed member pool
// (repeat buyers), 12% guests, four sources, 3,000 SKUs over Chinese category paths, prices
// with two decimals, 35% of lines discounted, amount = qty * unit_price - discount exactly.

class Rng {
 public:
  explicit Rng(std::uint64_t seed) : s_(seed) {}
  std::uint64_t next() {  // splitmix64
    std::uint64_t z = (s_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  std::uint64_t below(std::uint64_t n) { return next() % n; }
  double unit() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

 private:
  std::uint64_t s_;
};

inline std::uint64_t mix(std::uint64_t x) {
  Rng r(x);
  return r.next();
}

inline constexpr std::array<const char*, 28> kCategories = {
    "母婴/奶粉/一段",   "母婴/奶粉/二段", "母婴/奶粉/三段",   "母婴/纸尿裤/L码", "母婴/纸尿裤/XL码",
    "母婴/辅食/米粉",   "美妆/护肤/面霜", "美妆/护肤/精华",   "美妆/护肤/面膜",  "美妆/彩妆/口红",
    "个护/洗发/洗发水", "个护/口腔/牙膏", "个护/身体/沐浴露", "食品/零食/坚果",  "食品/零食/饼干",
    "食品/饮料/咖啡",   "食品/饮料/茶饮", "食品/粮油/大米",   "生鲜/水果/进口",  "生鲜/乳品/鲜奶",
    "家清/洗衣/洗衣液", "家清/纸品/抽纸", "宠物/猫粮/成猫",   "宠物/狗粮/幼犬",  "保健/维生素/复合",
    "保健/蛋白粉/乳清", "酒水/白酒/酱香", "服饰/内衣/袜子"};

struct Sku {
  std::string code;      // "SKU100042"
  std::string category;  // a path from kCategories
  std::int64_t price;    // fen
};

inline std::vector<Sku> make_catalogue(std::uint64_t seed, std::size_t n = 3000) {
  static constexpr std::int64_t kPrices[] = {990,  1290, 1990, 2590,  2990,  3990,  4590,  5900,
                                             6990, 8800, 9900, 12900, 15990, 19900, 29900, 45800};
  std::vector<Sku> out;
  out.reserve(n);
  Rng r(seed ^ 0x5151);
  for (std::size_t i = 0; i < n; ++i) {
    Sku s;
    s.code = "SKU" + std::to_string(100000 + i);
    s.category = kCategories[r.below(kCategories.size())];
    s.price = kPrices[r.below(std::size(kPrices))];
    out.push_back(std::move(s));
  }
  return out;
}

inline void append_uint(std::string& out, std::uint64_t v, int width = 0) {
  char buf[24];
  char* p = buf + sizeof buf;
  do {
    *--p = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  while (buf + sizeof buf - p < width) *--p = '0';
  out.append(p, static_cast<std::size_t>(buf + sizeof buf - p));
}

inline void append_money(std::string& out, std::int64_t fen) {
  append_uint(out, static_cast<std::uint64_t>(fen / 100));
  out += '.';
  append_uint(out, static_cast<std::uint64_t>(fen % 100), 2);
}

// Calendar conversions are recur's own (core/time.h); the plain reader uses them too.
inline void civil_from_days(std::int64_t z, int& y, unsigned& m, unsigned& d) {
  recur::Date{static_cast<std::int32_t>(z)}.to_ymd(y, m, d);
}
using recur::days_from_civil;

// The identities member m writes: 60% a phone, 20% a WeChat unionid, 10% card + phone, 10%
// unionid + phone. Every member's values are unique, so the data causes no merges.
inline void append_member(std::string& out, std::uint64_t m) {
  auto phone = [&] {
    static constexpr char kSecond[] = {'3', '5', '7', '8', '9', '6', '8'};
    out += "phone:1";
    out += kSecond[m % 7];
    // A bijection on [0, 1e9): 3^18 is coprime with 10^9.
    append_uint(out, (m * 387420489ULL + 123456789ULL) % 1000000000ULL, 9);
  };
  auto unionid = [&] {
    static constexpr char kB64[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    out += "wechat_unionid:o6_bm";
    std::uint64_t h = mix(m * 2 + 1);
    for (int i = 0; i < 12; ++i, h >>= 5) out += kB64[h & 63];
    std::uint64_t v = m * 0x9E3779B97F4A7C15ULL;  // odd multiplier: a bijection, so unique
    for (int i = 0; i < 11; ++i, v >>= 6) out += kB64[v & 63];
  };
  switch (mix(m) % 10) {
    case 0:
    case 1:
    case 2:
    case 3:
    case 4:
    case 5:
      phone();
      break;
    case 6:
    case 7:
      unionid();
      break;
    case 8:
      out += "card_no:88";
      append_uint(out, m, 8);
      out += '|';
      phone();
      break;
    default:
      unionid();
      out += '|';
      phone();
      break;
  }
}

inline constexpr std::string_view kOrdersHeader =
    "source,order_id,paid_at,member,channel,store_id,sku,category,qty,unit_price,discount,amount\n";

struct Generated {
  std::string csv;
  std::int64_t lines = 0;
  std::int64_t orders = 0;
};

inline Generated generate_orders_csv(std::int64_t lines, std::uint64_t seed) {
  Generated g;
  const std::vector<Sku> catalogue = make_catalogue(seed);
  Rng r(seed);
  g.csv.reserve(static_cast<std::size_t>(lines) * 150 + 256);
  g.csv += kOrdersHeader;
  const std::int64_t approx_orders = std::max<std::int64_t>(1, lines / 3);
  const std::uint64_t pool =
      static_cast<std::uint64_t>(std::max<std::int64_t>(1, approx_orders / 3));
  const std::int64_t first_day = days_from_civil(2023, 1, 1);
  const std::int64_t span_days = 731;
  std::string prefix;  // the order-level fields, repeated on each of its lines
  while (g.lines < lines) {
    const std::int64_t oi = g.orders++;
    // Order header: source, id, time, member, channel, store.
    const std::int64_t day = first_day + oi * span_days / approx_orders;
    const std::int64_t sec = 8 * 3600 + static_cast<std::int64_t>(r.below(14 * 3600));
    int y;
    unsigned mo, d;
    civil_from_days(day, y, mo, d);
    const std::uint64_t pick = r.below(100);
    prefix.clear();
    const char* channel;
    std::string store;
    if (pick < 55) {
      prefix += "pos,S";
      const std::uint64_t shop = 1 + r.below(150);
      append_uint(prefix, shop, 3);
      prefix += '-';
      append_uint(prefix, static_cast<std::uint64_t>(oi), 9);
      channel = "store";
      store = "S" + std::to_string(1000 + shop).substr(1);
    } else if (pick < 85) {
      prefix += "mall,M";
      append_uint(prefix, static_cast<std::uint64_t>(y), 4);
      append_uint(prefix, mo, 2);
      append_uint(prefix, d, 2);
      append_uint(prefix, static_cast<std::uint64_t>(oi), 9);
      channel = "online";
      store = "mall01";
    } else if (pick < 95) {
      prefix += "miniprogram,WX";
      append_uint(prefix, static_cast<std::uint64_t>(oi) * 7 + 1000000000ULL);
      channel = "miniprogram";
      store = "mp01";
    } else {
      prefix += "tmall,";
      append_uint(prefix, 3000000000000000ULL + static_cast<std::uint64_t>(oi) * 13);
      channel = "marketplace:tmall";
      store = "tmall_flagship";
    }
    prefix += ',';
    append_uint(prefix, static_cast<std::uint64_t>(y), 4);
    prefix += '-';
    append_uint(prefix, mo, 2);
    prefix += '-';
    append_uint(prefix, d, 2);
    prefix += ' ';
    append_uint(prefix, static_cast<std::uint64_t>(sec / 3600), 2);
    prefix += ':';
    append_uint(prefix, static_cast<std::uint64_t>(sec / 60 % 60), 2);
    prefix += ':';
    append_uint(prefix, static_cast<std::uint64_t>(sec % 60), 2);
    prefix += ',';
    if (r.below(100) >= 12) {  // 12% guests
      const double u = r.unit();
      append_member(prefix, static_cast<std::uint64_t>(u * u * static_cast<double>(pool)));
    }
    prefix += ',';
    prefix += channel;
    prefix += ',';
    prefix += store;
    prefix += ',';
    // 1-5 lines, mean 3.
    static constexpr int kLineCounts[] = {1, 2, 2, 3, 3, 3, 4, 4, 5, 3};
    const int nlines =
        static_cast<int>(std::min<std::int64_t>(kLineCounts[r.below(10)], lines - g.lines));
    for (int k = 0; k < nlines; ++k) {
      const Sku& s = catalogue[static_cast<std::size_t>(r.below(catalogue.size()))];
      const std::uint64_t q = r.below(100);
      const std::int64_t qty = q < 65   ? 1
                               : q < 85 ? 2
                               : q < 95 ? 3
                                        : 4 + static_cast<std::int64_t>(r.below(3));
      const std::int64_t gross = qty * s.price;
      std::int64_t discount = 0;
      if (r.below(100) < 35) discount = gross * static_cast<std::int64_t>(5 + 5 * r.below(4)) / 100;
      g.csv += prefix;
      g.csv += s.code;
      g.csv += ',';
      if (r.below(100) >= 5) g.csv += s.category;  // 5% leave it to the product catalogue
      g.csv += ',';
      append_uint(g.csv, static_cast<std::uint64_t>(qty));
      g.csv += ',';
      append_money(g.csv, s.price);
      g.csv += ',';
      append_money(g.csv, discount);
      g.csv += ',';
      append_money(g.csv, gross - discount);
      g.csv += '\n';
      ++g.lines;
    }
  }
  return g;
}

// ---------------------------------------------------------------------------------------------
// The reference reader: split into lines and fields with memchr and convert the numeric fields
// with std::from_chars. No quoting, no validation, no allocation.

struct PlainLine {
  std::string_view source, order_id, member, channel, store_id, sku, category;
  std::int64_t local_seconds = 0;  // paid_at as local wall-clock seconds since 1970
  std::int64_t qty = 0, unit_price = 0, discount = 0, amount = 0;  // fen
};

namespace detail {

inline std::int64_t to_int(std::string_view s) {
  std::int64_t v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}

// "12.30" -> 1230 (the integer and the fraction each by from_chars).
inline std::int64_t to_fen(std::string_view s) {
  std::int64_t yuan = 0, frac = 0;
  const char* end = s.data() + s.size();
  auto [p, ec] = std::from_chars(s.data(), end, yuan);
  (void)ec;
  if (p < end && *p == '.') {
    const char* f = p + 1;
    std::from_chars(f, end, frac);
    if (end - f == 1) frac *= 10;
  }
  return yuan * 100 + frac;
}

// "2024-06-18 10:23:45" -> local seconds.
inline std::int64_t to_local_seconds(std::string_view s) {
  int v[6] = {};
  const char* p = s.data();
  const char* end = p + s.size();
  for (int i = 0; i < 6 && p < end; ++i) {
    p = std::from_chars(p, end, v[i]).ptr;
    if (p < end) ++p;  // '-', ' ', ':'
  }
  return days_from_civil(v[0], static_cast<unsigned>(v[1]), static_cast<unsigned>(v[2])) * 86400 +
         v[3] * 3600 + v[4] * 60 + v[5];
}

}  // namespace detail

// Calls on_line(const PlainLine&) for each data line; returns the number of data lines.
template <typename Fn>
std::int64_t plain_read_orders(std::string_view data, Fn&& on_line) {
  const char* p = data.data();
  const char* const end = p + data.size();
  // Skip the header.
  if (const void* nl = std::memchr(p, '\n', static_cast<std::size_t>(end - p)))
    p = static_cast<const char*>(nl) + 1;
  else
    return 0;
  std::int64_t n = 0;
  std::string_view f[12];
  PlainLine ln;
  while (p < end) {
    const char* eol =
        static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(end - p)));
    if (!eol) eol = end;
    const char* q = p;
    for (int i = 0; i < 12; ++i) {
      const char* c =
          i < 11 ? static_cast<const char*>(std::memchr(q, ',', static_cast<std::size_t>(eol - q)))
                 : nullptr;
      if (!c) c = eol;
      f[i] = std::string_view(q, static_cast<std::size_t>(c - q));
      q = c < eol ? c + 1 : eol;
    }
    ln.source = f[0];
    ln.order_id = f[1];
    ln.local_seconds = detail::to_local_seconds(f[2]);
    ln.member = f[3];
    ln.channel = f[4];
    ln.store_id = f[5];
    ln.sku = f[6];
    ln.category = f[7];
    ln.qty = detail::to_int(f[8]);
    ln.unit_price = detail::to_fen(f[9]);
    ln.discount = detail::to_fen(f[10]);
    ln.amount = detail::to_fen(f[11]);
    on_line(ln);
    ++n;
    p = eol + 1;
  }
  return n;
}

}  // namespace recur::bench
