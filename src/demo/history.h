#pragma once
// The whole history of one generated person: their member record(s), orders, refunds and
// behaviour events over the calendar.
//
// Invariants of what is appended (the generator's contract with docs/formats.md):
//  1. Every order line has amount == qty * unit_price - discount > 0, in fen.
//  2. Order ids are unique within their source; all lines of an order share paid_at, member,
//     channel and store_id. Orders name SKUs and stores of the catalogue, and shops only once open.
//  3. Every refund names an order of the same source, is paid back after the order, and returns
//     at most the line's (or order's) amount; refund ids are unique within their source.
//  4. Every timestamp lies within the calendar's days.
//  5. A person with two member records has one later record naming both identities
//     (a whole order, or a members.csv row when no later order exists).

#include <cstdint>

#include "demo/batch.h"
#include "demo/market.h"

namespace recur::demo {

// Appends person `index`'s rows to `out`. Deterministic in (market.seed(), index): it uses only
// the person's own random stream, so the result does not depend on which thread runs it.
void simulate_person(const Market& market, std::int64_t index, Batch& out);

}  // namespace recur::demo
