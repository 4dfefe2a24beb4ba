// Fuzz target: building what goes on the wire to HaloPSA and reading what people paste as its
// address: PercentEncode, EncodeQueryString, ExpandPath, NormaliseIsoDate, EncodeQueryValue,
// SplitUrl and LoadHaloOptions (URL and tenant normalisation).
// Input: a selector byte, then text whose lines are the function's inputs (see each case).
// Invariants: no crash; encodings decode back to their input; normalised values are stable
// (normalising them again changes nothing); the client secret never appears in an error.
#include "halo/bounded_json.h"
#include "halo/options.h"
#include "halo/query.h"
#include "halo/split_url.h"
#include "tests/fuzz/fuzz_fail.h"

#include <cctype>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace {

using halo_fuzz::Fail;

std::vector<std::string> Lines(std::string_view in) {
  std::vector<std::string> out;
  while (true) {
    auto nl = in.find('\n');
    out.emplace_back(in.substr(0, nl));
    if (nl == std::string_view::npos) return out;
    in.remove_prefix(nl + 1);
  }
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;  // PercentEncode writes upper case only
}

/// Inverse of PercentEncode; fails the run on anything PercentEncode must not produce.
std::string PercentDecode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == '%') {
      if (i + 2 >= s.size()) Fail("truncated escape", s);
      int hi = HexValue(s[i + 1]), lo = HexValue(s[i + 2]);
      if (hi < 0 || lo < 0) Fail("bad escape", s);
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      Fail("reserved character left unescaped", s);
    }
  }
  return out;
}

void Percent(std::string_view in) {
  std::string encoded = halo::PercentEncode(in);
  if (PercentDecode(encoded) != in) Fail("PercentEncode does not round-trip", encoded);
}

/// Lines alternate name, value.
void Query(std::string_view in) {
  auto lines = Lines(in);
  halo::QueryParams query;
  for (std::size_t i = 0; i + 1 < lines.size(); i += 2) query.emplace_back(lines[i], lines[i + 1]);
  std::string qs = halo::EncodeQueryString(query);
  halo::QueryParams decoded;
  std::string_view rest = qs;
  while (!rest.empty()) {
    auto amp = rest.find('&');
    std::string_view pair = rest.substr(0, amp);
    auto eq = pair.find('=');
    if (eq == std::string_view::npos) Fail("pair without '='", qs);
    decoded.emplace_back(PercentDecode(pair.substr(0, eq)), PercentDecode(pair.substr(eq + 1)));
    rest.remove_prefix(amp == std::string_view::npos ? rest.size() : amp + 1);
  }
  if (decoded != query) Fail("query string does not round-trip", qs);
}

/// First line the template, then name=value lines.
void Path(std::string_view in) {
  auto lines = Lines(in);
  std::map<std::string, std::string> values;
  for (std::size_t i = 1; i < lines.size(); ++i) {
    auto eq = lines[i].find('=');
    if (eq != std::string::npos) values[lines[i].substr(0, eq)] = lines[i].substr(eq + 1);
  }
  auto path = halo::ExpandPath(lines[0], values);
  if (!path.ok()) return;
  // Every value was encoded, so only the template's own '/' separate segments.
  std::size_t template_slashes = 0, path_slashes = 0;
  for (std::size_t i = 0; i < lines[0].size(); ++i) {
    if (lines[0][i] == '{') i = lines[0].find('}', i);  // closed, or ExpandPath had failed
    template_slashes += lines[0][i] == '/';
  }
  for (char c : *path) path_slashes += c == '/';
  if (template_slashes != path_slashes) Fail("a value escaped its path segment", *path);
}

void Date(std::string_view in) {
  auto date = halo::NormaliseIsoDate(in, "date");
  if (!date.ok()) {
    if (date.status().message().find("date") == std::string::npos) Fail("error names no param", in);
    return;
  }
  if (date->size() != 10 && date->size() != 19) Fail("not YYYY-MM-DD[THH:MM:SS]", *date);
  auto again = halo::NormaliseIsoDate(*date, "date");
  if (!again.ok() || *again != *date) Fail("normalised date is not stable", *date);
}

