#include "demo/identifiers.h"

#include <gtest/gtest.h>

#include <string>
#include <unordered_set>

namespace recur::demo {
namespace {

TEST(Identifiers, PersonIdentitiesAreUniqueAndWellFormed) {
  const Identifiers ids(42);
  std::unordered_set<std::string> phones, cards, unionids, tmall, jd;
  for (std::int64_t p = 0; p < 100000; ++p) {
    std::string phone, card, unionid, t, j;
    ids.phone(p, static_cast<std::uint64_t>(p) * 7919, phone);
    ids.card_no(p, card);
    ids.wechat_unionid(p, 12345, unionid);  // same noise for all: the head keeps them apart
    ids.tmall_nick(p, t);
    ids.jd_nick(p, j);
    ASSERT_EQ(phone.size(), 11u);
    ASSERT_EQ(phone[0], '1');
    ASSERT_TRUE(phone[1] >= '3' && phone[1] <= '9') << phone;
    ASSERT_EQ(card.size(), 10u);
    ASSERT_EQ(unionid.size(), 28u);
    ASSERT_EQ(unionid[0], 'o');
    // Unique by the last eight digits alone, whatever prefix is drawn.
    ASSERT_TRUE(phones.insert(phone.substr(3)).second) << phone;
    ASSERT_TRUE(cards.insert(card).second) << card;
    ASSERT_TRUE(unionids.insert(unionid).second) << unionid;
    ASSERT_TRUE(tmall.insert(t).second) << t;
    ASSERT_TRUE(jd.insert(j).second) << j;
  }
}

TEST(Identifiers, OrderRefundAndEventIdsAreUniquePerSource) {
  const Identifiers ids(7);
  for (Channel c :
       {Channel::kStore, Channel::kOnline, Channel::kMiniprogram, Channel::kTmall, Channel::kJd}) {
    std::unordered_set<std::string> orders, refunds;
    for (std::int64_t p : {0LL, 1LL, 2LL, 99'999'999LL}) {
      for (std::int64_t s = 0; s < kMaxOrdersPerPerson; s += 3) {
        std::string o, r;
        ids.order_id(c, p, s, o);
        ids.refund_id(c, p, s, r);
        ASSERT_TRUE(orders.insert(o).second) << o;
        ASSERT_TRUE(refunds.insert(r).second) << r;
      }
    }
  }
  std::unordered_set<std::string> events;
  for (std::int64_t p : {0LL, 5LL, 99'999'999LL}) {
    for (std::int64_t s = 0; s < kMaxEventsPerPerson; s += 5) {
      std::string e;
      ids.event_id(p, s, e);
      ASSERT_TRUE(events.insert(e).second) << e;
    }
  }
}

TEST(Identifiers, DependOnTheSeed) {
  std::string a, b;
  Identifiers(1).phone(5, 0, a);
  Identifiers(2).phone(5, 0, b);
  EXPECT_NE(a, b);
}

}  // namespace
}  // namespace recur::demo
