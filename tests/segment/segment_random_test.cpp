// Cross-checks the column-at-a-time evaluator against a plain per-row evaluator written here,
// over random tables and random expressions. Each random expression is built as a tree that knows
// how to evaluate itself on one row (three-valued, with std::optional<bool>) and how to print
// itself; the text goes through the real lexer, parser, compiler and plan.

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <charconv>
#include <functional>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "segment/segment.h"

namespace recur::segment {
namespace {

using Truth = std::optional<bool>;  // nullopt = unknown

const std::vector<std::string> kColors = {"red", "green", "blue", "黑色", "white"};
const std::vector<std::string> kCities = {"上海", "杭州", "广州", "苏州", "北京"};
const std::vector<std::string> kTags = {"vip", "母婴", "coupon", "新客", "sms_ok", "夜猫子"};

// The rows as plain values, the reference evaluator's view.
struct RawTable {
  std::size_t rows = 0;
  std::vector<std::optional<std::int64_t>> spend;  // fen
  std::vector<std::optional<std::int64_t>> visits;
  std::vector<std::optional<double>> ratio;
  std::vector<std::optional<bool>> flag_a;
  std::vector<std::optional<bool>> flag_b;
  std::vector<std::optional<std::int32_t>> seen;  // days since epoch
  std::vector<std::optional<std::string>> color;
  std::vector<std::optional<std::string>> city;
  std::vector<std::optional<std::vector<std::string>>> tags;
};

class Random {
 public:
  explicit Random(std::uint64_t seed) : rng_(seed) {}
  int uniform(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
  bool chance(double p) { return std::bernoulli_distribution(p)(rng_); }
  template <typename T>
  const T& pick(const std::vector<T>& v) {
    return v[static_cast<std::size_t>(uniform(0, static_cast<int>(v.size()) - 1))];
  }

 private:
  std::mt19937_64 rng_;
};

const Date kToday = Date::from_ymd(2024, 6, 18);

RawTable random_table(Random& r, std::size_t rows) {
  RawTable t;
  t.rows = rows;
  auto maybe = [&](auto value) -> std::optional<decltype(value)> {
    if (r.chance(0.1)) return std::nullopt;
    return value;
  };
  for (std::size_t i = 0; i < rows; ++i) {
    t.spend.push_back(maybe(static_cast<std::int64_t>(r.uniform(-20, 400)) * 25));
    t.visits.push_back(maybe(static_cast<std::int64_t>(r.uniform(0, 20))));
    t.ratio.push_back(maybe(r.uniform(0, 20) / 20.0));
    t.flag_a.push_back(maybe(r.chance(0.5)));
    t.flag_b.push_back(std::optional<bool>(r.chance(0.3)));
    t.seen.push_back(maybe(kToday.days - r.uniform(-10, 400)));
    t.color.push_back(maybe(r.pick(kColors)));
    t.city.push_back(maybe(r.pick(kCities)));
    std::vector<std::string> tags;
    const int n = r.uniform(0, 4);
    for (int k = 0; k < n; ++k) tags.push_back(r.pick(kTags));
    t.tags.push_back(maybe(tags));
  }
  return t;
}

template <typename T>
std::vector<std::uint8_t> null_flags(const std::vector<std::optional<T>>& v) {
  std::vector<std::uint8_t> out;
  for (const auto& x : v) out.push_back(x.has_value() ? 0 : 1);
  return out;
}

template <typename T>
std::vector<T> values_or(const std::vector<std::optional<T>>& v, T fallback) {
  std::vector<T> out;
  for (const auto& x : v) out.push_back(x.value_or(fallback));
  return out;
}

ProfileTable build(const RawTable& raw) {
  std::vector<MemberId> ids;
  for (std::size_t i = 0; i < raw.rows; ++i) ids.push_back(static_cast<MemberId>(1000 + i));
  ProfileTableBuilder b(ids);
  b.add_int64({"spend", "fen", ""}, values_or(raw.spend, std::int64_t{0}), null_flags(raw.spend));
  b.add_int64({"visits", "", ""}, values_or(raw.visits, std::int64_t{0}), null_flags(raw.visits));
  b.add_double({"ratio", "", ""}, values_or(raw.ratio, 0.0), null_flags(raw.ratio));
  std::vector<std::uint8_t> a, bb;
  for (std::size_t i = 0; i < raw.rows; ++i) {
    a.push_back(raw.flag_a[i].value_or(false));
    bb.push_back(raw.flag_b[i].value_or(false));
  }
  b.add_bool({"flag.a", "", ""}, a, null_flags(raw.flag_a));
  b.add_bool({"flag.b", "", ""}, bb);
  std::vector<Date> seen;
  for (const auto& d : raw.seen) seen.push_back(Date{d.value_or(0)});
  b.add_date({"seen", "", ""}, seen, null_flags(raw.seen));
  b.add_string({"color", "", ""}, raw.color);
  b.add_string({"city", "", ""}, raw.city);
  b.add_string_set({"tags", "", ""}, raw.tags);
  return std::move(b).finish().value();
}

// A random expression: its text, and its value on one row of the raw table.
struct Gen {
  enum class Kind { kAnd, kOr, kNot, kLeaf };
  Kind kind = Kind::kLeaf;
  std::vector<Gen> children;
  std::string text;                            // kLeaf
  std::function<Truth(std::size_t row)> eval;  // kLeaf

