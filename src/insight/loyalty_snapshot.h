#pragma once
// Every member's loyalty balances in one pass, for the profile tags (tier, growth, points,
// expiring points, value at the tier's redemption ratio, last loyalty activity). Read in bulk:
// one scan of loyalty_accounts, one of the open loyalty_lots and one of the ledger entries'
// member and time — never a query per member.
//
// Balances are those in the store now (the ledger is not replayed to the as-of date); what is
// usable, pending or expiring is judged at the end of the as-of date, in the merchant's zone.

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"
#include "insight/history.h"
#include "store/database.h"

namespace recur::insight {

struct LoyaltySnapshot {
  bool program = false;  // a loyalty program is in force; without one every column is empty
  struct TierInfo {
    std::string key, name;
    std::int64_t threshold = 0;
    std::int64_t redeem_points_per_yuan = 100;
  };
  std::vector<TierInfo> tiers;

  // By member index of the history. Members without an account are in the first tier with
  // nothing earned.
  std::vector<std::uint8_t> tier;
  std::vector<std::int64_t> growth;             // all growth (loyalty_accounts.growth)
  std::vector<std::int64_t> qualifying_growth;  // growth counting for the tier (mode's window)
  std::vector<std::int64_t> points, points_debt, usable, pending, expiring_30d;
  std::vector<std::int32_t> expiring_day;   // soonest expiry of an open lot; kNoDay: none
  std::vector<std::int32_t> last_activity;  // day of the last ledger entry (not expiry); kNoDay

  // Growth still needed for the next tier; -1 at the top tier.
  std::int64_t growth_to_next(std::size_t m) const;
  // Usable and pending points at the member's tier ratio, in fen (floor).
  std::int64_t value_fen(std::size_t m) const;
};

// as_of: the insight as-of day. A store without a program gives an empty snapshot.
Result<LoyaltySnapshot> load_loyalty_snapshot(store::Database& db, const History& history,
                                              std::int32_t as_of);

}  // namespace recur::insight
