#pragma once
// Points, growth and tiers follow members through merges (identity/merge.h); so do stored
// value and cashback (wallet_merge.h).
//
// On merge(S ← M): every lot of M (points and growth, including spent ones, so later refunds of
// M's orders find them) moves to S; M's balances move with ledger entries (cause merge: M −,
// S +); M's points debt moves too and is repaid from S's lots; S's tier becomes the highest of
// the two and of what the combined qualifying growth reaches. What moved is recorded in
// loyalty_merges and loyalty_merge_lots.
//
// On unmerge: M gets back the lots recorded as moved plus the lots of orders that are M's
// again (including orders imported after the merge), as they stand now — points spent, expired
// or taken back while merged stay spent — with entries (cause unmerge). M's tier is the higher
// of its tier at merge time and what its growth reaches; S falls back to its tier before the
// merge unless its own growth reaches higher. The numbers are recorded on the loyalty_merges
// row.
//
// Runs inside the merge's transaction, on the merge's connection. Stateless apart from a cache
// of the parsed program (guarded by a mutex), so one instance can serve every connection.

#include <memory>
#include <mutex>
#include <string>

#include "identity/merge.h"
#include "loyalty/program_store.h"

namespace recur::loyalty {

class LoyaltyMergeParticipant final : public identity::MergeParticipant {
 public:
  Status on_merge(store::Database& db, MergeId id, MemberId survivor, MemberId merged) override;
  Status on_unmerge(store::Database& db, MergeId id, MemberId from, MemberId restored) override;

 private:
  // The program in force, or null when none is loaded.
  Result<std::shared_ptr<const ActiveProgram>> program(store::Database& db);
  std::mutex mu_;
  std::shared_ptr<const ActiveProgram> cached_;  // guarded by mu_
  std::string cached_source_;                    // its YAML text; guarded by mu_
};

// Registers the process-wide participant with `merger`. One line where a Merger is built:
//   identity::Merger merger(db);
//   loyalty::register_merge_participant(merger);
void register_merge_participant(identity::Merger& merger);

}  // namespace recur::loyalty
