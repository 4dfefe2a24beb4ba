#include "halo/options.h"

#include "halo/query.h"
#include "halo/redactor.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <string_view>

#ifndef HALO_MCP_VERSION
#define HALO_MCP_VERSION "0.0.0"
#endif

namespace halo {
namespace {

constexpr char kBaseUrlExample[] = "https://yourcompany.halopsa.com";

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

/// Trims whitespace and a pair of surrounding quotes, as pasted into .env files or JSON configs.
std::string Clean(std::string_view v) {
  auto is_space = [](unsigned char c) { return std::isspace(c) != 0; };
  while (!v.empty() && is_space(v.front())) v.remove_prefix(1);
  while (!v.empty() && is_space(v.back())) v.remove_suffix(1);
  if (v.size() >= 2 && (v.front() == '"' || v.front() == '\'') && v.back() == v.front()) {
    v = v.substr(1, v.size() - 2);
    while (!v.empty() && is_space(v.front())) v.remove_prefix(1);
    while (!v.empty() && is_space(v.back())) v.remove_suffix(1);
  }
  return std::string(v);
}

/// A value counts as unset when empty or when it is an unexpanded template placeholder such as
/// "${user_config.halopsa_base_url}" (desktop bundles pass those through literally).
std::optional<std::string> Pick(std::optional<std::string> const& flag, EnvReader const& env,
                                std::string const& name) {
  std::optional<std::string> raw = flag;
  if (!raw && env) raw = env(name);
  if (!raw) return std::nullopt;
  std::string v = Clean(*raw);
  if (v.empty()) return std::nullopt;
  if (v.rfind("${", 0) == 0 && v.back() == '}') return std::nullopt;
  return v;
}

bool IsLoopbackHost(std::string_view host) {
  std::string h = Lower(host);
  if (h == "localhost" || h == "[::1]" || h == "::1") return true;
  if (EndsWith(h, ".localhost")) return true;
  return h.rfind("127.", 0) == 0;
}

struct ParsedUrl {
  std::string scheme;  // lower case
  std::string host;    // as given (with port)
  std::string path;    // without trailing slashes
};

/// Parses and normalises a pasted URL. `strip_suffixes` are removed from the end of the path
/// (case-insensitively), repeatedly, so "https://x/api/" and "https://x/auth/token" both work.
StatusOr<ParsedUrl> ParseUrl(std::string const& value, std::string const& var,
                             std::string const& example,
                             std::initializer_list<std::string_view> strip_suffixes) {
  std::string v = value;
  auto bad = [&](std::string const& why) {
    ErrorInfo info;
    info.hint = "set " + var + " to a URL such as " + example;
    return InvalidArgumentError(var + " " + why + " (example: " + var + "=" + example + ")",
                                std::move(info));
  };
  for (char c : v) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f) return bad("must not contain spaces or control characters");
  }
  // Query strings and fragments are never part of a base URL.
  if (auto q = v.find_first_of("?#"); q != std::string::npos) v.resize(q);
  ParsedUrl out;
  auto sep = v.find("://");
  if (sep == std::string::npos) {
    out.scheme = "https";  // a bare host name was pasted
  } else {
    out.scheme = Lower(v.substr(0, sep));
    v = v.substr(sep + 3);
  }
  if (out.scheme != "https" && out.scheme != "http") {
    return bad("must start with https:// (got scheme '" + out.scheme + "')");
  }
  auto slash = v.find('/');
  out.host = v.substr(0, slash);
  std::string path = slash == std::string::npos ? "" : v.substr(slash);
  if (out.host.empty()) return bad("has no host name");
  if (out.host.find('@') != std::string::npos) return bad("must not contain user:password@");
  for (char c : out.host) {
    auto u = static_cast<unsigned char>(c);
    if (!(std::isalnum(u) || c == '.' || c == '-' || c == ':' || c == '[' || c == ']' ||
          c == '_')) {
      return bad("has an invalid host name");
    }
  }
  for (bool changed = true; changed;) {
    changed = false;
    while (!path.empty() && path.back() == '/') {
      path.pop_back();
      changed = true;
    }
    std::string lower = Lower(path);
    for (auto suffix : strip_suffixes) {
      if (EndsWith(lower, suffix)) {
        path.resize(path.size() - suffix.size());
        changed = true;
        break;
      }
    }
  }
  out.path = path;
  std::string host_only = out.host;
  if (!host_only.empty() && host_only.front() == '[') {
    host_only = host_only.substr(0, host_only.find(']') + 1);
  } else if (auto colon = host_only.rfind(':'); colon != std::string::npos) {
    host_only = host_only.substr(0, colon);
  }
  if (out.scheme == "http" && !IsLoopbackHost(host_only)) {
    return bad("must use https:// (plain http is only allowed for localhost)");
  }
  return out;
}

