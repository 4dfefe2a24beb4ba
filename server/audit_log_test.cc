#include "server/audit_log.h"

#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>
#include <unistd.h>

using nlohmann::json;

namespace {

struct Lines : mcp::AuditSink {
  std::vector<json> lines;
  void Write(std::string_view line) override { lines.push_back(json::parse(line)); }
};

/// Answers with a scripted result, or throws when none is set.
struct Scripted : mcp::ToolCaller {
  json result;
  int calls = 0;
  json Call(mcp::ToolSpec const&, json const&, mcp::CallScope&) override {
    ++calls;
    if (result.is_null()) throw std::runtime_error("boom");
    return result;
  }
};

mcp::ToolSpec Tool(std::string name, bool read_only) {
  mcp::ToolSpec t;
  t.name = std::move(name);
  t.annotations = {{"readOnlyHint", read_only}};
  t.halo.id_field = "id";
  mcp::ParamBinding ticket;
  ticket.arg = "ticket_id";
  ticket.in = "path";
  t.halo.params.push_back(ticket);
  return t;
}

std::string ReadFile(std::string const& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

auto const kWhen = std::chrono::system_clock::time_point(std::chrono::milliseconds(1764777600123));

}  // namespace

TEST_CASE("Every write is audited with who, what, ids and outcome, reads are not",
          "[server][audit]") {
  auto sink = std::make_shared<Lines>();
  auto inner = std::make_shared<Scripted>();
  mcp::AuditingCaller audit(inner, sink, false, [] { return kWhen; });
  auto principal = std::make_shared<mcp::Principal const>(mcp::Principal{"jane", "Jane Smith", {}});
  mcp::CallScope scope(nullptr, -1, false, nullptr, std::make_shared<halo::CancelToken>(),
                       principal);
  json args{{"ticket_id", 42}, {"note", "the customer's password is hunter2"}};

  inner->result = mcp::ToolTextResult("Added", json{{"id", 901}});
  audit.Call(Tool("add_action", false), args, scope);
  REQUIRE(sink->lines.size() == 1);
  json const& line = sink->lines[0];
  CHECK(line["time"] == "2025-12-03T16:00:00.123Z");
  CHECK(line["agent"] == "Jane Smith");
  CHECK(line["client"] == "jane");
  CHECK(line["tool"] == "add_action");
  CHECK(line["ids"] == json::array({42, 901}));
  CHECK(line["outcome"] == "ok");
  CHECK(line["fields"] == json::array({"note", "ticket_id"}));
  CHECK(line["args_sha256"].get<std::string>().size() == 64);
  CHECK(line.dump().find("hunter2") == std::string::npos);

  inner->result = mcp::ToolTextResult("listed");
  audit.Call(Tool("list_actions", true), args, scope);
  CHECK(sink->lines.size() == 1);  // reads pass through

  inner->result = mcp::ToolErrorResult(
      "Adding the note failed: OUTCOME UNKNOWN: the connection dropped after sending.");
  audit.Call(Tool("add_action", false), args, scope);
  CHECK(sink->lines.back()["outcome"] == "unknown");
  inner->result = mcp::ToolErrorResult("Adding the note failed: not found");
  audit.Call(Tool("add_action", false), args, scope);
  CHECK(sink->lines.back()["outcome"] == "failed");
  inner->result = mcp::ToolTextResult("Would delete this ticket; call again with confirm: true");
  audit.Call(Tool("delete_ticket", false), json{{"id", 7}}, scope);
  CHECK(sink->lines.back()["outcome"] == "preview");
  CHECK(sink->lines.back()["ids"] == json::array({7}));
  inner->result = mcp::ToolTextResult("Updated 1 of 2", json{{"succeeded", 1}, {"failed", 1}});
  audit.Call(Tool("bulk", false), json{{"ids", {1, 2}}}, scope);
  CHECK(sink->lines.back()["outcome"] == "partial");
  CHECK(sink->lines.back()["ids"] == json::array({1, 2}));

  inner->result = nullptr;  // throws
  CHECK_THROWS(audit.Call(Tool("add_action", false), args, scope));
  CHECK(sink->lines.back()["outcome"] == "failed");
  CHECK(sink->lines.size() == 6);  // the read left none
}

TEST_CASE("api_call is audited when it writes, not when it reads", "[server][audit]") {
  auto sink = std::make_shared<Lines>();
  auto inner = std::make_shared<Scripted>();
  inner->result = mcp::ToolTextResult("done");
  mcp::AuditingCaller audit(inner, sink, false, [] { return kWhen; });
  auto principal = std::make_shared<mcp::Principal const>(mcp::Principal{"jane", "Jane Smith", {}});
  mcp::CallScope scope(nullptr, -1, false, nullptr, std::make_shared<halo::CancelToken>(),
                       principal);
  auto api = Tool("halopsa_api_call", false);
  api.halo.kind = "api_call";
  audit.Call(api, json{{"method", "get"}, {"path", "/Status"}}, scope);
  CHECK(sink->lines.empty());
  audit.Call(api, json{{"method", "POST"}, {"path", "/Status"}, {"body", json::array()}}, scope);
  REQUIRE(sink->lines.size() == 1);
  CHECK(sink->lines[0]["tool"] == "halopsa_api_call");
  audit.Call(api, json{{"path", "/Status"}}, scope);  // no method: audited, not assumed a read
  CHECK(sink->lines.size() == 2);
  CHECK(inner->calls == 3);
}

TEST_CASE("Bodies are audited only when asked for", "[server][audit]") {
  auto sink = std::make_shared<Lines>();
  auto inner = std::make_shared<Scripted>();
  inner->result = mcp::ToolTextResult("Added");
  mcp::AuditingCaller audit(inner, sink, true);
  mcp::CallScope scope(nullptr, -1, false, nullptr, std::make_shared<halo::CancelToken>());
  json args{{"ticket_id", 1}, {"note", "body text"}};
  audit.Call(Tool("add_action", false), args, scope);
  CHECK(sink->lines.at(0)["arguments"] == args);
  // The same arguments in another order digest the same.
  json same = json::parse(R"({"note":"body text","ticket_id":1})");
  audit.Call(Tool("add_action", false), same, scope);
  CHECK(sink->lines.at(0)["args_sha256"] == sink->lines.at(1)["args_sha256"]);
}

TEST_CASE("The audit file rotates by size and keeps a bounded number", "[server][audit]") {
  std::string path = "/tmp/halo-audit-test-" + std::to_string(getpid()) + ".log";
  for (auto suffix : {"", ".1", ".2", ".3"}) std::remove((path + suffix).c_str());
  std::string error;
  auto sink = mcp::FileAuditSink::Open(path, 100, 2, error);
  REQUIRE(sink);
  std::string line(39, 'x');  // 40 bytes with its newline: two fit in 100
  for (int i = 0; i < 7; ++i) sink->Write(line);
  CHECK(ReadFile(path).size() == 40);         // the 7th
  CHECK(ReadFile(path + ".1").size() == 80);  // 5th and 6th
  CHECK(ReadFile(path + ".2").size() == 80);  // 3rd and 4th
  std::ifstream gone(path + ".3");
  CHECK_FALSE(gone.good());  // the oldest pair was dropped
  for (auto suffix : {"", ".1", ".2"}) std::remove((path + suffix).c_str());

  auto bad = mcp::FileAuditSink::Open("/nonexistent-dir/audit.log", 100, 2, error);
  CHECK_FALSE(bad);
  CHECK_THAT(error, Catch::Contains("/nonexistent-dir/audit.log"));
}
