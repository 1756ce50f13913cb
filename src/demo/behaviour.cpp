#include "demo/behaviour.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <string_view>
#include <vector>

#include "demo/csv_text.h"

namespace recur::demo {
namespace {

enum class Kind : std::uint8_t {
  kView,
  kAddToCart,
  kRemoveFromCart,
  kSearch,
  kClick,
  kShare,
  kSignIn,
  kReview,
  kInvite,
  kMessageOpen,
};
constexpr std::array<std::string_view, 10> kKindText = {
    "view",  "add_to_cart", "remove_from_cart", "search", "click",
    "share", "sign_in",     "review",           "invite", "message_open"};

enum class Page : std::uint8_t {
  kNone,
  kHome,
  kSearch,
  kCategory,
  kProduct,
  kCart,
  kCheckout,
  kMemberCenter,
  kCampaign,
  kOrder
};
constexpr std::array<std::string_view, 10> kPageText = {
    "",     "home",     "search",        "category", "product",
    "cart", "checkout", "member_center", "campaign", "order"};

enum class Zone : std::uint8_t {
  kNone,
  kBanner,
  kRecommend,
  kNav,
  kCoupon,
  kSearchBar,
  kBottomBar
};
constexpr std::array<std::string_view, 7> kZoneText = {
    "", "banner", "recommend", "nav", "coupon_popup", "search_bar", "bottom_bar"};

struct Event {
  std::int64_t t = 0;                 // local seconds since the calendar's first day
  Channel source = Channel::kOnline;  // kOnline (tracked as "mall") or kMiniprogram
  Ref ref = Ref::kGuest;
  Kind kind = Kind::kView;
  Page page = Page::kNone;
  Zone zone = Zone::kNone;
  int product = -1;
  int dwell_ms = -1;
  int query_subcategory = -1;  // search: the keyword's subcategory
  int query_brand = -1;        // search: a product whose brand is typed before the keyword
};

constexpr std::int64_t kDay = csv::kSecondsPerDay;

class Behaviour {
 public:
  Behaviour(const Market& market, const Person& person, Rng& rng)
      : market_(market),
        cat_(market.catalogue()),
        cal_(market.calendar()),
        person_(person),
        rng_(rng),
        last_second_(static_cast<std::int64_t>(cal_.size()) * kDay - 1) {}

  void around_order(const PlacedOrder& order, std::span<const PlacedLine> lines) {
    session_.clear();
    const Channel source = order.channel;
    const Ref ref = order.ref;
    if (rng_.chance(0.3)) {
      add_session(Kind::kClick, source, ref, 8, Page::kHome,
                  rng_.chance(0.5) ? Zone::kBanner : Zone::kRecommend);
    }
    if (rng_.chance(0.45)) search(source, ref, lines.front().product);
    for (const PlacedLine& line : lines) {
      view(source, ref, line.product);
      add_session(Kind::kAddToCart, source, ref, 4, Page::kProduct, Zone::kNone, line.product);
      if (rng_.chance(0.35)) view(source, ref, sibling(line.product));  // comparing
    }
    if (rng_.chance(0.1)) {
      const int other = sibling(lines.front().product);
      add_session(Kind::kAddToCart, source, ref, 6, Page::kProduct, Zone::kNone, other);
      add_session(Kind::kRemoveFromCart, source, ref, 20, Page::kCart, Zone::kNone, other);
    }
    if (rng_.chance(0.25)) {
      add_session(Kind::kClick, source, ref, 10, Page::kCheckout, Zone::kCoupon);
    }
    place_session_before(order.t);

    const int reviewed = lines[rng_.below(lines.size())].product;
    if (rng_.chance(0.1)) {
      // One draw per statement: the order of evaluation within an expression is unspecified.
      const std::int64_t days_later = rng_.between(1, 10);
      const std::int64_t at = order.t + days_later * kDay + rng_.between(0, std::int64_t{8} * 3600);
      add_after(at, Event{0, source, ref, Kind::kReview, Page::kOrder, Zone::kNone, reviewed});
    }
    if (rng_.chance(0.04)) {
      add_after(order.t + rng_.between(60, 3600),
                Event{0, source, ref, Kind::kShare, Page::kProduct, Zone::kNone, reviewed});
    }
    if (rng_.chance(0.015)) {
      add_after(order.t + rng_.between(1, 20) * kDay,
                Event{0, source, ref, Kind::kInvite, Page::kMemberCenter, Zone::kNone});
    }
  }