std::string HostOnly(std::string const& host) {
  auto colon = host.rfind(':');
  if (colon == std::string::npos || host.front() == '[') return Lower(host);
  return Lower(host.substr(0, colon));
}

/// The HaloPSA-hosted domains: HaloPSA, HaloITSM and HaloServiceDesk share one API.
constexpr std::string_view kHostedDomains[] = {".halopsa.com", ".haloitsm.com",
                                               ".haloservicedesk.com"};

/// For https://acme.halopsa.com returns "acme"; empty for self-hosted hosts.
bool ValidTenant(std::string const& t) {
  return !t.empty() && std::all_of(t.begin(), t.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '-' || c == '_';
  });
}

std::string HostedTenantOf(std::string const& host) {
  std::string h = HostOnly(host);
  for (auto d : kHostedDomains) {
    if (EndsWith(h, d) && h.size() > d.size()) {
      std::string label = h.substr(0, h.size() - d.size());
      if (ValidTenant(label)) return label;
    }
  }
  return {};
}

StatusOr<std::pair<int, std::chrono::seconds>> ParseRateLimit(std::string const& value) {
  auto bad = [&]() {
    ErrorInfo info;
    info.hint = "set HALOPSA_RATE_LIMIT to REQUESTS/SECONDS, e.g. 300/300, or off";
    return InvalidArgumentError(
        "HALOPSA_RATE_LIMIT must look like REQUESTS/SECONDS (example: HALOPSA_RATE_LIMIT=300/300) "
        "or 'off'; got '" +
            value + "'",
        std::move(info));
  };
  std::string v = Lower(value);
  if (v == "off" || v == "none" || v == "disabled" || v == "0" || v == "false") {
    return std::make_pair(0, std::chrono::seconds(0));
  }
  auto slash = v.find('/');
  if (slash == std::string::npos) return bad();
  std::string n = Clean(v.substr(0, slash));
  std::string w = Clean(v.substr(slash + 1));
  long long requests = 0;
  auto r1 = std::from_chars(n.data(), n.data() + n.size(), requests);
  if (r1.ec != std::errc() || r1.ptr != n.data() + n.size() || requests < 0 ||
      requests > 1'000'000) {
    return bad();
  }
  // Seconds, optionally with a unit: 300, 300s, 5m, 1h.
  long long multiplier = 1;
  if (!w.empty() && std::isalpha(static_cast<unsigned char>(w.back()))) {
    char unit = w.back();
    w.pop_back();
    if (unit == 's') {
      multiplier = 1;
    } else if (unit == 'm') {
      multiplier = 60;
    } else if (unit == 'h') {
      multiplier = 3600;
    } else {
      return bad();
    }
  }
  long long seconds = 0;
  auto r2 = std::from_chars(w.data(), w.data() + w.size(), seconds);
  if (r2.ec != std::errc() || r2.ptr != w.data() + w.size() || seconds <= 0 || seconds > 86'400) {
    return bad();
  }
  if (requests == 0) return std::make_pair(0, std::chrono::seconds(0));
  return std::make_pair(static_cast<int>(requests), std::chrono::seconds(seconds * multiplier));
}

Status Missing(std::string const& var, std::string const& example, std::string const& extra) {
  ErrorInfo info;
  info.hint = "set " + var;
  return FailedPreconditionError(var + " is not set (example: " + var + "=" + example + ")" +
                                     (extra.empty() ? "" : "; ") + extra,
                                 std::move(info));
}

}  // namespace

std::string HaloOptions::token_url() const {
  std::string url = auth_url + "/token";
  if (!tenant.empty()) url += "?tenant=" + PercentEncode(tenant);
  return url;
}

