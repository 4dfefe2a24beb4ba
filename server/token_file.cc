#include "server/token_file.h"

#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <unistd.h>

namespace mcp {

using nlohmann::json;

namespace {

constexpr std::string_view kDigestPrefix = "sha256:";

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

halo::Status LineError(std::size_t line, std::string const& what) {
  return halo::InvalidArgumentError("token file line " + std::to_string(line) + ": " + what);
}

bool ParseDigest(std::string_view text, Sha256Digest& out) {
  return text.substr(0, kDigestPrefix.size()) == kDigestPrefix &&
         ParseSha256Hex(text.substr(kDigestPrefix.size()), out);
}

/// A list of names from a JSON entry; false when the member is not an array of strings.
bool Names(json const& entry, char const* key, std::vector<std::string>& out) {
  auto it = entry.find(key);
  if (it == entry.end()) return true;
  if (!it->is_array()) return false;
  for (auto const& v : *it) {
    if (!v.is_string()) return false;
    out.push_back(v.get<std::string>());
  }
  return true;
}

halo::StatusOr<Credential> ParseEntry(std::string_view text, std::size_t line,
                                      std::string const& default_agent) {
  json entry = json::parse(text, nullptr, false);
  if (entry.is_discarded() || !entry.is_object()) {
    return LineError(line, "not a JSON object (write one entry per line)");
  }
  static constexpr std::string_view kKeys[] = {"digest",   "name",  "agent",        "read_only",
                                               "toolsets", "tools", "exclude_tools"};
  for (auto const& [key, value] : entry.items()) {
    if (std::find(std::begin(kKeys), std::end(kKeys), key) == std::end(kKeys)) {
      return LineError(line, "unknown key \"" + key + "\"");
    }
  }
  Credential c;
  auto digest = entry.find("digest");
  if (digest == entry.end() || !digest->is_string() ||
      !ParseDigest(digest->get<std::string>(), c.digest)) {
    return LineError(line, "\"digest\" must be \"sha256:\" and 64 hex digits");
  }
  Principal p;
  for (auto [key, target] :
       {std::pair<char const*, std::string*>{"name", &p.name}, {"agent", &p.agent}}) {
    if (auto v = entry.find(key); v != entry.end()) {
      if (!v->is_string()) return LineError(line, std::string("\"") + key + "\" must be a string");
      *target = v->get<std::string>();
    }
  }
  if (p.name.empty()) p.name = "token-" + Hex(c.digest).substr(0, 8);
  if (p.agent.empty()) p.agent = default_agent;
  if (auto ro = entry.find("read_only"); ro != entry.end()) {
    if (!ro->is_boolean()) return LineError(line, "\"read_only\" must be true or false");
    p.policy.read_only = ro->get<bool>();
  }
  if (!Names(entry, "toolsets", p.policy.toolsets) || !Names(entry, "tools", p.policy.tools) ||
      !Names(entry, "exclude_tools", p.policy.exclude)) {
    return LineError(line, "\"toolsets\", \"tools\" and \"exclude_tools\" are lists of names");
  }
  c.principal = std::make_shared<Principal const>(std::move(p));
  return c;
}

}  // namespace

halo::StatusOr<std::vector<Credential>> ParseTokenFile(std::string_view text,
                                                       std::string const& default_agent) {
  std::vector<Credential> out;
  std::vector<std::string> names;
  std::size_t line_no = 0;
  std::istringstream in{std::string(text)};
  for (std::string raw; std::getline(in, raw);) {
    ++line_no;
    std::string_view line = Trim(raw);
    if (line.empty() || line.front() == '#') continue;
    if (line.front() == '{') {
      auto c = ParseEntry(line, line_no, default_agent);
      if (!c.ok()) return c.status();
      if (std::find(names.begin(), names.end(), c->principal->name) != names.end()) {
        return LineError(line_no, "the name \"" + c->principal->name +
                                      "\" is used twice; each technician needs their own");
      }
      names.push_back(c->principal->name);
      out.push_back(*std::move(c));
    } else if (line.substr(0, kDigestPrefix.size()) == kDigestPrefix) {
      Credential c;
      if (!ParseDigest(line, c.digest)) {
        return LineError(line_no, "a digest is \"sha256:\" and 64 hex digits");
      }
      out.push_back(std::move(c));
    } else {
      out.push_back(Credential{Sha256(line), nullptr});  // an older clear-text entry
    }
  }
  return out;
}

std::vector<Credential> PlainCredentials(std::vector<std::string> const& tokens) {
  std::vector<Credential> out;
  for (auto const& t : tokens) {
    if (!t.empty()) out.push_back(Credential{Sha256(t), nullptr});
  }
  return out;
}

halo::Status ResolvePolicies(std::vector<Credential>& credentials, ToolRegistry const& registry) {
  for (auto& c : credentials) {
    if (!c.principal || !c.principal->policy.Narrows()) continue;
    Principal p = *c.principal;
    if (auto s = p.policy.Resolve(registry); !s.ok()) {
      return halo::InvalidArgumentError("token \"" + p.name + "\": " + s.message());
    }
    c.principal = std::make_shared<Principal const>(std::move(p));
  }
  return halo::Status();
}

std::string NewClientToken() { return "hmcp_" + RandomHex(32); }

std::string TokenFileEntry(std::string_view token, std::string const& name,
                           std::string const& agent, ToolPolicy const& policy) {
  json entry{{"digest", std::string(kDigestPrefix) + Hex(Sha256(token))}, {"name", name}};
  if (!agent.empty()) entry["agent"] = agent;
  if (policy.read_only) entry["read_only"] = true;
  if (!policy.toolsets.empty()) entry["toolsets"] = policy.toolsets;
  if (!policy.tools.empty()) entry["tools"] = policy.tools;
  if (!policy.exclude.empty()) entry["exclude_tools"] = policy.exclude;
  return entry.dump();
}

halo::Status AppendTokenEntry(std::string const& path, std::string const& entry,
                              std::string const& name) {
  std::string existing;
  if (std::ifstream in(path); in) {
    existing.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  auto parsed = ParseTokenFile(existing, "");
  if (!parsed.ok()) return parsed.status();
  for (auto const& c : *parsed) {
    if (c.principal && c.principal->name == name) {
      return halo::InvalidArgumentError("the token file already has a technician named \"" + name +
                                        "\"; pick another --name");
    }
  }
  int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    return halo::FailedPreconditionError("cannot open " + path + ": " + std::strerror(errno));
  }
  std::string line = entry + "\n";
  if (!existing.empty() && existing.back() != '\n') line.insert(line.begin(), '\n');
  ssize_t written = ::write(fd, line.data(), line.size());
  ::close(fd);
  if (written != static_cast<ssize_t>(line.size())) {
    return halo::FailedPreconditionError("cannot write " + path);
  }
  return halo::Status();
}

}  // namespace mcp