  // Sessions that end without an order: browsing, and carts left behind.
  void browse_without_buying(int sessions, int from_day, int to_day) {
    for (int s = 0; s < sessions; ++s) {
      const int day = static_cast<int>(rng_.between(from_day, to_day));
      const Channel source = tracked_source();
      const Ref ref = rng_.chance(0.85) ? logged_in_ref(source) : Ref::kGuest;
      session_.clear();
      const int month = cal_.month(day);
      int product = taste_product(month);
      if (rng_.chance(0.3)) search(source, ref, product);
      const std::int64_t views = 1 + std::min<std::int64_t>(rng_.poisson(1.2), 6);
      for (std::int64_t v = 0; v < views; ++v) {
        view(source, ref, product);
        if (v + 1 < views) product = rng_.chance(0.6) ? sibling(product) : taste_product(month);
      }
      if (rng_.chance(0.3)) {
        add_session(Kind::kAddToCart, source, ref, 5, Page::kProduct, Zone::kNone, product);
        if (rng_.chance(0.15)) {
          add_session(Kind::kRemoveFromCart, source, ref, 30, Page::kCart, Zone::kNone, product);
        }
      }
      const std::int64_t start =
          day * kDay + market_.draw_second_of_day(HourProfile::kOnline, rng_);
      place_session_from(start);
    }
  }

  void sign_ins(int count, int from_day, int to_day) {
    const Channel source = tracked_source();
    const Ref ref = logged_in_ref(source);
    for (int i = 0; i < count; ++i) {
      const int day = static_cast<int>(rng_.between(from_day, to_day));
      add_after(day * kDay + market_.draw_second_of_day(HourProfile::kOnline, rng_),
                Event{0, source, ref, Kind::kSignIn, Page::kMemberCenter, Zone::kNone});
    }
  }

  // Festival campaign messages opened by people who agreed to receive them.
  void message_opens(int from_day, int to_day) {
    const auto& days = cal_.campaign_days();
    auto it = std::lower_bound(days.begin(), days.end(), from_day);
    const Channel source = person_.consent_wechat && person_.has(Ref::kUnionid)
                               ? Channel::kMiniprogram
                               : Channel::kOnline;
    const Ref ref = logged_in_ref(source);
    for (; it != days.end() && *it <= to_day; ++it) {
      if (!rng_.chance(0.25)) continue;
      const int day = *it + static_cast<int>(rng_.below(3));
      if (day > to_day) continue;
      const std::int64_t hour = rng_.between(10, 21);
      const std::int64_t at = day * kDay + hour * 3600 + rng_.between(0, 3599);
      add_after(at, Event{0, source, ref, Kind::kMessageOpen, Page::kCampaign, Zone::kBanner});
    }
  }

  void write(Batch& out) {
    std::stable_sort(events_.begin(), events_.end(),
                     [](const Event& a, const Event& b) { return a.t < b.t; });
    if (events_.size() > static_cast<std::size_t>(kMaxEventsPerPerson)) {
      events_.resize(static_cast<std::size_t>(kMaxEventsPerPerson));
    }
    std::string& o = out.events;
    std::int64_t seq = 0;
    for (const Event& e : events_) {
      o += source_text(e.source);
      o += ',';
      market_.ids().event_id(person_.index, seq++, o);
      o += ',';
      csv::timestamp(o, cal_, e.t);
      o += ',';
      if (e.ref != Ref::kGuest) o += person_.ref(e.ref);
      o += ',';
      o += kKindText[static_cast<int>(e.kind)];
      o += ',';
      if (e.product >= 0) o += cat_.products()[e.product].sku;
      o += ',';
      o += kPageText[static_cast<int>(e.page)];
      o += ',';
      o += kZoneText[static_cast<int>(e.zone)];
      o += ',';
      if (e.dwell_ms >= 0) csv::integer(o, e.dwell_ms);
      o += ',';
      if (e.query_subcategory >= 0) {
        query_.clear();
        if (e.query_brand >= 0) {
          query_ += cat_.products()[e.query_brand].brand;
          query_ += ' ';
        }
        query_ += cat_.subcategories()[e.query_subcategory].keyword;
        csv::field(o, query_);
      }
      o += '\n';
    }
    out.counts.events += static_cast<std::int64_t>(events_.size());
  }

 private:
  Channel tracked_source() {
    const double online = person_.channel_weights[index_of(Channel::kOnline)];
    const double mini = person_.channel_weights[index_of(Channel::kMiniprogram)];
    return rng_.uniform() * (online + mini) < online ? Channel::kOnline : Channel::kMiniprogram;
  }

