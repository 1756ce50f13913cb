#pragma once
// A generated person: who they are (identities, profile), where they shop, and the parameters
// of their purchase process. Drawn once per person from that person's own random stream.
//
// The purchase process is BG/NBD's (Fader, Hardie & Lee 2005): while alive a person buys as a
// Poisson process with rate `lambda` (per intensity day, see Calendar), lambda ~ Gamma(r, alpha)
// across people; after each purchase they drop out for good with probability `dropout`,
// dropout ~ Beta(a, b). A share of people are regular replenishers on top of that.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/time.h"
#include "demo/catalogue.h"
#include "demo/channel.h"
#include "demo/market.h"
#include "demo/random.h"

namespace recur::demo {

enum class Archetype : std::uint8_t { kShopOnly, kOnlineOnly, kMarketplaceOnly, kOmnichannel };

// Which of a person's identities a record names.
enum class Ref : std::uint8_t {
  kGuest,         // none: an anonymous order or event
  kCard,          // card_no
  kPhone,         // phone
  kUnionid,       // wechat_unionid
  kTmall,         // platform:tmall
  kJd,            // platform:jd
  kCardAndPhone,  // card_no|phone: the record that ties a duplicate's two member records
};
inline constexpr int kRefs = 7;

struct Person {
  std::int64_t index = 0;
  Archetype archetype = Archetype::kShopOnly;
  std::array<double, kChannels> channel_weights{};  // relative; 0 = never buys there

  // Where they live and shop.
  int shop_city = -1;  // index into Catalogue::shop_cities(); -1 for a city without a shop
  std::string_view city;
  int home_shop = -1;  // index into Catalogue::stores(); -1 when they never visit a shop

  // refs[r] is the member reference text ("phone:13800138000"); empty when they lack it.
  std::array<std::string, kRefs> refs;
  bool has(Ref r) const { return !refs[static_cast<int>(r)].empty(); }
  const std::string& ref(Ref r) const { return refs[static_cast<int>(r)]; }

  // Profile.
  std::string name;  // may be empty
  char gender = 0;   // 'f', 'm' or 0 (unknown)
  std::optional<Date> birthday;
  bool consent_sms = false, consent_wechat = false, consent_app = false, consent_email = false;

  // When they join and how they buy.
  int registration_day = 0;  // index into the Calendar
  bool prospect = false;     // registered but never buys
  double first_delay = 0.0;  // days between registering and the first purchase
  double lambda = 0.0;       // purchases per intensity day while alive
  double dropout = 0.0;      // probability of dropping out after each purchase

  // Taste.
  std::array<double, kFamilies> family_weights{};  // cumulative
  double spend = 1.0;        // Gamma with mean 1: scales quantities and basket size
  double extra_lines = 0.0;  // mean number of basket lines beyond the first
  double price_tier = 0.5;   // 0 = cheapest of a subcategory, 1 = dearest
  double loyalty = 0.6;      // probability of buying the usual SKU again

  // Regular replenishment of one consumable subcategory (-1: not a replenisher).
  int replenish_subcategory = -1;
  double replenish_pace = 1.0;  // multiplies the product's days per unit
  int usual_qty = 1;

  // An omnichannel person who ends up with two member records (one per channel) tied later.
  bool wants_duplicate = false;
};

// Draws person `index` from `rng` (the person's own stream).
Person draw_person(const Market& market, std::int64_t index, Rng& rng);

}  // namespace recur::demo
