#include "demo/history.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <vector>

#include "demo/behaviour.h"
#include "demo/csv_text.h"
#include "demo/person.h"

namespace recur::demo {
namespace {

constexpr int kMaxOccasions = 3000;  // purchases scheduled per person, well below the id space
constexpr int kMaxLinesPerOrder = 8;
constexpr double kGuestShare = 0.08;      // shop orders whose buyer shows no card or phone
constexpr double kReplenishStop = 0.08;   // chance a replenisher stops after each cycle
constexpr double kCycleJitter = 0.08;     // relative sd of a replenisher's interval
constexpr double kRefundApparel = 0.075;  // refund chance of an order with clothes
constexpr double kRefundOther = 0.033;

// A planned purchase: when, where, and what it is for.
struct Occasion {
  int day = 0;
  int second = 0;
  Channel channel = Channel::kStore;
  int forced_product = -1;  // the replenished or followed-up product, or -1
  int forced_qty = 0;
  bool accessories = false;  // comes back for a case / screen protector after a phone
};

bool earlier(const Occasion& a, const Occasion& b) {
  return a.day != b.day ? a.day < b.day : a.second < b.second;
}

constexpr std::int64_t kDay = csv::kSecondsPerDay;

class PersonHistory {
 public:
  PersonHistory(const Market& market, std::int64_t index, Batch& out)
      : market_(market),
        cat_(market.catalogue()),
        cal_(market.calendar()),
        rng_(Rng::for_stream(market.seed(), static_cast<std::uint64_t>(index))),
        person_(draw_person(market, index, rng_)),
        out_(out) {
    favorite_.assign(cat_.subcategories().size(), -1);
  }

  void run() {
    schedule_purchases();
    assign_channels_and_times();
    const bool buys_when_registering =
        !occasions_.empty() && occasions_.front().day == person_.registration_day;
    if (!duplicate_ && !buys_when_registering) register_without_purchase();
    for (std::size_t i = 0; i < occasions_.size(); ++i) place_order(i);
    place_refunds();
    write_members();
    int active_until = person_.registration_day + 30;
    if (!orders_.empty()) active_until = static_cast<int>(orders_.back().t / kDay) + 60;
    active_until = std::min(active_until, cal_.size() - 1);
    simulate_behaviour(market_, person_, orders_, lines_, active_until, rng_, out_);
    out_.counts.people += 1;
  }

 private:
  // --- When they buy -------------------------------------------------------------------------

  void schedule_purchases() {
    if (person_.prospect) return;
    const int first = person_.registration_day + static_cast<int>(person_.first_delay);
    if (first >= cal_.size()) return;
    occasions_.push_back(Occasion{first});
    // BG/NBD: while alive, a Poisson process in intensity time; drop out after each purchase.
    double position = cal_.day_start(first) + rng_.uniform() * cal_.intensity(first);
    while (static_cast<int>(occasions_.size()) < kMaxOccasions && person_.lambda > 1e-9) {
      if (rng_.chance(person_.dropout)) break;
      position += rng_.exponential(1.0) / person_.lambda;
      const int day = cal_.day_at(position);
      if (day < 0) break;
      occasions_.push_back(Occasion{day});
    }
    if (person_.replenish_subcategory >= 0) schedule_replenishment(first);
    std::stable_sort(occasions_.begin(), occasions_.end(),
                     [](const Occasion& a, const Occasion& b) { return a.day < b.day; });
  }

  // A regular buyer of one consumable: the next purchase comes when the last one runs out
  // (quantity × days per unit), with a little jitter, until they stop.
  void schedule_replenishment(int first) {
    const Subcategory& sub = cat_.subcategories()[person_.replenish_subcategory];
    int product = choose_product(person_.replenish_subcategory);
    int qty = replenish_qty(first);
    occasions_[0].forced_product = product;
    occasions_[0].forced_qty = qty;
    const double stage_step = sub.role == Role::kDiapers ? 0.12 : 0.08;
    int day = first;
    while (static_cast<int>(occasions_.size()) < kMaxOccasions) {
      const double days = qty * cat_.products()[product].days_per_unit * person_.replenish_pace *
                          (1.0 + kCycleJitter * rng_.normal());
      day += std::max(1, static_cast<int>(std::lround(days)));
      if (day >= cal_.size() || rng_.chance(kReplenishStop)) break;
      const int next = cat_.products()[product].next_stage;
      if (next >= 0 && rng_.chance(stage_step)) product = next;  // the baby grows
      qty = replenish_qty(day);
      occasions_.push_back(Occasion{day, 0, Channel::kStore, product, qty});
    }
  }

