#pragma once
// The command line's shape: the subcommands, options and flags the cmd_*.cpp files register,
// and the parse that runs the chosen one. It wraps CLI11, a header-only library, so that
// command.cpp is the one file that compiles it: every file that included CLI/CLI.hpp spent
// about 20 s of its build on CLI11's inline code.

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace CLI {
class App;
class Option;
}  // namespace CLI

namespace recur::cli {

// An option or flag of a command; the calls chain (`->required()->check_positive()`).
class Option {
 public:
  explicit Option(CLI::Option* option) : option_(option) {}

  Option* required();
  Option* excludes(Option* other);
  Option* check_existing_file();
  Option* check_positive();
  Option* check_range(int low, int high);
  Option* check_one_of(std::vector<std::string> values);

 private:
  CLI::Option* option_;
};

// A command: `recur` itself or one of its subcommands. The Options and subcommands it hands
// out live as long as it does.
class Command {
 public:
  explicit Command(CLI::App* app) : app_(app) {}
  ~Command();
  Command(const Command&) = delete;
  Command& operator=(const Command&) = delete;

  Command* add_subcommand(std::string name, std::string description);
  // T is one of std::string, int, std::int64_t, std::size_t, double, std::vector<std::string>
  // (instantiated in command.cpp).
  template <class T>
  Option* add_option(std::string name, T& into, std::string description);
  Option* add_flag(std::string name, bool& into, std::string description);
  void require_subcommand(int count);
  // Runs when the command is chosen (after its options are parsed).
  void callback(std::function<void()> action);

 private:
  Option* keep(CLI::Option* option);

  CLI::App* app_;
  std::vector<std::unique_ptr<Command>> subcommands_;
  std::vector<std::unique_ptr<Option>> options_;
};

// The whole command line, rooted at `recur`.
class CommandLine {
 public:
  explicit CommandLine(std::string description);
  ~CommandLine();

  Command& root() { return *root_; }
  // Parses the arguments and runs the chosen command's callback (which may throw). Returns
  // 0, or, when the arguments ask for help or are wrong, what printing that gives: 0 after
  // --help, kExitUsage after a usage error.
  int parse(int argc, char** argv);

 private:
  std::unique_ptr<CLI::App> app_;
  std::unique_ptr<Command> root_;
};

}  // namespace recur::cli
