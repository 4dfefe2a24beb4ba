// The shape of an answer (JSON, streamed array, SSE, 202), its limits and back-pressure,
// without sockets: the test plays the connection.
#include "server/http_exchange.h"

#include "server/json_rpc.h"

#include <catch2/catch.hpp>

#include <atomic>
#include <thread>

using mcp::Exchange;
using nlohmann::json;
using Kind = mcp::Exchange::Step::Kind;
using namespace std::chrono_literals;

namespace {

json Result(int id, json result = json::object()) { return mcp::MakeResult(id, result); }
json Progress(int n) {
  return mcp::MakeNotification("notifications/progress", {{"progressToken", "p"}, {"progress", n}});
}

/// Everything the exchange writes, as the connection would, until it is over.
std::string DrainBody(Exchange& ex) {
  std::string body;
  for (int i = 0; i < 100; ++i) {
    auto step = ex.Next(false);
    if (step.kind == Kind::kWrite) body += step.data;
    if (step.kind == Kind::kEnd || step.kind == Kind::kWait) return body;
  }
  FAIL("the exchange never ended");
  return body;
}

}  // namespace

TEST_CASE("a request answered first with its response is one JSON reply", "[http][exchange]") {
  Exchange::Options o;
  o.modern = true;
  Exchange ex(Exchange::Kind::kRequest, o);
  CHECK(ex.Next(false).kind == Kind::kWait);
  CHECK(ex.wait_time() == o.sse_after);
  ex.Respond(Result(1, {{"ok", true}}));
  auto step = ex.Next(false);
  REQUIRE(step.kind == Kind::kReply);
  CHECK(step.reply.status == 200);
  CHECK(step.reply.content_type == "application/json");
  CHECK(json::parse(step.reply.body)["result"]["ok"] == true);
  CHECK_FALSE(ex.Notify(Progress(1)));  // too late for a notification

  Exchange unknown(Exchange::Kind::kRequest, o);
  unknown.Respond(mcp::MakeError(2, mcp::ErrorObject{mcp::kMethodNotFound, "nope", nullptr}));
  CHECK(unknown.Next(false).reply.status == 404);  // 2026-07-28 maps it onto HTTP

  Exchange cancelled(Exchange::Kind::kRequest, o);
  cancelled.Respond(nullptr);
  auto none = cancelled.Next(false);
  REQUIRE(none.kind == Kind::kReply);
  CHECK(none.reply.status == 202);
}

TEST_CASE("notifications first, or a long wait, make the answer an SSE stream",
          "[http][exchange]") {
  Exchange ex(Exchange::Kind::kRequest, Exchange::Options{});
  CHECK(ex.Notify(Progress(1)));
  auto start = ex.Next(false);
  REQUIRE(start.kind == Kind::kStart);
  CHECK(start.reply.content_type == "text/event-stream");
  CHECK(ex.Next(false).data == "event: message\ndata: " + mcp::Serialize(Progress(1)) + "\n\n");
  CHECK(ex.Next(false).kind == Kind::kWait);
  CHECK(ex.Next(true).data == ": keep-alive\n\n");  // a quiet stream
  ex.Respond(Result(7));
  CHECK_THAT(DrainBody(ex), Catch::Matchers::Contains("\"id\":7"));

  Exchange slow(Exchange::Kind::kRequest, Exchange::Options{});
  CHECK(slow.Next(true).kind == Kind::kStart);  // sse_after passed without an answer
  slow.Respond(Result(8));
  CHECK_THAT(DrainBody(slow), Catch::Matchers::StartsWith("event: message\ndata: {"));
}

