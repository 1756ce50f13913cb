// recur ledger summary|export — the whole ledger over a period, for finance (台账):
// each account's roll-forward by cause, and the entries as CSV (loyalty/ledger_report.h).

#include <fmt/format.h>

#include <cstdio>
#include <memory>

#include "cli/cli_context.h"
#include "core/csv_field.h"
#include "core/json_writer.h"
#include "core/text.h"
#include "identity/member_view.h"
#include "loyalty/ledger_report.h"
#include "store/settings.h"

namespace recur::cli {
namespace {

struct PeriodArgs {
  std::string from, to;  // days in the merchant's zone, both included; `to` default today
};

struct Period {
  Date first, last;
  Instant from, to;  // [start of first, start of the day after last)
  TimeZone zone;
};

Result<Period> period(Context& ctx, store::Database& db, const PeriodArgs& a) {
  ASSIGN_OR_RETURN(TimeZone zone, store::merchant_time_zone(db));
  auto day = [](const char* flag, const std::string& text) -> Result<Date> {
    auto d = parse_date(text);
    if (!d.ok())
      return invalid_argument(fmt::format("{} '{}': a day as YYYY-MM-DD (日期格式)", flag, text));
    return *d;
  };
  ASSIGN_OR_RETURN(Date first, day("--from", a.from));
  Date last = zone.local_date(ctx.clock.now());
  if (!a.to.empty()) {
    ASSIGN_OR_RETURN(last, day("--to", a.to));
  }
  if (last < first)
    return invalid_argument(fmt::format("--to {} is before --from {} (结束日期早于开始日期)",
                                        last.to_string(), first.to_string()));
  Instant from = zone.start_of_day(first), to = zone.start_of_day(Date{last.days + 1});
  return Period{first, last, from, to, std::move(zone)};
}

// What an account's amounts count, and its name for people.
struct AccountLabel {
  const char* unit;  // points, growth, coupons, fen
  const char* name;
};
AccountLabel label(std::string_view account) {
  if (account == "points") return {"points", "points 积分"};
  if (account == "growth") return {"growth", "growth 成长值"};
  if (account == "coupon") return {"coupons", "coupons held 持券"};
  if (account == "stored_principal") return {"fen", "stored value principal 储值本金"};
  if (account == "stored_bonus") return {"fen", "stored value bonus 赠送金"};
  if (account == "cashback") return {"fen", "cashback 消费金"};
  return {"", ""};
}

std::string amount_text(std::string_view account, std::int64_t v) {
  if (std::string_view(label(account).unit) == "fen") return "¥" + group_thousands(format_money(v));
  return group_thousands(std::to_string(v));
}

int summary(Context& ctx, const PeriodArgs& a, bool json) {
  auto db = ctx.open_db(true);
  if (!db.ok()) return report(db.status());
  auto p = period(ctx, **db, a);
  if (!p.ok()) return report(p.status());
  auto r = loyalty::roll_forward(**db, p->from, p->to);
  if (!r.ok()) return report(r.status());
  if (json) {
    JsonWriter w;
    w.begin_object()
        .field("from", p->first.to_string())
        .field("to", p->last.to_string())
        .field("time_zone", p->zone.name())
        .key("accounts")
        .begin_array();
    for (const auto& acc : r->accounts) {
      w.begin_object()
          .field("account", acc.account)
          .field("unit", std::string_view(label(acc.account).unit))
          .field("opening", acc.opening)
          .field("in", acc.in)
          .field("out", acc.out)
          .field("closing", acc.closing)
          .field("entries", acc.entries)
          .key("causes")
          .begin_array();
      for (const auto& c : acc.causes)
        w.begin_object()
            .field("cause", c.cause)
            .field("in", c.in)
            .field("out", c.out)
            .field("entries", c.entries)
            .end_object();
      w.end_array().end_object();
    }
    w.end_array().end_object();
    std::printf("%s\n", w.str().c_str());
    return kExitOk;
  }
  std::printf("ledger 台账 %s … %s (%s)\n", p->first.to_string().c_str(),
              p->last.to_string().c_str(), p->zone.name().c_str());
  if (r->accounts.empty())
    std::printf("  no entries through %s (无流水)\n", p->last.to_string().c_str());
  for (const auto& acc : r->accounts) {
    const AccountLabel l = label(acc.account);
    std::printf("%s\n", *l.name ? l.name : acc.account.c_str());
    auto line = [&](const std::string& what, std::int64_t v, std::int64_t entries) {
      std::printf("  %s %s", pad_right(what, 24).c_str(),
                  pad_left(amount_text(acc.account, v), 18).c_str());
      if (entries > 0)
        std::printf("  %s entries", group_thousands(std::to_string(entries)).c_str());
      std::printf("\n");
    };
    line("opening 期初", acc.opening, 0);
    for (const auto& c : acc.causes) {
      if (c.in > 0) line("+ " + c.cause, c.in, c.entries);
      if (c.out > 0) line("- " + c.cause, c.out, c.in > 0 ? 0 : c.entries);
    }
    line("closing 期末", acc.closing, 0);
  }
  return kExitOk;
}

struct ExportArgs {
  PeriodArgs period;
  std::string account, member, out;
};

int export_entries(Context& ctx, const ExportArgs& a) {
  auto db = ctx.open_db(true);
  if (!db.ok()) return report(db.status());
  auto p = period(ctx, **db, a.period);
  if (!p.ok()) return report(p.status());
  loyalty::LedgerFilter filter{p->from, p->to, std::nullopt, std::nullopt};
  if (!a.account.empty()) {
    if (!*label(a.account).unit)
      return report(invalid_argument(fmt::format(
          "--account '{}': one of points, growth, coupon, stored_principal, stored_bonus, "
          "cashback (账户)",
          a.account)));
    filter.account = a.account;
  }
  if (!a.member.empty()) {
    // As the entries name them: not followed through merges, so a merged member's own history
    // can be exported (its id; an identity names the member holding it now).
    auto m = identity::resolve_member_ref(**db, a.member);
    if (!m.ok()) return report(m.status());
    filter.member = *m;
  }
  std::unique_ptr<FILE, int (*)(FILE*)> f(nullptr, &std::fclose);
  FILE* sink = stdout;
  if (!a.out.empty()) {
    f.reset(std::fopen(a.out.c_str(), "wb"));
    if (!f) return report(io_error(fmt::format("cannot write '{}'", a.out)));
    sink = f.get();
  }
  std::string out =
      "entry_id,at,member_id,account,unit,cause,amount,balance_after,reference,key,note\n";
  std::int64_t rows = 0;
  Status s = loyalty::for_each_ledger_row(**db, filter, [&](const loyalty::LedgerRow& r) {
    out += fmt::format("{},{},{},{},{},{},{},", r.entry_id, p->zone.format(r.at), r.member,
                       r.account, label(r.account).unit, r.cause, r.amount);
    if (r.balance_after) out += std::to_string(*r.balance_after);
    out += ',';
    append_csv_field(out, r.reference);
    out += ',';
    append_csv_field(out, r.idem_key);
    out += ',';
    append_csv_field(out, r.note);
    out += '\n';
    ++rows;
    if (out.size() > (1 << 20)) {
      if (std::fwrite(out.data(), 1, out.size(), sink) != out.size())
        return io_error(fmt::format("cannot write '{}'", a.out.empty() ? "stdout" : a.out));
      out.clear();
    }
    return Status();
  });
  if (s.ok() && std::fwrite(out.data(), 1, out.size(), sink) != out.size())
    s = io_error(fmt::format("cannot write '{}'", a.out.empty() ? "stdout" : a.out));
  if (!s.ok()) return report(s);
  if (!a.out.empty())
    std::printf("wrote %lld entries 条流水 to %s\n", static_cast<long long>(rows), a.out.c_str());
  return kExitOk;
}

void period_options(Command* cmd, PeriodArgs& p) {
  cmd->add_option("--from", p.from, "first day (YYYY-MM-DD, the merchant's zone)")->required();
  cmd->add_option("--to", p.to, "last day, included (default today)");
}

}  // namespace

void register_ledger(Command& app, Context& ctx) {
  Command* cmd = app.add_subcommand(
      "ledger",
      "the whole ledger over a period (台账): roll-forward by account and cause, entries as CSV");
  cmd->require_subcommand(1);

  auto sargs = std::make_shared<PeriodArgs>();
  auto sjson = std::make_shared<bool>(false);
  Command* s = cmd->add_subcommand(
      "summary", "each account's opening, what came in and went out by cause, and closing");
  period_options(s, *sargs);
  s->add_flag("--json", *sjson, "print JSON");
  s->callback([&ctx, sargs, sjson] { throw Exit{summary(ctx, *sargs, *sjson)}; });

  auto eargs = std::make_shared<ExportArgs>();
  Command* e = cmd->add_subcommand("export", "the period's entries as CSV, by time (流水导出)");
  period_options(e, eargs->period);
  e->add_option("--account", eargs->account,
                "one account: points, growth, coupon, stored_principal, stored_bonus, cashback");
  e->add_option("--member", eargs->member, "one member's entries (id or identity)");
  e->add_option("--output,-o", eargs->out, "the CSV file (default standard output)");
  e->callback([&ctx, eargs] { throw Exit{export_entries(ctx, *eargs)}; });
}

}  // namespace recur::cli