  Truth value(std::size_t row) const {
    switch (kind) {
      case Kind::kLeaf:
        return eval(row);
      case Kind::kNot: {
        const Truth v = children[0].value(row);
        return v ? Truth(!*v) : std::nullopt;
      }
      case Kind::kAnd: {
        bool unknown = false;
        for (const Gen& c : children) {
          const Truth v = c.value(row);
          if (v == false) return false;
          if (!v) unknown = true;
        }
        return unknown ? std::nullopt : Truth(true);
      }
      case Kind::kOr: {
        bool unknown = false;
        for (const Gen& c : children) {
          const Truth v = c.value(row);
          if (v == true) return true;
          if (!v) unknown = true;
        }
        return unknown ? std::nullopt : Truth(false);
      }
    }
    return std::nullopt;
  }
};

template <typename T>
bool apply(const std::string& op, const T& a, const T& b) {
  if (op == "=" || op == "==") return a == b;
  if (op == "!=" || op == "<>") return a != b;
  if (op == "<") return a < b;
  if (op == "<=") return a <= b;
  if (op == ">") return a > b;
  return a >= b;
}

template <typename T, typename U>
Truth compare(const std::optional<T>& v, const std::string& op, const U& c) {
  if (!v) return std::nullopt;
  return apply<U>(op, static_cast<U>(*v), c);
}

class ExpressionMaker {
 public:
  ExpressionMaker(Random& r, const RawTable& t) : r_(r), t_(t) {}

  Gen make(int depth) {
    if (depth == 0 || r_.chance(0.35)) return leaf();
    Gen g;
    const int k = r_.uniform(0, 4);
    if (k == 0) {
      g.kind = Gen::Kind::kNot;
      g.children.push_back(make(depth - 1));
      return g;
    }
    g.kind = k <= 2 ? Gen::Kind::kAnd : Gen::Kind::kOr;
    const int n = r_.uniform(2, 3);
    for (int i = 0; i < n; ++i) g.children.push_back(make(depth - 1));
    return g;
  }