TEST_CASE("a batch streams its responses as one JSON array, member by member", "[http][exchange]") {
  Exchange ex(Exchange::Kind::kBatch, Exchange::Options{});
  ex.Respond(Result(1));
  auto start = ex.Next(false);
  REQUIRE(start.kind == Kind::kStart);
  CHECK(start.reply.content_type == "application/json");
  CHECK(ex.Next(false).data == "[" + mcp::Serialize(Result(1)));
  CHECK_FALSE(ex.Notify(Progress(1)));  // nowhere to put it in an array
  CHECK(ex.Next(true).data == "\n");    // whitespace keeps the connection checked
  ex.Respond(Result(2));
  ex.Respond(nullptr);  // a cancelled member: nothing
  ex.Respond(Result(3));
  ex.Finish();
  std::string rest = DrainBody(ex);
  json all = json::parse("[" + mcp::Serialize(Result(1)) + rest);
  REQUIRE(all.size() == 3);
  CHECK(all[2]["id"] == 3);

  Exchange quiet(Exchange::Kind::kBatch, Exchange::Options{});
  quiet.Finish();
  CHECK(quiet.Next(false).reply.status == 202);

  Exchange sse(Exchange::Kind::kBatch, Exchange::Options{});
  sse.Notify(Progress(1));
  sse.Respond(Result(1));
  sse.Respond(Result(2));
  sse.Finish();
  REQUIRE(sse.Next(false).kind == Kind::kStart);
  std::string events = DrainBody(sse);
  CHECK(events.find("\"id\":1") < events.find("\"id\":2"));
  CHECK(events.find("data: [") == std::string::npos);  // each response its own event
}

TEST_CASE("an oversized response becomes an error that says why", "[http][exchange]") {
  Exchange::Options o;
  o.max_response_bytes = 200;
  Exchange ex(Exchange::Kind::kRequest, o);
  CHECK_FALSE(ex.Notify(mcp::MakeNotification("x", {{"big", std::string(300, 'x')}})));
  ex.Respond(Result(5, {{"big", std::string(300, 'x')}}));
  auto step = ex.Next(false);
  REQUIRE(step.kind == Kind::kReply);
  json body = json::parse(step.reply.body);
  CHECK(body["id"] == 5);
  CHECK(body["error"]["code"] == mcp::kInternalError);
  CHECK_THAT(body["error"]["message"].get<std::string>(),
             Catch::Matchers::Contains("over this server's limit of 200 bytes"));
}

TEST_CASE("a producer ahead of the client waits, a closed exchange releases it",
          "[http][exchange]") {
  Exchange::Options o;
  o.max_pending_bytes = 64;
  Exchange ex(Exchange::Kind::kBatch, o);
  std::atomic<int> queued{0};
  std::thread producer([&] {
    for (int i = 0; i < 50; ++i) {
      ex.Respond(Result(i, {{"pad", std::string(40, 'x')}}));
      queued++;
    }
  });
  std::this_thread::sleep_for(50ms);
  CHECK(queued < 3);  // blocked: at most one frame beyond the allowance
  REQUIRE(ex.Next(false).kind == Kind::kStart);
  CHECK_FALSE(ex.Next(false).data.empty());  // the consumer takes what is queued
  ex.Close();                                // the client has gone
  producer.join();
  CHECK(queued == 50);
}

TEST_CASE("busy answers keep their status, cancelling reaches every token", "[http][exchange]") {
  Exchange ex(Exchange::Kind::kBatch, Exchange::Options{});
  auto a = std::make_shared<halo::CancelToken>();
  auto b = std::make_shared<halo::CancelToken>();
  ex.AddCancel(a);
  ex.AddCancel(b);
  ex.CancelWork();
  CHECK((a->cancelled() && b->cancelled()));
  ex.Respond(mcp::MakeError(nullptr, mcp::ErrorObject{mcp::kInternalError, "busy", nullptr}), 503);
  ex.Finish();
  auto step = ex.Next(false);
  REQUIRE(step.kind == Kind::kReply);
  CHECK(step.reply.status == 503);
  CHECK(step.reply.headers.at(0).first == "Retry-After");
}

TEST_CASE("a standalone stream is SSE from the start until it is finished", "[http][exchange]") {
  Exchange::Options o;
  o.keepalive = 5ms;
  Exchange ex(Exchange::Kind::kStream, o);
  CHECK(ex.Next(false).kind == Kind::kStart);
  CHECK(ex.wait_time() == 5ms);
  CHECK(ex.Next(true).data == ": keep-alive\n\n");
  int wakes = 0;
  ex.SetWaker([&wakes] { wakes++; });
  ex.Finish();
  CHECK(wakes == 1);
  CHECK(ex.Next(false).kind == Kind::kEnd);
}
