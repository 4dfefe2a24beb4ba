// Drives the real halo-mcp binary over stdio: framing, lifecycle, bad input, concurrency,
// cancellation and shutdown. HaloPSA is the simulator, hosted in this test process.
#include "sim/simulator.h"
#include "tests/support/mcp_process.h"
#include "tests/support/simulator_env.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <memory>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <string>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

using halo_test::McpProcess;
using halo_test::SimulatorEnv;
using halo_test::StartSimulator;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

struct Fixture {
  std::unique_ptr<halo_sim::Simulator> sim;
  std::unique_ptr<McpProcess> mcp;

  explicit Fixture(std::vector<std::string> extra_args = {}) {
    halo_sim::SimOptions o;
    o.tickets = 300;
    o.clients = 10;
    o.assets = 50;
    o.rate_limit_requests = 0;
    sim = StartSimulator(o);
    std::vector<std::string> argv{HALO_MCP_BINARY, "--log-level", "debug"};
    argv.insert(argv.end(), extra_args.begin(), extra_args.end());
    mcp = McpProcess::Start(argv, SimulatorEnv(*sim, {{"HALOPSA_RATE_LIMIT", "off"}}));
  }
  ~Fixture() {
    // Every line on stdout must have been JSON-RPC.
    CHECK(mcp->stdout_garbage.empty());
  }
};

std::string ErrorMessage(json const& r) { return r["error"].value("message", ""); }

}  // namespace

TEST_CASE("stdio: initialize, list tools, call a tool, exit on end of input", "[e2e][stdio]") {
  Fixture f;
  json init = f.mcp->Initialize();
  REQUIRE(init.contains("result"));
  CHECK(init["result"]["protocolVersion"] == "2025-11-25");
  CHECK(init["result"]["serverInfo"]["name"] == "halo-mcp");
  json list = f.mcp->Request("tools/list");
  REQUIRE(list["result"]["tools"].size() > 10);
  json call = f.mcp->Call("halopsa_list_statuses");
  CHECK_FALSE(call.value("isError", false));
  CHECK(call["structuredContent"]["items"].size() > 3);
  f.mcp->CloseStdin();
  CHECK(f.mcp->Wait(5s) == 0);
  CHECK_THAT(f.mcp->Stderr(), Catch::Matchers::Contains("halo-mcp stopped"));
}

TEST_CASE("stdio: bad input gets JSON-RPC errors and the server keeps serving", "[e2e][stdio]") {
  Fixture f;
  auto& p = *f.mcp;
  p.SendLine("{not json");
  auto parse = p.Read();
  REQUIRE(parse);
  CHECK((*parse)["error"]["code"] == -32700);
  CHECK((*parse)["id"].is_null());

  p.SendLine(std::string("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\",\"x\":\"\xff\xfe\"}"));
  auto utf8 = p.Read();
  REQUIRE(utf8);
  CHECK((*utf8)["error"]["code"] == -32700);

  p.SendLine(R"({"jsonrpc":"2.0","id":null,"method":"ping"})");
  auto null_id = p.Read();
  REQUIRE(null_id);
  CHECK((*null_id)["error"]["code"] == -32600);

  p.SendLine(R"([{"jsonrpc":"2.0","id":1,"method":"ping"}])");
  auto batch = p.Read();
  REQUIRE(batch);
  CHECK((*batch)["error"]["code"] == -32600);
  CHECK_THAT(ErrorMessage(*batch), Catch::Matchers::Contains("2025-03-26"));

  json early = p.Request("tools/list");
  CHECK(early["error"]["code"] == -32600);

  p.Initialize();
  json unknown_method = p.Request("resources/subscribe", {{"uri", "halopsa://tickets/1"}});
  CHECK(unknown_method["error"]["code"] == -32601);
  json unknown_tool = p.Request("tools/call", {{"name", "no_such_tool"}});
  CHECK(unknown_tool["error"]["code"] == -32602);
  json wrong_type = p.Call("halopsa_get_ticket", {{"id", "seven"}});
  CHECK(wrong_type["isError"] == true);
  CHECK_THAT(wrong_type["content"][0]["text"].get<std::string>(),
             Catch::Matchers::Contains("argument 'id'"));
  // 2^64 must not reach HaloPSA as 1.8446744073709552e+19: refused, naming the argument.
  p.SendLine(
      R"({"jsonrpc":"2.0","id":77,"method":"tools/call","params":{"name":"halopsa_get_ticket",)"
      R"("arguments":{"id":18446744073709551616}}})");
  json huge = p.AwaitResponse(77);
  CHECK(huge["result"]["isError"] == true);
  CHECK_THAT(huge["result"]["content"][0]["text"].get<std::string>(),
             Catch::Matchers::Contains(
                 "argument 'id': must be an integer from 1 to 9223372036854775807, got "
                 "1.8446744073709552e+19"));
  // An id sent as a string is read exactly.
  json as_string = p.Call("halopsa_get_ticket", {{"id", "1001"}});
  CHECK_FALSE(as_string.value("isError", false));
  CHECK(as_string["structuredContent"]["id"] == 1001);
  json second_init = p.Request("initialize", {{"protocolVersion", "2025-11-25"}});
  CHECK(second_init["error"]["code"] == -32600);
  p.SendLine("   ");  // blank lines are ignored
  json ping = p.Request("ping");
  CHECK(ping["result"] == json::object());
}