  // Prints with the fewest parentheses precedence allows, plus some spare ones, keywords in
  // random case.
  std::string render(const Gen& g, int need) {
    std::string s;
    int prec = 4;
    switch (g.kind) {
      case Gen::Kind::kLeaf:
        s = g.text;
        break;
      case Gen::Kind::kNot:
        prec = 3;
        s = kw("not") + " " + render(g.children[0], 3);
        break;
      case Gen::Kind::kAnd:
      case Gen::Kind::kOr: {
        const bool is_and = g.kind == Gen::Kind::kAnd;
        prec = is_and ? 2 : 1;
        for (std::size_t i = 0; i < g.children.size(); ++i) {
          if (i > 0) s += " " + kw(is_and ? "and" : "or") + (r_.chance(0.2) ? "  " : " ");
          s += render(g.children[i], prec);
        }
        break;
      }
    }
    if (prec < need || r_.chance(0.1)) return "(" + s + ")";
    return s;
  }

 private:
  std::string kw(std::string word) {
    const int style = r_.uniform(0, 3);
    if (style == 1) {
      for (char& c : word) c = static_cast<char>(c - 32);
    } else if (style == 2) {
      word[0] = static_cast<char>(word[0] - 32);
    }
    return word;
  }

  std::string op() {
    static const std::vector<std::string> ops = {"=", "!=", "<", "<=", ">", ">=", "==", "<>"};
    return r_.pick(ops);
  }

  static std::string yuan(std::int64_t fen) {
    const std::string sign = fen < 0 ? "-" : "";
    const std::int64_t a = fen < 0 ? -fen : fen;
    if (a % 100 == 0) return fmt::format("{}{}", sign, a / 100);
    if (a % 10 == 0) return fmt::format("{}{}.{}", sign, a / 100, (a % 100) / 10);
    return fmt::format("{}{}.{:02}", sign, a / 100, a % 100);
  }

  static Gen make_leaf(std::string text, std::function<Truth(std::size_t)> eval) {
    Gen g;
    g.text = std::move(text);
    g.eval = std::move(eval);
    return g;
  }

