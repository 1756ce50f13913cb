#include "cli/command.h"

#include <CLI/CLI.hpp>

#include <cstdint>

#include "cli/cli_context.h"

namespace recur::cli {

Option* Option::required() {
  option_->required();
  return this;
}

Option* Option::excludes(Option* other) {
  option_->excludes(other->option_);
  return this;
}

Option* Option::check_existing_file() {
  option_->check(CLI::ExistingFile);
  return this;
}

Option* Option::check_positive() {
  option_->check(CLI::PositiveNumber);
  return this;
}

Option* Option::check_range(int low, int high) {
  option_->check(CLI::Range(low, high));
  return this;
}

Option* Option::check_one_of(std::vector<std::string> values) {
  option_->check(CLI::IsMember(std::move(values)));
  return this;
}

Command::~Command() = default;

Command* Command::add_subcommand(std::string name, std::string description) {
  subcommands_.push_back(
      std::make_unique<Command>(app_->add_subcommand(std::move(name), std::move(description))));
  return subcommands_.back().get();
}

template <class T>
Option* Command::add_option(std::string name, T& into, std::string description) {
  return keep(app_->add_option(std::move(name), into, std::move(description)));
}

template Option* Command::add_option(std::string, std::string&, std::string);
template Option* Command::add_option(std::string, int&, std::string);
template Option* Command::add_option(std::string, std::int64_t&, std::string);
template Option* Command::add_option(std::string, std::size_t&, std::string);
template Option* Command::add_option(std::string, double&, std::string);
template Option* Command::add_option(std::string, std::vector<std::string>&, std::string);

Option* Command::add_flag(std::string name, bool& into, std::string description) {
  return keep(app_->add_flag(std::move(name), into, std::move(description)));
}

void Command::require_subcommand(int count) {
  app_->require_subcommand(count);
}

void Command::callback(std::function<void()> action) {
  app_->callback(std::move(action));
}

Option* Command::keep(CLI::Option* option) {
  options_.push_back(std::make_unique<Option>(option));
  return options_.back().get();
}

CommandLine::CommandLine(std::string description)
    : app_(std::make_unique<CLI::App>(std::move(description))),
      root_(std::make_unique<Command>(app_.get())) {
  app_->option_defaults()->always_capture_default();
}

CommandLine::~CommandLine() = default;

int CommandLine::parse(int argc, char** argv) {
  try {
    app_->parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app_->exit(e);
    return code == 0 ? kExitOk : kExitUsage;
  }
  return kExitOk;
}

}  // namespace recur::cli
