#include "demo/person.h"

#include <algorithm>
#include <cmath>

namespace recur::demo {
namespace {

// Population parameters. Rates are per intensity day (an ordinary weekday is about 1).
constexpr double kLambdaShape = 0.55;  // r: heterogeneity of purchase rates (< 1: many slow)
constexpr double kLambdaRate = 40.0;   // alpha: mean rate r / alpha = one purchase per ~73 days
constexpr double kLambdaMax = 0.5;
constexpr double kDropoutA = 0.7;  // p ~ Beta(a, b): mean 0.2, many nearly loyal, some one-off
constexpr double kDropoutB = 2.8;
constexpr double kProspectShare = 0.10;     // register, never buy
constexpr double kLateStarterShare = 0.15;  // register first, buy some days later
constexpr double kReplenisherShare = 0.15;  // of buyers
constexpr double kDuplicateShare = 0.6;     // of omnichannel people: two records, tied later

// Relative popularity of the families (母婴, 美妆, 食品, 服装, 3C).
constexpr std::array<double, kFamilies> kFamilyBase = {0.22, 0.22, 0.32, 0.15, 0.09};

constexpr std::array<const char*, 40> kSurnames = {
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙",  "马", "朱",
    "胡", "郭", "何", "林", "罗", "高", "郑", "梁", "谢", "宋", "唐", "许",  "韩", "冯",
    "邓", "曹", "彭", "曾", "肖", "田", "董", "潘", "袁", "蔡", "蒋", "欧阳"};
constexpr std::array<const char*, 30> kFemaleGiven = {
    "芳", "娜", "敏", "静", "丽", "婷", "雪", "琳", "颖", "倩", "晓", "佳", "欣", "怡", "萱",
    "梦", "雨", "思", "悦", "瑶", "玲", "燕", "慧", "莉", "璐", "妍", "珊", "蕾", "菲", "薇"};
constexpr std::array<const char*, 30> kMaleGiven = {
    "伟", "强", "磊", "军", "勇", "杰", "涛", "斌", "超", "明", "刚", "平", "辉", "鹏", "浩",
    "宇", "俊", "帆", "凯", "峰", "博", "文", "晨", "阳", "鑫", "昊", "宁", "波", "海", "毅"};

template <std::size_t N>
const char* pick(const std::array<const char*, N>& items, Rng& rng) {
  return items[rng.below(N)];
}

std::string draw_name(char gender, Rng& rng) {
  std::string name = pick(kSurnames, rng);
  const bool female = gender == 'f' || (gender == 0 && rng.chance(0.5));
  const int chars = rng.chance(0.7) ? 2 : 1;
  for (int i = 0; i < chars; ++i) name += female ? pick(kFemaleGiven, rng) : pick(kMaleGiven, rng);
  return name;
}

void set_channel_weights(Person& p, Rng& rng) {
  auto& w = p.channel_weights;
  w.fill(0.0);
  const double u = rng.uniform();
  if (u < 0.40) {
    p.archetype = Archetype::kShopOnly;
    w[index_of(Channel::kStore)] = 1.0;
  } else if (u < 0.68) {
    p.archetype = Archetype::kOnlineOnly;
    const bool mall = rng.chance(0.5);
    w[index_of(Channel::kOnline)] = mall ? 0.8 : 0.15;
    w[index_of(Channel::kMiniprogram)] = mall ? 0.2 : 0.85;
  } else if (u < 0.80) {
    p.archetype = Archetype::kMarketplaceOnly;
    const bool tmall = rng.chance(0.65);
    w[index_of(Channel::kTmall)] = tmall ? 0.85 : 0.2;
    w[index_of(Channel::kJd)] = tmall ? 0.15 : 0.8;
  } else {
    p.archetype = Archetype::kOmnichannel;
    w[index_of(Channel::kStore)] = rng.uniform(0.3, 0.6);
    w[index_of(Channel::kOnline)] = rng.uniform(0.05, 0.3);
    w[index_of(Channel::kMiniprogram)] = rng.uniform(0.1, 0.4);
    if (rng.chance(0.4)) w[index_of(Channel::kTmall)] = rng.uniform(0.02, 0.15);
    if (rng.chance(0.25)) w[index_of(Channel::kJd)] = rng.uniform(0.02, 0.1);
  }
}

void set_place(Person& p, const Market& market, Rng& rng) {
  const Catalogue& cat = market.catalogue();
  const bool visits_shops = p.channel_weights[index_of(Channel::kStore)] > 0.0;
  if (visits_shops || rng.chance(0.6)) {
    p.shop_city = static_cast<int>(rng.pick_cumulative(market.shop_city_weights()));
    p.city = cat.shop_cities()[p.shop_city];
    if (visits_shops) {
      const auto& shops = cat.shops_in_city(p.shop_city);
      p.home_shop = shops[rng.below(shops.size())];
    }
  } else {
    const auto& others = cities_without_shops();
    p.city = others[rng.below(others.size())];
  }
}

void set_identities(Person& p, const Market& market, Rng& rng) {
  const Identifiers& ids = market.ids();
  const auto& w = p.channel_weights;
  auto slot = [&p](Ref r) -> std::string& { return p.refs[static_cast<int>(r)]; };

  std::string& phone = slot(Ref::kPhone);
  phone = "phone:";
  ids.phone(p.index, rng.next(), phone);
  if (w[index_of(Channel::kStore)] > 0.0) {
    std::string& card = slot(Ref::kCard);
    card = "card_no:";
    ids.card_no(p.index, card);
    slot(Ref::kCardAndPhone) = card + "|" + phone;
  }
  const bool wechat = w[index_of(Channel::kMiniprogram)] > 0.0 ||
                      p.archetype == Archetype::kOmnichannel ||
                      (w[index_of(Channel::kOnline)] > 0.0 && rng.chance(0.6));
  if (wechat) {
    std::string& unionid = slot(Ref::kUnionid);
    unionid = "wechat_unionid:";
    ids.wechat_unionid(p.index, rng.next(), unionid);
  }
  if (w[index_of(Channel::kTmall)] > 0.0) {
    std::string& nick = slot(Ref::kTmall);
    nick = "platform:tmall:";
    ids.tmall_nick(p.index, nick);
  }
  if (w[index_of(Channel::kJd)] > 0.0) {
    std::string& nick = slot(Ref::kJd);
    nick = "platform:jd:";
    ids.jd_nick(p.index, nick);
  }
}

void set_profile(Person& p, const Market& market, bool parent, Rng& rng) {
  if (rng.chance(0.88)) p.name = draw_name(p.gender, rng);
  if (rng.chance(0.9)) {
    const double age = parent ? std::clamp(rng.normal(31.0, 4.5), 21.0, 46.0)
                              : std::clamp(rng.normal(34.0, 10.0), 18.0, 72.0);
    const Date last = market.calendar().date(market.calendar().size() - 1);
    p.birthday = last.plus_days(-static_cast<std::int32_t>(age * 365.25));
  }
  const bool tracked = p.channel_weights[index_of(Channel::kOnline)] > 0.0 ||
                       p.channel_weights[index_of(Channel::kMiniprogram)] > 0.0;
  p.consent_sms = rng.chance(0.6);
  p.consent_wechat = p.has(Ref::kUnionid) && rng.chance(0.7);
  p.consent_app = rng.chance(tracked ? 0.3 : 0.05);
  p.consent_email = rng.chance(0.12);
}

void set_taste(Person& p, const Market& market, bool parent, Rng& rng) {
  std::array<double, kFamilies> w = kFamilyBase;
  w[static_cast<int>(Family::kBaby)] *= parent ? 4.0 : 0.15;
  if (p.gender == 'm') {
    w[static_cast<int>(Family::kBeauty)] *= 0.15;
    w[static_cast<int>(Family::kDigital)] *= 2.5;
  }
  for (double& x : w) x *= rng.gamma(0.8, 1.0) + 0.02;
  cumulate(w, p.family_weights);

  p.spend = rng.gamma(2.0, 0.5);
  p.extra_lines = rng.gamma(1.5, 0.5) * std::sqrt(p.spend);
  p.price_tier = std::clamp(rng.beta(2.0, 2.0) + 0.15 * (p.spend - 1.0), 0.0, 1.0);
  p.loyalty = rng.beta(4.0, 2.0);

  if (!p.prospect && rng.chance(kReplenisherShare)) {
    // Weight each replenishable subcategory by the person's taste for its family.
    const Catalogue& cat = market.catalogue();
    const auto& subs = cat.replenishable();
    std::vector<double> cum(subs.size());
    double sum = 0.0;
    for (std::size_t i = 0; i < subs.size(); ++i) {
      const Subcategory& s = cat.subcategories()[subs[i]];
      sum += w[static_cast<int>(s.family)] * s.popularity *
             (s.role == Role::kDiapers || s.role == Role::kMilkPowder ? 2.0 : 1.0);
      cum[i] = sum;
    }
    p.replenish_subcategory = subs[rng.pick_cumulative(cum)];
    p.replenish_pace = std::clamp(rng.normal(1.0, 0.12), 0.75, 1.3);
    const double u = rng.uniform();
    p.usual_qty = u < 0.55 ? 1 : u < 0.9 ? 2 : 3;
    p.lambda *= 0.35;  // they buy little besides their routine
  }
}

int draw_registration_day(const Calendar& calendar, Rng& rng) {
  // More members join later (the program grows) and on promotion days.
  const int n = calendar.size();
  for (;;) {
    const auto d = static_cast<int>(rng.below(static_cast<std::uint64_t>(n)));
    const double trend = n > 1 ? 0.7 + 0.6 * d / (n - 1) : 1.0;
    const double weight = trend * std::sqrt(calendar.intensity(d));
    if (rng.uniform() * 2.8 < weight) return d;
  }
}

}  // namespace

Person draw_person(const Market& market, std::int64_t index, Rng& rng) {
  Person p;
  p.index = index;
  set_channel_weights(p, rng);
  set_place(p, market, rng);
  set_identities(p, market, rng);

  const double g = rng.uniform();
  p.gender = g < 0.62 ? 'f' : g < 0.95 ? 'm' : 0;
  const bool parent = rng.chance(p.gender == 'm' ? 0.2 : 0.35);
  set_profile(p, market, parent, rng);

  p.registration_day = draw_registration_day(market.calendar(), rng);
  p.prospect = rng.chance(kProspectShare);
  if (rng.chance(kLateStarterShare)) p.first_delay = rng.exponential(1.0 / 20.0);
  p.lambda = std::min(rng.gamma(kLambdaShape, 1.0 / kLambdaRate), kLambdaMax);
  p.dropout = rng.beta(kDropoutA, kDropoutB);
  set_taste(p, market, parent, rng);
  p.wants_duplicate = p.archetype == Archetype::kOmnichannel && rng.chance(kDuplicateShare);
  return p;
}

}  // namespace recur::demo