namespace {

StatusOr<HaloOptions> LoadUnredacted(EnvReader const& env, HaloOptionOverrides const& flags) {
  HaloOptions o;
  auto base = Pick(flags.base_url, env, "HALOPSA_BASE_URL");
  auto tenant = Pick(flags.tenant, env, "HALOPSA_TENANT");
  auto auth = Pick(flags.auth_url, env, "HALOPSA_AUTH_URL");
  auto client_id = Pick(flags.client_id, env, "HALOPSA_CLIENT_ID");
  auto secret = Pick(flags.client_secret, env, "HALOPSA_CLIENT_SECRET");
  auto scope = Pick(flags.scope, env, "HALOPSA_SCOPE");
  auto rate = Pick(flags.rate_limit, env, "HALOPSA_RATE_LIMIT");

  // A tenant pasted as a host or URL ("acme.halopsa.com", "https://acme.halopsa.com/") is
  // read as that URL: the tenant is its first label.
  if (tenant &&
      (tenant->find('.') != std::string::npos || tenant->find('/') != std::string::npos)) {
    auto parsed = ParseUrl(*tenant, "HALOPSA_TENANT", "yourcompany", {"/api", "/auth", "/token"});
    std::string derived = parsed.ok() ? HostedTenantOf(parsed->host) : std::string();
    if (derived.empty()) {
      return InvalidArgumentError(
          "HALOPSA_TENANT must be the tenant name only (example: HALOPSA_TENANT=yourcompany for "
          "https://yourcompany.halopsa.com); put a self-hosted URL in HALOPSA_BASE_URL instead");
    }
    if (!base) base = parsed->scheme + "://" + parsed->host;
    tenant = derived;
  }
  if (tenant && !ValidTenant(*tenant)) {
    return InvalidArgumentError(
        "HALOPSA_TENANT may contain only letters, digits, '-' and '_' (example: "
        "HALOPSA_TENANT=yourcompany)");
  }

  if (base) {
    auto parsed = ParseUrl(*base, "HALOPSA_BASE_URL", kBaseUrlExample, {"/api", "/auth", "/token"});
    if (!parsed.ok()) return parsed.status();
    o.base_url = parsed->scheme + "://" + Lower(parsed->host) + parsed->path;
    if (!tenant) {
      // Hosted tenants need ?tenant= on the token request; the tenant is the first label of
      // the hosted domain, so derive it rather than fail.
      std::string derived = HostedTenantOf(parsed->host);
      if (!derived.empty()) tenant = derived;
    }
  } else if (tenant) {
    o.base_url = "https://" + Lower(*tenant) + ".halopsa.com";
  } else {
    return Missing("HALOPSA_BASE_URL", kBaseUrlExample,
                   "for a hosted tenant HALOPSA_TENANT=yourcompany is enough");
  }
  o.tenant = tenant.value_or("");

  if (auth) {
    auto parsed =
        ParseUrl(*auth, "HALOPSA_AUTH_URL", std::string(kBaseUrlExample) + "/auth", {"/token"});
    if (!parsed.ok()) return parsed.status();
    o.auth_url = parsed->scheme + "://" + Lower(parsed->host) + parsed->path;
  } else {
    o.auth_url = o.base_url + "/auth";
  }

  if (!client_id) {
    return Missing("HALOPSA_CLIENT_ID", "3f2a9c1e-...",
                   "create an API application (Client ID and Secret) in HaloPSA under "
                   "Configuration > Integrations > HaloPSA API");
  }
  if (client_id->find_first_of(" \t\r\n") != std::string::npos) {
    return InvalidArgumentError(
        "HALOPSA_CLIENT_ID must not contain spaces (example: HALOPSA_CLIENT_ID=3f2a9c1e-...)");
  }
  o.client_id = *client_id;
  if (!secret) {
    return Missing("HALOPSA_CLIENT_SECRET",
                   "<the secret shown once when the API application was "
                   "created>",
                   "");
  }
  if (secret->find_first_of("\r\n") != std::string::npos) {
    // Never echo the value, not even partly.
    return InvalidArgumentError("HALOPSA_CLIENT_SECRET contains a line break; paste it again");
  }
  o.client_secret = *secret;

  if (scope) {
    std::string s = *scope;
    std::replace(s.begin(), s.end(), ',', ' ');
    std::string collapsed;
    for (char c : s) {
      if (std::isspace(static_cast<unsigned char>(c))) {
        if (!collapsed.empty() && collapsed.back() != ' ') collapsed += ' ';
      } else if (std::isprint(static_cast<unsigned char>(c))) {
        collapsed += c;
      } else {
        return InvalidArgumentError(
            "HALOPSA_SCOPE contains a control character (example: HALOPSA_SCOPE=all)");
      }
    }
    while (!collapsed.empty() && collapsed.back() == ' ') collapsed.pop_back();
    if (!collapsed.empty()) o.scope = collapsed;
  }

  if (rate) {
    auto parsed = ParseRateLimit(*rate);
    if (!parsed.ok()) return parsed.status();
    o.rate_limit_requests = parsed->first;
    if (parsed->first > 0) o.rate_limit_window = parsed->second;
  }

  o.user_agent = std::string("halo-mcp/") + HALO_MCP_VERSION;
  return o;
}

}  // namespace

StatusOr<HaloOptions> LoadHaloOptions(EnvReader const& env, HaloOptionOverrides const& flags) {
  auto loaded = LoadUnredacted(env, flags);
  if (loaded.ok()) return loaded;
  // A secret pasted into the wrong variable would otherwise be quoted back in the error.
  auto secret = Pick(flags.client_secret, env, "HALOPSA_CLIENT_SECRET");
  if (!secret || secret->empty()) return loaded;
  return Redactor(*secret).Redact(loaded.status());
}

}  // namespace halo