  int replenish_qty(int day) {
    // Stocking up on promotion days.
    return person_.usual_qty + (cal_.is_sale(day) && rng_.chance(0.5) ? 1 : 0);
  }

  void assign_channels_and_times() {
    bool any_shop = false, any_other = false;
    for (Occasion& o : occasions_) {
      o.channel = choose_channel(o.day);
      o.second = second_of_day(o.channel, o.day);
      (o.channel == Channel::kStore ? any_shop : any_other) = true;
    }
    std::stable_sort(occasions_.begin(), occasions_.end(), earlier);
    duplicate_ = person_.wants_duplicate && any_shop && any_other;
  }

  Channel choose_channel(int day) {
    std::array<double, kChannels> w = person_.channel_weights;
    const Festival f = cal_.festival(day);
    if (f == Festival::k618 || f == Festival::kDouble11 || f == Festival::kDouble12) {
      for (int c = 1; c < kChannels; ++c) w[c] *= 2.2;  // the big sales happen online
    } else if (f == Festival::kNewYearGoods) {
      w[index_of(Channel::kStore)] *= 1.5;
    }
    std::array<double, kChannels> cum;
    cumulate(w, cum);
    return static_cast<Channel>(rng_.pick_cumulative(cum));
  }

  int second_of_day(Channel c, int day) {
    if (c == Channel::kStore) return market_.draw_second_of_day(HourProfile::kShop, rng_);
    return market_.draw_second_of_day(
        cal_.is_peak(day) ? HourProfile::kOnlinePeak : HourProfile::kOnline, rng_);
  }

  // A shop in the person's city that is open on `day`: usually their own.
  int choose_shop(int day) {
    const Date date = cal_.date(day);
    const auto& shops = cat_.shops_in_city(person_.shop_city);
    int shop = person_.home_shop;
    if (rng_.chance(0.12)) shop = shops[rng_.below(shops.size())];
    if (cat_.stores()[shop].opened > date) shop = shops.front();  // open since before the history
    return shop;
  }

  // --- What they buy -------------------------------------------------------------------------

  // A product of the subcategory: the usual one, or one at the person's price tier.
  int choose_product(int sub) {
    const int usual = favorite_[sub];
    if (usual >= 0 && rng_.chance(person_.loyalty)) return usual;
    const auto& products = cat_.subcategories()[sub].products;
    const auto n = static_cast<double>(products.size());
    const double at = person_.price_tier * (n - 1.0) + rng_.normal() * 0.25 * n;
    const auto i = static_cast<std::size_t>(std::clamp(std::lround(at), 0L, std::lround(n - 1.0)));
    const int product = products[i];
    if (cat_.subcategories()[sub].consumable) favorite_[sub] = product;
    return product;
  }

  // A product for the next basket line, or -1 to skip the line: people rarely put two brands
  // of one subcategory in the same basket.
  int choose_basket_product(int month) {
    const auto family = static_cast<Family>(rng_.pick_cumulative(person_.family_weights));
    const auto& subs = cat_.family_subcategories(family);
    const int sub = subs[rng_.pick_cumulative(market_.subcategory_weights(family, month))];
    for (std::size_t i = basket_begin_; i < lines_.size(); ++i) {
      if (cat_.products()[lines_[i].product].subcategory == sub && rng_.chance(0.85)) return -1;
    }
    return choose_product(sub);
  }

  int basket_qty(int product, bool sale) {
    const Product& p = cat_.products()[product];
    if (p.consumable) {
      const double extra = 0.25 * person_.spend + (sale ? 0.4 : 0.0);
      return static_cast<int>(std::min<std::int64_t>(1 + rng_.poisson(extra), 6));
    }
    const Family f = cat_.subcategories()[p.subcategory].family;
    if (f == Family::kApparel && rng_.chance(0.15)) return 2;
    return 1;
  }

