#include "identity/identity.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>

namespace recur::identity {
namespace {

constexpr std::array<std::string_view, 6> kFixedKinds = {
    "phone", "wechat_unionid", "wechat_openid", "card_no", "email", "external"};

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool platform_name_ok(std::string_view name) {
  if (name.empty() || name.size() > 32) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

Result<std::string> normalize_value(std::string_view kind, std::string_view raw) {
  std::string_view v = trim(raw);
  if (v.empty()) return invalid_argument(fmt::format("empty {} identity", kind));
  if (kind == "phone") return normalize_phone(v);
  if (v.size() > 128)
    return invalid_argument(fmt::format("{} identity longer than 128 bytes", kind));
  for (char c : v) {
    if (c == '|' || c == '\n' || c == '\r' || c == '\t')
      return invalid_argument(
          fmt::format("{} identity '{}' contains a control character", kind, v));
  }
  if (kind == "email") {
    std::string e(v);
    std::transform(e.begin(), e.end(), e.begin(),
                   [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; });
    auto at = e.find('@');
    if (at == std::string::npos || at == 0 || at + 1 >= e.size() ||
        e.find('@', at + 1) != std::string::npos)
      return invalid_argument(fmt::format("'{}' is not an email address", v));
    return e;
  }
  if (kind == "card_no") {
    std::string c;
    for (char ch : v)
      if (ch != ' ' && ch != '-') c.push_back(ch);
    return c;
  }
  if (v.find(' ') != std::string_view::npos)
    return invalid_argument(fmt::format("{} identity '{}' contains a space", kind, v));
  return std::string(v);
}

}  // namespace

bool is_valid_kind(std::string_view kind) {
  if (std::find(kFixedKinds.begin(), kFixedKinds.end(), kind) != kFixedKinds.end()) return true;
  return kind.starts_with("platform:") && platform_name_ok(kind.substr(9));
}

Result<std::string> normalize_phone(std::string_view raw) {
  std::string digits;
  digits.reserve(16);
  bool plus = false;
  for (char c : raw) {
    if (c >= '0' && c <= '9') {
      digits.push_back(c);
    } else if (c == '+' && digits.empty() && !plus) {
      plus = true;
    } else if (c == ' ' || c == '-' || c == '.' || c == '(' || c == ')') {
      continue;
    } else {
      return invalid_argument(fmt::format("'{}' is not a phone number", raw));
    }
  }
  if (digits.size() == 15 && digits.starts_with("0086"))
    digits.erase(0, 4);
  else if (digits.size() == 13 && digits.starts_with("86"))
    digits.erase(0, 2);
  else if (plus)
    return invalid_argument(fmt::format("'{}' is not a mainland China mobile number", raw));
  if (digits.size() != 11 || digits[0] != '1' || digits[1] < '3')
    return invalid_argument(
        fmt::format("'{}' is not a mainland China mobile number (11 digits, 1[3-9]…)", raw));
  return digits;
}

Result<Identity> parse_identity(std::string_view text, std::string_view default_kind) {
  std::string_view t = trim(text);
  if (t.empty()) return invalid_argument("empty identity");
  std::string kind;
  std::string_view value;
  auto colon = t.find(':');
  if (colon != std::string_view::npos) {
    std::string_view prefix = t.substr(0, colon);
    if (prefix == "platform") {
      auto second = t.find(':', colon + 1);
      if (second == std::string_view::npos)
        return invalid_argument(
            fmt::format("'{}': platform identities are platform:<name>:<value>", t));
      kind = std::string(t.substr(0, second));
      value = t.substr(second + 1);
    } else if (is_valid_kind(prefix)) {
      kind = std::string(prefix);
      value = t.substr(colon + 1);
    }
  }
  if (kind.empty()) {
    if (default_kind.empty())
      return invalid_argument(
          fmt::format("'{}' has no identity kind; write kind:value (e.g. phone:13800138000) or "
                      "pass --member-kind",
                      t));
    kind = std::string(default_kind);
    value = t;
  }
  if (!is_valid_kind(kind))
    return invalid_argument(fmt::format("unknown identity kind '{}'", kind));
  ASSIGN_OR_RETURN(std::string v, normalize_value(kind, value));
  return Identity{std::move(kind), std::move(v)};
}

Result<std::vector<Identity>> parse_identities(std::string_view text,
                                               std::string_view default_kind) {
  std::vector<Identity> out;
  std::string_view rest = trim(text);
  if (rest.empty()) return out;
  while (true) {
    auto bar = rest.find('|');
    std::string_view part = rest.substr(0, bar);
    ASSIGN_OR_RETURN(Identity id, parse_identity(part, default_kind));
    if (std::find(out.begin(), out.end(), id) == out.end()) out.push_back(std::move(id));
    if (bar == std::string_view::npos) break;
    rest = rest.substr(bar + 1);
  }
  return out;
}

}  // namespace recur::identity
