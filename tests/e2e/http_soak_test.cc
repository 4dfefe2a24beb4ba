// HTTP soak: 64 clients for a bounded time against the real halo-mcp binary (--http), pointed at
// a separate simulator process, mixing valid calls (each checked for the right answer) with
// hostile input: deep nesting, header floods, huge batches, oversized bodies and bodies at the
// size limit, wrong types, slow
// and trickling connections, rebinding Host names. Figures: crashes, wrong answers, hostile
// inputs answered with something else than their clear error, and the server's peak RSS
// (VmHWM), which must stay under 64 MiB whatever the input.
#include "tests/support/mcp_process.h"
#include "tests/support/raw_connection.h"

#include <catch2/catch.hpp>
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <iostream>
#include <mutex>
#include <signal.h>
#include <sstream>
#include <thread>
#include <unistd.h>

using halo_test::HttpStatusOf;
using halo_test::McpPostHead;
using halo_test::McpProcess;
using halo_test::RawConnection;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

constexpr auto kSoakTime = 20s;
constexpr int kClients = 64;
constexpr long kRssGoalKiB = 64 * 1024;

long VmHwmKiB(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

/// Counts outcomes, and keeps the first few surprises to show.
struct Tally {
  std::atomic<long> valid_ok{0}, valid_wrong{0};
  std::atomic<long> hostile_refused{0}, hostile_busy{0}, hostile_unexpected{0};
  std::mutex mu;
  std::vector<std::string> surprises;

  void Surprise(std::string what) {
    std::lock_guard lock(mu);
    if (surprises.size() < 10) surprises.push_back(std::move(what));
  }
  void Valid(bool good, std::string const& what) {
    (good ? valid_ok : valid_wrong)++;
    if (!good) Surprise("valid: " + what);
  }
  /// A hostile input is answered right with its own clear error, or 503 when the server is
  /// busy refusing others like it.
  void Hostile(int status, std::initializer_list<int> expected, std::string const& what) {
    for (int e : expected) {
      if (status == e) {
        hostile_refused++;
        return;
      }
    }
    if (status == 503) {
      hostile_busy++;
      return;
    }
    hostile_unexpected++;
    Surprise("hostile " + what + ": got " + std::to_string(status));
  }
};

json Meta(json params) {
  params["_meta"]["io.modelcontextprotocol/protocolVersion"] = "2026-07-28";
  params["_meta"]["io.modelcontextprotocol/clientCapabilities"] = json::object();
  return params;
}

httplib::Headers Accept() { return {{"Accept", "application/json, text/event-stream"}}; }

httplib::Headers ModernHeaders(std::string const& method, std::string const& name = "") {
  auto h = Accept();
  h.emplace("MCP-Protocol-Version", "2026-07-28");
  h.emplace("Mcp-Method", method);
  if (!name.empty()) h.emplace("Mcp-Name", name);
  return h;
}

/// The JSON-RPC response in a JSON or SSE body.
json ResponseOf(httplib::Response const& r) {
  std::string body = r.body;
  if (r.get_header_value("Content-Type") == "text/event-stream") {
    auto pos = body.rfind("data: ");
    body = pos == std::string::npos ? "" : body.substr(pos + 6);
  }
  return json::parse(body, nullptr, false);
}

std::string Describe(httplib::Result const& r) {
  return r ? std::to_string(r->status) + " " + r->body.substr(0, 200)
           : "transport error " + httplib::to_string(r.error());
}

class Soak {
 public:
  Soak(int port, Tally& tally) : port_(port), tally_(tally) {}

  httplib::Client Client() const {
    httplib::Client c("127.0.0.1", port_);
    c.set_read_timeout(30, 0);
    c.set_connection_timeout(5, 0);
    return c;
  }

  std::string Initialize(httplib::Client& c, std::string const& version) {
    json init{{"jsonrpc", "2.0"},
              {"id", 0},
              {"method", "initialize"},
              {"params",
               {{"protocolVersion", version},
                {"capabilities", json::object()},
                {"clientInfo", {{"name", "soak"}, {"version", "1"}}}}}};
    auto r = c.Post("/mcp", Accept(), init.dump(), "application/json");
    bool good = r && r->status == 200 && r->has_header("Mcp-Session-Id");
    tally_.Valid(good, "initialize " + Describe(r));
    return good ? r->get_header_value("Mcp-Session-Id") : "";
  }

  // ---- valid calls, each checked ----

  void ModernListTickets(httplib::Client& c, int id) {
    int limit = 1 + id % 5;
    json params = Meta({{"name", "halopsa_list_tickets"}, {"arguments", {{"limit", limit}}}});
    json req{{"jsonrpc", "2.0"}, {"id", id}, {"method", "tools/call"}, {"params", params}};
    auto r = c.Post("/mcp", ModernHeaders("tools/call", "halopsa_list_tickets"), req.dump(),
                    "application/json");
    bool good = false;
    if (r && r->status == 200) {
      json resp = ResponseOf(*r);
      good = resp.is_object() && resp["id"] == id && resp.contains("result") &&
             !resp["result"].value("isError", false) &&
             resp["result"]["structuredContent"]["items"].size() == static_cast<std::size_t>(limit);
    }
    tally_.Valid(good, "modern list_tickets " + Describe(r));
  }

  void LegacyCall(httplib::Client& c, std::string const& session, int id) {
    auto h = Accept();
    h.emplace("Mcp-Session-Id", session);
    json req{{"jsonrpc", "2.0"},
             {"id", id},
             {"method", "tools/call"},
             {"params", {{"name", "halopsa_list_clients"}, {"arguments", {{"limit", 2}}}}}};
    auto r = c.Post("/mcp", h, req.dump(), "application/json");
    bool good = false;
    if (r && r->status == 200) {
      json resp = ResponseOf(*r);
      good = resp.is_object() && resp["id"] == id &&
             resp["result"]["structuredContent"]["items"].size() == 2;
    }
    tally_.Valid(good, "legacy list_clients " + Describe(r));
  }

  void ToolsList(httplib::Client& c, int id) {
    json req{{"jsonrpc", "2.0"}, {"id", id}, {"method", "tools/list"}, {"params", Meta({})}};
    auto r = c.Post("/mcp", ModernHeaders("tools/list"), req.dump(), "application/json");
    bool good = r && r->status == 200 && ResponseOf(*r)["result"]["tools"].size() > 30;
    tally_.Valid(good, "tools/list " + Describe(r));
  }

  /// A valid batch of 64 in a 2025-03-26 session: 64 answers, in order.
  void Batch(httplib::Client& c, std::string const& session) {
    json batch = json::array();
    for (int i = 0; i < 64; ++i) {
      batch.push_back({{"jsonrpc", "2.0"}, {"id", i}, {"method", i % 2 ? "ping" : "tools/list"}});
    }
    auto h = Accept();
    h.emplace("Mcp-Session-Id", session);
    auto r = c.Post("/mcp", h, batch.dump(), "application/json");
    bool good = false;
    if (r && r->status == 200) {
      json all = json::parse(r->body, nullptr, false);
      good = all.is_array() && all.size() == 64 && all[63]["id"] == 63;
    }
    tally_.Valid(good, "batch of 64 " + Describe(r));
  }

  // ---- hostile input, each expecting its clear error ----

  void Hostile(httplib::Client& c, int n, std::string const& session) {
    switch (n % 9) {
      case 0: {  // nested 100,000 levels deep
        std::string deep = R"({"jsonrpc":"2.0","id":1,"method":"ping","params":{"x":)" +
                           std::string(100'000, '[') + std::string(100'000, ']') + "}}";
        auto r = c.Post("/mcp", Accept(), deep, "application/json");
        tally_.Hostile(r ? r->status : 0, {400}, "deep nesting");
        break;
      }
      case 1: {  // a 545 KiB batch of 10,000 calls
        std::string batch = "[";
        for (int i = 0; i < 10'000; ++i) {
          if (i) batch += ",";
          batch += R"({"jsonrpc":"2.0","id":)" + std::to_string(i) + R"(,"method":"tools/list"})";
        }
        batch += "]";
        auto h = Accept();
        h.emplace("Mcp-Session-Id", session);
        auto r = c.Post("/mcp", h, batch, "application/json");
        tally_.Hostile(r ? r->status : 0, {400}, "huge batch");
        break;
      }
      case 2: {  // rebinding Host
        auto h = Accept();
        h.emplace("Host", "127.attacker.example:" + std::to_string(port_));
        auto r = c.Post("/mcp", h, "{}", "application/json");
        tally_.Hostile(r ? r->status : 0, {403}, "rebinding Host");
        break;
      }
      case 3: {  // wrong types
        static std::vector<std::string> const bodies = {
            R"({"jsonrpc":"2.0","id":{},"method":"ping"})",
            R"({"jsonrpc":"2.0","id":1,"method":5})",
            R"({"jsonrpc":"2.0","id":1,"method":"tools/list","params":"x"})",
            R"([1,2,3])",
            R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":7}})",
            R"({nope)"};
        auto r = c.Post("/mcp", Accept(), bodies[(n / 8) % bodies.size()], "application/json");
        tally_.Hostile(r ? r->status : 0, {400}, "wrong types");
        break;
      }
      case 4: {  // a header flood
        RawConnection raw(port_);
        raw.Send("POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\n");
        std::string headers;
        for (int h = 0; h < 200; ++h) headers += "X-Flood: yyyyyyyy\r\n";
        for (int i = 0; i < 100 && raw.Send(headers); ++i) {
        }
        std::string response = raw.Read(2s, "\r\n\r\n");
        // Cut off: 431, or the connection reset before the answer could be read.
        tally_.Hostile(response.empty() ? 431 : HttpStatusOf(response), {431}, "header flood");
        break;
      }
      case 5: {  // an oversized body, announced
        RawConnection raw(port_);
        raw.Send(McpPostHead(port_, "", 50u * 1024 * 1024) + std::string(64 * 1024, ' '));
        tally_.Hostile(HttpStatusOf(raw.Read(3s, "\r\n\r\n")), {413}, "oversized body");
        break;
      }
      case 6: {  // a trickling request, given up after a while
        RawConnection raw(port_);
        raw.Send("POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\n");
        for (int i = 0; i < 10 && raw.Send("X"); ++i) std::this_thread::sleep_for(200ms);
        tally_.Hostile(raw.peer_closed() ? 408 : 0, {0, 408}, "trickle");
        break;
      }
      case 8: {  // a body just under the size limit, with arguments the tool refuses
        json params = Meta({{"name", "halopsa_list_tickets"},
                            {"arguments", {{"search", std::string(4'000'000, 'x')}}}});
        json req{{"jsonrpc", "2.0"}, {"id", n}, {"method", "tools/call"}, {"params", params}};
        auto r = c.Post("/mcp", ModernHeaders("tools/call", "halopsa_list_tickets"), req.dump(),
                        "application/json");
        bool refused = r && r->status == 200 && ResponseOf(*r)["result"].value("isError", false);
        tally_.Hostile(refused ? 200 : r ? r->status : 0, {200}, "body at the limit");
        break;
      }
      case 7: {  // an Origin from another local program
        auto h = Accept();
        h.emplace("Origin", "http://localhost:6274");
        auto r = c.Post("/mcp", h, "{}", "application/json");
        tally_.Hostile(r ? r->status : 0, {403}, "foreign Origin");
        break;
      }
    }
  }

 private:
  int port_;
  Tally& tally_;
};

}  // namespace

TEST_CASE("http soak: 64 clients, valid and hostile, against a separate simulator",
          "[soak][http]") {
  auto sim = McpProcess::Start({HALO_SIM_BINARY, "--port", "0", "--rate-limit", "off", "--tickets",
                                "500", "--clients", "20"});
  auto credentials = sim->Read(15s);
  INFO(sim->Stderr());
  REQUIRE(credentials);
  std::string const port_file = "/tmp/halo-http-soak-" + std::to_string(getpid()) + ".port";
  std::remove(port_file.c_str());
  auto mcp = McpProcess::Start({HALO_MCP_BINARY, "--http", "127.0.0.1:0", "--http-port-file",
                                port_file, "--workers", "16", "--log-level", "warn"},
                               {{"HALOPSA_BASE_URL", (*credentials)["base_url"]},
                                {"HALOPSA_TENANT", (*credentials)["tenant"]},
                                {"HALOPSA_CLIENT_ID", (*credentials)["client_id"]},
                                {"HALOPSA_CLIENT_SECRET", (*credentials)["client_secret"]},
                                {"HALOPSA_RATE_LIMIT", "off"}});
  int port = 0;
  for (auto deadline = std::chrono::steady_clock::now() + 15s;
       port <= 0 && std::chrono::steady_clock::now() < deadline;) {
    std::ifstream in(port_file);
    if (!(in >> port)) std::this_thread::sleep_for(20ms);
  }
  std::remove(port_file.c_str());
  INFO(mcp->Stderr());
  REQUIRE(port > 0);

  Tally tally;
  Soak soak(port, tally);
  std::atomic<bool> crashed{false};
  auto const end = std::chrono::steady_clock::now() + kSoakTime;
  // Idle and trickling connections held through the whole run, beside everything else.
  halo_test::SlowClients slow_clients(port, 32, 16, 1s);

  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      auto client = soak.Client();
      bool const hostile = c % 4 == 3;  // 16 hostile clients, 48 valid ones
      std::string session = soak.Initialize(client, c % 2 ? "2025-11-25" : "2025-03-26");
      for (int i = 1; std::chrono::steady_clock::now() < end && !crashed; ++i) {
        if (hostile) {
          soak.Hostile(client, c / 4 + i, session);
        } else if (c % 2 == 1) {
          (i % 3 == 0) ? soak.LegacyCall(client, session, i) : soak.ModernListTickets(client, i);
        } else {
          (i % 10 == 0) ? soak.Batch(client, session) : soak.ToolsList(client, i);
        }
      }
    });
  }
  std::thread watch([&] {
    while (std::chrono::steady_clock::now() < end) {
      if (mcp->Wait(200ms)) crashed = true;  // the server exited under load
      if (crashed) return;
    }
  });
  for (auto& t : clients) t.join();
  watch.join();

  long const peak_kib = VmHwmKiB(mcp->pid());
  mcp->Signal(SIGTERM);
  auto status = mcp->Wait(20s);
  int const crashes = crashed || !status || *status != 0 ? 1 : 0;
  std::cout << "http soak: " << kClients << " clients for " << kSoakTime.count()
            << " s: " << tally.valid_ok << " valid calls answered right, " << tally.valid_wrong
            << " wrong; " << tally.hostile_refused << " hostile inputs refused with their error, "
            << tally.hostile_busy << " with 503 busy, " << tally.hostile_unexpected
            << " otherwise; crashes " << crashes << "; peak RSS " << peak_kib / 1024.0
            << " MiB (goal < " << kRssGoalKiB / 1024 << ")" << std::endl;
  for (auto const& s : tally.surprises) std::cout << "  " << s << "\n";
  INFO(mcp->Stderr().substr(0, 4000));
  CHECK(crashes == 0);
  CHECK(tally.valid_wrong == 0);
  CHECK(tally.valid_ok > 1000);
  CHECK(tally.hostile_unexpected == 0);
  CHECK(tally.hostile_refused > 100);
  CHECK(peak_kib > 0);
  CHECK(peak_kib < kRssGoalKiB);
}
