#pragma once
// Runs the recur binary the way a user would and captures what it prints (stdout and stderr)
// and its exit code. Test binaries get RECUR_BINARY from CMake.

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <string>

#include "test_util.h"

namespace recur::testing {

struct CmdResult {
  int code;
  std::string out;
};

inline CmdResult run(const std::string& args) {
  std::string cmd = "RECUR_STRICT_STATEMENTS=1 " + std::string(RECUR_BINARY) + " " + args + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  std::string out;
  std::array<char, 4096> buf{};
  while (std::size_t n = fread(buf.data(), 1, buf.size(), p)) out.append(buf.data(), n);
  int status = pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

// True when `out` contains `s`.
inline bool has(const std::string& out, const std::string& s) {
  return out.find(s) != std::string::npos;
}

// A fresh store in a temporary folder for driving the binary: r("import orders …") is the
// command line against it.
class StoreCli : public ::testing::Test {
 protected:
  std::string r(const std::string& args) { return "--db " + dir_.file("t.db") + " " + args; }
  // `recur program load` of the shipped config/program.yaml into the store; its exit code.
  int load_shipped_program() {
    return run(r("program load " + std::string(RECUR_SOURCE_DIR) + "/config/program.yaml")).code;
  }
  TempDir dir_;
};

}  // namespace recur::testing
