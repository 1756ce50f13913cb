#pragma once
// Behaviour events of one person in our own tracking (the mall site and the mini-program):
// a shopping session before each tracked order (search, views with dwell time, cart), reviews
// and shares after it, browse-without-buying sessions and abandoned carts, sign-ins, and opened
// campaign messages around the festivals. Marketplace and shop purchases leave no events.

#include <cstdint>
#include <span>

#include "core/money.h"
#include "demo/batch.h"
#include "demo/channel.h"
#include "demo/market.h"
#include "demo/person.h"
#include "demo/random.h"

namespace recur::demo {

struct PlacedLine {
  int product = 0;
  int qty = 0;
  Fen unit_price = 0;
  Fen discount = 0;
  Fen amount = 0;  // qty * unit_price - discount, > 0
};

struct PlacedOrder {
  std::int64_t t = 0;  // local seconds since the calendar's first day at 00:00
  Channel channel = Channel::kStore;
  Ref ref = Ref::kGuest;  // the identity the order names
  int seq = 0;            // the order's number within the person (for its id)
  int first_line = 0;     // into the person's lines
  int line_count = 0;
};

// Appends the person's events to out.events (sorted by time within the person) and counts them.
// `active_until` is the last day (calendar index) on which they still browse.
void simulate_behaviour(const Market& market, const Person& person,
                        std::span<const PlacedOrder> orders, std::span<const PlacedLine> lines,
                        int active_until, Rng& rng, Batch& out);

}  // namespace recur::demo