  // Adds qty of product to the order being built (merging a repeated SKU into its line).
  void add_line(int product, int qty) {
    for (std::size_t i = basket_begin_; i < lines_.size(); ++i) {
      if (lines_[i].product == product) {
        lines_[i].qty += qty;
        return;
      }
    }
    if (lines_.size() - basket_begin_ >= static_cast<std::size_t>(kMaxLinesPerOrder)) return;
    lines_.push_back(PlacedLine{product, qty});
  }

  // Real complements: diapers with milk powder; a case and screen protector with a phone.
  void add_complements(int product, std::size_t occasion, bool sale) {
    const Role role = cat_.subcategories()[cat_.products()[product].subcategory].role;
    if (role == Role::kMilkPowder && market_.diapers() >= 0) {
      if (rng_.chance(0.45)) {
        const int diaper = choose_product(market_.diapers());
        add_line(diaper, basket_qty(diaper, sale));
      } else if (rng_.chance(0.5)) {
        diapers_pending_ = true;
      }
    } else if (role == Role::kPhone && !market_.phone_accessories().empty()) {
      bool any = false;
      for (int sub : market_.phone_accessories()) {
        if (rng_.chance(0.5)) {
          add_line(choose_product(sub), 1);
          any = true;
        }
      }
      if (!any && rng_.chance(0.5)) schedule_accessories(occasion);
    }
  }

  void schedule_accessories(std::size_t occasion) {
    Occasion next = occasions_[occasion];
    next.day += static_cast<int>(rng_.between(1, 10));
    if (next.day >= cal_.size()) return;
    next.second = second_of_day(next.channel, next.day);
    next.forced_product = -1;
    next.forced_qty = 0;
    next.accessories = true;
    auto at = std::upper_bound(occasions_.begin() + static_cast<std::ptrdiff_t>(occasion) + 1,
                               occasions_.end(), next, earlier);
    occasions_.insert(at, next);
  }

  // Line discounts in fen: a member or promotion rate per order, deeper on sale days, and on the
  // big online festivals 满300减30 (stacking) shared across lines by value.
  void apply_discounts(int day, Channel channel) {
    const bool sale = cal_.is_sale(day);
    double rate = 0.0;
    if (sale) {
      static constexpr std::array<double, 5> kSaleRates = {0.10, 0.15, 0.20, 0.25, 0.30};
      if (rng_.chance(0.85)) rate = kSaleRates[rng_.below(kSaleRates.size())];
    } else {
      static constexpr std::array<double, 4> kRates = {0.05, 0.08, 0.10, 0.12};
      if (rng_.chance(is_marketplace(channel) ? 0.45 : 0.25)) rate = kRates[rng_.below(4)];
    }
    Fen total = 0;
    for (std::size_t i = basket_begin_; i < lines_.size(); ++i) {
      PlacedLine& l = lines_[i];
      l.unit_price = cat_.products()[l.product].price;
      const Fen gross = l.qty * l.unit_price;
      l.discount = static_cast<Fen>(std::llround(static_cast<double>(gross) * rate));
      l.amount = gross - l.discount;
      total += l.amount;
    }
    const Festival f = cal_.festival(day);
    if (channel != Channel::kStore && (f == Festival::k618 || f == Festival::kDouble11)) {
      const Fen off = std::min<Fen>(total / 30000, 5) * 3000;
      Fen left = off;
      for (std::size_t i = basket_begin_; i < lines_.size() && off > 0; ++i) {
        PlacedLine& l = lines_[i];
        Fen share = i + 1 == lines_.size() ? left : off * l.amount / total;
        share = std::min(share, l.amount - 1);  // never below one fen
        l.discount += share;
        l.amount -= share;
        left -= share;
      }
    }
  }

  // --- Who they say they are -----------------------------------------------------------------

