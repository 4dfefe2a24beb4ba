// Prompts, resources and completions through the real halo-mcp binary, over stdio and Streamable
// HTTP, in the initialize era and in 2026-07-28; HaloPSA is the in-process simulator.
#include "sim/simulator.h"
#include "tests/support/mcp_process.h"
#include "tests/support/raw_connection.h"
#include "tests/support/simulator_env.h"

#include <catch2/catch.hpp>
#include <httplib.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <regex>
#include <set>
#include <thread>
#include <unistd.h>

using halo_test::McpProcess;
using halo_test::SimulatorEnv;
using halo_test::StartSimulator;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

constexpr char kAgent[] = "3";  // the acting technician, by id

std::unique_ptr<halo_sim::Simulator> StartSim() {
  halo_sim::SimOptions o;
  o.tickets = 300;
  o.clients = 10;
  o.assets = 20;
  o.rate_limit_requests = 0;
  return StartSimulator(o);
}

std::map<std::string, std::string> SimEnv(halo_sim::Simulator const& sim) {
  return SimulatorEnv(sim, {{"HALOPSA_RATE_LIMIT", "off"}});
}

json ModernParams(json params) {
  params["_meta"]["io.modelcontextprotocol/protocolVersion"] = "2026-07-28";
  params["_meta"]["io.modelcontextprotocol/clientCapabilities"] = json::object();
  return params;
}

std::string Lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

/// One way of sending a request (stdio or HTTP, either era); returns the whole response.
using Send = std::function<json(std::string const& method, json params)>;

std::vector<std::string> PromptNames(json const& list) {
  std::vector<std::string> names;
  for (auto const& p : list["result"]["prompts"]) names.push_back(p["name"]);
  return names;
}

/// What every transport and era must answer alike. `modern` selects the era's not-found code
/// and caching fields; `tool` calls a tool the ordinary way, to compare resources with.
void CheckFeatures(Send const& send, bool modern,
                   std::function<json(std::string const&, json)> const& tool) {
  INFO((modern ? "2026-07-28" : "2025-11-25"));
  auto cached = [&](json const& r) {
    if (!modern) return;
    CHECK(r["result"]["ttlMs"].is_number_integer());
    CHECK(r["result"]["cacheScope"] == "private");
    CHECK(r["result"]["resultType"] == "complete");
  };

  // Prompts.
  json list = send("prompts/list", json::object());
  REQUIRE(list.contains("result"));
  CHECK(PromptNames(list) == std::vector<std::string>{"triage_queue", "my_day", "close_ticket",
                                                      "handover", "client_review"});
  cached(list);
  json got = send("prompts/get", {{"name", "close_ticket"}, {"arguments", {{"ticket_id", "42"}}}});
  REQUIRE(got.contains("result"));
  std::string text = got["result"]["messages"][0]["content"]["text"];
  CHECK_THAT(text, Catch::Matchers::Contains("Close ticket 42."));
  CHECK_THAT(text, Catch::Matchers::Contains("halopsa_add_action"));
  CHECK(send("prompts/get", {{"name", "close_ticket"}})["error"]["code"] == -32602);
  CHECK(send("prompts/get", {{"name", "nope"}})["error"]["code"] == -32602);

  // Resource templates and my open tickets.
  json templates = send("resources/templates/list", json::object());
  std::set<std::string> uris;
  for (auto const& t : templates["result"]["resourceTemplates"]) uris.insert(t["uriTemplate"]);
  CHECK(uris == std::set<std::string>{"halopsa://tickets/{id}", "halopsa://clients/{id}",
                                      "halopsa://users/{id}", "halopsa://kb/{id}"});
  cached(templates);
  json resources = send("resources/list", json::object());
  REQUIRE(resources.contains("result"));
  cached(resources);
  json mine = tool("halopsa_list_tickets", {{"agent", "me"}, {"open_only", true}, {"limit", 50}});
  std::set<std::string> expected, listed;
  for (auto const& row : mine["structuredContent"]["items"]) {
    expected.insert("halopsa://tickets/" + row["id"].dump());
  }
  for (auto const& r : resources["result"]["resources"]) {
    listed.insert(r["uri"]);
    CHECK_FALSE(r["name"].get<std::string>().empty());
  }
  REQUIRE_FALSE(expected.empty());
  CHECK(listed == expected);

  // Reading a resource is the get tool's projection.
  std::string const uri = *listed.begin();
  std::string const id = uri.substr(uri.rfind('/') + 1);
  json read = send("resources/read", {{"uri", uri}});
  REQUIRE(read.contains("result"));
  cached(read);
  json content = read["result"]["contents"][0];
  CHECK(content["uri"] == uri);
  CHECK(content["mimeType"] == "text/plain");
  json get = tool("halopsa_get_ticket", {{"id", std::stoll(id)}});
  CHECK(content["text"] == get["content"][0]["text"]);

  int const not_found = modern ? -32602 : -32002;
  json missing = send("resources/read", {{"uri", "halopsa://tickets/987654"}});
  CHECK(missing["error"]["code"] == not_found);
  CHECK_THAT(missing["error"]["message"].get<std::string>(),
             Catch::Matchers::Contains("no ticket 987654"));
  CHECK(send("resources/read", {{"uri", "halopsa://planets/1"}})["error"]["code"] == not_found);
  CHECK(send("resources/read", {{"uri", "halopsa://tickets/-1"}})["error"]["code"] == not_found);

  // Completions from the cached lookups.
  json clients = tool("halopsa_list_clients", {{"limit", 5}});
  std::string const client = clients["structuredContent"]["items"][0]["name"];
  std::string const prefix = client.substr(0, 3);
  json done =
      send("completion/complete", {{"ref", {{"type", "ref/prompt"}, {"name", "client_review"}}},
                                   {"argument", {{"name", "client"}, {"value", prefix}}}});
  REQUIRE(done.contains("result"));
  json values = done["result"]["completion"]["values"];
  CHECK(std::find(values.begin(), values.end(), client) != values.end());
  for (auto const& v : values) CHECK(Lower(v).rfind(Lower(prefix), 0) == 0);
  json agents = send("completion/complete", {{"ref", {{"type", "ref/prompt"}, {"name", "my_day"}}},
                                             {"argument", {{"name", "agent"}, {"value", ""}}}});
  CHECK(agents["result"]["completion"]["values"].size() >= 5);
  CHECK(agents["result"]["completion"]["values"].size() <= 100);
  json ids = send("completion/complete",
                  {{"ref", {{"type", "ref/resource"}, {"uri", "halopsa://tickets/{id}"}}},
                   {"argument", {{"name", "id"}, {"value", "1"}}}});
  CHECK(ids["result"]["completion"]["values"].empty());
  CHECK(send("completion/complete",
             {{"ref", {{"type", "ref/prompt"}, {"name", "nope"}}},
              {"argument", {{"name", "x"}, {"value", ""}}}})["error"]["code"] == -32602);
}