  Gen leaf() {
    const RawTable& t = t_;
    switch (r_.uniform(0, 11)) {
      case 0: {  // money in yuan
        const std::int64_t fen = static_cast<std::int64_t>(r_.uniform(-20, 400)) * 25;
        const std::string o = op();
        return make_leaf(fmt::format("spend {} {}", o, yuan(fen)),
                         [&t, o, fen](std::size_t i) { return compare(t.spend[i], o, fen); });
      }
      case 1: {
        const std::int64_t c = r_.uniform(-1, 21);
        const std::string o = op();
        return make_leaf(fmt::format("visits {} {}", o, c),
                         [&t, o, c](std::size_t i) { return compare(t.visits[i], o, c); });
      }
      case 2: {
        const std::string text = fmt::format("{}", r_.uniform(0, 20) / 20.0);
        double c = 0;
        std::from_chars(text.data(), text.data() + text.size(), c);
        const std::string o = op();
        return make_leaf(fmt::format("ratio {} {}", o, text),
                         [&t, o, c](std::size_t i) { return compare(t.ratio[i], o, c); });
      }
      case 3: {  // yes/no fields, bare or compared
        const bool use_a = r_.chance(0.5);
        const std::string name = use_a ? "flag.a" : "flag.b";
        auto field = [&t, use_a](std::size_t i) { return use_a ? t.flag_a[i] : t.flag_b[i]; };
        const int form = r_.uniform(0, 2);
        if (form == 0) return make_leaf(name, field);
        const bool b = r_.chance(0.5);
        const std::string o = r_.chance(0.5) ? "=" : "!=";
        return make_leaf(fmt::format("{} {} {}", name, o, b ? "true" : "false"),
                         [field, o, b](std::size_t i) { return compare(field(i), o, b); });
      }
      case 4: {  // dates: absolute or relative to today
        const std::string o = op();
        const int form = r_.uniform(0, 2);
        const int offset = r_.uniform(-12, 400);
        if (form == 0) {
          const std::string text =
              offset == 0 ? "today"
                          : fmt::format("today {} {}", offset < 0 ? "+" : "-", std::abs(offset));
          const std::int32_t rel = -offset;
          return make_leaf(fmt::format("seen {} {}", o, text), [&t, o, rel](std::size_t i) {
            return compare(t.seen[i], o, kToday.days + rel);
          });
        }
        const Date d = kToday.plus_days(-offset);
        const std::string text = form == 1 ? fmt::format("'{}'", d.to_string())
                                           : fmt::format("date('{}')", d.to_string());
        return make_leaf(fmt::format("seen {} {}", o, text),
                         [&t, o, d](std::size_t i) { return compare(t.seen[i], o, d.days); });
      }
      case 5: {  // string = / !=, sometimes a value that is not in the dictionary
        const std::string v = r_.chance(0.15) ? "purple" : r_.pick(kColors);
        const bool eq = r_.chance(0.5);
        return make_leaf(fmt::format("color {} '{}'", eq ? "=" : "!=", v),
                         [&t, v, eq](std::size_t i) -> Truth {
                           if (!t.color[i]) return std::nullopt;
                           return (*t.color[i] == v) == eq;
                         });
      }
      case 6: {  // in / not in lists
        std::vector<std::string> list;
        const int n = r_.uniform(1, 3);
        for (int k = 0; k < n; ++k) list.push_back(r_.chance(0.1) ? "purple" : r_.pick(kColors));
        const bool negated = r_.chance(0.4);
        std::string text = fmt::format("color {}{} (", negated ? kw("not") + " " : "", kw("in"));
        for (std::size_t k = 0; k < list.size(); ++k) {
          text += fmt::format("{}'{}'", k > 0 ? ", " : "", list[k]);
        }
        text += ")";
        return make_leaf(text, [&t, list, negated](std::size_t i) -> Truth {
          if (!t.color[i]) return std::nullopt;
          const bool in = std::find(list.begin(), list.end(), *t.color[i]) != list.end();
          return in != negated;
        });
      }
      case 7: {  // substring of a string
        static const std::vector<std::string> parts = {"州", "海", "京", "上", "x", "杭州"};
        const std::string part = r_.pick(parts);
        const bool negated = r_.chance(0.3);
        return make_leaf(
            fmt::format("city {}{} '{}'", negated ? kw("not") + " " : "", kw("contains"), part),
            [&t, part, negated](std::size_t i) -> Truth {
              if (!t.city[i]) return std::nullopt;
              return (t.city[i]->find(part) != std::string::npos) != negated;
            });
      }
      case 8:
      case 9: {  // set membership, both spellings
        const std::string tag = r_.chance(0.1) ? "nobody" : r_.pick(kTags);
        const bool negated = r_.chance(0.4);
        const std::string text =
            r_.chance(0.5)
                ? fmt::format("'{}' {}{} tags", tag, negated ? kw("not") + " " : "", kw("in"))
                : fmt::format("tags {}{} '{}'", negated ? kw("not") + " " : "", kw("contains"),
                              tag);
        return make_leaf(text, [&t, tag, negated](std::size_t i) -> Truth {
          if (!t.tags[i]) return std::nullopt;
          const auto& s = *t.tags[i];
          return (std::find(s.begin(), s.end(), tag) != s.end()) != negated;
        });
      }
      default: {  // is [not] null on any field
        static const std::vector<std::string> fields = {
            "spend", "visits", "ratio", "flag.a", "flag.b", "seen", "color", "city", "tags"};
        const std::string f = r_.pick(fields);
        const bool negated = r_.chance(0.5);
        return make_leaf(
            fmt::format("{} {} {}{}", f, kw("is"), negated ? kw("not") + " " : "", kw("null")),
            [&t, f, negated](std::size_t i) -> Truth {
              bool null = false;
              if (f == "spend") null = !t.spend[i];
              if (f == "visits") null = !t.visits[i];
              if (f == "ratio") null = !t.ratio[i];
              if (f == "flag.a") null = !t.flag_a[i];
              if (f == "flag.b") null = !t.flag_b[i];
              if (f == "seen") null = !t.seen[i];
              if (f == "color") null = !t.color[i];
              if (f == "city") null = !t.city[i];
              if (f == "tags") null = !t.tags[i];
              return null != negated;
            });
      }
    }
  }

