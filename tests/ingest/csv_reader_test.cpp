#include "ingest/csv_reader.h"

#include <gtest/gtest.h>

#include "ingest/date_format.h"
#include "ingest/encoding.h"

namespace recur::ingest {
namespace {

std::vector<std::vector<std::string>> read_all(std::string_view text, char delim = ',') {
  StringArena arena;
  CsvReader r(text, delim, arena);
  std::vector<std::vector<std::string>> out;
  while (r.next()) {
    std::vector<std::string> row;
    for (auto f : r.fields()) row.emplace_back(f);
    if (!r.malformed().empty()) row.push_back("!" + r.malformed());
    out.push_back(row);
  }
  return out;
}

TEST(CsvReader, ReadsQuotedFieldsEscapesAndNewlines) {
  auto rows = read_all("a,b,c\n1,\"x, y\",\"say \"\"hi\"\"\"\n2,\"two\nlines\",\r\n\n3,,\n");
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[1], (std::vector<std::string>{"1", "x, y", "say \"hi\""}));
  EXPECT_EQ(rows[2], (std::vector<std::string>{"2", "two\nlines", ""}));
  EXPECT_EQ(rows[3], (std::vector<std::string>{"3", "", ""}));
}

TEST(CsvReader, CountsLinesAcrossQuotedNewlinesAndBlankLines) {
  StringArena arena;
  CsvReader r("h\n\"a\nb\"\n\nc\n", ',', arena);
  ASSERT_TRUE(r.next());
  EXPECT_EQ(r.line(), 1u);
  ASSERT_TRUE(r.next());
  EXPECT_EQ(r.line(), 2u);
  ASSERT_TRUE(r.next());
  EXPECT_EQ(r.line(), 5u);
  EXPECT_EQ(r.raw(), "c");
  EXPECT_FALSE(r.next());
}

TEST(CsvReader, HandlesCrlfAndOtherDelimiters) {
  auto rows = read_all("a;b\r\n1;2\r\n", ';');
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[1], (std::vector<std::string>{"1", "2"}));
  auto tabs = read_all("a\tb\n1\t2", '\t');
  EXPECT_EQ(tabs[1], (std::vector<std::string>{"1", "2"}));
}

TEST(CsvReader, WhitespaceSeparatedColumns) {
  auto rows = read_all(" id  date qty\n 00001 19970101  1\r\n\n   \n 2\t3 4 \n", ' ');
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0], (std::vector<std::string>{"id", "date", "qty"}));
  EXPECT_EQ(rows[1], (std::vector<std::string>{"00001", "19970101", "1"}));
  EXPECT_EQ(rows[2], (std::vector<std::string>{"2", "3", "4"}));
}

TEST(CsvReader, ReportsMalformedRows) {
  auto rows = read_all("a,b\n\"x\"y,2\n\"open,3\n");
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[1].back(), "!text after a closing quote");
  EXPECT_EQ(rows[2].back(), "!unterminated quoted field");
}

TEST(Encoding, StripsBomAndValidatesUtf8) {
  std::string storage;
  EXPECT_EQ(decode_text("\xEF\xBB\xBFsku", Encoding::kUtf8, storage).value(), "sku");
  auto bad = decode_text("a\nb\n\xC4\xE3\xBA\xC3", Encoding::kUtf8, storage);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("line 3"), std::string::npos);
  EXPECT_NE(bad.status().message().find("--encoding gbk"), std::string::npos);
}

TEST(Encoding, ConvertsGbk) {
  std::string storage;
  // "你好,￥12" in GBK
  std::string gbk =
      "\xC4\xE3\xBA\xC3,\xA3\xA4"
      "12";
  Encoding used;
  auto text = decode_text(gbk, Encoding::kGbk, storage, &used);
  ASSERT_TRUE(text.ok()) << text.status().message();
  EXPECT_EQ(*text, "你好,￥12");
  auto autodetected = decode_text(gbk, Encoding::kAuto, storage, &used);
  EXPECT_EQ(*autodetected, "你好,￥12");
  EXPECT_EQ(used, Encoding::kGbk);
  EXPECT_FALSE(parse_encoding("latin9").ok());
}

TEST(DateFormat, ParsesForeignLayouts) {
  const TimeZone& sh = TimeZone::shanghai();
  auto f = DateFormat::compile("%Y/%m/%d %H:%M").value();
  EXPECT_EQ(f.parse("2024/6/8 9:05", sh).value(),
            parse_timestamp("2024-06-08 09:05:00", sh).value());
  auto cn = DateFormat::compile("%Y年%m月%d日 %H时%M分").value();
  EXPECT_EQ(cn.parse("2024年06月18日 10时23分", sh).value(),
            parse_timestamp("2024-06-18 10:23", sh).value());
  auto eu = DateFormat::compile("%d.%m.%Y").value();
  EXPECT_EQ(eu.parse("18.06.2024", sh).value(), parse_timestamp("2024-06-18", sh).value());
  auto epoch = DateFormat::compile("%s").value();
  EXPECT_EQ(epoch.parse("1718668800", sh).value().seconds, 1718668800);
  auto z = DateFormat::compile("%Y-%m-%dT%H:%M:%S%z").value();
  EXPECT_EQ(z.parse("2024-06-18T10:00:00+0800", sh).value(),
            z.parse("2024-06-18T02:00:00Z", sh).value());
}

TEST(DateFormat, RejectsMismatchesAndBadPatterns) {
  const TimeZone& sh = TimeZone::shanghai();
  auto f = DateFormat::compile("%Y/%m/%d").value();
  EXPECT_FALSE(f.parse("2024-06-18", sh).ok());
  EXPECT_FALSE(f.parse("2024/02/30", sh).ok());
  EXPECT_FALSE(f.parse("2024/06/18 extra", sh).ok());
  EXPECT_FALSE(DateFormat::compile("%m/%d").ok());
  EXPECT_FALSE(DateFormat::compile("%Y %Q").ok());
}

}  // namespace
}  // namespace recur::ingest
