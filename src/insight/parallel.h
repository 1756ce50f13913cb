#pragma once
// Splitting a loop over customers across a few threads. The models' sums are embarrassingly
// parallel; each chunk accumulates into its own slot and the caller adds the slots in order, so
// results are deterministic for a given thread count.

#include <algorithm>
#include <cstddef>
#include <thread>
#include <vector>

namespace recur::insight {

// Threads to use for `rows` rows: `requested` when > 0, else one per 100,000 rows, at most 2
// (the product's deployment target) and at most the hardware's.
inline int choose_threads(int requested, std::size_t rows) {
  if (requested > 0) return requested;
  const int by_size = static_cast<int>(rows / 100000) + 1;
  const int hw = std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  return std::max(1, std::min({by_size, 2, hw}));
}

// Calls fn(begin, end, slot) on `threads` contiguous chunks of [0, n), slot in [0, threads).
// The calling thread runs chunk 0 and waits for the others.
template <typename Fn>
void parallel_chunks(std::size_t n, int threads, Fn&& fn) {
  const auto t = static_cast<std::size_t>(std::max(1, threads));
  if (t == 1 || n < 2 * t) {
    fn(std::size_t{0}, n, 0);
    for (std::size_t k = 1; k < t; ++k) fn(n, n, static_cast<int>(k));  // empty chunks
    return;
  }
  std::vector<std::thread> pool;
  pool.reserve(t - 1);
  const std::size_t step = (n + t - 1) / t;
  for (std::size_t k = 1; k < t; ++k) {
    const std::size_t begin = std::min(n, k * step);
    const std::size_t end = std::min(n, begin + step);
    pool.emplace_back([&fn, begin, end, k] { fn(begin, end, static_cast<int>(k)); });
  }
  fn(std::size_t{0}, std::min(n, step), 0);
  for (auto& th : pool) th.join();
}

}  // namespace recur::insight
