#include "server/doctor.h"

#include "halo/split_url.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <ctime>
#include <sstream>

namespace mcp {
namespace {

using Level = DoctorLine::Level;

/// Larger differences make "today" and relative dates wrong near midnight.
constexpr std::chrono::seconds kSkewTolerance{60};

std::string_view LevelWord(Level level) {
  switch (level) {
    case Level::kOk:
      return "ok";
    case Level::kWarn:
      return "warn";
    case Level::kFail:
      return "FAIL";
    case Level::kSkip:
      return "skip";
  }
  return "?";
}

std::string QueryValue(nlohmann::json const& v) {
  if (v.is_string()) return v.get<std::string>();
  return v.dump();
}

/// The anonymous GET /api/authinfo: proves the address answers, whatever the credentials.
DoctorLine Reach(DoctorInputs const& in, halo::HttpResult& answer) {
  DoctorLine line{Level::kOk, "reach HaloPSA", ""};
  auto split = halo::internal::SplitUrl(in.options.base_url);
  if (!split.ok()) {
    return {Level::kFail, line.check, split.status().message() + ": check HALOPSA_BASE_URL"};
  }
  halo::HttpRequest request;
  request.method = "GET";
  request.origin = split->origin;
  request.target = split->path_prefix + "/api/authinfo";
  request.headers = {{"User-Agent", in.options.user_agent}, {"Accept", "application/json"}};
  request.max_response_bytes = 64 * 1024;
  auto const started = std::chrono::steady_clock::now();
  answer = in.http->Send(request, halo::CallContext{});
  auto const ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - started)
                      .count();
  switch (answer.failure) {
    case halo::TransportFailure::kNone:
      break;
    case halo::TransportFailure::kTls:
      return {Level::kFail, line.check,
              "TLS certificate verification failed for " + split->origin + " (" +
                  answer.error_name +
                  "): check HALOPSA_BASE_URL, and that the system CA certificates are installed"};
    default:
      return {Level::kFail, line.check,
              "cannot reach " + split->origin + " (" + answer.error_name +
                  "): check HALOPSA_BASE_URL, DNS, and any proxy or firewall in between"};
  }
  line.text = split->origin + " answered HTTP " + std::to_string(answer.status) + " in " +
              std::to_string(ms) + " ms";
  if (answer.status >= 500) {
    line.level = Level::kWarn;
    line.text += ": HaloPSA is reachable but failing; try again later";
  }
  return line;
}

/// One list read with limit 1 through the first exposed list tool of each enabled toolset.
void Toolsets(DoctorInputs const& in, DoctorReport& report) {
  for (auto const& toolset : in.registry->toolsets()) {
    auto const& tools = in.registry->tools();
    bool const enabled = std::any_of(tools.begin(), tools.end(),
                                     [&](ToolSpec const& t) { return t.toolset == toolset.id; });
    // The meta toolset (--dynamic-toolsets) reaches nothing in HaloPSA: nothing to check.
    if (!enabled || toolset.meta) continue;
    std::string const check = "toolset " + toolset.id;
    // A list read that needs no arguments; a paged one (the toolset's own records, such as
    // /Asset) before a reference list (/AssetType), which any token may read.
    ToolSpec const* probe = nullptr;
    for (auto const& t : tools) {
      bool const harmless = t.toolset == toolset.id && t.read_only() && t.halo.kind == "list" &&
                            t.halo.method == "GET" && t.halo.path.find('{') == std::string::npos &&
                            t.input_schema.value("required", nlohmann::json::array()).empty();
      if (harmless && (probe == nullptr || (t.halo.paginate && !probe->halo.paginate))) probe = &t;
    }
    if (probe == nullptr) {
      report.lines.push_back(
          {Level::kSkip, check, "every read needs arguments (such as a ticket id); none tried"});
      continue;
    }
    halo::ListRequest request;
    request.path = probe->halo.path;
    for (auto const& [key, value] : probe->halo.fixed_query.items()) {
      request.query.emplace_back(key, QueryValue(value));
    }
    request.list_key = probe->halo.list_key;
    request.paginate = probe->halo.paginate;
    request.limit = 1;
    auto const what = "GET " + probe->halo.path + " (" + probe->name + ")";
    auto result = in.client->List(request, halo::CallContext{});
    if (result.ok()) {
      report.lines.push_back({Level::kOk, check, "read " + what});
    } else if (result.status().code() == halo::StatusCode::kPermissionDenied) {
      report.lines.push_back(
          {Level::kFail, check,
           "HaloPSA refused " + what + " (" + result.status().message() +
               "): allow the API application to read this in HaloPSA (its permissions, or "
               "HALOPSA_SCOPE), or leave the toolset out (--toolsets / HALO_MCP_TOOLSETS)"});
    } else {
      report.lines.push_back({Level::kFail, check, what + " failed: " + result.status().message()});
    }
  }
}

DoctorLine RateLine(DoctorInputs const& in, halo::ClientStats const& stats) {
  DoctorLine line{Level::kOk, "rate limit", ""};
  auto const& o = in.options;
  if (o.rate_limit_requests <= 0) {
    return {Level::kWarn, line.check,
            "off (HALOPSA_RATE_LIMIT=off): nothing paces requests, and HaloPSA answers 429 past "
            "its limit (300 per 5 minutes when hosted)"};
  }
  line.text = "budget " + std::to_string(o.rate_limit_requests) + " requests per " +
              std::to_string(o.rate_limit_window.count()) + " s; these checks used " +
              std::to_string(stats.http_requests);
  if (stats.rate_limited_waits > 0) {
    line.level = Level::kWarn;
    line.text += ", and " + std::to_string(stats.rate_limited_waits) +
                 " had to wait for the budget: something else is using this API application's "
                 "limit now (another server or script); give each its own application or lower "
                 "HALOPSA_RATE_LIMIT";
  } else {
    line.text += "; none had to wait";
  }
  return line;
}

}  // namespace

