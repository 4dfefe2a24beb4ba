#include "halo/testing/client_harness.h"

#include <catch2/catch.hpp>

using Catch::Matchers::Contains;
using halo::StatusCode;
using halo::testing::ClientHarness;
using halo::testing::Records;
using halo::testing::Scripted;
using nlohmann::json;

namespace {
std::vector<json> Items(int n) {
  std::vector<json> items;
  for (int i = 0; i < n; ++i) items.push_back({{"summary", "item " + std::to_string(i)}});
  return items;
}
std::vector<std::size_t> PostSizes(halo::testing::FakeHalo const& halo) {
  std::vector<std::size_t> sizes;
  for (auto const& r : halo.requests()) {
    if (r.method == "POST" && r.path == "/api/Tickets") sizes.push_back(json::parse(r.body).size());
  }
  return sizes;
}
}  // namespace

TEST_CASE("PostBatch sends chunks as arrays and reports every item", "[halo][batch]") {
  ClientHarness h;
  auto client = h.Make();
  halo::CallContext ctx;
  auto results = client->PostBatch("/Tickets", Items(120), 50, ctx);
  REQUIRE(results.size() == 120);
  CHECK(PostSizes(h.halo) == std::vector<std::size_t>{50, 50, 20});
  for (std::size_t i = 0; i < results.size(); ++i) {
    CHECK(results[i].index == i);
    CHECK(results[i].status.ok());
    CHECK(results[i].record["summary"] == "item " + std::to_string(i));
    CHECK(results[i].record["id"].is_number());
  }
  SECTION("one element comes back as an object") {
    auto one = client->PostBatch("/Tickets", Items(1), 50, ctx);
    REQUIRE(one.size() == 1);
    CHECK(one[0].record["summary"] == "item 0");
  }
  SECTION("chunk sizes are clamped to 1..100") {
    h.halo.clear_requests();
    client->PostBatch("/Tickets", Items(150), 500, ctx);
    CHECK(PostSizes(h.halo) == std::vector<std::size_t>{100, 50});
    h.halo.clear_requests();
    client->PostBatch("/Tickets", Items(60), 0, ctx);
    CHECK(PostSizes(h.halo) == std::vector<std::size_t>{50, 10});
  }
}

TEST_CASE("PostBatch attributes field errors to the failing item", "[halo][batch]") {
  ClientHarness h;
  auto client = h.Make();
  halo::CallContext ctx;
  Scripted bad;
  bad.status = 400;
  bad.body = R"({"[1].summary":"Summary is required"})";
  h.halo.Script("POST", "/api/Tickets", bad);
  auto results = client->PostBatch("/Tickets", Items(5), 2, ctx);
  REQUIRE(results.size() == 5);
  CHECK(results[0].status.code() == StatusCode::kFailedPrecondition);
  CHECK_THAT(results[0].status.message(), Contains("may be resent"));
  CHECK(results[1].status.code() == StatusCode::kInvalidArgument);
  CHECK(results[1].status.info().fields["summary"] == "Summary is required");
  CHECK_THAT(results[1].status.message(), Contains("summary: Summary is required"));
  // Later chunks are independent and still sent.
  for (std::size_t i = 2; i < 5; ++i) CHECK(results[i].status.ok());
  CHECK(PostSizes(h.halo) == std::vector<std::size_t>{2, 2, 1});

  SECTION("an unattributable 400 marks the whole chunk") {
    Scripted plain;
    plain.status = 400;
    plain.body = R"("An Outcome must be entered for this Action")";
    h.halo.Script("POST", "/api/Tickets", plain);
    auto r2 = client->PostBatch("/Tickets", Items(3), 2, ctx);
    CHECK(r2[0].status.message() == "An Outcome must be entered for this Action");
    CHECK(r2[1].status.code() == StatusCode::kInvalidArgument);
    CHECK(r2[2].status.ok());
  }
}

TEST_CASE("PostBatch stops after an ambiguous chunk", "[halo][batch]") {
  ClientHarness h;
  auto client = h.Make();
  halo::CallContext ctx;
  Scripted ok;
  ok.body = R"([{"id":1},{"id":2}])";
  h.halo.Script("POST", "/api/Tickets", ok);
  Scripted cut;
  cut.action = Scripted::Action::kTruncate;
  cut.body = R"([{"id":3,"summary":"x"},{"id":4,"summary":"y"}])";
  h.halo.Script("POST", "/api/Tickets", cut);
  auto results = client->PostBatch("/Tickets", Items(6), 2, ctx);
  REQUIRE(results.size() == 6);
  CHECK(results[0].status.ok());
  CHECK(results[1].record["id"] == 2);
  CHECK(results[2].status.code() == StatusCode::kUnknownOutcome);
  CHECK(results[3].status.code() == StatusCode::kUnknownOutcome);
  CHECK(results[4].status.code() == StatusCode::kFailedPrecondition);
  CHECK_THAT(results[4].status.message(), Contains("not sent") && Contains("unknown outcome"));
  CHECK(results[5].status.code() == StatusCode::kFailedPrecondition);
  CHECK(PostSizes(h.halo) == std::vector<std::size_t>{2, 2});
}

TEST_CASE("PostBatch honours cancellation between chunks", "[halo][batch]") {
  ClientHarness h;
  auto client = h.Make();
  halo::CallContext ctx;
  ctx.cancel = std::make_shared<halo::CancelToken>();
  ctx.cancel->Cancel();
  auto results = client->PostBatch("/Tickets", Items(3), 2, ctx);
  REQUIRE(results.size() == 3);
  for (auto const& r : results) CHECK(r.status.code() == StatusCode::kCancelled);
  CHECK(PostSizes(h.halo).empty());
}

TEST_CASE("GetMany fans out and keeps order", "[halo][batch]") {
  ClientHarness h;
  h.halo.set_list_jitter(std::chrono::milliseconds(10));
  std::vector<std::string> paths;
  for (int i = 0; i < 12; ++i) {
    std::string p = "/api/Item" + std::to_string(i);
    h.halo.AddList(p, Records(1, i), "items");
    paths.push_back("/Item" + std::to_string(i));
  }
  paths.push_back("/Missing");
  auto client = h.Make();
  halo::CallContext ctx;
  auto results = client->GetMany(paths, {{"includedetails", "true"}}, ctx);
  REQUIRE(results.size() == 13);
  for (int i = 0; i < 12; ++i) {
    REQUIRE(results[i].ok());
    CHECK((*results[i])["items"][0]["id"] == i);
  }
  CHECK(results[12].status().code() == StatusCode::kNotFound);
  CHECK(h.halo.requests().back().params.at("includedetails") == "true");
}
