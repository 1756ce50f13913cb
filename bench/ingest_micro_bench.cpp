// Micro-benchmarks (Google Benchmark) of the pieces an orders import spends its time in, each
// beside a plain reference doing the same job without validation. Run on the fields of 100,000
// generated order lines (bench_common.h). items_per_second is what to compare.
//
//   CsvReader         recur's RFC 4180 reader        | PlainSplit: memchr lines and fields
//   ParseTimestamp    recur::parse_timestamp         | FromCharsTimestamp: six from_chars
//   ParseMoney        recur::parse_money_fast        | FromCharsMoney: from_chars yuan + fen
//   ParseIdentities   identity::parse_identities     | SplitIdentities: split on '|' and ':'
//   OrderIndex/std    a model of the order index in ingest/order_import.cpp (std::unordered_map
//                     keyed by source + order_id)    | OrderIndex/flat: open addressing, reserved

#include <benchmark/benchmark.h>

#include <unordered_map>

#include "bench_common.h"
#include "core/money.h"
#include "core/time.h"
#include "identity/identity.h"
#include "ingest/csv_reader.h"
#include "ingest/string_arena.h"

namespace {

using namespace recur;
using namespace recur::bench;

struct Data {
  std::string csv;
  std::vector<PlainLine> lines;  // views into csv
  std::vector<std::string_view> timestamps, money, members;
  std::vector<std::pair<std::string_view, std::string_view>>
      order_keys;  // first line of each order
};

const Data& data() {
  static const Data d = [] {
    Data d;
    d.csv = generate_orders_csv(100'000, 42).csv;
    // Keep the text forms of the fields the plain reader converts.
    std::string_view text = d.csv;
    text.remove_prefix(text.find('\n') + 1);
    while (!text.empty()) {
      std::string_view line = text.substr(0, text.find('\n'));
      text.remove_prefix(std::min(text.size(), line.size() + 1));
      std::string_view f[12];
      for (int i = 0; i < 12; ++i) {
        auto c = line.find(',');
        f[i] = line.substr(0, c);
        line = c == std::string_view::npos ? std::string_view() : line.substr(c + 1);
      }
      d.timestamps.push_back(f[2]);
      d.money.push_back(f[9]);
      d.money.push_back(f[10]);
      d.money.push_back(f[11]);
      if (d.order_keys.empty() || d.order_keys.back() != std::pair{f[0], f[1]}) {
        d.order_keys.emplace_back(f[0], f[1]);
        if (!f[3].empty()) d.members.push_back(f[3]);
      }
    }
    plain_read_orders(d.csv, [&](const PlainLine& l) { d.lines.push_back(l); });
    return d;
  }();
  return d;
}

void BM_CsvReader(benchmark::State& state) {
  const Data& d = data();
  for (auto _ : state) {
    ingest::StringArena arena;
    ingest::CsvReader r(d.csv, ',', arena);
    std::size_t n = 0;
    while (r.next()) n += r.fields().size();
    benchmark::DoNotOptimize(n);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(d.lines.size()));
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(d.csv.size()));
}
BENCHMARK(BM_CsvReader)->MinTime(0.3);

void BM_PlainSplit(benchmark::State& state) {
  const Data& d = data();
  for (auto _ : state) {
    std::int64_t sum = 0;
    plain_read_orders(
        d.csv, [&](const PlainLine& l) { sum += l.qty + static_cast<std::int64_t>(l.sku.size()); });
    benchmark::DoNotOptimize(sum);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(d.lines.size()));
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(d.csv.size()));
}
BENCHMARK(BM_PlainSplit)->MinTime(0.3);

void BM_ParseTimestamp(benchmark::State& state) {
  const Data& d = data();
  const TimeZone& zone = TimeZone::shanghai();
  for (auto _ : state) {
    std::int64_t sum = 0;
    for (std::string_view t : d.timestamps) sum += parse_timestamp(t, zone)->seconds;
    benchmark::DoNotOptimize(sum);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(d.timestamps.size()));
}
BENCHMARK(BM_ParseTimestamp)->MinTime(0.3);