  Random& r_;
  const RawTable& t_;
};

void cross_check(std::uint64_t seed, std::size_t rows, int expressions) {
  Random r(seed);
  const RawTable raw = random_table(r, rows);
  const ProfileTable table = build(raw);
  ExpressionMaker maker(r, raw);
  for (int e = 0; e < expressions; ++e) {
    const Gen g = maker.make(4);
    const std::string text = maker.render(g, 0);
    auto seg = Segment::compile(text, table);
    ASSERT_TRUE(seg.ok()) << text << "\n" << seg.status().message();
    const RowBitmap fast = seg->evaluate(kToday);
    std::size_t expected_count = 0;
    for (std::size_t i = 0; i < rows; ++i) {
      const bool expected = g.value(i) == true;
      expected_count += expected;
      ASSERT_EQ(fast.test(i), expected)
          << "row " << i << " of " << rows << ", seed " << seed << "\n"
          << text << "\n"
          << seg->plan().explain();
    }
    ASSERT_EQ(seg->count(kToday), expected_count) << text;
    ASSERT_EQ(fast.count(), expected_count) << text;
  }
}

TEST(SegmentRandom, MatchesAPerRowReferenceOn5000Rows) {
  cross_check(20240618, 5003, 400);
}

// Sizes around word (64) and chunk (2048) boundaries, where tails are handled.
TEST(SegmentRandom, MatchesAtWordAndChunkBoundaries) {
  std::uint64_t seed = 1;
  for (std::size_t rows : {0, 1, 63, 64, 65, 127, 2047, 2048, 2049, 4096, 4097}) {
    cross_check(seed++, rows, 60);
  }
}

// A table whose rows are almost all decided by the first child of an `and`, so that whole
// chunks are skipped; the answer must not change.
TEST(SegmentRandom, SkippingDecidedChunksKeepsTheAnswer) {
  const std::size_t rows = 10000;
  std::vector<MemberId> ids(rows);
  std::vector<std::uint8_t> flag(rows, 0);
  std::vector<std::int64_t> n(rows);
  std::vector<std::uint8_t> n_null(rows, 0);
  for (std::size_t i = 0; i < rows; ++i) {
    ids[i] = static_cast<MemberId>(i + 1);
    flag[i] = (i >= 4100 && i < 4200) || i == 9999;
    n[i] = static_cast<std::int64_t>(i % 7);
    n_null[i] = i % 11 == 0;
  }
  ProfileTableBuilder b(ids);
  b.add_bool({"flag", "", ""}, flag).add_int64({"n", "", ""}, n, n_null);
  const ProfileTable table = std::move(b).finish().value();
  auto expect = [&](std::string_view text, auto pred) {
    auto seg = Segment::compile(text, table);
    ASSERT_TRUE(seg.ok()) << seg.status().message();
    const RowBitmap bits = seg->evaluate(kToday);
    for (std::size_t i = 0; i < rows; ++i) ASSERT_EQ(bits.test(i), pred(i)) << text << " " << i;
  };
  expect("flag and n >= 3", [&](std::size_t i) { return flag[i] && !n_null[i] && n[i] >= 3; });
  expect("not flag or n = 1", [&](std::size_t i) { return !flag[i] || (!n_null[i] && n[i] == 1); });
  expect("not (flag and n >= 3)",
         [&](std::size_t i) { return !flag[i] || (!n_null[i] && n[i] < 3); });
  expect("not (not flag or n = 1)",
         [&](std::size_t i) { return flag[i] && !n_null[i] && n[i] != 1; });
}

}  // namespace
}  // namespace recur::segment