TEST_CASE("stdio: a call refused before it runs frees its id", "[e2e][stdio]") {
  Fixture f;
  auto& p = *f.mcp;
  p.Initialize();
  auto call = [&](json const& params) {
    p.Send(json{{"jsonrpc", "2.0"}, {"id", 88}, {"method", "tools/call"}, {"params", params}});
    return p.AwaitResponse(88);
  };
  // Each is answered as itself, never "already in progress": the earlier ones with id 88 ended.
  for (int round = 0; round < 2; ++round) {
    json bad = call({{"name", "halopsa_get_ticket"}, {"arguments", {{"id", "seven"}}}});
    CHECK(bad["result"]["isError"] == true);
    json unknown = call({{"name", "no_such_tool"}});
    CHECK(unknown["error"]["code"] == -32602);
  }
  json ok = call({{"name", "halopsa_get_ticket"}, {"arguments", {{"id", 1001}}}});
  CHECK(ok["result"]["structuredContent"]["id"] == 1001);
}

TEST_CASE("stdio: an oversized line is refused, then serving continues", "[e2e][stdio]") {
  Fixture f({"--max-message-bytes", "4096"});
  auto& p = *f.mcp;
  p.Initialize();
  std::string big = R"({"jsonrpc":"2.0","id":5,"method":"ping","params":{"pad":")" +
                    std::string(20000, 'x') + "\"}}";
  p.SendLine(big);
  auto refused = p.Read();
  REQUIRE(refused);
  CHECK((*refused)["error"]["code"] == -32600);
  CHECK_THAT(ErrorMessage(*refused), Catch::Matchers::Contains("exceeds the limit of 4096"));
  CHECK(p.Request("ping")["result"] == json::object());
}