  Ref choose_ref(Channel channel, bool first_order) {
    switch (channel) {
      case Channel::kStore:
        if (duplicate_) {
          if (!tied_ && card_record_used_ && phone_record_used_) {
            // The cashier asks for the phone number and binds it to the card.
            tied_ = true;
            out_.counts.merge_links += 1;
            return Ref::kCardAndPhone;
          }
          card_record_used_ = true;
          return tied_ && rng_.chance(0.4) ? Ref::kPhone : Ref::kCard;
        }
        if (!first_order && rng_.chance(kGuestShare)) return Ref::kGuest;
        return person_.has(Ref::kCard) && rng_.chance(0.65) ? Ref::kCard : Ref::kPhone;
      case Channel::kOnline:
        phone_record_used_ = true;
        return Ref::kPhone;
      case Channel::kMiniprogram:
        phone_record_used_ = true;
        return person_.has(Ref::kUnionid) && rng_.chance(0.75) ? Ref::kUnionid : Ref::kPhone;
      case Channel::kTmall:
        phone_record_used_ = true;
        return Ref::kTmall;
      case Channel::kJd:
        phone_record_used_ = true;
        return Ref::kJd;
    }
    return Ref::kPhone;
  }

  // --- Orders --------------------------------------------------------------------------------

  void place_order(std::size_t i) {
    const Occasion occ = occasions_[i];
    const int seq = static_cast<int>(orders_.size());
    if (seq >= static_cast<int>(kMaxOrdersPerPerson)) return;
    const bool sale = cal_.is_sale(occ.day);
    const int month = cal_.month(occ.day);
    basket_begin_ = lines_.size();

    if (occ.forced_product >= 0) add_line(occ.forced_product, occ.forced_qty);
    if (occ.accessories) {
      for (int sub : market_.phone_accessories()) {
        if (rng_.chance(0.6) || lines_.size() == basket_begin_) add_line(choose_product(sub), 1);
      }
    }
    if (diapers_pending_ && market_.diapers() >= 0 && rng_.chance(0.6)) {
      const int diaper = choose_product(market_.diapers());
      add_line(diaper, basket_qty(diaper, sale));
      diapers_pending_ = false;
    }
    const bool routine = occ.forced_product >= 0 || occ.accessories;
    const std::int64_t extra = (lines_.size() == basket_begin_ ? 1 : 0) +
                               rng_.poisson(person_.extra_lines * (routine ? 0.4 : 1.0));
    for (std::int64_t k = 0; k < extra; ++k) {
      const int product = choose_basket_product(month);
      if (product < 0) continue;
      add_line(product, basket_qty(product, sale));
      add_complements(product, i, sale);
    }
    apply_discounts(occ.day, occ.channel);

    PlacedOrder order;
    order.t = occ.day * kDay + occ.second;
    order.channel = occ.channel;
    order.ref = choose_ref(occ.channel, orders_.empty());
    order.seq = seq;
    order.first_line = static_cast<int>(basket_begin_);
    order.line_count = static_cast<int>(lines_.size() - basket_begin_);
    const int store =
        occ.channel == Channel::kStore ? choose_shop(occ.day) : cat_.channel_store(occ.channel);
    note_registration(order, store);
    write_order(order, store);
    orders_.push_back(order);
  }

  // The member records come into being with their first purchase (or at registration).
  void note_registration(const PlacedOrder& order, int store) {
    const bool card_record = duplicate_ && order.channel == Channel::kStore;
    Registration& r = duplicate_ ? (card_record ? card_record_ : phone_record_) : record_;
    if (r.t >= 0) return;
    r.t = std::max<std::int64_t>(order.t / kDay * kDay, order.t - rng_.between(60, 900));
    r.channel = order.channel;
    r.store = store;
  }

  void write_order(const PlacedOrder& order, int store) {
    prefix_.clear();
    prefix_ += source_text(order.channel);
    prefix_ += ',';
    market_.ids().order_id(order.channel, person_.index, order.seq, prefix_);
    prefix_ += ',';
    csv::timestamp(prefix_, cal_, order.t);
    prefix_ += ',';
    if (order.ref != Ref::kGuest) prefix_ += person_.ref(order.ref);
    prefix_ += ',';
    prefix_ += channel_text(order.channel);
    prefix_ += ',';
    prefix_ += cat_.stores()[store].id;
    prefix_ += ',';
    std::string& o = out_.orders;
    for (int k = 0; k < order.line_count; ++k) {
      const PlacedLine& l = lines_[order.first_line + k];
      const Product& p = cat_.products()[l.product];
      o += prefix_;
      o += p.sku;
      o += ',';
      csv::field(o, p.category);
      o += ',';
      csv::integer(o, l.qty);
      o += ',';
      csv::money(o, l.unit_price);
      o += ',';
      csv::money(o, l.discount);
      o += ',';
      csv::money(o, l.amount);
      o += '\n';
    }
    out_.counts.orders += 1;
    out_.counts.order_lines += order.line_count;
    if (order.ref == Ref::kGuest) out_.counts.guest_orders += 1;
  }

