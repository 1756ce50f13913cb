// recur program load|show — the loyalty program file (会员计划). See docs/loyalty.md.

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "cli/cli_context.h"
#include "core/json_writer.h"
#include "insight/insight_config.h"
#include "loyalty/decimal.h"
#include "loyalty/program_store.h"

namespace recur::cli {
namespace {

void print_summary(const loyalty::Program& p) {
  using loyalty::format_milli;
  std::printf("  tiers 等级        mode %s",
              std::string(loyalty::tier_mode_name(p.evaluation.mode)).c_str());
  if (p.evaluation.mode == loyalty::TierMode::kRolling)
    std::printf(" (last %d months, %d days grace 保级)", p.evaluation.window_months,
                p.evaluation.grace_days);
  if (p.evaluation.mode == loyalty::TierMode::kPeriodic)
    std::printf(" (every %d months, %s)", p.evaluation.period_months,
                p.evaluation.anchor == loyalty::PeriodAnchor::kCalendar ? "calendar" : "attained");
  std::printf("\n");
  for (const loyalty::Tier& t : p.tiers)
    std::printf(
        "    %-10s %-10s growth ≥ %-7lld keep ≥ %-7lld points ×%s, %lld points = ¥1, "
        "price ×%s%s\n",
        t.key.c_str(), t.name.c_str(), static_cast<long long>(t.threshold),
        static_cast<long long>(t.retain), format_milli(t.benefits.points_multiplier_milli).c_str(),
        static_cast<long long>(t.benefits.redeem_points_per_yuan),
        format_milli(t.benefits.discount_rate_milli).c_str(),
        t.benefits.free_shipping ? ", free shipping 包邮" : "");
  const loyalty::EarnRules& e = p.points.earn;
  std::printf("  points 积分       %s per yuan%s, %zu category and %zu SKU rules",
              format_milli(e.per_yuan_milli).c_str(), e.tier_multiplier ? " × tier" : "",
              e.categories.size(), e.skus.size());
  if (e.member_day > 0)
    std::printf(", member day %d ×%s", e.member_day,
                format_milli(e.member_day_multiplier_milli).c_str());
  if (e.birthday_month_multiplier_milli != loyalty::kMilli)
    std::printf(", birthday month ×%s", format_milli(e.birthday_month_multiplier_milli).c_str());
  std::printf("\n  pending 待生效    %d days; expiry 过期 %s", p.points.pending_days,
              std::string(loyalty::expiry_policy_name(p.points.expiry)).c_str());
  if (p.points.expiry == loyalty::ExpiryPolicy::kRollingDays)
    std::printf(" (%d days)", p.points.expiry_days);
  std::printf("; refund of spent points 已用积分退款: %s\n",
              std::string(loyalty::spent_points_policy_name(p.points.spent_points)).c_str());
  std::printf("  redemption 抵扣   at most %s of an order, at least %lld points\n",
              format_milli(p.redemption.max_order_share_milli).c_str(),
              static_cast<long long>(p.redemption.min_points));
  std::printf("  tasks 任务       ");
  for (loyalty::Task t : loyalty::kAllTasks)
    if (p.task(t).enabled)
      std::printf(" %s +%lld/+%lld", std::string(loyalty::task_name(t)).c_str(),
                  static_cast<long long>(p.task(t).points),
                  static_cast<long long>(p.task(t).growth));
  std::printf("\n");
  const loyalty::StoredValueRules& sv = p.stored_value;
  if (sv.enabled) {
    std::printf("  stored value 储值 top-up ¥%s–¥%s;", format_money(sv.min_topup_fen).c_str(),
                format_money(sv.max_topup_fen).c_str());
    for (const auto& b : sv.bonus)
      std::printf(" 充%s送%s%s", format_money(b.pay_fen).c_str(), format_money(b.bonus_fen).c_str(),
                  b.tiers.empty() ? "" : fmt::format(" ({})", fmt::join(b.tiers, ", ")).c_str());
    std::printf("; spend %s; withdrawal %s\n",
                std::string(loyalty::spend_order_name(sv.spend_order)).c_str(),
                std::string(loyalty::withdrawal_policy_name(sv.withdrawal)).c_str());
    if (sv.cashback.enabled)
      std::printf("  cashback 消费金   %s of net paid, at most ¥%s an order, %d days, pays %s\n",
                  format_milli(sv.cashback.rate_milli).c_str(),
                  format_money(sv.cashback.per_order_cap_fen).c_str(), sv.cashback.valid_days,
                  sv.cashback.spend_first ? "first" : "last");
  }
  std::printf("  coupons 优惠券     %zu templates (recur coupon templates); refund policy %s\n",
              p.coupons.templates.size(),
              std::string(loyalty::coupon_refund_policy_name(p.coupons.refund_policy)).c_str());
  std::printf("  mall 积分商城      %zu items (recur mall list)\n", p.mall.items.size());
}

void print_insight(const insight::InsightConfig& c) {
  std::printf(
      "  insight 洞察      RFM window %d days; dormant after %d days, lost after %d days; "
      "replenishment reminder %d days ahead\n",
      c.rfm_window_days, c.dormant_days, c.lost_days, c.reminder_lead_days);
}

// The thresholds in force, grouped as in the file's insight section.
std::string insight_json(const insight::InsightConfig& c) {
  JsonWriter w;
  w.begin_object();
  w.key("rfm").begin_object().field("window_days", c.rfm_window_days).end_object();
  w.key("frequency")
      .begin_object()
      .field("periodic_max_cv", c.periodic_max_cv)
      .field("periodic_min_intervals", c.periodic_min_intervals)
      .field("high_frequency_max_interval_days", c.high_frequency_max_interval)
      .field("high_frequency_min_days", c.high_frequency_min_days)
      .end_object();
  w.key("lifecycle")
      .begin_object()
      .field("new_days", c.new_days)
      .field("mature_min_days", c.mature_min_days)
      .field("lost_days", c.lost_days)
      .field("reactivated_days", c.reactivated_days)
      .end_object();
  w.key("dormancy")
      .begin_object()
      .field("static_days", c.dormant_days)
      .field("dynamic_k", c.dynamic_k)
      .field("dynamic_min_days", c.dynamic_min_days)
      .field("category_k", c.category_k)
      .field("category_min_days", c.category_min_days)
      .field("interaction_days", c.interaction_days)
      .end_object();
  w.key("cycles").begin_object().field("min_intervals", c.cycle_min_intervals).end_object();
  w.key("replenishment")
      .begin_object()
      .field("reminder_lead_days", c.reminder_lead_days)
      .field("sku_min_days", c.sku_min_days)
      .end_object();
  w.end_object();
  return w.str();
}

int load(Context& ctx, const std::string& file, bool json) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return report(io_error(fmt::format("cannot read '{}'", file)));
  std::stringstream ss;
  ss << in.rdbuf();
  // The insight section is checked before anything is stored, so a bad file changes nothing.
  auto thresholds = insight::parse_insight_config(ss.str(), file);
  if (!thresholds.ok()) return report(thresholds.status());
  auto db = ctx.open_db();
  if (!db.ok()) return report(db.status());
  auto res = loyalty::load_program(**db, ss.str(), file, ctx.clock.now());
  if (!res.ok()) return report(res.status());
  if (json) {
    JsonWriter w;
    w.begin_object()
        .field("version", res->stored.version)
        .field("changed", res->changed)
        .field("name", res->stored.name)
        .field("digest", res->stored.digest)
        .end_object();
    std::printf("%s\n", w.str().c_str());
  } else {
    std::printf("%s program v%d \"%s\" from %s (%s)\n",
                res->changed ? "loaded" : "unchanged:", res->stored.version,
                res->stored.name.c_str(), file.c_str(),
                res->changed ? "已加载会员计划" : "与当前版本相同");
    print_summary(res->program);
    print_insight(*thresholds);
  }
  return kExitOk;
}

int show(Context& ctx, int version, bool json, bool source) {
  auto db = ctx.open_db(true);
  if (!db.ok()) return report(db.status());
  Result<loyalty::StoredProgram> stored = failed_precondition("");
  if (version > 0) {
    stored = loyalty::program_version(**db, version);
  } else {
    auto cur = loyalty::current_program(**db);
    if (!cur.ok()) return report(cur.status());
    if (!*cur)
      return report(failed_precondition(
          "no loyalty program is loaded (未加载会员计划); run: recur program load "
          "config/program.yaml"));
    stored = **cur;
  }
  if (!stored.ok()) return report(stored.status());
  if (source) {
    std::fwrite(stored->source.data(), 1, stored->source.size(), stdout);
    return kExitOk;
  }
  auto program = loyalty::parse_program(stored->source, stored->loaded_from);
  if (!program.ok()) return report(program.status());
  auto thresholds = insight::parse_insight_config(stored->source, stored->loaded_from);
  if (!thresholds.ok()) return report(thresholds.status());
  if (json) {
    std::printf("{\"version\":%d,\"loaded_from\":", stored->version);
    std::string s;
    append_json_string(s, stored->loaded_from);
    std::printf("%s,\"loaded_at\":%lld,\"digest\":\"%s\",\"program\":%s,\"insight\":%s}\n",
                s.c_str(), static_cast<long long>(stored->loaded_at.seconds),
                stored->digest.c_str(), loyalty::program_json(*program).c_str(),
                insight_json(*thresholds).c_str());
    return kExitOk;
  }
  std::printf("program 会员计划 v%d \"%s\" loaded from %s at %s\n", stored->version,
              stored->name.c_str(), stored->loaded_from.c_str(),
              format_instant_utc(stored->loaded_at).c_str());
  print_summary(*program);
  print_insight(*thresholds);
  return kExitOk;
}

}  // namespace

void register_program(Command& app, Context& ctx) {
  Command* cmd = app.add_subcommand("program", "the loyalty program file (会员计划)");
  cmd->require_subcommand(1);

  auto file = std::make_shared<std::string>();
  auto ljson = std::make_shared<bool>(false);
  Command* l = cmd->add_subcommand(
      "load", "validate a program file and make it the version in force (same text: no change)");
  l->add_option("file", *file, "the YAML program file (e.g. config/program.yaml)")->required();
  l->add_flag("--json", *ljson, "print JSON");
  l->callback([&ctx, file, ljson] { throw Exit{load(ctx, *file, *ljson)}; });

  auto version = std::make_shared<int>(0);
  auto sjson = std::make_shared<bool>(false);
  auto source = std::make_shared<bool>(false);
  Command* s = cmd->add_subcommand("show", "the program in force (or --version N)");
  s->add_option("--version", *version, "an earlier version");
  s->add_flag("--source", *source, "print the YAML as loaded");
  s->add_flag("--json", *sjson, "print JSON: every key with the value in force");
  s->callback([&ctx, version, sjson, source] { throw Exit{show(ctx, *version, *sjson, *source)}; });
}

}  // namespace recur::cli
