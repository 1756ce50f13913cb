#include "demo/generator.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "demo/batch.h"
#include "demo/calendar.h"
#include "demo/catalogue.h"
#include "demo/csv_text.h"
#include "demo/history.h"
#include "demo/identifiers.h"
#include "demo/market.h"

namespace recur::demo {
namespace {

// People per batch. Fixed (not derived from `threads`) so that output never depends on it.
constexpr std::int64_t kBatchPeople = 1000;

enum FileIndex : int { kStores, kProducts, kMembers, kOrders, kRefunds, kEvents, kFileCount };

constexpr std::array<const char*, kFileCount> kFileNames = {
    "stores.csv", "products.csv", "members.csv", "orders.csv", "refunds.csv", "events.csv"};

constexpr std::array<const char*, kFileCount> kHeaders = {
    "store_id,name,kind,city,opened_at\n",
    "sku,name,category,brand,price,consumable,unit\n",
    "member,name,gender,birthday,city,registered_at,channel,store_id,consent_sms,consent_wechat,"
    "consent_app,consent_email\n",
    "source,order_id,paid_at,member,channel,store_id,sku,category,qty,unit_price,discount,"
    "amount\n",
    "source,refund_id,order_id,refunded_at,sku,qty,amount,reason\n",
    "source,event_id,at,member,kind,sku,page,zone,dwell_ms,query\n",
};

// A file written in large blocks. Owns its FILE*.
class OutputFile {
 public:
  OutputFile() = default;
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;
  ~OutputFile() {
    if (file_ != nullptr) std::fclose(file_);
  }

  Status open(const std::filesystem::path& path) {
    path_ = path.string();
    file_ = std::fopen(path_.c_str(), "wb");
    if (file_ == nullptr) return io_error(fmt::format("cannot create {}", path_));
    std::setvbuf(file_, nullptr, _IOFBF, 1 << 20);
    return Status();
  }

  Status write(std::string_view text) {
    if (text.empty()) return Status();
    if (std::fwrite(text.data(), 1, text.size(), file_) != text.size()) {
      return io_error(fmt::format("cannot write {}", path_));
    }
    return Status();
  }

  Status close() {
    std::FILE* f = file_;
    file_ = nullptr;
    if (f != nullptr && std::fclose(f) != 0) return io_error(fmt::format("cannot write {}", path_));
    return Status();
  }

 private:
  std::string path_;
  std::FILE* file_ = nullptr;
};

Status validate(const GenerateOptions& o) {
  if (o.members < 0 || o.members > kMaxPeople) {
    return invalid_argument(
        fmt::format("members must be between 0 and {}, not {}", kMaxPeople, o.members));
  }
  if (o.out_dir.empty()) return invalid_argument("out_dir must name a directory");
  if (o.end < o.start) {
    return invalid_argument(
        fmt::format("end ({}) is before start ({})", o.end.to_string(), o.start.to_string()));
  }
  if (o.end.days - o.start.days >= 366 * 50) {
    return invalid_argument("the history may span at most 50 years");
  }
  return Status();
}

std::string_view store_kind_text(StoreKind k) {
  switch (k) {
    case StoreKind::kStore:
      return "store";
    case StoreKind::kOnline:
      return "online";
    case StoreKind::kMiniprogram:
      return "miniprogram";
    case StoreKind::kMarketplace:
      return "marketplace";
  }
  return "store";
}

std::string stores_csv(const Catalogue& cat) {
  std::string s = kHeaders[kStores];
  for (const Store& store : cat.stores()) {
    csv::field(s, store.id);
    s += ',';
    csv::field(s, store.name);
    s += ',';
    s += store_kind_text(store.kind);
    s += ',';
    csv::field(s, store.city);
    s += ',';
    s += store.opened.to_string();
    s += '\n';
  }
  return s;
}

std::string products_csv(const Catalogue& cat) {
  std::string s = kHeaders[kProducts];
  for (const Product& p : cat.products()) {
    csv::field(s, p.sku);
    s += ',';
    csv::field(s, p.name);
    s += ',';
    csv::field(s, p.category);
    s += ',';
    csv::field(s, p.brand);
    s += ',';
    csv::money(s, p.price);
    s += p.consumable ? ",1," : ",0,";
    csv::field(s, p.unit);
    s += '\n';
  }
  return s;
}

// Fills `out` (cleared first, keeping its buffers' capacity) with the people of batch `batch`.
void fill_batch(const Market& market, std::int64_t batch, std::int64_t people, Batch& out) {
  out.members.clear();
  out.orders.clear();
  out.refunds.clear();
  out.events.clear();
  out.counts = Counts();
  const std::int64_t first = batch * kBatchPeople;
  const std::int64_t last = std::min(people, first + kBatchPeople);
  for (std::int64_t i = first; i < last; ++i) simulate_person(market, i, out);
}

// Generates batches on `threads` workers and hands them to `sink` in batch order on the calling
// thread. At most a small window of finished batches waits in memory, and written batches are
// recycled so their buffers are not grown again. Stops early (and returns the sink's error)
// when the sink fails.
class BatchPipeline {
 public:
  using Sink = std::function<Status(std::int64_t batch, Batch&)>;

