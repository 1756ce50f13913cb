#pragma once
// The demo retailer's fixed assortment and store network: a few hundred SKUs with Chinese names
// and category paths in five families whose consumption cycles differ (母婴, 美妆, 食品, 服装, 3C),
// about thirty shops in nine cities, and the online mall, mini-program and marketplace stores.
//
// The catalogue does not depend on the seed; store opening dates depend on the history's span
// (a few shops open during it). Immutable after build(); safe to share across threads.

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "core/money.h"
#include "core/time.h"
#include "demo/channel.h"

namespace recur::demo {

enum class Family : std::uint8_t { kBaby, kBeauty, kFood, kApparel, kDigital };
inline constexpr int kFamilies = 5;

// When clothes sell: in season they sell several times as well as out of season.
enum class Season : std::uint8_t { kAllYear, kSummer, kWinter, kSpringAutumn };

// What a subcategory means to the shopping model: complements and a baby's growth.
enum class Role : std::uint8_t { kPlain, kDiapers, kMilkPowder, kPhone, kPhoneAccessory };

struct Product {
  std::string sku;       // e.g. "MY0104"
  std::string name;      // e.g. "帮宝适 一级帮纸尿裤 L码 54片"
  std::string category;  // path, e.g. "母婴/奶粉/二段"
  std::string brand;
  std::string unit;  // e.g. "包", "罐"
  Fen price = 0;     // list price of one unit, > 0
  bool consumable = false;
  double days_per_unit = 0.0;  // consumables: days one unit typically lasts; 0 otherwise
  int subcategory = 0;         // index into Catalogue::subcategories()
  int next_stage = -1;         // the product a growing baby moves on to (size, stage), or -1
};

struct Subcategory {
  std::string path;     // e.g. "母婴/奶粉"
  std::string keyword;  // what a shopper types into the search box
  Family family = Family::kFood;
  Season season = Season::kAllYear;
  Role role = Role::kPlain;
  bool consumable = false;
  double popularity = 1.0;    // relative weight within the family
  std::vector<int> products;  // indices into Catalogue::products(), cheapest first
};

enum class StoreKind : std::uint8_t { kStore, kOnline, kMiniprogram, kMarketplace };

struct Store {
  std::string id;  // e.g. "SH01", "MALL"
  std::string name;
  StoreKind kind = StoreKind::kStore;
  std::string city;  // empty for channels that are not a place
  Date opened;
};

class Catalogue {
 public:
  // The retailer for a history of the days first..last: every channel store and the first shop
  // of each city are open from `first` on; a few shops open part-way through.
  static Catalogue build(Date first, Date last);

  const std::vector<Product>& products() const { return products_; }
  const std::vector<Subcategory>& subcategories() const { return subcategories_; }
  const std::vector<Store>& stores() const { return stores_; }

  // Subcategories of a family (indices into subcategories()).
  const std::vector<int>& family_subcategories(Family f) const {
    return by_family_[static_cast<int>(f)];
  }
  // Consumable subcategories that people replenish on a regular cycle.
  const std::vector<int>& replenishable() const { return replenishable_; }
  // The first subcategory with the role, or -1.
  int subcategory_with_role(Role role) const;

  // Cities with shops; shops_in_city(c) lists indices into stores(), the first of which has been
  // open since before the history.
  const std::vector<std::string>& shop_cities() const { return shop_cities_; }
  const std::vector<int>& shops_in_city(int city) const { return shops_by_city_[city]; }
  // The store of a non-shop channel (Channel::kStore has none: -1).
  int channel_store(Channel c) const { return channel_store_[index_of(c)]; }

 private:
  std::vector<Product> products_;
  std::vector<Subcategory> subcategories_;
  std::vector<Store> stores_;
  std::array<std::vector<int>, kFamilies> by_family_;
  std::vector<int> replenishable_;
  std::vector<std::string> shop_cities_;
  std::vector<std::vector<int>> shops_by_city_;
  std::array<int, kChannels> channel_store_{};
};

// Cities of members who live where there is no shop (they buy online).
const std::vector<std::string>& cities_without_shops();

}  // namespace recur::demo
