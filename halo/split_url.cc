#include "halo/split_url.h"

#include "halo/text.h"

#include <arpa/inet.h>

namespace halo::internal {

StatusOr<SplitUrlResult> SplitUrl(std::string const& url) {
  auto sep = url.find("://");
  if (sep == std::string::npos) return InvalidArgumentError("not an absolute URL: " + url);
  auto path_start = url.find_first_of("/?", sep + 3);
  SplitUrlResult out;
  out.origin = url.substr(0, path_start);
  if (path_start == std::string::npos) return out;
  std::string rest = url.substr(path_start);
  auto q = rest.find('?');
  if (q != std::string::npos) {
    out.query = rest.substr(q + 1);
    rest.resize(q);
  }
  while (!rest.empty() && rest.back() == '/') rest.pop_back();
  out.path_prefix = rest;
  return out;
}

StatusOr<Origin> ParseOrigin(std::string const& origin) {
  auto sep = origin.find("://");
  if (sep == std::string::npos) return InvalidArgumentError("not an absolute URL: " + origin);
  std::string const scheme = AsciiLower(origin.substr(0, sep));
  Origin out;
  if (scheme == "https") {
    out.tls = true;
  } else if (scheme != "http") {
    return InvalidArgumentError("unsupported scheme \"" + scheme + "\" (use https or http)");
  }
  std::string rest = origin.substr(sep + 3);
  std::string port;
  if (!rest.empty() && rest.front() == '[') {
    auto close = rest.find(']');
    if (close == std::string::npos) return InvalidArgumentError("bad IPv6 address in " + origin);
    out.host = rest.substr(1, close - 1);
    if (close + 1 < rest.size()) {
      if (rest[close + 1] != ':') return InvalidArgumentError("bad host in " + origin);
      port = rest.substr(close + 2);
    }
  } else {
    auto colon = rest.find(':');
    out.host = rest.substr(0, colon);
    if (colon != std::string::npos) port = rest.substr(colon + 1);
  }
  if (out.host.empty() || out.host.find_first_of("@/?# ") != std::string::npos) {
    return InvalidArgumentError("bad host in " + origin);
  }
  std::string const default_port = out.tls ? "443" : "80";
  if (port.empty()) port = default_port;
  if (port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos ||
      std::stoi(port) < 1 || std::stoi(port) > 65535) {
    return InvalidArgumentError("bad port in " + origin);
  }
  out.port = port;
  unsigned char addr[16];
  bool const v6 = inet_pton(AF_INET6, out.host.c_str(), addr) == 1;
  out.host_is_address = v6 || inet_pton(AF_INET, out.host.c_str(), addr) == 1;
  out.host_header = v6 ? "[" + out.host + "]" : out.host;
  if (port != default_port) out.host_header += ":" + port;
  return out;
}

}  // namespace halo::internal