  BatchPipeline(const Market& market, std::int64_t people, int threads)
      : market_(market),
        people_(people),
        batches_((people + kBatchPeople - 1) / kBatchPeople),
        threads_(static_cast<int>(
            std::clamp<std::int64_t>(threads, 1, std::max<std::int64_t>(batches_, 1)))),
        slots_(static_cast<std::size_t>(batches_)) {}

  Status run(const Sink& sink) {
    if (threads_ == 1) {
      Batch batch;
      for (std::int64_t b = 0; b < batches_; ++b) {
        fill_batch(market_, b, people_, batch);
        RETURN_IF_ERROR(sink(b, batch));
      }
      return Status();
    }
    std::vector<std::thread> workers;
    workers.reserve(static_cast<std::size_t>(threads_));
    for (int t = 0; t < threads_; ++t) workers.emplace_back([this] { work(); });
    Status status;
    for (std::int64_t b = 0; b < batches_ && status.ok(); ++b) {
      std::unique_ptr<Batch> batch;
      {
        std::unique_lock lock(mu_);
        ready_.wait(lock, [&] { return slots_[b] != nullptr; });
        batch = std::move(slots_[b]);
      }
      status = sink(b, *batch);
      {
        std::lock_guard lock(mu_);
        spare_.push_back(std::move(batch));
        written_ = b + 1;
        if (!status.ok()) stop_ = true;
      }
      room_.notify_all();
    }
    for (auto& w : workers) w.join();
    return status;
  }

 private:
  void work() {
    const std::int64_t window = 4 * static_cast<std::int64_t>(threads_);
    for (;;) {
      const std::int64_t b = next_.fetch_add(1);
      if (b >= batches_) return;
      std::unique_ptr<Batch> batch;
      {
        std::unique_lock lock(mu_);
        room_.wait(lock, [&] { return stop_ || b < written_ + window; });
        if (stop_) return;
        if (!spare_.empty()) {
          batch = std::move(spare_.back());
          spare_.pop_back();
        }
      }
      if (!batch) batch = std::make_unique<Batch>();
      fill_batch(market_, b, people_, *batch);
      {
        std::lock_guard lock(mu_);
        slots_[b] = std::move(batch);
      }
      ready_.notify_all();
    }
  }

  const Market& market_;
  const std::int64_t people_;
  const std::int64_t batches_;
  const int threads_;
  std::atomic<std::int64_t> next_{0};
  std::mutex mu_;
  std::condition_variable ready_;              // a slot was filled
  std::condition_variable room_;               // the writer advanced, or stopped
  std::vector<std::unique_ptr<Batch>> slots_;  // guarded by mu_
  std::vector<std::unique_ptr<Batch>> spare_;  // written batches to reuse; guarded by mu_
  std::int64_t written_ = 0;                   // guarded by mu_
  bool stop_ = false;                          // guarded by mu_
};

}  // namespace

Result<GenerateSummary> generate(const GenerateOptions& options,
                                 const std::function<void(double fraction)>& progress) {
  const auto started = std::chrono::steady_clock::now();
  RETURN_IF_ERROR(validate(options));

  const std::filesystem::path dir(options.out_dir);
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    return io_error(fmt::format("cannot create directory {}: {}", dir.string(), ec.message()));
  }

  const Catalogue catalogue = Catalogue::build(options.start, options.end);
  const Calendar calendar(options.start, options.end);
  const Market market(catalogue, calendar, options.seed);

  std::array<OutputFile, kFileCount> files;
  for (int f = 0; f < kFileCount; ++f) {
    RETURN_IF_ERROR(files[f].open(dir / kFileNames[f]));
    if (f != kStores && f != kProducts) RETURN_IF_ERROR(files[f].write(kHeaders[f]));
  }
  RETURN_IF_ERROR(files[kStores].write(stores_csv(catalogue)));
  RETURN_IF_ERROR(files[kProducts].write(products_csv(catalogue)));

  Counts counts;
  BatchPipeline pipeline(market, options.members, options.threads);
  RETURN_IF_ERROR(pipeline.run([&](std::int64_t, Batch& batch) -> Status {
    RETURN_IF_ERROR(files[kMembers].write(batch.members));
    RETURN_IF_ERROR(files[kOrders].write(batch.orders));
    RETURN_IF_ERROR(files[kRefunds].write(batch.refunds));
    RETURN_IF_ERROR(files[kEvents].write(batch.events));
    counts.add(batch.counts);
    if (progress && options.members > 0)
      progress(static_cast<double>(counts.people) / static_cast<double>(options.members));
    return Status();
  }));
  for (auto& f : files) RETURN_IF_ERROR(f.close());
  if (progress && options.members == 0) progress(1.0);

  GenerateSummary s;
  s.people = counts.people;
  s.member_records = counts.member_records;
  s.stores = static_cast<std::int64_t>(catalogue.stores().size());
  s.products = static_cast<std::int64_t>(catalogue.products().size());
  s.orders = counts.orders;
  s.order_lines = counts.order_lines;
  s.guest_orders = counts.guest_orders;
  s.refunds = counts.refunds;
  s.events = counts.events;
  s.merge_links = counts.merge_links;
  s.elapsed_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return s;
}

}  // namespace recur::demo