void Value(std::string_view in) {
  auto parsed = halo::ParseBoundedJson(in);
  if (!parsed.ok()) return;
  auto v = halo::EncodeQueryValue(parsed.value, "param");
  if (!v.ok() && v.status().message().find("param") == std::string::npos) {
    Fail("error names no param", in);
  }
}

void Split(std::string_view in) {
  std::string url(in);
  auto split = halo::internal::SplitUrl(url);
  if (!split.ok()) return;
  if (url.rfind(split->origin, 0) != 0) Fail("origin is not a prefix of the URL", url);
  auto scheme_end = split->origin.find("://");
  if (scheme_end == std::string::npos) Fail("origin without scheme", url);
  if (split->origin.find_first_of("/?", scheme_end + 3) != std::string::npos) {
    Fail("origin holds a path or query", url);
  }
  if (!split->path_prefix.empty() && split->path_prefix.back() == '/') {
    Fail("path prefix ends with '/'", url);
  }
}

/// Lines: base URL, tenant, auth URL, client id, scope, rate limit. The secret is a canary,
/// so finding it in a message means the message echoed the secret (even one pasted elsewhere).
void Options(std::string_view in) {
  static constexpr char kCanary[] = "\x01halo-secret-canary\x02";
  auto lines = Lines(in);
  lines.resize(6);
  char const* const names[] = {"HALOPSA_BASE_URL",  "HALOPSA_TENANT", "HALOPSA_AUTH_URL",
                               "HALOPSA_CLIENT_ID", "HALOPSA_SCOPE",  "HALOPSA_RATE_LIMIT"};
  std::map<std::string, std::string> env;
  for (std::size_t i = 0; i < 6; ++i) {
    if (!lines[i].empty()) env[names[i]] = lines[i];
  }
  env["HALOPSA_CLIENT_SECRET"] = kCanary;
  auto load = [](std::map<std::string, std::string> const& vars) {
    halo::EnvReader reader = [&vars](std::string const& n) -> std::optional<std::string> {
      auto it = vars.find(n);
      if (it == vars.end()) return std::nullopt;
      return it->second;
    };
    return halo::LoadHaloOptions(reader, {});
  };
  auto o = load(env);
  if (!o.ok()) {
    auto const& s = o.status();
    if (s.message().find(kCanary) != std::string::npos ||
        s.info().hint.find(kCanary) != std::string::npos) {
      Fail("the client secret is echoed in an error", s.message());
    }
    return;
  }
  if (o->client_secret != kCanary) Fail("secret changed", o->client_secret);
  for (auto const* url : {&o->base_url, &o->auth_url}) {
    if (url->rfind("https://", 0) != 0 && url->rfind("http://", 0) != 0) Fail("no scheme", *url);
    if (url->back() == '/') Fail("trailing slash", *url);
    if (!halo::internal::SplitUrl(*url).ok()) Fail("SplitUrl refuses a normalised URL", *url);
  }
  // Feeding the normalised settings back in must change nothing.
  auto again_env = env;
  again_env["HALOPSA_BASE_URL"] = o->base_url;
  again_env["HALOPSA_AUTH_URL"] = o->auth_url;
  if (o->tenant.empty()) {
    again_env.erase("HALOPSA_TENANT");
  } else {
    again_env["HALOPSA_TENANT"] = o->tenant;
  }
  auto again = load(again_env);
  if (!again.ok()) Fail("normalised options are refused", again.status().message());
  if (again->base_url != o->base_url || again->auth_url != o->auth_url ||
      again->tenant != o->tenant) {
    Fail("normalised options are not stable", o->base_url + " " + o->auth_url + " " + o->tenant);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(uint8_t const* data, size_t size) {
  if (size == 0) return 0;
  std::string_view in(reinterpret_cast<char const*>(data) + 1, size - 1);
  switch (data[0]) {
    case 'p':
      Percent(in);
      break;
    case 'q':
      Query(in);
      break;
    case 'x':
      Path(in);
      break;
    case 'd':
      Date(in);
      break;
    case 'v':
      Value(in);
      break;
    case 's':
      Split(in);
      break;
    default:
      Options(in);
      break;
  }
  return 0;
}
