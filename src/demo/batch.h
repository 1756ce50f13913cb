#pragma once
// The output of generating a contiguous range of people: rows of members.csv, orders.csv,
// refunds.csv and events.csv (canonical layouts, without headers) and what they count.
// A Batch belongs to one thread; batches are written to the files in person order.

#include <cstdint>
#include <string>

namespace recur::demo {

struct Counts {
  std::int64_t people = 0;
  std::int64_t member_records = 0;  // members.csv rows that are a member record
  std::int64_t orders = 0;
  std::int64_t order_lines = 0;
  std::int64_t guest_orders = 0;
  std::int64_t refunds = 0;
  std::int64_t events = 0;
  std::int64_t merge_links = 0;  // records tying a person's two member records (order or row)

  void add(const Counts& o) {
    people += o.people;
    member_records += o.member_records;
    orders += o.orders;
    order_lines += o.order_lines;
    guest_orders += o.guest_orders;
    refunds += o.refunds;
    events += o.events;
    merge_links += o.merge_links;
  }
};

struct Batch {
  std::string members;
  std::string orders;
  std::string refunds;
  std::string events;
  Counts counts;
};

}  // namespace recur::demo
