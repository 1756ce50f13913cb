#include "loyalty/earn_rules.h"

#include <fmt/format.h>

#include <algorithm>
#include <iterator>
#include <numeric>
#include <span>
#include <utility>

#include "loyalty/calendar.h"
#include "loyalty/decimal.h"

namespace recur::loyalty {

LineEarning line_rule(const EarnRules& rules, std::string_view sku, std::string_view category) {
  LineEarning le;
  for (const MultiplierRule& r : rules.skus) {
    if (r.match == sku) {
      le.excluded = r.exclude;
      le.multiplier_milli = r.exclude ? 0 : r.multiplier_milli;
      return le;
    }
  }
  std::size_t best = 0;
  const MultiplierRule* chosen = nullptr;
  for (const MultiplierRule& r : rules.categories) {
    bool match = category == r.match ||
                 (category.size() > r.match.size() &&
                  category.substr(0, r.match.size()) == r.match && category[r.match.size()] == '/');
    if (match && r.match.size() > best) {
      best = r.match.size();
      chosen = &r;
    }
  }
  if (chosen) {
    le.excluded = chosen->exclude;
    le.multiplier_milli = chosen->exclude ? 0 : chosen->multiplier_milli;
  }
  return le;
}

std::vector<std::int64_t> allocate(std::int64_t total, std::span<const __int128> weights) {
  const std::size_t n = weights.size();
  std::vector<std::int64_t> out(n, 0);
  __int128 sum = 0;
  for (__int128 w : weights) sum += w;
  if (sum <= 0 || total <= 0) return out;
  if (n == 1) {  // one line (most orders of a bulk apply have few): all of it
    out[0] = total;
    return out;
  }
  // The remainders and their order: on the stack for the usual handful of lines (a bulk apply
  // allocates for every order otherwise).
  constexpr std::size_t kInline = 16;
  __int128 rem_inline[kInline];
  std::size_t order_inline[kInline];
  std::vector<__int128> rem_heap;
  std::vector<std::size_t> order_heap;
  if (n > kInline) {
    rem_heap.resize(n);
    order_heap.resize(n);
  }
  const std::span<__int128> rem =
      n > kInline ? std::span<__int128>(rem_heap) : std::span<__int128>(rem_inline, n);
  const std::span<std::size_t> order =
      n > kInline ? std::span<std::size_t>(order_heap) : std::span<std::size_t>(order_inline, n);
  std::int64_t given = 0;
  for (std::size_t i = 0; i < n; ++i) {
    __int128 p = static_cast<__int128>(total) * weights[i];
    out[i] = static_cast<std::int64_t>(p / sum);
    rem[i] = p % sum;
    given += out[i];
  }
  if (given == total) return out;  // nothing left over (no remainder anywhere)
  // Largest remainder first, ties by position (a stable sort; by insertion for a few lines,
  // since std::stable_sort takes a buffer from the heap).
  std::iota(order.begin(), order.end(), 0);
  const auto larger = [&](std::size_t a, std::size_t b) { return rem[a] > rem[b]; };
  if (n > kInline) {
    std::stable_sort(order.begin(), order.end(), larger);
  } else {
    for (std::size_t i = 1; i < n; ++i)
      for (std::size_t j = i; j > 0 && larger(order[j], order[j - 1]); --j)
        std::swap(order[j], order[j - 1]);
  }
  for (std::size_t k = 0; given < total && k < order.size(); ++k) {
    if (weights[order[k]] == 0) continue;
    ++out[order[k]];
    ++given;
  }
  return out;
}

OrderEarning compute_order_earning(const Program& program, std::span<const EarnLine> lines,
                                   const EarnContext& ctx) {
  const EarnRules& rules = program.points.earn;
  OrderEarning e;
  e.lines.resize(lines.size());
  // Why it earned what it did ("1/yuan; tier gold ×1.5; …"), written straight into the text: an
  // order of a bulk apply formats it once.
  auto why = [&e]<typename... T>(fmt::format_string<T...> f, T&&... args) {
    if (!e.explain.empty()) e.explain += "; ";
    fmt::format_to(std::back_inserter(e.explain), f, std::forward<T>(args)...);
  };
  why("{}/yuan", format_milli(rules.per_yuan_milli));

  if (rules.tier_multiplier && ctx.tier >= 0 && ctx.tier < static_cast<int>(program.tiers.size())) {
    const Tier& t = program.tiers[static_cast<std::size_t>(ctx.tier)];
    e.tier_multiplier_milli = t.benefits.points_multiplier_milli;
    if (e.tier_multiplier_milli != kMilli)
      why("tier {} ×{}", t.key, format_milli(e.tier_multiplier_milli));
  }

  // Campaign multipliers: the largest applies, or their product (rounded down to 3 decimals).
  std::vector<std::pair<std::string_view, std::int64_t>> campaigns;
  if (rules.member_day > 0 && day_of_month(ctx.day) == rules.member_day)
    campaigns.emplace_back("member day", rules.member_day_multiplier_milli);
  if (ctx.birthday_month && rules.birthday_month_multiplier_milli != kMilli)
    campaigns.emplace_back("birthday month", rules.birthday_month_multiplier_milli);
  for (const DatedCampaign& c : rules.campaigns)
    if (c.from <= ctx.day && ctx.day <= c.to) campaigns.emplace_back(c.name, c.multiplier_milli);
  if (!campaigns.empty()) {
    if (rules.combine == CampaignCombine::kMax) {
      auto best =
          std::max_element(campaigns.begin(), campaigns.end(),
                           [](const auto& a, const auto& b) { return a.second < b.second; });
      e.campaign_multiplier_milli = best->second;
      why("{} ×{}", best->first, format_milli(best->second));
    } else {
      std::int64_t m = kMilli;
      for (const auto& [name, mult] : campaigns) {
        m = std::min<std::int64_t>(
            100 * kMilli, static_cast<std::int64_t>(static_cast<__int128>(m) * mult / kMilli));
        why("{} ×{}", name, format_milli(mult));
      }
      e.campaign_multiplier_milli = m;
    }
  }

  std::vector<__int128> weights(lines.size()), amounts(lines.size());
  __int128 weight_sum = 0, amount_sum = 0;
  int excluded = 0, multiplied = 0;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    LineEarning le = line_rule(rules, lines[i].sku, lines[i].category);
    e.lines[i].excluded = le.excluded;
    e.lines[i].multiplier_milli = le.multiplier_milli;
    if (le.excluded)
      ++excluded;
    else if (le.multiplier_milli != kMilli)
      ++multiplied;
    Fen amount = std::max<Fen>(0, lines[i].amount);
    weights[i] = static_cast<__int128>(amount) * le.multiplier_milli;
    amounts[i] = amount;
    weight_sum += weights[i];
    amount_sum += amount;
  }
  if (multiplied > 0) why("{} line(s) with a category/SKU multiplier", multiplied);
  if (excluded > 0) why("{} line(s) excluded", excluded);