  // --- Refunds -------------------------------------------------------------------------------

  void place_refunds() {
    const std::int64_t last_second = static_cast<std::int64_t>(cal_.size()) * kDay - 1;
    int seq = 0;
    for (const PlacedOrder& order : orders_) {
      bool apparel = false;
      Fen total = 0;
      for (int k = 0; k < order.line_count; ++k) {
        const PlacedLine& l = lines_[order.first_line + k];
        const Product& p = cat_.products()[l.product];
        apparel |= cat_.subcategories()[p.subcategory].family == Family::kApparel;
        total += l.amount;
      }
      if (!rng_.chance(apparel ? kRefundApparel : kRefundOther)) continue;
      if (order.t >= last_second) continue;  // no time left to pay it back

      const PlacedLine& line =
          lines_[order.first_line + static_cast<int>(rng_.below(order.line_count))];
      const Product& product = cat_.products()[line.product];
      const Family family = cat_.subcategories()[product.subcategory].family;
      const double u = rng_.uniform();
      const bool whole_order = u >= 0.95 && order.channel != Channel::kStore && total >= 1000;
      const bool partial = !whole_order && u >= 0.7 && line.amount >= 200;
      Fen amount = line.amount;
      if (whole_order) {
        amount = std::max<Fen>(100, total * rng_.between(3, 10) / 100 / 100 * 100);
      } else if (partial) {
        amount = line.amount * rng_.between(10, 50) / 100;
        if (amount >= 1000) amount = amount / 100 * 100;  // round yuan
        amount = std::clamp<Fen>(amount, 1, line.amount - 1);
      }
      // Paid back a few days later, in the hours the channel works.
      const int day =
          std::min(static_cast<int>(order.t / kDay + rng_.between(1, 10)), cal_.size() - 1);
      std::int64_t at = day * kDay + second_of_day(order.channel, day);
      if (at <= order.t) at = rng_.between(order.t + 1, last_second);

      std::string& r = out_.refunds;
      r += source_text(order.channel);
      r += ',';
      market_.ids().refund_id(order.channel, person_.index, seq++, r);
      r += ',';
      market_.ids().order_id(order.channel, person_.index, order.seq, r);
      r += ',';
      csv::timestamp(r, cal_, at);
      r += ',';
      if (!whole_order) {
        r += product.sku;
        r += ',';
        csv::integer(r, partial ? 0 : line.qty);
      } else {
        r += ',';
      }
      r += ',';
      csv::money(r, amount);
      r += ',';
      r += refund_reason(family, whole_order, partial, order.channel);
      r += '\n';
      out_.counts.refunds += 1;
    }
  }

  const char* refund_reason(Family family, bool whole_order, bool partial, Channel channel) {
    if (whole_order) return rng_.chance(0.7) ? "价格保护" : "优惠未生效";
    if (partial) {
      static constexpr std::array<const char*, 4> kPartial = {"商品破损", "少发漏发", "质量问题",
                                                              "包装破损"};
      return kPartial[rng_.below(kPartial.size())];
    }
    const double u = rng_.uniform();
    switch (family) {
      case Family::kApparel:
        return u < 0.5    ? "尺码不合适"
               : u < 0.75 ? "不想要了"
               : u < 0.9  ? "质量问题"
                          : "七天无理由退货";
      case Family::kBeauty:
        return u < 0.3 ? "皮肤过敏" : u < 0.7 ? "不想要了" : "质量问题";
      case Family::kDigital:
        return u < 0.45 ? "质量问题" : u < 0.8 ? "七天无理由退货" : "不想要了";
      case Family::kFood:
        return u < 0.4 ? "商品破损" : u < 0.6 ? "临近保质期" : "不想要了";
      case Family::kBaby:
        break;
    }
    if (channel != Channel::kStore && u < 0.2) return "发错货";
    return u < 0.6 ? "不想要了" : "质量问题";
  }