void BM_FromCharsTimestamp(benchmark::State& state) {
  const Data& d = data();
  for (auto _ : state) {
    std::int64_t sum = 0;
    for (std::string_view t : d.timestamps) sum += detail::to_local_seconds(t) - 8 * 3600;
    benchmark::DoNotOptimize(sum);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(d.timestamps.size()));
}
BENCHMARK(BM_FromCharsTimestamp)->MinTime(0.3);

void BM_ParseMoney(benchmark::State& state) {
  const Data& d = data();
  for (auto _ : state) {
    Fen sum = 0, v = 0;
    for (std::string_view m : d.money) sum += parse_money_fast(m, v) ? v : 0;
    benchmark::DoNotOptimize(sum);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(d.money.size()));
}
BENCHMARK(BM_ParseMoney)->MinTime(0.3);

void BM_FromCharsMoney(benchmark::State& state) {
  const Data& d = data();
  for (auto _ : state) {
    std::int64_t sum = 0;
    for (std::string_view m : d.money) sum += detail::to_fen(m);
    benchmark::DoNotOptimize(sum);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(d.money.size()));
}
BENCHMARK(BM_FromCharsMoney)->MinTime(0.3);

void BM_ParseIdentities(benchmark::State& state) {
  const Data& d = data();
  for (auto _ : state) {
    std::size_t n = 0;
    for (std::string_view m : d.members) n += identity::parse_identities(m)->size();
    benchmark::DoNotOptimize(n);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(d.members.size()));
}
BENCHMARK(BM_ParseIdentities)->MinTime(0.3);

void BM_SplitIdentities(benchmark::State& state) {
  const Data& d = data();
  for (auto _ : state) {
    std::size_t n = 0;
    for (std::string_view m : d.members) {
      while (!m.empty()) {
        std::string_view part = m.substr(0, m.find('|'));
        n += part.find(':');
        m = part.size() < m.size() ? m.substr(part.size() + 1) : std::string_view();
      }
    }
    benchmark::DoNotOptimize(n);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(d.members.size()));
}
BENCHMARK(BM_SplitIdentities)->MinTime(0.3);

// The order index as ingest/order_import.cpp builds it: one try_emplace per order.
struct KeyHash {
  std::size_t operator()(const std::pair<std::string_view, std::string_view>& k) const {
    return std::hash<std::string_view>()(k.first) * 31 + std::hash<std::string_view>()(k.second);
  }
};

void BM_OrderIndex_std(benchmark::State& state) {
  const Data& d = data();
  for (auto _ : state) {
    std::unordered_map<std::pair<std::string_view, std::string_view>, std::uint32_t, KeyHash> index;
    for (std::uint32_t i = 0; i < d.order_keys.size(); ++i) index.try_emplace(d.order_keys[i], i);
    benchmark::DoNotOptimize(index.size());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(d.order_keys.size()));
}
BENCHMARK(BM_OrderIndex_std)->MinTime(0.3);

// The alternative: open addressing over (hash, order index), sized once, keys compared against
// the orders themselves (no nodes, no per-insert allocation, one cache miss per probe).
void BM_OrderIndex_flat(benchmark::State& state) {
  const Data& d = data();
  for (auto _ : state) {
    struct Slot {
      std::uint64_t hash;
      std::uint32_t order;  // UINT32_MAX: empty
    };
    std::size_t cap = 16;
    while (cap < d.order_keys.size() * 2) cap *= 2;
    std::vector<Slot> slots(cap, Slot{0, UINT32_MAX});
    std::size_t found = 0;
    for (std::uint32_t i = 0; i < d.order_keys.size(); ++i) {
      const auto& k = d.order_keys[i];
      std::uint64_t h = KeyHash()(k);
      for (std::size_t s = h & (cap - 1);; s = (s + 1) & (cap - 1)) {
        if (slots[s].order == UINT32_MAX) {
          slots[s] = Slot{h, i};
          break;
        }
        if (slots[s].hash == h && d.order_keys[slots[s].order] == k) {
          ++found;
          break;
        }
      }
    }
    benchmark::DoNotOptimize(found);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(d.order_keys.size()));
}
BENCHMARK(BM_OrderIndex_flat)->MinTime(0.3);

}  // namespace

BENCHMARK_MAIN();
