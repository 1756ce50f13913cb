#pragma once
// Helpers shared by tests: temporary directories and databases, files, running imports.

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "core/clock.h"
#include "store/database.h"

namespace recur::testing {

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "recur-test-XXXXXX").string();
    char* p = mkdtemp(tmpl.data());
    path_ = p ? p : tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string file(const std::string& name) const { return path_ + "/" + name; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

inline void write_file(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary);
  out << content;
}

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

inline std::unique_ptr<store::Database> open_test_db(const TempDir& dir,
                                                     const std::string& name = "t.db") {
  store::OpenOptions options;
  options.strict_statements = true;  // a statement left running fails the next transaction
  auto db = store::Database::open(dir.file(name), options);
  EXPECT_TRUE(db.ok()) << db.status().to_string();
  return std::move(db).value();
}

inline std::int64_t count(store::Database& db, const std::string& sql) {
  auto r = db.query_int(sql);
  EXPECT_TRUE(r.ok()) << r.status().to_string();
  return r.value_or(-1);
}

// Every row of a query, one line per row, columns separated by '|', NULL as "NULL".
inline std::string dump(store::Database& db, const std::string& sql) {
  sqlite3_stmt* st = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db.raw(), sql.c_str(), -1, &st, nullptr), SQLITE_OK) << sql;
  std::string out;
  while (st && sqlite3_step(st) == SQLITE_ROW) {
    const int cols = sqlite3_column_count(st);
    for (int c = 0; c < cols; ++c) {
      const unsigned char* text = sqlite3_column_text(st, c);
      out += text ? reinterpret_cast<const char*>(text) : "NULL";
      out += c + 1 < cols ? "|" : "\n";
    }
  }
  sqlite3_finalize(st);
  return out;
}

// 2024-06-18T00:00:00Z
inline constexpr Instant kTestNow{1718668800};

}  // namespace recur::testing
