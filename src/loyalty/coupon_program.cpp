#include "loyalty/coupon_program.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>

#include "core/json_writer.h"
#include "loyalty/decimal.h"
#include "loyalty/program.h"
#include "loyalty/yaml_reader.h"

namespace recur::loyalty {

std::string_view coupon_type_name(CouponType t) {
  switch (t) {
    case CouponType::kThresholdOff:
      return "threshold_off";
    case CouponType::kPercentOff:
      return "percent_off";
    case CouponType::kNoThreshold:
      return "no_threshold";
    case CouponType::kFreeShipping:
      return "free_shipping";
    case CouponType::kGift:
      return "gift";
  }
  return "?";
}

std::string_view coupon_refund_policy_name(CouponRefundPolicy p) {
  return p == CouponRefundPolicy::kReturnIfValid ? "return_if_valid" : "never";
}

bool category_under(std::string_view category, std::string_view prefix) {
  if (prefix.empty() || category.size() < prefix.size()) return false;
  if (category.substr(0, prefix.size()) != prefix) return false;
  return category.size() == prefix.size() || category[prefix.size()] == '/';
}

bool CouponScope::covers_line(std::string_view sku, std::string_view category) const {
  auto listed = [](const std::vector<std::string>& v, std::string_view x) {
    return std::find(v.begin(), v.end(), x) != v.end();
  };
  auto under_any = [&](const std::vector<std::string>& v) {
    return std::any_of(v.begin(), v.end(),
                       [&](const std::string& p) { return category_under(category, p); });
  };
  if (listed(exclude_skus, sku) || under_any(exclude_categories)) return false;
  if (categories.empty() && skus.empty()) return true;
  return listed(skus, sku) || under_any(categories);
}

bool CouponScope::allows_channel(std::string_view channel) const {
  return channels.empty() || std::find(channels.begin(), channels.end(), channel) != channels.end();
}

const CouponTemplate* CouponRules::find(std::string_view key) const {
  for (const CouponTemplate& t : templates)
    if (t.key == key) return &t;
  return nullptr;
}

const MallItem* MallRules::find(std::string_view key) const {
  for (const MallItem& i : items)
    if (i.key == key) return &i;
  return nullptr;
}

namespace {

using yaml::Reader;
using yaml::valid_key;

constexpr Fen kMaxFen = 100'000'000;  // ¥1,000,000
constexpr std::int64_t kMaxCount = 1'000'000'000;

// Keys a template of each type may carry besides the common ones.
std::vector<std::string_view> type_keys(CouponType t) {
  switch (t) {
    case CouponType::kThresholdOff:
      return {"threshold", "amount"};
    case CouponType::kPercentOff:
      return {"threshold", "rate", "cap"};
    case CouponType::kNoThreshold:
      return {"amount"};
    case CouponType::kFreeShipping:
      return {"threshold", "cap"};
    case CouponType::kGift:
      return {"threshold", "gift_sku", "gift_description"};
  }
  return {};
}

Status read_scope(const Reader& r, const YAML::Node& n, const std::string& path, CouponScope& s) {
  RETURN_IF_ERROR(
      r.section(n, path, {"categories", "skus", "channels", "exclude_categories", "exclude_skus"}));
  RETURN_IF_ERROR(r.texts(n, "categories", path, s.categories));
  RETURN_IF_ERROR(r.texts(n, "skus", path, s.skus));
  RETURN_IF_ERROR(r.texts(n, "channels", path, s.channels));
  RETURN_IF_ERROR(r.texts(n, "exclude_categories", path, s.exclude_categories));
  RETURN_IF_ERROR(r.texts(n, "exclude_skus", path, s.exclude_skus));
  for (auto* list : {&s.categories, &s.exclude_categories})
    for (std::string& c : *list)
      while (!c.empty() && c.back() == '/') c.pop_back();
  return Status();
}

Status read_validity(const Reader& r, const YAML::Node& t, const std::string& path,
                     CouponValidity& v) {
  YAML::Node n = Reader::child(t, "validity");
  std::string vp = path + ".validity";
  if (!n.IsDefined() || n.IsNull())
    return r.error(t, vp, "is required: {from, to} (fixed dates) or {days, start_after_days}");
  RETURN_IF_ERROR(r.section(n, vp, {"from", "to", "days", "start_after_days"}));
  bool fixed = Reader::child(n, "from").IsDefined() || Reader::child(n, "to").IsDefined();
  bool relative = Reader::child(n, "days").IsDefined();
  if (fixed == relative)
    return r.error(n, vp, "give either from and to (fixed dates) or days (after issue)");
  v.fixed = fixed;
  if (fixed) {
    RETURN_IF_ERROR(r.date(n, "from", vp, v.from));
    RETURN_IF_ERROR(r.date(n, "to", vp, v.to));
    if (v.to < v.from) return r.error(Reader::child(n, "to"), vp + ".to", "is before from");
    if (Reader::child(n, "start_after_days").IsDefined())
      return r.error(Reader::child(n, "start_after_days"), vp + ".start_after_days",
                     "only for validity given in days");
  } else {
    RETURN_IF_ERROR(r.small_int(n, "days", vp, v.days, 1, 3650, true));
    RETURN_IF_ERROR(r.small_int(n, "start_after_days", vp, v.start_after_days, 0, 3650));
  }
  return Status();
}

Status read_template(const Reader& r, const YAML::Node& t, const std::string& path,
                     CouponTemplate& c) {
  if (!t.IsMap()) return r.error(t, path, "must be a map (key, name, type, …)");
  RETURN_IF_ERROR(r.section(
      t, path,
      {"key", "name", "type", "threshold", "amount", "rate", "cap", "gift_sku", "gift_description",
       "scope", "validity", "stock", "per_member_held", "per_member_total", "cost"}));
  RETURN_IF_ERROR(r.text(t, "key", path, c.key, true));
  if (!valid_key(c.key))
    return r.error(Reader::child(t, "key"), path + ".key",
                   fmt::format("'{}' must be 1–32 of a-z, 0-9, _", c.key));
  c.name = c.key;
  RETURN_IF_ERROR(r.text(t, "name", path, c.name));
  if (!Reader::child(t, "type").IsDefined()) return r.error(t, path + ".type", "is required");
  int type = 0;
  RETURN_IF_ERROR(
      r.choice(t, "type", path,
               {"threshold_off", "percent_off", "no_threshold", "free_shipping", "gift"}, type));
  c.type = static_cast<CouponType>(type);
  // A key that means nothing for this type is a mistake worth naming.
  std::vector<std::string_view> own = type_keys(c.type);
  for (std::string_view k :
       {"threshold", "amount", "rate", "cap", "gift_sku", "gift_description"}) {
    YAML::Node n = Reader::child(t, k);
    if (n.IsDefined() && std::find(own.begin(), own.end(), k) == own.end())
      return r.error(n, path + "." + std::string(k),
                     fmt::format("a {} coupon has no {}", coupon_type_name(c.type), k));
  }
  RETURN_IF_ERROR(r.money(t, "threshold", path, c.threshold, 0, kMaxFen));
  switch (c.type) {
    case CouponType::kThresholdOff:
      RETURN_IF_ERROR(r.money(t, "threshold", path, c.threshold, 1, kMaxFen, true));
      RETURN_IF_ERROR(r.money(t, "amount", path, c.amount, 1, kMaxFen, true));
      if (c.amount > c.threshold)
        return r.error(Reader::child(t, "amount"), path + ".amount",
                       fmt::format("¥{} off is more than the threshold (¥{})",
                                   format_money(c.amount), format_money(c.threshold)));
      c.cost = c.amount;
      break;
    case CouponType::kPercentOff:
      if (!Reader::child(t, "rate").IsDefined())
        return r.error(t, path + ".rate", "is required (0.9 = 9折, 10% off)");
      RETURN_IF_ERROR(r.milli(t, "rate", path, c.rate_milli, 1, kMilli - 1));
      RETURN_IF_ERROR(r.money(t, "cap", path, c.cap, 0, kMaxFen));
      c.cost = c.cap;
      break;
    case CouponType::kNoThreshold:
      RETURN_IF_ERROR(r.money(t, "amount", path, c.amount, 1, kMaxFen, true));
      c.cost = c.amount;
      break;
    case CouponType::kFreeShipping:
      RETURN_IF_ERROR(r.money(t, "cap", path, c.cap, 0, kMaxFen));
      c.cost = c.cap;
      break;
    case CouponType::kGift:
      RETURN_IF_ERROR(r.text(t, "gift_sku", path, c.gift_sku, true));
      if (c.gift_sku.empty())
        return r.error(Reader::child(t, "gift_sku"), path + ".gift_sku", "is empty");
      RETURN_IF_ERROR(r.text(t, "gift_description", path, c.gift_description));
      break;
  }
  RETURN_IF_ERROR(r.money(t, "cost", path, c.cost, 0, kMaxFen));
  RETURN_IF_ERROR(read_scope(r, Reader::child(t, "scope"), path + ".scope", c.scope));
  RETURN_IF_ERROR(read_validity(r, t, path, c.validity));
  RETURN_IF_ERROR(r.integer(t, "stock", path, c.stock, 0, kMaxCount));
  RETURN_IF_ERROR(r.integer(t, "per_member_held", path, c.per_member_held, 0, 1'000'000));
  RETURN_IF_ERROR(r.integer(t, "per_member_total", path, c.per_member_total, 0, 1'000'000));
  if (c.per_member_total > 0 && c.per_member_held > c.per_member_total)
    return r.error(Reader::child(t, "per_member_held"), path + ".per_member_held",
                   fmt::format("is more than per_member_total ({})", c.per_member_total));
  return Status();
}

Status read_coupons(const Reader& r, const YAML::Node& root, Program& p) {
  YAML::Node n = Reader::child(root, "coupons");
  RETURN_IF_ERROR(r.section(n, "coupons", {"refund_policy", "templates"}));
  int policy = 0;
  RETURN_IF_ERROR(r.choice(n, "refund_policy", "coupons", {"return_if_valid", "never"}, policy));
  p.coupons.refund_policy = static_cast<CouponRefundPolicy>(policy);
  YAML::Node list = Reader::child(n, "templates");
  if (!list.IsDefined() || list.IsNull()) return Status();
  if (!list.IsSequence()) return r.error(list, "coupons.templates", "must be a list of templates");
  for (std::size_t i = 0; i < list.size(); ++i) {
    std::string path = fmt::format("coupons.templates[{}]", i);
    CouponTemplate c;
    RETURN_IF_ERROR(read_template(r, list[i], path, c));
    if (p.coupons.find(c.key))
      return r.error(Reader::child(list[i], "key"), path + ".key",
                     fmt::format("'{}' is used by another template", c.key));
    p.coupons.templates.push_back(std::move(c));
  }
  return Status();
}

Status read_mall(const Reader& r, const YAML::Node& root, Program& p) {
  YAML::Node n = Reader::child(root, "mall");
  RETURN_IF_ERROR(r.section(n, "mall", {"items"}));
  YAML::Node list = Reader::child(n, "items");
  if (!list.IsDefined() || list.IsNull()) return Status();
  if (!list.IsSequence()) return r.error(list, "mall.items", "must be a list of items");
  for (std::size_t i = 0; i < list.size(); ++i) {
    std::string path = fmt::format("mall.items[{}]", i);
    const YAML::Node t = list[i];
    if (!t.IsMap()) return r.error(t, path, "must be a map (key, name, points, …)");
    RETURN_IF_ERROR(r.section(
        t, path,
        {"key", "name", "points", "cash", "stock", "per_member_limit", "min_tier", "coupon"}));
    MallItem item;
    RETURN_IF_ERROR(r.text(t, "key", path, item.key, true));
    if (!valid_key(item.key))
      return r.error(Reader::child(t, "key"), path + ".key",
                     fmt::format("'{}' must be 1–32 of a-z, 0-9, _", item.key));
    if (p.mall.find(item.key))
      return r.error(Reader::child(t, "key"), path + ".key",
                     fmt::format("'{}' is used by another item", item.key));
    item.name = item.key;
    RETURN_IF_ERROR(r.text(t, "name", path, item.name));
    RETURN_IF_ERROR(r.integer(t, "points", path, item.points, 1, 1'000'000'000, true));
    RETURN_IF_ERROR(r.money(t, "cash", path, item.cash, 0, kMaxFen));
    RETURN_IF_ERROR(r.integer(t, "stock", path, item.stock, 0, kMaxCount));
    RETURN_IF_ERROR(r.integer(t, "per_member_limit", path, item.per_member_limit, 0, 1'000'000));
    RETURN_IF_ERROR(r.text(t, "min_tier", path, item.min_tier));
    if (!item.min_tier.empty() && p.tier_index(item.min_tier) < 0)
      return r.error(Reader::child(t, "min_tier"), path + ".min_tier",
                     fmt::format("'{}' is not a tier key", item.min_tier));
    RETURN_IF_ERROR(r.text(t, "coupon", path, item.coupon));
    if (!item.coupon.empty() && !p.coupons.find(item.coupon))
      return r.error(Reader::child(t, "coupon"), path + ".coupon",
                     fmt::format("no coupon template '{}' in coupons.templates", item.coupon));
    p.mall.items.push_back(std::move(item));
  }
  return Status();
}

// Every coupon a tier names must be a template.
Status check_tier_coupons(const Reader& r, const YAML::Node& root, const Program& p) {
  YAML::Node tiers = Reader::child(root, "tiers");
  for (std::size_t i = 0; i < p.tiers.size(); ++i) {
    const TierBenefits& b = p.tiers[i].benefits;
    YAML::Node bn = Reader::child(tiers[i], "benefits");
    std::string bp = fmt::format("tiers[{}].benefits", i);
    for (std::size_t j = 0; j < b.monthly_coupons.size(); ++j) {
      if (p.coupons.find(b.monthly_coupons[j].coupon)) continue;
      YAML::Node at = Reader::child(Reader::child(bn, "monthly_coupons")[j], "coupon");
      return r.error(
          at, fmt::format("{}.monthly_coupons[{}].coupon", bp, j),
          fmt::format("no coupon template '{}' in coupons.templates", b.monthly_coupons[j].coupon));
    }
    if (!b.birthday_coupon.empty() && !p.coupons.find(b.birthday_coupon))
      return r.error(
          Reader::child(bn, "birthday_coupon"), bp + ".birthday_coupon",
          fmt::format("no coupon template '{}' in coupons.templates", b.birthday_coupon));
  }
  return Status();
}

}  // namespace

Status read_coupon_sections(const Reader& r, const YAML::Node& root, Program& p) {
  RETURN_IF_ERROR(read_coupons(r, root, p));
  RETURN_IF_ERROR(read_mall(r, root, p));
  return check_tier_coupons(r, root, p);
}

void write_coupon_sections(JsonWriter& w, const Program& p) {
  auto list = [&](std::string_view key, const std::vector<std::string>& v) {
    w.key(key).begin_array();
    for (const std::string& s : v) w.value(s);
    w.end_array();
  };
  w.key("coupons").begin_object().field("refund_policy",
                                        coupon_refund_policy_name(p.coupons.refund_policy));
  w.key("templates").begin_array();
  for (const CouponTemplate& c : p.coupons.templates) {
    w.begin_object()
        .field("key", c.key)
        .field("name", c.name)
        .field("type", coupon_type_name(c.type))
        .field("threshold", format_money(c.threshold))
        .field("amount", format_money(c.amount))
        .field("rate", format_milli(c.rate_milli))
        .field("cap", format_money(c.cap))
        .field("gift_sku", c.gift_sku)
        .field("gift_description", c.gift_description);
    w.key("scope").begin_object();
    list("categories", c.scope.categories);
    list("skus", c.scope.skus);
    list("channels", c.scope.channels);
    list("exclude_categories", c.scope.exclude_categories);
    list("exclude_skus", c.scope.exclude_skus);
    w.end_object();
    w.key("validity").begin_object();
    if (c.validity.fixed)
      w.field("from", c.validity.from.to_string()).field("to", c.validity.to.to_string());
    else
      w.field("days", c.validity.days).field("start_after_days", c.validity.start_after_days);
    w.end_object()
        .field("stock", c.stock)
        .field("per_member_held", c.per_member_held)
        .field("per_member_total", c.per_member_total)
        .field("cost", format_money(c.cost))
        .end_object();
  }
  w.end_array().end_object();
  w.key("mall").begin_object().key("items").begin_array();
  for (const MallItem& i : p.mall.items)
    w.begin_object()
        .field("key", i.key)
        .field("name", i.name)
        .field("points", i.points)
        .field("cash", format_money(i.cash))
        .field("stock", i.stock)
        .field("per_member_limit", i.per_member_limit)
        .field("min_tier", i.min_tier)
        .field("coupon", i.coupon)
        .end_object();
  w.end_array().end_object();
}

}  // namespace recur::loyalty
