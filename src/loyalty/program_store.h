#pragma once
// Program versions in the store. Loading a file validates it and, when its text differs from the
// version in force, stores it as the next version (the text is the idempotency key: loading the
// same file again changes nothing). The highest version is in force.

#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"
#include "core/time.h"
#include "loyalty/program.h"
#include "store/database.h"

namespace recur::loyalty {

struct StoredProgram {
  int version = 0;
  std::string name;
  std::string digest;  // FNV-1a 64 of the text, hex
  std::string source;  // the YAML as loaded
  std::string loaded_from;
  Instant loaded_at;
};

struct ActiveProgram {
  int version = 0;
  Program program;
};

struct ProgramLoad {
  StoredProgram stored;
  Program program;
  bool changed = false;  // false: the text equals the version in force
};

std::string program_digest(std::string_view source);

// Validates `source` and stores it as a new version unless it equals the one in force.
// Runs in its own transaction; writes an audit row for a new version.
Result<ProgramLoad> load_program(store::Database& db, std::string_view source,
                                 std::string_view loaded_from, Instant at);

// The version in force, if any program was loaded.
Result<std::optional<StoredProgram>> current_program(store::Database& db);
Result<StoredProgram> program_version(store::Database& db, int version);

// The version in force, parsed. kFailedPrecondition when no program was ever loaded.
Result<ActiveProgram> active_program(store::Database& db);

}  // namespace recur::loyalty
