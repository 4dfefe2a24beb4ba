#include "tests/fleet/fleet_harness.h"

#include "tests/support/raw_connection.h"

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <cstdio>
#include <fstream>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

using nlohmann::json;
using namespace std::chrono_literals;

namespace fleet_test {

Sim::Sim(std::vector<std::string> extra_args) {
  std::vector<std::string> argv{HALO_SIM_BINARY, "--port", "0", "--admin"};
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  process_ = halo_test::McpProcess::Start(argv);
  auto ready = process_->Read(15s);
  INFO(process_->Stderr());
  REQUIRE(ready);
  credentials_ = *ready;
  std::string base = credentials_["base_url"];  // http://127.0.0.1:PORT
  auto colon = base.rfind(':');
  host_ = base.substr(7, colon - 7);
  port_ = std::stoi(base.substr(colon + 1));
}

std::map<std::string, std::string> Sim::Env() const {
  return {{"HALOPSA_BASE_URL", credentials_["base_url"]},
          {"HALOPSA_TENANT", credentials_["tenant"]},
          {"HALOPSA_CLIENT_ID", credentials_["client_id"]},
          {"HALOPSA_CLIENT_SECRET", credentials_["client_secret"]}};
}

httplib::Client Sim::Client() const {
  httplib::Client c(host_, port_);
  c.set_read_timeout(10, 0);
  return c;
}

json Sim::Requests() {
  auto r = Client().Get("/_sim/requests");
  REQUIRE(r);
  return json::parse(r->body);
}

std::string Sim::AdminToken() {
  auto r = Client().Post("/_sim/token", R"({"scope":"all","ttl_seconds":600})", "application/json");
  REQUIRE(r);
  return json::parse(r->body)["access_token"];
}

Replica StartReplica(std::vector<std::string> args, std::map<std::string, std::string> env,
                     std::string const& tag) {
  Replica r;
  std::string const port_file = "/tmp/halo-fleet-" + std::to_string(getpid()) + "-" + tag + ".port";
  r.audit_path = "/tmp/halo-fleet-" + std::to_string(getpid()) + "-" + tag + ".audit";
  std::remove(port_file.c_str());
  std::remove(r.audit_path.c_str());
  std::vector<std::string> argv{HALO_MCP_BINARY, "--http",      "127.0.0.1:0", "--http-port-file",
                                port_file,       "--audit-log", r.audit_path};
  argv.insert(argv.end(), args.begin(), args.end());
  r.process = halo_test::McpProcess::Start(argv, env);
  for (auto deadline = std::chrono::steady_clock::now() + 15s;
       r.port <= 0 && std::chrono::steady_clock::now() < deadline;) {
    std::ifstream in(port_file);
    if (!(in >> r.port)) std::this_thread::sleep_for(20ms);
  }
  std::remove(port_file.c_str());
  INFO(r.process->Stderr());
  REQUIRE(r.port > 0);
  return r;
}

namespace {

/// The JSON-RPC answer of a POST (plain JSON or the last event of an SSE stream), with the HTTP
/// status added when it is not 200; {"transport": ...} when the body is not JSON.
json Decode(httplib::Response const& r) {
  std::string body = r.body;
  if (r.get_header_value("Content-Type") == "text/event-stream") {
    auto pos = body.rfind("data: ");
    body = pos == std::string::npos ? "" : body.substr(pos + 6);
  }
  json out = json::parse(body, nullptr, false);
  if (out.is_discarded()) return json{{"transport", std::to_string(r.status) + " " + r.body}};
  if (r.status != 200) out["http_status"] = r.status;
  return out;
}

}  // namespace

json Caller::Request(std::string const& method, json params, int id) const {
  params["_meta"]["io.modelcontextprotocol/protocolVersion"] = "2026-07-28";
  params["_meta"]["io.modelcontextprotocol/clientCapabilities"] = json::object();
  json req{{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", params}};
  httplib::Headers h{{"Accept", "application/json, text/event-stream"},
                     {"MCP-Protocol-Version", "2026-07-28"},
                     {"Mcp-Method", method},
                     {"Authorization", "Bearer " + token}};
  if (params.contains("name")) h.emplace("Mcp-Name", params["name"].get<std::string>());
  httplib::Client c("127.0.0.1", port);
  c.set_read_timeout(60, 0);
  auto r = c.Post("/mcp", h, req.dump(), "application/json");
  if (!r) return json{{"transport", httplib::to_string(r.error())}};
  return Decode(*r);
}

json Caller::Call(std::string const& tool, json arguments, int id) const {
  json r = Request("tools/call", {{"name", tool}, {"arguments", std::move(arguments)}}, id);
  return r.contains("result") ? r["result"] : r;
}

json SessionCaller::Post(json const& message, std::string* session_id) const {
  httplib::Headers h{{"Accept", "application/json, text/event-stream"},
                     {"Authorization", "Bearer " + token}};
  if (!session.empty()) {
    h.emplace("Mcp-Session-Id", session);
    h.emplace("MCP-Protocol-Version", "2025-06-18");
  }
  httplib::Client c("127.0.0.1", port);
  c.set_read_timeout(60, 0);
  auto r = c.Post("/mcp", h, message.dump(), "application/json");
  if (!r) return json{{"transport", httplib::to_string(r.error())}};
  if (session_id != nullptr) *session_id = r->get_header_value("Mcp-Session-Id");
  if (r->status == 202) return json::object();
  return Decode(*r);
}

bool SessionCaller::Initialize() {
  session.clear();
  std::string id;
  json r = Post({{"jsonrpc", "2.0"},
                 {"id", 0},
                 {"method", "initialize"},
                 {"params",
                  {{"protocolVersion", "2025-06-18"},
                   {"capabilities", json::object()},
                   {"clientInfo", {{"name", "fleet-test"}, {"version", "1"}}}}}},
                &id);
  if (!r.contains("result") || id.empty()) return false;
  session = id;
  Post({{"jsonrpc", "2.0"}, {"method", "notifications/initialized"}});
  return true;
}

json SessionCaller::Call(std::string const& tool, json arguments, int id) const {
  json r = Post({{"jsonrpc", "2.0"},
                 {"id", id},
                 {"method", "tools/call"},
                 {"params", {{"name", tool}, {"arguments", std::move(arguments)}}}});
  return r.contains("result") ? r["result"] : r;
}

int SessionCaller::End() const {
  httplib::Client c("127.0.0.1", port);
  auto r = c.Delete("/mcp", {{"Authorization", "Bearer " + token}, {"Mcp-Session-Id", session}});
  return r ? r->status : 0;
}

std::vector<std::string> Caller::ToolNames() const {
  std::vector<std::string> names;
  json r = Request("tools/list", json::object(), 1);
  for (auto const& t : r["result"]["tools"]) names.push_back(t["name"]);
  return names;
}

std::string Caller::Metrics() const {
  httplib::Client c("127.0.0.1", port);
  auto r = c.Get("/metrics");
  return r && r->status == 200 ? r->body : "";
}

std::string TextOf(json const& result) {
  std::string text;
  if (result.contains("content")) {
    for (auto const& c : result["content"]) text += c.value("text", "");
  }
  return text;
}

std::string AddToken(std::string const& file, std::vector<std::string> const& args) {
  std::string cmd = std::string(HALO_MCP_BINARY) + " --http-token-file '" + file + "' token add";
  for (auto const& a : args) cmd += " '" + a + "'";
  FILE* p = ::popen((cmd + " 2>/dev/null").c_str(), "r");
  REQUIRE(p != nullptr);
  char buf[256] = {};
  std::string out = fgets(buf, sizeof buf, p) ? buf : "";
  int status = ::pclose(p);
  REQUIRE(status == 0);
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}

}  // namespace fleet_test
