#pragma once
// Merging two members into one, and undoing it.
//
// Invariants:
//  1. After merge(S, M): every identity, order, order line, refund and event of M belongs to S;
//     M.merged_into = S; the merge row records what moved and M's identities. Profile fields S
//     lacks are filled from M (registered_at takes the earlier; consents combine with OR),
//     and the fills are recorded.
//  2. unmerge(id) gives back to M the identities recorded at merge time (those still held by
//     S's live root) and every row whose primary identity (member_ref) is now M's — including
//     rows that arrived after the merge, and undoes the profile fills. The pair is then blocked
//     from automatic re-merging.
// Later domains (points, coupons, stored value) hook into merge and unmerge through
// MergeParticipant so their balances move with the member.
//
// All functions must run inside a write transaction held by the caller.

#include <string>
#include <string_view>
#include <vector>

#include "core/ids.h"
#include "core/status.h"
#include "core/time.h"
#include "identity/identity.h"
#include "store/database.h"

namespace recur::identity {

enum class MergeReason { kIdentity, kManual };

struct MergeRecord {
  MergeId merge_id = 0;
  MemberId survivor = 0;
  MemberId merged = 0;
  std::string reason;
  std::string evidence;
  Instant merged_at;
  bool undone = false;
  Instant undone_at;
  std::int64_t moved_identities = 0, moved_orders = 0, moved_refunds = 0, moved_events = 0;
};

struct UnmergeResult {
  MemberId restored = 0;
  MemberId from = 0;  // the live member the rows came back from
  std::int64_t identities = 0, orders = 0, refunds = 0, events = 0;
};

// Something other than the identity layer that owns member-scoped state (balances, tags).
class MergeParticipant {
 public:
  virtual ~MergeParticipant() = default;
  virtual Status on_merge(store::Database& db, MergeId id, MemberId survivor, MemberId merged) = 0;
  virtual Status on_unmerge(store::Database& db, MergeId id, MemberId from, MemberId restored) = 0;
};

class Merger {
 public:
  explicit Merger(store::Database& db) : db_(db) {}

  void add_participant(MergeParticipant* p) { participants_.push_back(p); }

  // Merges `merged` into `survivor`. Both must be live (not merged away) and distinct.
  // Returns the merge record; `moved` receives the identities that changed owner.
  Result<MergeRecord> merge(MemberId survivor, MemberId merged, MergeReason reason,
                            std::string_view evidence, Instant at,
                            std::vector<std::string>* moved = nullptr);

  Result<UnmergeResult> unmerge(MergeId id, Instant at);

  Result<MergeRecord> get(MergeId id);
  Result<std::vector<MergeRecord>> for_member(MemberId member);

  // Follows merged_into to the live member; a live member is its own root.
  Result<MemberId> live_root(MemberId member);
  Result<bool> exists(MemberId member);
  Result<bool> blocked(MemberId a, MemberId b);

 private:
  Status fill_profile(MergeId id, MemberId survivor, MemberId merged);
  Status restore_profile(MergeId id, MemberId from);
  Status exec_bound(std::string_view sql, MemberId a, MemberId b, std::int64_t* changes);
  store::Database& db_;
  std::vector<MergeParticipant*> participants_;
};

std::string_view merge_reason_name(MergeReason r);

}  // namespace recur::identity
