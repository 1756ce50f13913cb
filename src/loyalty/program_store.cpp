#include "loyalty/program_store.h"

#include <fmt/format.h>

#include "store/audit.h"

namespace recur::loyalty {

std::string program_digest(std::string_view source) {
  std::uint64_t h = 14695981039346656037ull;
  for (unsigned char c : source) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return fmt::format("{:016x}", h);
}

namespace {

constexpr const char* kColumns =
    "SELECT version, name, digest, source, loaded_from, loaded_at FROM loyalty_programs ";

StoredProgram read_row(const store::Statement& st) {
  StoredProgram s;
  s.version = static_cast<int>(st.column_int64(0));
  s.name = st.column_string(1);
  s.digest = st.column_string(2);
  s.source = st.column_string(3);
  s.loaded_from = st.column_string(4);
  s.loaded_at = Instant{st.column_int64(5)};
  return s;
}

}  // namespace

Result<std::optional<StoredProgram>> current_program(store::Database& db) {
  ASSIGN_OR_RETURN(auto st, db.prepare(std::string(kColumns) + "ORDER BY version DESC LIMIT 1"));
  ASSIGN_OR_RETURN(bool row, st.step());
  if (!row) return std::optional<StoredProgram>();
  return std::optional<StoredProgram>(read_row(st));
}

Result<StoredProgram> program_version(store::Database& db, int version) {
  ASSIGN_OR_RETURN(auto st, db.prepare(std::string(kColumns) + "WHERE version = ?"));
  st.bind(1, version);
  ASSIGN_OR_RETURN(bool row, st.step());
  if (!row) return not_found(fmt::format("program version {} does not exist", version));
  return read_row(st);
}

Result<ActiveProgram> active_program(store::Database& db) {
  ASSIGN_OR_RETURN(auto cur, current_program(db));
  if (!cur)
    return failed_precondition(
        "no loyalty program is loaded (未加载会员计划); run: recur program load "
        "config/program.yaml");
  auto parsed = parse_program(cur->source, fmt::format("program v{}", cur->version));
  if (!parsed.ok())
    return internal_error(fmt::format("stored program v{} no longer parses: {}", cur->version,
                                      parsed.status().message()));
  return ActiveProgram{cur->version, std::move(parsed).value()};
}

Result<ProgramLoad> load_program(store::Database& db, std::string_view source,
                                 std::string_view loaded_from, Instant at) {
  ASSIGN_OR_RETURN(Program program, parse_program(source, loaded_from));
  ASSIGN_OR_RETURN(auto tx, store::Transaction::begin(db));
  ProgramLoad out;
  out.program = std::move(program);
  std::string digest = program_digest(source);
  ASSIGN_OR_RETURN(auto cur, current_program(db));
  if (cur && cur->digest == digest && cur->source == source) {
    out.stored = *cur;
    return out;  // unchanged; the transaction rolls back having written nothing
  }
  ASSIGN_OR_RETURN(auto ins,
                   db.prepare("INSERT INTO loyalty_programs (version, name, digest, "
                              "source, loaded_from, loaded_at) VALUES (?, ?, ?, ?, ?, ?)"));
  int version = cur ? cur->version + 1 : 1;
  ins.bind(1, version)
      .bind(2, out.program.name)
      .bind(3, digest)
      .bind(4, source)
      .bind(5, loaded_from)
      .bind(6, at.seconds);
  RETURN_IF_ERROR(ins.run());
  RETURN_IF_ERROR(store::append_audit(db, at, "cli", "program.load", fmt::format("v{}", version),
                                      fmt::format("{} ({})", out.program.name, loaded_from)));
  RETURN_IF_ERROR(tx->commit());
  out.stored = StoredProgram{
      version, out.program.name, digest, std::string(source), std::string(loaded_from), at};
  out.changed = true;
  return out;
}

}  // namespace recur::loyalty