TEST_CASE("stdio: JSON nested 100,000 levels deep is refused, then serving continues",
          "[e2e][stdio]") {
  Fixture f;
  auto& p = *f.mcp;
  p.Initialize();
  // The attack from issue 9: params nested 100,000 levels (600 KB) crashed the process.
  std::string deep;
  for (int i = 0; i < 100'000; ++i) deep += "{\"a\":";
  deep += "1" + std::string(100'000, '}');
  p.SendLine(R"({"jsonrpc":"2.0","id":7,"method":"ping","params":)" + deep + "}");
  auto refused = p.Read();
  REQUIRE(refused);
  CHECK((*refused)["error"]["code"] == -32600);
  CHECK_THAT(ErrorMessage(*refused), Catch::Matchers::Contains("nested deeper than 64"));
  // Just inside the limit is fine: the message itself is level 1.
  std::string ok_depth;
  for (int i = 0; i < 62; ++i) ok_depth += "[";
  ok_depth += std::string(62, ']');
  json ping =
      json::parse(R"({"jsonrpc":"2.0","id":8,"method":"ping","params":{"x":)" + ok_depth + "}}");
  p.Send(ping);
  auto answered = p.Read();
  REQUIRE(answered);
  CHECK((*answered)["result"] == json::object());
  CHECK(p.Request("ping")["result"] == json::object());
}

TEST_CASE("stdio: batches are answered under 2025-03-26", "[e2e][stdio]") {
  Fixture f;
  auto& p = *f.mcp;
  p.Initialize("2025-03-26");
  p.SendLine(
      R"([{"jsonrpc":"2.0","id":"a","method":"ping"},{"jsonrpc":"2.0","method":"notifications/x"},{"jsonrpc":"2.0","id":"b","method":"nope"}])");
  auto r = p.Read();
  REQUIRE(r);
  REQUIRE(r->is_array());
  REQUIRE(r->size() == 2);
  CHECK((*r)[0]["id"] == "a");
  CHECK((*r)[1]["error"]["code"] == -32601);

  // The attack from issue 9 was 10,000 tools/list in one batch: over 64 members, none is run.
  json batch = json::array();
  for (int i = 0; i < 10'000; ++i) {
    batch.push_back({{"jsonrpc", "2.0"}, {"id", i}, {"method", "tools/list"}});
  }
  p.Send(batch);
  auto refused = p.Read();
  REQUIRE(refused);
  CHECK((*refused)["error"]["code"] == -32600);
  CHECK_THAT(ErrorMessage(*refused), Catch::Matchers::Contains("at most 64 messages"));
  // 64 tools/list calls are answered, each response whole.
  batch.erase(batch.begin() + 64, batch.end());
  p.Send(batch);
  auto answered = p.Read();
  REQUIRE(answered);
  REQUIRE(answered->size() == 64);
  CHECK((*answered)[63]["result"]["tools"].size() > 10);
}

TEST_CASE("stdio: a response over --max-response-bytes becomes an error", "[e2e][stdio]") {
  Fixture f({"--max-response-bytes", "8192"});
  auto& p = *f.mcp;
  p.Initialize();
  json list = p.Request("tools/list");
  CHECK(list["error"]["code"] == -32603);
  CHECK_THAT(ErrorMessage(list), Catch::Matchers::Contains("over this server's limit of 8192"));
  CHECK(p.Request("ping")["result"] == json::object());
}

TEST_CASE("stdio: a slow call does not block ping, and cancellation stops it", "[e2e][stdio]") {
  Fixture f;
  auto& p = *f.mcp;
  p.Initialize();
  halo_sim::Faults slow;
  slow.latency_ms = 1500;
  f.sim->SetFaults(slow);
  p.Send({{"jsonrpc", "2.0"},
          {"id", "slow"},
          {"method", "tools/call"},
          {"params", {{"name", "halopsa_list_tickets"}, {"arguments", {{"limit", 5}}}}}});
  auto start = std::chrono::steady_clock::now();
  json ping = p.Request("ping", json::object(), 1400ms);
  CHECK(ping["result"] == json::object());
  CHECK(std::chrono::steady_clock::now() - start < 1400ms);
  json slow_result = p.AwaitResponse("slow");
  CHECK(slow_result.contains("result"));

  p.Send({{"jsonrpc", "2.0"},
          {"id", "doomed"},
          {"method", "tools/call"},
          {"params", {{"name", "halopsa_list_tickets"}, {"arguments", {{"limit", 5}}}}}});
  p.Send({{"jsonrpc", "2.0"},
          {"method", "notifications/cancelled"},
          {"params", {{"requestId", "doomed"}, {"reason", "test"}}}});
  json after = p.Request("ping");
  CHECK(after["result"] == json::object());
  json none = p.AwaitResponse("doomed", 4s);
  CHECK(none.value("timeout", false));  // a cancelled request is not answered
  f.sim->SetFaults({});
}

TEST_CASE("stdio: progress notifications for a long list", "[e2e][stdio]") {
  Fixture f;
  auto& p = *f.mcp;
  p.Initialize();
  json r = p.Request("tools/call", {{"name", "halopsa_list_tickets"},
                                    {"arguments", {{"limit", 250}}},
                                    {"_meta", {{"progressToken", "tok"}}}});
  REQUIRE(r.contains("result"));
  CHECK(r["result"]["structuredContent"]["returned"] == 250);
  int progress = 0;
  double last = -1;
  for (auto const& n : p.notifications) {
    if (n["method"] != "notifications/progress") continue;
    CHECK(n["params"]["progressToken"] == "tok");
    CHECK(n["params"]["progress"].get<double>() > last);
    last = n["params"]["progress"].get<double>();
    ++progress;
  }
  CHECK(progress >= 2);
}

TEST_CASE("stdio: modern era per request, then legacy in the same process", "[e2e][stdio]") {
  Fixture f;
  auto& p = *f.mcp;
  json meta{{"io.modelcontextprotocol/protocolVersion", "2026-07-28"},
            {"io.modelcontextprotocol/clientCapabilities", json::object()}};
  json d = p.Request("server/discover", {{"_meta", meta}});
  CHECK(d["result"]["resultType"] == "complete");
  json call = p.Request(
      "tools/call",
      {{"name", "halopsa_list_priorities"}, {"arguments", json::object()}, {"_meta", meta}});
  CHECK(call["result"]["resultType"] == "complete");
  CHECK(call["result"]["_meta"]["io.modelcontextprotocol/serverInfo"]["name"] == "halo-mcp");
  CHECK(p.Initialize()["result"]["protocolVersion"] == "2025-11-25");
}

TEST_CASE("stdio: SIGTERM ends the server promptly and cleanly", "[e2e][stdio]") {
  Fixture f;
  f.mcp->Initialize();
  f.mcp->Signal(SIGTERM);
  CHECK(f.mcp->Wait(5s) == 0);
}

TEST_CASE("stdio: secrets never reach stderr, even at trace level", "[e2e][stdio][redaction]") {
  halo_sim::SimOptions o;
  o.tickets = 20;
  auto sim = StartSimulator(o);
  auto p = McpProcess::Start({HALO_MCP_BINARY, "--log-level", "trace"}, SimulatorEnv(*sim));
  p->Initialize();
  json r = p->Call("halopsa_whoami");
  CHECK_FALSE(r.value("isError", false));
  // The server's tokens are random, so look for anything of their shape (a run of hex digits
  // as long as one).
  std::string const token = sim->IssueToken();
  REQUIRE(token.size() >= 32);
  p->CloseStdin();
  p->Wait();
  std::string err = p->Stderr();
  CHECK(err.find(" debug ") != std::string::npos);  // verbose logging was on
  CHECK(err.find(sim->client_secret()) == std::string::npos);
  CHECK(err.find("Bearer ") == std::string::npos);
  std::size_t run = 0, longest = 0;
  for (char c : err) {
    run = std::isxdigit(static_cast<unsigned char>(c)) ? run + 1 : 0;
    longest = std::max(longest, run);
  }
  CHECK(longest < token.size());
  CHECK(p->stdout_garbage.empty());
}

TEST_CASE("Start-up problems stop with a message naming the setting", "[e2e][config]") {
  auto p = McpProcess::Start({HALO_MCP_BINARY}, {{"HALOPSA_BASE_URL", ""},
                                                 {"HALOPSA_CLIENT_ID", ""},
                                                 {"HALOPSA_CLIENT_SECRET", ""},
                                                 {"HALOPSA_TENANT", ""}});
  CHECK(p->Wait() == 2);
  CHECK_THAT(p->Stderr(), Catch::Matchers::Contains("HALOPSA_"));
  auto bad_schema = McpProcess::Start({HALO_MCP_BINARY, "--demo", "--schema-dir", "/nonexistent"});
  CHECK(bad_schema->Wait() == 2);
  CHECK_THAT(bad_schema->Stderr(), Catch::Matchers::Contains("/nonexistent"));
  auto bad_toolset = McpProcess::Start({HALO_MCP_BINARY, "--demo", "--toolsets", "nope"});
  CHECK(bad_toolset->Wait() == 2);
  CHECK_THAT(bad_toolset->Stderr(), Catch::Matchers::Contains("unknown toolset \"nope\""));
  auto version = McpProcess::Start({HALO_MCP_BINARY, "--version"});
  CHECK(version->Wait() == 0);
  auto help = McpProcess::Start({HALO_MCP_BINARY, "--help"});
  CHECK(help->Wait() == 0);
}

TEST_CASE("stdio: a storm of hostile input never crashes or corrupts stdout",
          "[e2e][stdio][fuzz]") {
  Fixture f;
  auto& p = *f.mcp;
  p.Initialize();
  std::uint64_t state = 0x9E3779B97F4A7C15ull;  // deterministic: the same storm every run
  auto next = [&state] {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  };
  std::vector<std::string> const seeds{
      R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"halopsa_get_ticket","arguments":{"id":1001}}})",
      R"({"jsonrpc":"2.0","id":"x","method":"tools/list","params":{"cursor":"after:zzz"}})",
      R"({"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":[1,{"a":null}]}})",
      R"({"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"halopsa_list_tickets","arguments":{"limit":-5,"status":[{"x":1}],"client":true}}})"};
  // Requests sent intact must all be answered, whatever came around them.
  int intact_requests = 0, answers = 0;
  auto count = [&answers](json const& m) { answers += m.contains("id") && !m["id"].is_null(); };
  for (int i = 0; i < 300; ++i) {
    std::size_t const seed = next() % seeds.size();
    std::string line = seeds[seed];
    switch (next() % 5) {
      case 0:  // truncate
        line.resize(next() % line.size());
        break;
      case 1:  // flip bytes, including into invalid UTF-8 and control characters
        for (int k = 0; k < 4; ++k) line[next() % line.size()] = static_cast<char>(next() % 256);
        break;
      case 2:  // random bytes
        line.clear();
        for (int k = 0; k < 64; ++k) line.push_back(static_cast<char>(1 + next() % 255));
        break;
      case 3:  // deep nesting
        line = std::string(20000, '[') + std::string(20000, ']');
        break;
      default:                         // valid, possibly with odd types
        intact_requests += seed != 2;  // seed 2 is a notification
        break;
    }
    for (char& c : line) {
      if (c == '\n') c = ' ';  // one message per line
    }
    p.SendLine(line);
    // Keep reading as we write: a client that never reads would fill the stdout pipe, and the
    // server then (rightly) stops reading its input until there is room.
    while (auto m = p.Read(std::chrono::milliseconds(0))) count(*m);
  }
  // Drain whatever came back: every line must be JSON-RPC (checked by the fixture).
  while (auto m = p.Read(std::chrono::milliseconds(1500))) count(*m);
  CHECK(intact_requests > 30);
  CHECK(answers >= intact_requests);
  json ping = p.Request("ping");
  CHECK(ping["result"] == json::object());
  json call = p.Call("halopsa_list_statuses");
  CHECK_FALSE(call.value("isError", false));
}