/// halo-mcp --http against the simulator, with a tiny client for both eras.
struct HttpServer {
  std::unique_ptr<McpProcess> mcp;
  std::string port_file;
  int port = 0;
  std::string session;
  int next_id = 1;

  explicit HttpServer(halo_sim::Simulator const& sim) {
    port_file = "/tmp/halo-features-test-" + std::to_string(getpid()) + ".port";
    std::remove(port_file.c_str());
    mcp = McpProcess::Start({HALO_MCP_BINARY, "--http", "127.0.0.1:0", "--http-port-file",
                             port_file, "--agent", kAgent},
                            SimEnv(sim));
    auto deadline = std::chrono::steady_clock::now() + 15s;
    while (std::chrono::steady_clock::now() < deadline) {
      std::ifstream in(port_file);
      if (in >> port && port > 0) break;
      std::this_thread::sleep_for(20ms);
    }
    INFO(mcp->Stderr());
    REQUIRE(port > 0);
  }
  ~HttpServer() { std::remove(port_file.c_str()); }

  json Post(json const& message, httplib::Headers headers) {
    httplib::Client cli("127.0.0.1", port);
    cli.set_read_timeout(30, 0);
    headers.emplace("Accept", "application/json, text/event-stream");
    auto r = cli.Post("/mcp", headers, message.dump(), "application/json");
    REQUIRE(r);
    if (session.empty() && message.value("method", "") == "initialize") {
      session = r->get_header_value("Mcp-Session-Id");
    }
    std::string body = r->body;
    if (r->get_header_value("Content-Type") == "text/event-stream") {
      auto pos = body.rfind("data: ");
      body = pos == std::string::npos ? "" : body.substr(pos + 6);
    }
    if (body.empty()) return json::object();
    return json::parse(body);
  }

  json Legacy(std::string const& method, json params) {
    json message{{"jsonrpc", "2.0"}, {"id", next_id++}, {"method", method}, {"params", params}};
    httplib::Headers h;
    if (!session.empty()) {
      h.emplace("Mcp-Session-Id", session);
      h.emplace("MCP-Protocol-Version", "2025-11-25");
    }
    return Post(message, h);
  }