bool DoctorReport::ok() const {
  return std::none_of(lines.begin(), lines.end(),
                      [](DoctorLine const& l) { return l.level == Level::kFail; });
}

std::string DoctorReport::Render() const {
  std::ostringstream out;
  std::size_t failures = 0;
  for (auto const& l : lines) {
    std::string word(LevelWord(l.level));
    word.resize(6, ' ');
    out << word << l.check << ": " << l.text << "\n";
    if (l.level == Level::kFail) ++failures;
  }
  if (failures == 0) {
    out << "halo-mcp doctor: everything needed works\n";
  } else {
    out << "halo-mcp doctor: " << failures << (failures == 1 ? " problem" : " problems")
        << " to fix (the FAIL lines)\n";
  }
  return out.str();
}

DoctorReport ConfigurationFailure(std::string const& message) {
  DoctorReport report;
  report.lines.push_back(
      {Level::kFail, "configuration", message + " (halo-mcp --help lists the settings)"});
  return report;
}

std::optional<std::chrono::system_clock::time_point> ParseHttpDate(std::string_view text) {
  static constexpr std::array<std::string_view, 12> kMonths = {
      "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  char weekday[4] = {}, month[4] = {}, zone[4] = {};
  int day = 0, year = 0, hour = 0, minute = 0, second = 0, consumed = 0;
  std::string const s(text);
  if (std::sscanf(s.c_str(), "%3[A-Za-z], %2d %3[A-Za-z] %4d %2d:%2d:%2d %3[A-Z]%n", weekday, &day,
                  month, &year, &hour, &minute, &second, zone, &consumed) != 8 ||
      static_cast<std::size_t>(consumed) != s.size() || std::string_view(zone) != "GMT") {
    return std::nullopt;
  }
  auto m = std::find(kMonths.begin(), kMonths.end(), std::string_view(month));
  if (m == kMonths.end() || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) {
    return std::nullopt;
  }
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = static_cast<int>(m - kMonths.begin());
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

DoctorLine ClockLine(std::string const& date_header, std::chrono::system_clock::time_point ours) {
  DoctorLine line{Level::kOk, "clock", ""};
  if (date_header.empty()) {
    return {Level::kWarn, line.check,
            "HaloPSA sent no Date header, so the clocks were not compared"};
  }
  auto theirs = ParseHttpDate(date_header);
  if (!theirs) {
    return {Level::kWarn, line.check,
            "HaloPSA's Date header \"" + date_header + "\" is not an HTTP date; not compared"};
  }
  auto const skew = std::chrono::duration_cast<std::chrono::seconds>(ours - *theirs);
  auto const size = std::chrono::abs(skew);
  std::string const how = std::to_string(size.count()) + " s " +
                          (skew.count() >= 0 ? "ahead of" : "behind") + " HaloPSA's";
  // The header has whole seconds, and the answer took time to arrive: 2 s is agreement.
  if (size <= std::chrono::seconds(2)) {
    line.text = "this machine's clock agrees with HaloPSA's";
  } else if (size <= kSkewTolerance) {
    line.text = "this machine's clock is " + how;
  } else {
    line.level = Level::kWarn;
    line.text = "this machine's clock is " + how +
                ": \"today\" and relative dates are computed here, so sync it (NTP, e.g. "
                "timedatectl set-ntp true)";
  }
  return line;
}

DoctorReport RunDoctor(DoctorInputs const& in) {
  DoctorReport report;
  auto const& o = in.options;
  std::string toolsets;
  for (auto const& ts : in.registry->toolsets()) {
    auto const& tools = in.registry->tools();
    if (std::any_of(tools.begin(), tools.end(),
                    [&](ToolSpec const& t) { return t.toolset == ts.id; })) {
      toolsets += (toolsets.empty() ? "" : ",") + ts.id;
    }
  }
  report.lines.push_back({Level::kOk, "configuration",
                          "HaloPSA at " + o.base_url +
                              (o.tenant.empty() ? "" : " (tenant " + o.tenant + ")") +
                              ", client id and secret set, scope '" + o.scope + "'; " +
                              std::to_string(in.registry->tools().size()) + " tools from " +
                              (toolsets.empty() ? std::string("no toolset") : toolsets)});

  halo::HttpResult answer;
  report.lines.push_back(Reach(in, answer));
  if (report.lines.back().level == Level::kFail) {
    report.lines.push_back({Level::kSkip, "token", "HaloPSA is not reachable"});
    return report;
  }

  auto const before = in.client->stats();
  auto me = in.client->Get("/Agent/me", {}, halo::CallContext{});
  if (!me.ok() && in.client->stats().http_requests == before.http_requests) {
    // No /api request went out: the token request itself failed.
    report.lines.push_back({Level::kFail, "token", me.status().message()});
    report.lines.push_back({Level::kSkip, "API agent and reads", "they need a token"});
    report.lines.push_back(ClockLine(answer.date, in.now()));
    return report;
  }
  report.lines.push_back(
      {Level::kOk, "token", "obtained an access token for scope '" + o.scope + "'"});
  std::string api_agent = "the API agent";
  if (me.ok()) {
    auto const name = me->value("name", std::string());
    auto const id = me->contains("id") ? me->at("id").dump() : std::string("?");
    api_agent = name.empty() ? "agent " + id : name;
    report.lines.push_back({Level::kOk, "API agent",
                            "the API application acts as " + api_agent + " (agent " + id + ")"});
  } else {
    report.lines.push_back(
        {Level::kFail, "API agent", "GET /Agent/me failed: " + me.status().message()});
  }

  if (in.principal == nullptr || in.principal->agent.empty()) {
    report.lines.push_back(
        {Level::kWarn, "acting agent",
         "not set: notes, time and \"me\" are " + api_agent +
             "'s; set --agent or HALOPSA_AGENT to the technician the assistant works for"});
  } else if (auto checked = in.executor->CheckActingAgent(in.principal); checked.ok()) {
    report.lines.push_back(
        {Level::kOk, "acting agent",
         "\"" + in.principal->agent + "\" is one active agent: notes, time and \"me\" are theirs"});
  } else {
    report.lines.push_back(
        {Level::kFail, "acting agent", checked.message() + " (--agent / HALOPSA_AGENT)"});
  }

  Toolsets(in, report);
  report.lines.push_back(ClockLine(answer.date, in.now()));
  report.lines.push_back(RateLine(in, in.client->stats()));
  return report;
}

}  // namespace mcp
