#pragma once
// The deterministic demo-data generator: a plausible Chinese omnichannel retailer (shops in
// nine cities, an online mall, a WeChat mini-program, Tmall and JD stores) and its members over
// a span of days, written as the six canonical CSV files of docs/formats.md.
//
// Contract:
//  - Same seed, member count and dates => byte-identical files, whatever `threads` is.
//  - Every order line has amount == qty × unit_price − discount (exactly, in fen), amount > 0.
//  - Orders reference SKUs of products.csv and stores of stores.csv; order ids and refund ids are
//    unique within their source; refunds reference existing orders and never return more than
//    the refunded line (or order) paid; every timestamp lies within [start, end] (local time,
//    Asia/Shanghai, "YYYY-MM-DD HH:MM:SS").
//  - People buy as BG/NBD assumes (Gamma-distributed rates, Beta-distributed drop-out), plus
//    regular replenishers; purchases peak around 618, 双11 and before 春节. About 5% of people
//    have two member records that a later order (or members.csv row) ties together.

#include <cstdint>
#include <functional>
#include <string>

#include "core/status.h"
#include "core/time.h"

namespace recur::demo {

struct GenerateOptions {
  std::int64_t members = 50000;  // distinct people, 0..100'000'000
  std::uint64_t seed = 42;
  std::string out_dir;  // created if missing; the six files in it are overwritten
  Date start = Date::from_ymd(2023, 1, 1);  // first day of history (inclusive)
  Date end = Date::from_ymd(2025, 12, 31);  // last day (inclusive), >= start
  int threads = 2;                          // generating threads (values < 1 mean 1)
};

struct GenerateSummary {
  std::int64_t people = 0;
  std::int64_t member_records = 0;  // rows of members.csv that are a member record
  std::int64_t stores = 0;
  std::int64_t products = 0;
  std::int64_t orders = 0;
  std::int64_t order_lines = 0;  // rows of orders.csv
  std::int64_t guest_orders = 0;
  std::int64_t refunds = 0;  // rows of refunds.csv
  std::int64_t events = 0;   // rows of events.csv
  // Records that tie two member records of one person: whole orders naming both identities,
  // plus members.csv rows doing the same (those rows are not counted in member_records).
  std::int64_t merge_links = 0;
  double elapsed_s = 0.0;
};

// Writes stores.csv, products.csv, members.csv, orders.csv, refunds.csv and events.csv into
// options.out_dir. `progress`, if set, is called on the calling thread with the fraction of
// people written so far (ending with 1.0). Errors: kInvalidArgument for bad options, kIoError
// when a directory or file cannot be created or written.
Result<GenerateSummary> generate(const GenerateOptions& options,
                                 const std::function<void(double fraction)>& progress = {});

}  // namespace recur::demo
