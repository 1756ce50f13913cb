#pragma once
// Everything the simulation of one person reads but never changes: the retailer (catalogue,
// calendar, identifier scheme) and the precomputed sampling tables derived from them.
// Immutable after construction; shared by all generating threads.

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "demo/calendar.h"
#include "demo/catalogue.h"
#include "demo/identifiers.h"
#include "demo/random.h"

namespace recur::demo {

// When in the day people pay.
enum class HourProfile : std::uint8_t {
  kShop,        // opening hours, lunch and evening peaks
  kOnline,      // all day, evening peak
  kOnlinePeak,  // 618 / 双11 climax: a midnight rush
};

class Market {
 public:
  Market(const Catalogue& catalogue, const Calendar& calendar, std::uint64_t seed);

  const Catalogue& catalogue() const { return catalogue_; }
  const Calendar& calendar() const { return calendar_; }
  const Identifiers& ids() const { return ids_; }
  std::uint64_t seed() const { return seed_; }

  // Cumulative weights over catalogue().family_subcategories(f) in `month` (1..12): popularity
  // times the season's pull (summer dresses sell in summer).
  std::span<const double> subcategory_weights(Family f, int month) const {
    return subcategory_weights_[month - 1][static_cast<int>(f)];
  }
  // Cumulative weights of the 24 hours of the day.
  std::span<const double> hour_weights(HourProfile p) const {
    return hour_weights_[static_cast<int>(p)];
  }
  // Cumulative weights over catalogue().shop_cities(): bigger networks, more members.
  std::span<const double> shop_city_weights() const { return shop_city_weights_; }

  // Subcategories with a part in complements (-1 when the catalogue has none).
  int diapers() const { return diapers_; }
  int milk_powder() const { return milk_powder_; }
  const std::vector<int>& phone_accessories() const { return phone_accessories_; }

  // A moment of the day (seconds since 00:00) drawn from the profile.
  int draw_second_of_day(HourProfile p, Rng& rng) const {
    const auto hour = static_cast<int>(rng.pick_cumulative(hour_weights(p)));
    return hour * 3600 + static_cast<int>(rng.below(3600));
  }

 private:
  const Catalogue& catalogue_;
  const Calendar& calendar_;
  Identifiers ids_;
  std::uint64_t seed_;
  std::array<std::array<std::vector<double>, kFamilies>, 12> subcategory_weights_;
  std::array<std::array<double, 24>, 3> hour_weights_{};
  std::vector<double> shop_city_weights_;
  int diapers_ = -1;
  int milk_powder_ = -1;
  std::vector<int> phone_accessories_;
};

}  // namespace recur::demo