TEST_CASE("stdio: started by hand on a terminal, it says what it is and how to connect a host",
          "[e2e][stdio][terminal]") {
  int master = -1;
  pid_t pid = forkpty(&master, nullptr, nullptr, nullptr);
  REQUIRE(pid >= 0);
  if (pid == 0) {
    execl(HALO_MCP_BINARY, HALO_MCP_BINARY, "--demo", "--log-level", "warn",
          static_cast<char*>(nullptr));
    _exit(127);
  }
  std::string seen;
  auto const deadline = std::chrono::steady_clock::now() + 20s;
  while (seen.find("Ctrl-D") == std::string::npos && std::chrono::steady_clock::now() < deadline) {
    pollfd p{master, POLLIN, 0};
    if (poll(&p, 1, 200) <= 0) continue;
    char buf[4096];
    ssize_t n = read(master, buf, sizeof buf);
    if (n <= 0) break;
    seen.append(buf, static_cast<std::size_t>(n));
  }
  INFO(seen);
  CHECK_THAT(seen, Catch::Matchers::Contains("is an MCP server for HaloPSA"));
  CHECK_THAT(seen, Catch::Matchers::Contains("claude mcp add halopsa -- "));
  CHECK_THAT(seen, Catch::Matchers::Contains("halo-mcp --demo\r\n"));  // the tty maps \n to \r\n
  // Ctrl-D on the terminal is end of input: the server stops.
  REQUIRE(write(master, "\x04", 1) == 1);
  int status = -1;
  for (int i = 0; i < 100 && waitpid(pid, &status, WNOHANG) == 0; ++i)
    std::this_thread::sleep_for(100ms);
  if (!WIFEXITED(status)) {
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
  }
  close(master);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
}

TEST_CASE("stdio: started by a host (stdin not a terminal), it prints no hint", "[e2e][stdio]") {
  auto p = McpProcess::Start({HALO_MCP_BINARY, "--demo"});
  p->Initialize();
  p->CloseStdin();
  REQUIRE(p->Wait() == 0);
  CHECK_THAT(p->Stderr(), !Catch::Matchers::Contains("Ctrl-D"));
}