  json Modern(std::string const& method, json params) {
    std::string name = params.value("name", params.value("uri", ""));
    json message{{"jsonrpc", "2.0"},
                 {"id", next_id++},
                 {"method", method},
                 {"params", ModernParams(std::move(params))}};
    httplib::Headers h{{"MCP-Protocol-Version", "2026-07-28"}, {"Mcp-Method", method}};
    if (method == "tools/call" || method == "prompts/get" || method == "resources/read") {
      h.emplace("Mcp-Name", name);
    }
    return Post(message, h);
  }
};

}  // namespace

TEST_CASE("features over stdio: prompts, resources, completions in both eras",
          "[e2e][features][stdio]") {
  auto sim = StartSim();
  auto p =
      McpProcess::Start({HALO_MCP_BINARY, "--log-level", "warn", "--agent", kAgent}, SimEnv(*sim));
  json init = p->Initialize();
  REQUIRE(init.contains("result"));
  json caps = init["result"]["capabilities"];
  CHECK(caps["prompts"]["listChanged"] == false);
  CHECK(caps["resources"]["subscribe"] == false);
  CHECK(caps.contains("completions"));
  auto tool = [&](std::string const& name, json args) { return p->Call(name, std::move(args)); };
  CheckFeatures([&](std::string const& m, json params) { return p->Request(m, params); }, false,
                tool);
  CheckFeatures(
      [&](std::string const& m, json params) { return p->Request(m, ModernParams(params)); }, true,
      tool);
  CHECK(p->stdout_garbage.empty());
}

TEST_CASE("features over HTTP: prompts, resources, completions in both eras",
          "[e2e][features][http]") {
  auto sim = StartSim();
  HttpServer s(*sim);
  json init = s.Legacy("initialize", {{"protocolVersion", "2025-11-25"},
                                      {"capabilities", json::object()},
                                      {"clientInfo", {{"name", "e2e"}, {"version", "1"}}}});
  REQUIRE(init.contains("result"));
  REQUIRE_FALSE(s.session.empty());
  s.Legacy("notifications/initialized", json::object());
  auto tool = [&](std::string const& name, json args) {
    return s.Legacy("tools/call", {{"name", name}, {"arguments", std::move(args)}})["result"];
  };
  CheckFeatures([&](std::string const& m, json params) { return s.Legacy(m, params); }, false,
                tool);
  CheckFeatures([&](std::string const& m, json params) { return s.Modern(m, params); }, true, tool);
  json discover = s.Modern("server/discover", json::object());
  CHECK(discover["result"]["capabilities"].contains("prompts"));
  CHECK(discover["result"]["capabilities"].contains("completions"));
}

TEST_CASE("features without an acting agent: no listed resources, templates still read",
          "[e2e][features][stdio]") {
  auto sim = StartSim();
  auto p = McpProcess::Start({HALO_MCP_BINARY, "--log-level", "warn"}, SimEnv(*sim));
  p->Initialize();
  json list = p->Request("resources/list");
  REQUIRE(list.contains("result"));
  CHECK(list["result"]["resources"].empty());
  json client = p->Call("halopsa_list_clients", {{"limit", 1}})["structuredContent"]["items"][0];
  json read = p->Request("resources/read", {{"uri", "halopsa://clients/" + client["id"].dump()}});
  INFO(read.dump());
  REQUIRE(read.contains("result"));
  CHECK_THAT(read["result"]["contents"][0]["text"].get<std::string>(),
             Catch::Matchers::Contains(client["name"].get<std::string>()));
}

TEST_CASE("read-only: prompts that change tickets are withdrawn", "[e2e][features][stdio]") {
  auto sim = StartSim();
  auto p = McpProcess::Start({HALO_MCP_BINARY, "--log-level", "warn", "--read-only"}, SimEnv(*sim));
  p->Initialize();
  CHECK(PromptNames(p->Request("prompts/list")) ==
        std::vector<std::string>{"my_day", "handover", "client_review"});
  json refused =
      p->Request("prompts/get", {{"name", "close_ticket"}, {"arguments", {{"ticket_id", "1"}}}});
  CHECK(refused["error"]["code"] == -32602);
  CHECK_THAT(refused["error"]["message"].get<std::string>(), Catch::Matchers::Contains("disabled"));
}

