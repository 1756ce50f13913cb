#include "cli/line_reader.h"

#include <fmt/format.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace recur::cli {

Result<bool> LineReader::fill(int timeout_ms) {
  pollfd p{fd_, POLLIN, 0};
  int ready;
  do {
    ready = poll(&p, 1, timeout_ms);
  } while (ready < 0 && errno == EINTR);
  if (ready < 0) return io_error(fmt::format("cannot wait for input: {}", std::strerror(errno)));
  if (ready == 0) return false;
  if (pos_ > 0) {  // drop the lines already returned
    buf_.erase(0, pos_);
    pos_ = 0;
  }
  char chunk[64 * 1024];
  ssize_t n;
  do {
    n = read(fd_, chunk, sizeof chunk);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return io_error(fmt::format("cannot read input: {}", std::strerror(errno)));
  if (n == 0) eof_ = true;
  buf_.append(chunk, static_cast<std::size_t>(n));
  return true;
}

Result<LineReader::Got> LineReader::next(std::string& line, int timeout_ms) {
  while (true) {
    std::size_t nl = buf_.find('\n', pos_);
    if (nl != std::string::npos || (eof_ && pos_ < buf_.size())) {
      std::size_t end = nl == std::string::npos ? buf_.size() : nl;
      line.assign(buf_, pos_, end - pos_);
      pos_ = nl == std::string::npos ? buf_.size() : nl + 1;
      if (!line.empty() && line.back() == '\r') line.pop_back();
      return Got::kLine;
    }
    if (eof_) return Got::kEnd;
    ASSIGN_OR_RETURN(bool got, fill(timeout_ms));
    if (!got) return Got::kTimeout;
  }
}

}  // namespace recur::cli
