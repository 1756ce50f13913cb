#include "demo/market.h"

namespace recur::demo {
namespace {

// How strongly a season's clothes sell in `month` (1..12).
double season_pull(Season s, int month) {
  switch (s) {
    case Season::kAllYear:
      return 1.0;
    case Season::kSummer:
      return month >= 5 && month <= 8 ? 1.8 : (month == 4 || month == 9) ? 0.8 : 0.25;
    case Season::kWinter:
      return (month >= 11 || month <= 2) ? 2.0 : (month == 10 || month == 3) ? 0.8 : 0.15;
    case Season::kSpringAutumn:
      return (month == 3 || month == 4 || month == 9 || month == 10) ? 1.6 : 0.4;
  }
  return 1.0;
}

// Relative number of payments in each hour of the day.
constexpr std::array<double, 24> kShopHours = {0, 0, 0, 0, 0, 0, 0, 0,  0,  2, 5, 7,
                                               8, 7, 6, 6, 6, 7, 9, 11, 10, 6, 1, 0};
constexpr std::array<double, 24> kOnlineHours = {4, 2, 1, 0.5, 0.3, 0.3, 0.8, 2, 3,  4,  5,  5,
                                                 7, 6, 5, 5,   5,   5,   6,   8, 10, 12, 11, 7};

}  // namespace

Market::Market(const Catalogue& catalogue, const Calendar& calendar, std::uint64_t seed)
    : catalogue_(catalogue), calendar_(calendar), ids_(seed), seed_(seed) {
  for (int month = 1; month <= 12; ++month) {
    for (int f = 0; f < kFamilies; ++f) {
      const auto& subs = catalogue.family_subcategories(static_cast<Family>(f));
      std::vector<double>& cum = subcategory_weights_[month - 1][f];
      double sum = 0.0;
      for (int s : subs) {
        const Subcategory& sub = catalogue.subcategories()[s];
        sum += sub.popularity * season_pull(sub.season, month);
        cum.push_back(sum);
      }
    }
  }
  std::array<double, 24> peak = kOnlineHours;
  peak[0] *= 6.0;  // the countdown to midnight: 双11 starts at 00:00
  peak[1] *= 3.0;
  for (int h = 20; h <= 22; ++h) peak[h] *= 1.5;
  cumulate(kShopHours, hour_weights_[static_cast<int>(HourProfile::kShop)]);
  cumulate(kOnlineHours, hour_weights_[static_cast<int>(HourProfile::kOnline)]);
  cumulate(peak, hour_weights_[static_cast<int>(HourProfile::kOnlinePeak)]);

  double sum = 0.0;
  for (std::size_t c = 0; c < catalogue.shop_cities().size(); ++c) {
    sum += static_cast<double>(catalogue.shops_in_city(static_cast<int>(c)).size());
    shop_city_weights_.push_back(sum);
  }
  diapers_ = catalogue.subcategory_with_role(Role::kDiapers);
  milk_powder_ = catalogue.subcategory_with_role(Role::kMilkPowder);
  for (std::size_t s = 0; s < catalogue.subcategories().size(); ++s) {
    if (catalogue.subcategories()[s].role == Role::kPhoneAccessory) {
      phone_accessories_.push_back(static_cast<int>(s));
    }
  }
}

}  // namespace recur::demo