namespace {

/// A stdio server whose client declared elicitation (legacy era).
std::unique_ptr<McpProcess> StartEliciting(halo_sim::Simulator const& sim) {
  auto p = McpProcess::Start({HALO_MCP_BINARY, "--log-level", "warn"}, SimEnv(sim));
  json init = p->Request("initialize", {{"protocolVersion", "2025-11-25"},
                                        {"capabilities", {{"elicitation", json::object()}}},
                                        {"clientInfo", {{"name", "e2e"}, {"version", "1"}}}});
  REQUIRE(init.contains("result"));
  p->Send({{"jsonrpc", "2.0"}, {"method", "notifications/initialized"}});
  return p;
}

/// Calls a tool, answers the server's elicitation/create with `answer`, returns the tool result
/// and (through `asked`) the elicitation request.
json CallAnswering(McpProcess& p, std::string const& id, std::string const& tool, json args,
                   json const& answer, json* asked) {
  p.Send({{"jsonrpc", "2.0"},
          {"id", id},
          {"method", "tools/call"},
          {"params", {{"name", tool}, {"arguments", std::move(args)}}}});
  for (;;) {
    auto m = p.Read();
    REQUIRE(m);
    if (m->value("method", "") == "elicitation/create") {
      *asked = *m;
      p.Send({{"jsonrpc", "2.0"}, {"id", (*m)["id"]}, {"result", answer}});
      break;
    }
    REQUIRE_FALSE(m->value("id", json()) == id);  // answered without asking
  }
  json r = p.AwaitResponse(id);
  REQUIRE(r.contains("result"));
  return r["result"];
}

json OpenTicketIds(McpProcess& p, int n) {
  json rows = p.Call("halopsa_list_tickets", {{"open_only", true}, {"limit", n}});
  json ids = json::array();
  for (auto const& row : rows["structuredContent"]["items"]) ids.push_back(row["id"]);
  return ids;
}

}  // namespace

TEST_CASE("elicitation (2025-11-25 stdio): a delete asks the person, only accept deletes",
          "[e2e][features][elicitation]") {
  auto sim = StartSim();
  auto p = StartEliciting(*sim);
  json const ticket = OpenTicketIds(*p, 1)[0];
  json asked;
  // confirm: true from the model does not stand in for the person.
  json declined =
      CallAnswering(*p, "d1", "halopsa_delete_ticket", {{"id", ticket}, {"confirm", true}},
                    {{"action", "decline"}}, &asked);
  CHECK_THAT(asked["params"]["message"].get<std::string>(),
             Catch::Matchers::StartsWith("Delete this ticket?"));
  CHECK_THAT(declined["content"][0]["text"].get<std::string>(),
             Catch::Matchers::StartsWith("Not deleted: the person declined. Nothing changed."));
  CHECK(declined["structuredContent"]["deleted"] == false);
  CHECK_FALSE(p->Call("halopsa_get_ticket", {{"id", ticket}}).value("isError", false));

  json unticked = CallAnswering(*p, "d2", "halopsa_delete_ticket", {{"id", ticket}},
                                {{"action", "accept"}, {"content", {{"confirm", false}}}}, &asked);
  CHECK(unticked["structuredContent"]["deleted"] == false);
  CHECK_FALSE(p->Call("halopsa_get_ticket", {{"id", ticket}}).value("isError", false));

  json accepted = CallAnswering(*p, "d3", "halopsa_delete_ticket", {{"id", ticket}},
                                {{"action", "accept"}, {"content", {{"confirm", true}}}}, &asked);
  CHECK(accepted["structuredContent"]["deleted"] == true);
  CHECK(p->Call("halopsa_get_ticket", {{"id", ticket}}).value("isError", false));
}

TEST_CASE(
    "elicitation (2025-11-25 stdio): a bulk change over the threshold asks, cancel "
    "changes nothing",
    "[e2e][features][elicitation]") {
  auto sim = StartSim();
  auto p = StartEliciting(*sim);
  json const ids = OpenTicketIds(*p, 60);
  REQUIRE(ids.size() == 60);
  json asked;
  json cancelled = CallAnswering(*p, "b1", "halopsa_bulk_update_tickets",
                                 {{"ids", ids}, {"priority", "4"}}, {{"action", "cancel"}}, &asked);
  CHECK_THAT(asked["params"]["message"].get<std::string>(),
             Catch::Matchers::StartsWith("Update 60 tickets (priority: 4)?"));
  CHECK_THAT(
      cancelled["content"][0]["text"].get<std::string>(),
      Catch::Matchers::Contains("cancelled") && Catch::Matchers::Contains("Nothing changed"));
  CHECK(cancelled["structuredContent"]["succeeded"] == 0);

  // Under the threshold nothing is asked, as before.
  json few = p->Call("halopsa_bulk_update_tickets",
                     {{"ids", json::array({ids[0], ids[1]})}, {"priority", "4"}});
  CHECK(few["structuredContent"]["succeeded"] == 2);
}

