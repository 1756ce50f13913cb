#pragma once
// One member as an operator sees it: profile, identities, order history summary, merges.

#include <optional>
#include <string>
#include <vector>

#include "core/ids.h"
#include "core/money.h"
#include "core/status.h"
#include "core/time.h"
#include "identity/merge.h"
#include "store/database.h"

namespace recur::identity {

struct ChannelShare {
  std::string channel;
  std::int64_t orders = 0;
  Fen paid_fen = 0;
};

struct MemberView {
  MemberId member_id = 0;
  MemberId requested_id = 0;  // the id asked for, when it was merged into member_id
  std::string name, gender, birthday, city, registered_channel, registered_store;
  std::optional<Instant> registered_at;
  bool consent_sms = false, consent_wechat = false, consent_app = false, consent_email = false;
  std::vector<std::string> identities;  // "kind:value"
  std::int64_t orders = 0;
  std::int64_t purchase_days = 0;
  std::optional<Instant> first_paid_at, last_paid_at;
  Fen paid_fen = 0;
  Fen refunded_fen = 0;
  std::int64_t refunds = 0;
  std::int64_t events = 0;
  std::vector<ChannelShare> channels;
  std::vector<MergeRecord> merges;
};

// REF is a member id ("42") or an identity ("phone:13800138000", "+86 138…" with a default
// kind). A merged-away member resolves to the member it was merged into.
Result<MemberId> resolve_member_ref(store::Database& db, std::string_view ref,
                                    std::string_view default_kind = {});

Result<MemberView> load_member_view(store::Database& db, MemberId id);

}  // namespace recur::identity