  // --- Member records ------------------------------------------------------------------------

  struct Registration {
    std::int64_t t = -1;  // local seconds; -1 = not yet
    Channel channel = Channel::kStore;
    int store = -1;
  };

  void write_members() {
    if (!duplicate_) {
      write_member_row(identities_of(record_.channel, false), record_);
      return;
    }
    // Two records of one person, in the order they were created.
    const std::string card = person_.ref(Ref::kCard);
    const std::string rest = identities_of(phone_record_.channel, true);
    if (card_record_.t <= phone_record_.t) {
      write_member_row(card, card_record_);
      write_member_row(rest, phone_record_);
    } else {
      write_member_row(rest, phone_record_);
      write_member_row(card, card_record_);
    }
    if (!tied_) {
      // No later shop visit tied them: the shop system's export binds the phone to the card.
      write_member_row(person_.ref(Ref::kCardAndPhone), card_record_, /*is_record=*/false);
      out_.counts.merge_links += 1;
    }
  }

  void register_without_purchase() {
    const int day = person_.registration_day;
    record_.channel = choose_channel(day);
    record_.store =
        record_.channel == Channel::kStore ? choose_shop(day) : cat_.channel_store(record_.channel);
    record_.t = day * kDay + second_of_day(record_.channel, day);
  }

  // The identities a record carries, the one of its registration channel first.
  std::string identities_of(Channel channel, bool without_card) const {
    Ref first = Ref::kPhone;
    if (channel == Channel::kStore && !without_card) first = Ref::kCard;
    if (channel == Channel::kMiniprogram && person_.has(Ref::kUnionid)) first = Ref::kUnionid;
    if (channel == Channel::kTmall) first = Ref::kTmall;
    if (channel == Channel::kJd) first = Ref::kJd;
    std::string text = person_.ref(first);
    for (Ref r : {Ref::kCard, Ref::kPhone, Ref::kUnionid, Ref::kTmall, Ref::kJd}) {
      if (r == first || !person_.has(r) || (without_card && r == Ref::kCard)) continue;
      text += '|';
      text += person_.ref(r);
    }
    return text;
  }

  void write_member_row(const std::string& identities, const Registration& reg,
                        bool is_record = true) {
    std::string& m = out_.members;
    const Person& p = person_;
    m += identities;
    m += ',';
    csv::field(m, p.name);
    m += ',';
    if (p.gender != 0) m += p.gender;
    m += ',';
    if (p.birthday) m += p.birthday->to_string();
    m += ',';
    csv::field(m, p.city);
    m += ',';
    csv::timestamp(m, cal_, reg.t);
    m += ',';
    m += channel_text(reg.channel);
    m += ',';
    m += cat_.stores()[reg.store].id;
    for (bool consent : {p.consent_sms, p.consent_wechat, p.consent_app, p.consent_email}) {
      m += consent ? ",1" : ",0";
    }
    m += '\n';
    if (is_record) out_.counts.member_records += 1;
  }

  const Market& market_;
  const Catalogue& cat_;
  const Calendar& cal_;
  Rng rng_;
  Person person_;
  Batch& out_;

  std::vector<Occasion> occasions_;
  std::vector<PlacedOrder> orders_;
  std::vector<PlacedLine> lines_;
  std::size_t basket_begin_ = 0;  // first line of the order being built
  std::vector<int> favorite_;     // by subcategory: the usual product of a consumable, or -1
  bool diapers_pending_ = false;  // bought milk powder; diapers likely in the next basket
  std::string prefix_;            // scratch: the columns every line of an order shares

  Registration record_;  // the one record of most people
  // A duplicate person: a shop record (card only) and an online record (phone, wechat, …).
  bool duplicate_ = false;
  bool card_record_used_ = false;
  bool phone_record_used_ = false;
  bool tied_ = false;
  Registration card_record_;
  Registration phone_record_;
};

}  // namespace

void simulate_person(const Market& market, std::int64_t index, Batch& out) {
  PersonHistory(market, index, out).run();
}

}  // namespace recur::demo