TEST_CASE("elicitation (2026-07-28): input_required with a signed requestState, then the retry",
          "[e2e][features][elicitation]") {
  auto sim = StartSim();
  auto p = McpProcess::Start({HALO_MCP_BINARY, "--log-level", "warn"}, SimEnv(*sim));
  p->Initialize();  // for the plain calls that check HaloPSA; the deletes are stateless
  auto call = [&](json args, json extra = json::object()) {
    json params{{"name", "halopsa_delete_ticket"}, {"arguments", std::move(args)}};
    params.update(extra);
    params = ModernParams(params);
    params["_meta"]["io.modelcontextprotocol/clientCapabilities"] = {
        {"elicitation", json::object()}};
    json r = p->Request("tools/call", params);
    REQUIRE(r.contains("result"));
    return r["result"];
  };
  json const ticket = OpenTicketIds(*p, 1)[0];
  json first = call({{"id", ticket}});
  REQUIRE(first["resultType"] == "input_required");
  json const request = first["inputRequests"]["confirm"];
  CHECK(request["method"] == "elicitation/create");
  CHECK_THAT(request["params"]["message"].get<std::string>(),
             Catch::Matchers::StartsWith("Delete this ticket?"));
  std::string const state = first["requestState"];

  json const yes{{"action", "accept"}, {"content", {{"confirm", true}}}};
  // The state is bound to this change: not usable for another ticket.
  json other = call({{"id", ticket.get<int>() + 1}},
                    {{"inputResponses", {{"confirm", yes}}}, {"requestState", state}});
  CHECK(other["resultType"] == "input_required");
  json declined =
      call({{"id", ticket}},
           {{"inputResponses", {{"confirm", {{"action", "decline"}}}}}, {"requestState", state}});
  CHECK(declined["resultType"] == "complete");
  CHECK(declined["structuredContent"]["deleted"] == false);
  CHECK_FALSE(p->Call("halopsa_get_ticket", {{"id", ticket}}).value("isError", false));
  json deleted =
      call({{"id", ticket}}, {{"inputResponses", {{"confirm", yes}}}, {"requestState", state}});
  CHECK(deleted["structuredContent"]["deleted"] == true);
  CHECK(p->Call("halopsa_get_ticket", {{"id", ticket}}).value("isError", false));
}

TEST_CASE("elicitation (2025-11-25 HTTP): asked on the call's SSE stream, answered by a POST",
          "[e2e][features][elicitation][http]") {
  auto sim = StartSim();
  HttpServer s(*sim);
  json init = s.Legacy("initialize", {{"protocolVersion", "2025-11-25"},
                                      {"capabilities", {{"elicitation", json::object()}}},
                                      {"clientInfo", {{"name", "e2e"}, {"version", "1"}}}});
  REQUIRE(init.contains("result"));
  s.Legacy("notifications/initialized", json::object());
  json rows = s.Legacy("tools/call", {{"name", "halopsa_list_tickets"},
                                      {"arguments", {{"open_only", true}, {"limit", 1}}}});
  json const ticket = rows["result"]["structuredContent"]["items"][0]["id"];

  for (std::string const action : {"decline", "accept"}) {
    INFO(action);
    std::string const body =
        json{{"jsonrpc", "2.0"},
             {"id", "del-" + action},
             {"method", "tools/call"},
             {"params", {{"name", "halopsa_delete_ticket"}, {"arguments", {{"id", ticket}}}}}}
            .dump();
    halo_test::RawConnection call(s.port);
    REQUIRE(call.Send(halo_test::McpPostHead(s.port,
                                             "Mcp-Session-Id: " + s.session +
                                                 "\r\nMCP-Protocol-Version: 2025-11-25\r\n",
                                             body.size()) +
                      body));
    std::string stream = call.Read(20s, "elicitation/create");
    std::smatch m;
    REQUIRE(std::regex_search(stream, m, std::regex(R"re("id":"(halo-mcp-[0-9]+)")re")));
    json answer{{"action", action}};
    if (action == "accept") answer["content"] = {{"confirm", true}};
    s.Post(json{{"jsonrpc", "2.0"}, {"id", m[1].str()}, {"result", answer}},
           {{"Mcp-Session-Id", s.session}, {"MCP-Protocol-Version", "2025-11-25"}});
    stream += call.Read(20s, "\"deleted\"");
    bool const deleted = action == "accept";
    CHECK_THAT(stream,
               Catch::Matchers::Contains(deleted ? "\"deleted\":true" : "\"deleted\":false"));
    json get =
        s.Legacy("tools/call", {{"name", "halopsa_get_ticket"}, {"arguments", {{"id", ticket}}}});
    CHECK(get["result"].value("isError", false) == deleted);
  }
}
