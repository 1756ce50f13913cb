#include "cli/cli_args.h"

#include <fmt/format.h>

#include <cstdio>

#include "identity/member_view.h"
#include "identity/merge.h"
#include "store/settings.h"

namespace recur::cli {

Result<MemberId> live_member(store::Database& db, const std::string& ref) {
  ASSIGN_OR_RETURN(MemberId id, identity::resolve_member_ref(db, ref));
  identity::Merger merger(db);
  ASSIGN_OR_RETURN(MemberId live, merger.live_root(id));
  if (live != id)  // on stderr: standard output stays the command's (JSON) answer
    std::fprintf(stderr, "note: member %lld was merged into member %lld (已合并); using %lld\n",
                 static_cast<long long>(id), static_cast<long long>(live),
                 static_cast<long long>(live));
  return live;
}

Result<Instant> when(Context& ctx, store::Database& db, const std::string& at) {
  if (at.empty()) return ctx.clock.now();
  ASSIGN_OR_RETURN(TimeZone tz, store::merchant_time_zone(db));
  return parse_timestamp(at, tz);
}

int with_engine(Context& ctx, bool write,
                const std::function<Status(store::Database&, loyalty::LoyaltyEngine&)>& fn) {
  auto db = ctx.open_db(!write);
  if (!db.ok()) return report(db.status());
  std::unique_ptr<store::Transaction> tx;
  if (write) {
    auto t = store::Transaction::begin(**db);
    if (!t.ok()) return report(t.status());
    tx = std::move(t).value();
  }
  auto engine = loyalty::open_engine(**db, ctx.clock);
  if (!engine.ok()) return report(engine.status());
  if (Status s = fn(**db, **engine); !s.ok()) return report(s);
  if (tx) {
    if (Status s = tx->commit(); !s.ok()) return report(s);
  }
  return kExitOk;
}

Result<Fen> yuan(const std::string& flag, const std::string& text) {
  auto v = parse_money(text);
  if (!v.ok())
    return invalid_argument(fmt::format("{}: {} (金额格式错误)", flag, v.status().message()));
  return *v;
}

Result<LineArg> parse_line_arg(const std::string& l) {
  auto p2 = l.rfind(':');
  auto p1 = p2 == std::string::npos || p2 == 0 ? std::string::npos : l.rfind(':', p2 - 1);
  if (p1 == std::string::npos)
    return invalid_argument(fmt::format("--line '{}': expected CATEGORY:SKU:YUAN", l));
  auto amount = parse_money(l.substr(p2 + 1));
  if (!amount.ok())
    return invalid_argument(fmt::format("--line '{}': {}", l, amount.status().message()));
  return LineArg{l.substr(0, p1), l.substr(p1 + 1, p2 - p1 - 1), *amount};
}

}  // namespace recur::cli