  Ref logged_in_ref(Channel source) const {
    return source == Channel::kMiniprogram && person_.has(Ref::kUnionid) ? Ref::kUnionid
                                                                         : Ref::kPhone;
  }

  // Another product of the same subcategory (or the same one when it is alone).
  int sibling(int product) {
    const auto& products = cat_.subcategories()[cat_.products()[product].subcategory].products;
    return products[rng_.below(products.size())];
  }

  // A product the person might look at: their families, the month's subcategories.
  int taste_product(int month) {
    const auto family = static_cast<Family>(rng_.pick_cumulative(person_.family_weights));
    const auto& subs = cat_.family_subcategories(family);
    const int sub = subs[rng_.pick_cumulative(market_.subcategory_weights(family, month))];
    const auto& products = cat_.subcategories()[sub].products;
    return products[rng_.below(products.size())];
  }

  void search(Channel source, Ref ref, int product) {
    Event e{0, source, ref, Kind::kSearch, Page::kSearch, Zone::kSearchBar};
    e.query_subcategory = cat_.products()[product].subcategory;
    if (rng_.chance(0.4)) e.query_brand = product;
    session_.push_back({e, rng_.between(5, 25)});
  }

  void view(Channel source, Ref ref, int product) {
    Event e{0, source, ref, Kind::kView, Page::kProduct, Zone::kNone, product};
    e.dwell_ms = static_cast<int>(std::clamp(rng_.lognormal(std::log(25000.0), 0.8), 800.0, 6e5));
    session_.push_back({e, e.dwell_ms / 1000 + rng_.between(2, 15)});
  }

  // An event of the session being built, followed by about `gap` seconds of idling.
  void add_session(Kind kind, Channel source, Ref ref, int gap, Page page, Zone zone,
                   int product = -1) {
    session_.push_back({Event{0, source, ref, kind, page, zone, product},
                        static_cast<std::int64_t>(gap) + rng_.between(0, 2 * std::int64_t{gap})});
  }

  // Lays the session out so that it ends a little before `paid`.
  void place_session_before(std::int64_t paid) {
    std::int64_t length = 0;
    for (const auto& s : session_) length += s.gap;
    place_session_from(std::max<std::int64_t>(0, paid - length - rng_.between(10, 120)), paid - 1);
  }

  void place_session_from(std::int64_t start, std::int64_t limit = -1) {
    if (limit < 0) limit = last_second_;
    std::int64_t t = start;
    for (auto& s : session_) {
      s.event.t = std::clamp<std::int64_t>(t, 0, std::min(limit, last_second_));
      events_.push_back(s.event);
      t += s.gap;
    }
  }

  void add_after(std::int64_t t, Event e) {
    if (t > last_second_) return;
    e.t = t;
    events_.push_back(e);
  }

  struct Step {
    Event event;
    std::int64_t gap;  // seconds until the next step
  };

  const Market& market_;
  const Catalogue& cat_;
  const Calendar& cal_;
  const Person& person_;
  Rng& rng_;
  const std::int64_t last_second_;
  std::vector<Step> session_;
  std::vector<Event> events_;
  std::string query_;
};

}  // namespace

void simulate_behaviour(const Market& market, const Person& person,
                        std::span<const PlacedOrder> orders, std::span<const PlacedLine> lines,
                        int active_until, Rng& rng, Batch& out) {
  const bool tracked = person.channel_weights[index_of(Channel::kOnline)] > 0.0 ||
                       person.channel_weights[index_of(Channel::kMiniprogram)] > 0.0;
  if (!tracked) return;
  Behaviour b(market, person, rng);
  int tracked_orders = 0;
  for (const PlacedOrder& order : orders) {
    if (!is_tracked(order.channel) || order.ref == Ref::kGuest) continue;
    b.around_order(order, lines.subspan(static_cast<std::size_t>(order.first_line),
                                        static_cast<std::size_t>(order.line_count)));
    ++tracked_orders;
  }
  const int from = person.registration_day;
  const int to = std::max(from, active_until);
  b.browse_without_buying(
      static_cast<int>(std::min<std::int64_t>(rng.poisson(0.6 + 0.7 * tracked_orders), 400)), from,
      to);
  if (rng.chance(0.15)) {
    b.sign_ins(static_cast<int>(std::min<std::int64_t>(rng.poisson(20), 300)), from, to);
  }
  if (person.consent_wechat || person.consent_app) b.message_opens(from, to);
  b.write(out);
}

}  // namespace recur::demo
