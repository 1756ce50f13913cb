#include "identity/identity.h"

#include <gtest/gtest.h>

namespace recur::identity {
namespace {

TEST(Phone, NormalisesPrefixesAndSeparators) {
  for (const char* raw : {"13800138000", "+86 138 0013 8000", "+86-138-0013-8000",
                          "0086 13800138000", "8613800138000", "(138)0013-8000", "138.0013.8000"}) {
    auto p = normalize_phone(raw);
    ASSERT_TRUE(p.ok()) << raw << ": " << p.status().message();
    EXPECT_EQ(*p, "13800138000") << raw;
  }
}

TEST(Phone, RejectsWhatIsNotAMainlandMobile) {
  for (const char* raw : {"", "123", "12800138000", "1380013800", "138001380001", "+1 415 555 0100",
                          "1380013800a", "23800138000"}) {
    EXPECT_FALSE(normalize_phone(raw).ok()) << raw;
  }
}

TEST(Identity, ParsesKinds) {
  auto id = parse_identity("phone:+86 138-0013-8000");
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(id->to_string(), "phone:13800138000");
  EXPECT_EQ(parse_identity("platform:tmall:tb_88").value().kind, "platform:tmall");
  EXPECT_EQ(parse_identity("platform:tmall:tb_88").value().value, "tb_88");
  EXPECT_EQ(parse_identity("email:Li.Lei@Example.COM").value().value, "li.lei@example.com");
  EXPECT_EQ(parse_identity("card_no:8800 1234").value().value, "88001234");
  EXPECT_EQ(parse_identity("wechat_unionid:oAbC").value().value, "oAbC");  // case kept
}

TEST(Identity, BareValuesNeedADefaultKind) {
  EXPECT_FALSE(parse_identity("13800138000").ok());
  EXPECT_EQ(parse_identity("13800138000", "phone").value().to_string(), "phone:13800138000");
  // A value that happens to contain ':' still takes the default kind.
  EXPECT_EQ(parse_identity("x:1", "external").value().to_string(), "external:x:1");
}

TEST(Identity, RejectsUnknownKindsAndBadValues) {
  EXPECT_FALSE(parse_identity("qq:12345").ok());
  EXPECT_FALSE(parse_identity("platform:Tmall!:x").ok());
  EXPECT_FALSE(parse_identity("platform:tmall").ok());
  EXPECT_FALSE(parse_identity("email:nobody").ok());
  EXPECT_FALSE(parse_identity("wechat_openid:has space").ok());
  EXPECT_FALSE(parse_identity("phone:").ok());
}

TEST(Identity, ParsesListsKeepingTheFirstAsPrimary) {
  auto ids = parse_identities("card_no:1|phone:13800138000|card_no:1");
  ASSERT_TRUE(ids.ok());
  ASSERT_EQ(ids->size(), 2u);
  EXPECT_EQ((*ids)[0].to_string(), "card_no:1");
  EXPECT_TRUE(parse_identities("  ").value().empty());
  EXPECT_FALSE(parse_identities("phone:13800138000|bogus").ok());
}

}  // namespace
}  // namespace recur::identity
