#pragma once
// An identity is (kind, value) -> at most one member. Kinds: phone, wechat_unionid,
// wechat_openid, card_no, email, platform:<name>, external. Values are normalised on parse so
// "+86 138-0013-8000" and "13800138000" are the same phone.

#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace recur::identity {

struct Identity {
  std::string kind;                                             // "phone", "platform:tmall", …
  std::string value;                                            // normalised
  std::string to_string() const { return kind + ":" + value; }  // "phone:13800138000"
  bool operator==(const Identity&) const = default;
};

// True for the fixed kinds and for "platform:<name>" with name in [a-z0-9_-]+.
bool is_valid_kind(std::string_view kind);

// Normalises a mainland China mobile number: drops spaces, dashes, dots, parentheses and a
// +86 / 0086 / 86 prefix; the result must be 11 digits starting 1[3-9].
Result<std::string> normalize_phone(std::string_view raw);

// Parses "kind:value" ("platform:tmall:tb_88" has kind "platform:tmall"). A text without a known
// kind prefix takes `default_kind` when one is given (e.g. --member-kind phone).
Result<Identity> parse_identity(std::string_view text, std::string_view default_kind = {});

// Parses "kind:value|kind:value…"; an empty or blank text is a guest (empty vector). Duplicates
// are removed, order is kept: the first identity is the record's primary one.
Result<std::vector<Identity>> parse_identities(std::string_view text,
                                               std::string_view default_kind = {});

}  // namespace recur::identity
