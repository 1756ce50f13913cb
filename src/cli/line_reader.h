#pragma once
// Lines from a file descriptor (stdin, a pipe, a file), waiting at most a given time for the
// next: `recur order stream` must commit a group and send its acknowledgements when the window
// ends even if the input pauses.

#include <string>

#include "core/status.h"

namespace recur::cli {

class LineReader {
 public:
  explicit LineReader(int fd) : fd_(fd) {}

  enum class Got { kLine, kTimeout, kEnd };
  // The next line, without its "\n" or "\r\n"; a last line without "\n" counts. Waits at most
  // `timeout_ms` for input (-1: as long as it takes): kTimeout when none came. Errors: the read
  // failed.
  Result<Got> next(std::string& line, int timeout_ms);

 private:
  // Reads what is there into buf_, waiting at most `timeout_ms`; false on a timeout.
  Result<bool> fill(int timeout_ms);

  int fd_;
  std::string buf_;
  std::size_t pos_ = 0;  // the next line starts here
  bool eof_ = false;
};

}  // namespace recur::cli
