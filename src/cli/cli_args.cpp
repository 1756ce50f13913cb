#include "cli/cli_args.h"

#include <fmt/format.h>

#include "identity/member_view.h"
#include "identity/merge.h"
#include "store/settings.h"

namespace recur::cli {

Result<MemberId> live_member(store::Database& db, const std::string& ref) {
  ASSIGN_OR_RETURN(MemberId id, identity::resolve_member_ref(db, ref));
  identity::Merger merger(db);
  return merger.live_root(id);
}

Result<Instant> when(Context& ctx, store::Database& db, const std::string& at) {
  if (at.empty()) return ctx.clock.now();
  ASSIGN_OR_RETURN(TimeZone tz, store::merchant_time_zone(db));
  return parse_timestamp(at, tz);
}

Result<Fen> yuan(const std::string& flag, const std::string& text) {
  auto v = parse_money(text);
  if (!v.ok())
    return invalid_argument(fmt::format("{}: {} (金额格式错误)", flag, v.status().message()));
  return *v;
}

}  // namespace recur::cli