  // points = Σ amount_fen × line_mult × per_yuan × tier_mult × campaign_mult / (100 × 1000⁴)
  // Within 128 bits: weights < 1e20 (1e12 fen × ×100 × 1000 lines), × per_yuan < 1e6,
  // × tier < 1e5, × campaign ≤ 1e5 (the product is capped at ×100).
  __int128 num = weight_sum * rules.per_yuan_milli * e.tier_multiplier_milli;
  constexpr __int128 kDen = static_cast<__int128>(100) * kMilli * kMilli * kMilli * kMilli;
  __int128 raw = num * e.campaign_multiplier_milli / kDen;
  e.points_uncapped = static_cast<std::int64_t>(raw);
  e.points = e.points_uncapped;
  if (rules.per_order_cap > 0 && e.points > rules.per_order_cap) {
    e.points = rules.per_order_cap;
    why("capped at {} per order", rules.per_order_cap);
  }
  if (rules.daily_cap > 0) {
    std::int64_t room = std::max<std::int64_t>(0, rules.daily_cap - ctx.earned_today);
    if (e.points > room) {
      e.points = room;
      why("capped at {} per day", rules.daily_cap);
    }
  }
  auto points = allocate(e.points, weights);

  e.growth = static_cast<std::int64_t>(amount_sum * program.growth.per_yuan_milli /
                                       (static_cast<__int128>(100) * kMilli));
  auto growth = allocate(e.growth, amounts);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    e.lines[i].points = points[i];
    e.lines[i].growth = growth[i];
  }
  return e;
}

}  // namespace recur::loyalty
