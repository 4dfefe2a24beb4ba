#include "halo/pagination.h"
#include "halo/testing/client_harness.h"

#include <catch2/catch.hpp>

#include <mutex>

using namespace std::chrono_literals;
using halo::StatusCode;
using halo::testing::ClientHarness;
using halo::testing::ListShape;
using halo::testing::Records;
using nlohmann::json;

namespace {

std::vector<int> Ids(json const& rows) {
  std::vector<int> ids;
  for (auto const& r : rows) ids.push_back(r["id"].get<int>());
  return ids;
}

std::vector<int> Range(int first, int last) {
  std::vector<int> v;
  for (int i = first; i <= last; ++i) v.push_back(i);
  return v;
}

halo::ListRequest Request(std::string path, std::string key, std::int64_t offset,
                          std::int64_t limit) {
  halo::ListRequest r;
  r.path = std::move(path);
  r.list_key = std::move(key);
  r.offset = offset;
  r.limit = limit;
  return r;
}

/// Every page request the fake saw for `path`: (page_no, page_size).
std::vector<std::pair<int, int>> PageRequests(halo::testing::FakeHalo const& halo,
                                              std::string const& path) {
  std::vector<std::pair<int, int>> out;
  for (auto const& r : halo.requests()) {
    if (r.path != path) continue;
    auto no = r.params.count("page_no") ? std::stoi(r.params.at("page_no")) : 0;
    auto size = r.params.count("page_size") ? std::stoi(r.params.at("page_size")) : 0;
    out.emplace_back(no, size);
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

TEST_CASE("PlanPages follows the offset/limit contract", "[halo][list]") {
  auto p = halo::PlanPages(0, 0, 100);
  CHECK(p.page_size == 100);
  CHECK(p.first_page == 1);
  p = halo::PlanPages(150, 50, 100);
  CHECK(p.page_size == 50);
  CHECK(p.first_page == 4);
  CHECK(p.skip == 0);
  p = halo::PlanPages(130, 60, 100);
  CHECK(p.page_size == 60);
  CHECK(p.first_page == 3);
  CHECK(p.skip == 10);
  p = halo::PlanPages(0, 1000, 500);  // never more than 100
  CHECK(p.page_size == 100);
}

TEST_CASE("ParseListPage accepts every list shape", "[halo][list]") {
  auto bare = halo::ParseListPage(json::array({1, 2}), "statuses");
  REQUIRE(bare.ok());
  CHECK(bare->bare);
  CHECK(bare->rows.size() == 2);
  auto wrapped = halo::ParseListPage(json{{"record_count", "7"}, {"Tickets", {1}}}, "tickets");
  REQUIRE(wrapped.ok());
  CHECK(wrapped->record_count == 7);
  CHECK(wrapped->rows.size() == 1);
  auto other_key = halo::ParseListPage(json{{"record_count", 1}, {"agents", {1}}}, "");
  REQUIRE(other_key.ok());
  CHECK(other_key->rows.size() == 1);
  auto none = halo::ParseListPage(json{{"record_count", 21}}, "agents");
  REQUIRE(none.ok());
  CHECK(none->rows_missing);
  CHECK_FALSE(halo::ParseListPage(json{{"a", {1}}, {"b", {2}}}, "c").ok());
  CHECK_FALSE(halo::ParseListPage(json("x"), "c").ok());
}

TEST_CASE("List walks pages across the 100-row cap", "[halo][list]") {
  ClientHarness h;
  h.halo.AddList("/api/Tickets", Records(250), "tickets");
  auto client = h.Make();
  halo::CallContext ctx;
  auto r = client->List(Request("/Tickets", "tickets", 0, 0), ctx);
  REQUIRE(r.ok());
  CHECK(Ids(r->records) == Range(1, 250));
  CHECK(r->record_count == 250);
  CHECK_FALSE(r->truncated);
  CHECK_FALSE(r->next_offset);
  CHECK(r->pages_fetched == 3);
  CHECK(PageRequests(h.halo, "/api/Tickets") ==
        std::vector<std::pair<int, int>>{{1, 100}, {2, 100}, {3, 100}});
  for (auto const& req : h.halo.requests()) {
    if (req.path == "/api/Tickets") CHECK(req.params.at("pageinate") == "true");
  }
}

TEST_CASE("List re-plans when an endpoint serves short pages", "[halo][list]") {
  ClientHarness h;
  h.halo.AddList("/api/Asset", Records(230), "assets", ListShape::kWrapped, /*cap=*/50);
  auto client = h.Make();
  halo::CallContext ctx;
  SECTION("from the start") {
    auto r = client->List(Request("/Asset", "assets", 0, 0), ctx);
    REQUIRE(r.ok());
    CHECK(Ids(r->records) == Range(1, 230));
    CHECK(r->pages_fetched == 5);
  }
  SECTION("an offset continuation landing on a short page") {
    auto r = client->List(Request("/Asset", "assets", 130, 60), ctx);
    REQUIRE(r.ok());
    CHECK(Ids(r->records) == Range(131, 190));
    CHECK(r->truncated);
    CHECK(r->next_offset == 190);
  }
  SECTION("a continuation whose page looks plausible under the asked size") {
    // page_size 100, page 2 => the fake serves rows 51..100 (50 rows), which is exactly what a
    // last page of 150 records would hold; the client must not trust it.
    h.halo.AddList("/api/Asset", Records(150), "assets", ListShape::kWrapped, 50);
    auto r = client->List(Request("/Asset", "assets", 100, 0), ctx);
    REQUIRE(r.ok());
    CHECK(Ids(r->records) == Range(101, 150));
  }
}

TEST_CASE("List continues from an offset and stops at a limit", "[halo][list]") {
  ClientHarness h;
  h.halo.AddList("/api/Tickets", Records(250), "tickets");
  auto client = h.Make();
  halo::CallContext ctx;
  SECTION("page-aligned offset") {
    auto r = client->List(Request("/Tickets", "tickets", 150, 50), ctx);
    REQUIRE(r.ok());
    CHECK(Ids(r->records) == Range(151, 200));
    CHECK(r->truncated);
    CHECK(r->next_offset == 200);
    CHECK(PageRequests(h.halo, "/api/Tickets") == std::vector<std::pair<int, int>>{{4, 50}});
  }
  SECTION("unaligned offset") {
    auto r = client->List(Request("/Tickets", "tickets", 130, 60), ctx);
    REQUIRE(r.ok());
    CHECK(Ids(r->records) == Range(131, 190));
    CHECK(r->next_offset == 190);
  }
  SECTION("limit stops early") {
    auto r = client->List(Request("/Tickets", "tickets", 0, 120), ctx);
    REQUIRE(r.ok());
    CHECK(Ids(r->records) == Range(1, 120));
    CHECK(r->truncated);
    CHECK(r->next_offset == 120);
    CHECK(r->pages_fetched == 2);
  }
  SECTION("the last stretch is not truncated") {
    auto r = client->List(Request("/Tickets", "tickets", 200, 100), ctx);
    REQUIRE(r.ok());
    CHECK(Ids(r->records) == Range(201, 250));
    CHECK_FALSE(r->truncated);
    CHECK_FALSE(r->next_offset);
  }
  SECTION("offset past the end") {
    auto r = client->List(Request("/Tickets", "tickets", 400, 50), ctx);
    REQUIRE(r.ok());
    CHECK(r->records.empty());
    CHECK(r->record_count == 250);
  }
  SECTION("max_list_records bounds limit 0") {
    auto o = h.Options();
    o.max_list_records = 140;
    auto r = h.Make(o)->List(Request("/Tickets", "tickets", 0, 0), ctx);
    REQUIRE(r.ok());
    CHECK(r->records.size() == 140);
    CHECK(r->truncated);
    CHECK(r->next_offset == 140);
  }
  SECTION("caller paging parameters are replaced") {
    auto req = Request("/Tickets", "tickets", 0, 10);
    req.query = {{"page_size", "1000"}, {"client_id", "12"}, {"pageinate", "false"}};
    auto r = client->List(req, ctx);
    REQUIRE(r.ok());
    CHECK(r->records.size() == 10);
    auto seen = h.halo.requests().back();
    CHECK(seen.params.at("page_size") == "10");
    CHECK(seen.params.at("pageinate") == "true");
    CHECK(seen.params.at("client_id") == "12");
  }
}

TEST_CASE("List accepts bare arrays and wrapped bodies without the key", "[halo][list]") {
  ClientHarness h;
  h.halo.AddList("/api/Status", Records(7), "", ListShape::kBare);
  h.halo.AddList("/api/Agent", Records(21), "agents", ListShape::kWrappedWithoutKey);
  h.halo.AddList("/api/Team", Records(230), "", ListShape::kBare);
  auto client = h.Make();
  halo::CallContext ctx;
  SECTION("bare, paged request") {
    auto r = client->List(Request("/Status", "statuses", 0, 0), ctx);
    REQUIRE(r.ok());
    CHECK(Ids(r->records) == Range(1, 7));
  }
  SECTION("bare, long list walked without record_count") {
    auto r = client->List(Request("/Team", "", 0, 0), ctx);
    REQUIRE(r.ok());
    CHECK(Ids(r->records) == Range(1, 230));
    CHECK(r->pages_fetched == 3);
  }
  SECTION("bare, limit stops early") {
    auto r = client->List(Request("/Team", "", 0, 150), ctx);
    REQUIRE(r.ok());
    CHECK(Ids(r->records) == Range(1, 150));
    CHECK(r->truncated);
    CHECK(r->next_offset == 150);
  }
  SECTION("lookup without paging: one GET, no paging parameters") {
    auto req = Request("/Status", "", 0, 0);
    req.paginate = false;
    auto r = client->List(req, ctx);
    REQUIRE(r.ok());
    CHECK(r->records.size() == 7);
    REQUIRE(h.halo.count("GET", "/api/Status") == 1);
    auto seen = h.halo.requests().back();
    CHECK(seen.params.count("pageinate") == 0);
    CHECK(seen.params.count("page_no") == 0);
  }
  SECTION("wrapped without the key falls back to an unpaged GET") {
    auto r = client->List(Request("/Agent", "agents", 0, 0), ctx);
    REQUIRE(r.ok());
    CHECK(Ids(r->records) == Range(1, 21));
    CHECK(h.halo.count("GET", "/api/Agent") == 2);
  }
}

TEST_CASE("Concurrent pages come back in HaloPSA's order", "[halo][list]") {
  ClientHarness h;
  h.halo.AddList("/api/Tickets", Records(1000), "tickets");
  h.halo.set_list_jitter(15ms);
  auto o = h.Options();
  o.max_concurrent_requests = 4;
  auto client = h.Make(o);
  halo::CallContext ctx;
  std::mutex mu;
  std::vector<std::pair<double, double>> progress;
  ctx.progress = [&](double done, double total, std::string const&) {
    std::lock_guard<std::mutex> lk(mu);
    progress.emplace_back(done, total);
  };
  auto r = client->List(Request("/Tickets", "tickets", 0, 0), ctx);
  REQUIRE(r.ok());
  CHECK(Ids(r->records) == Range(1, 1000));
  CHECK(r->pages_fetched == 10);
  REQUIRE(progress.size() == 10);
  for (std::size_t i = 0; i < progress.size(); ++i) {
    CHECK(progress[i].first == 100.0 * static_cast<double>(i + 1));
    CHECK(progress[i].second == 1000.0);
  }
}

TEST_CASE("Progress total is min(limit, record_count)", "[halo][list]") {
  ClientHarness h;
  h.halo.AddList("/api/Tickets", Records(250), "tickets");
  auto client = h.Make();
  halo::CallContext ctx;
  std::vector<std::pair<double, double>> progress;
  std::mutex mu;
  ctx.progress = [&](double done, double total, std::string const&) {
    std::lock_guard<std::mutex> lk(mu);
    progress.emplace_back(done, total);
  };
  REQUIRE(client->List(Request("/Tickets", "tickets", 0, 40), ctx).ok());
  REQUIRE(progress.size() == 1);
  CHECK(progress[0] == std::make_pair(40.0, 40.0));
}

TEST_CASE("A cancelled context stops paging", "[halo][list]") {
  ClientHarness h;
  h.halo.AddList("/api/Tickets", Records(2000), "tickets");
  auto o = h.Options();
  o.max_concurrent_requests = 2;
  auto client = h.Make(o);
  halo::CallContext ctx;
  ctx.cancel = std::make_shared<halo::CancelToken>();
  ctx.progress = [&](double done, double, std::string const&) {
    if (done >= 300) ctx.cancel->Cancel();
  };
  auto r = client->List(Request("/Tickets", "tickets", 0, 0), ctx);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == StatusCode::kCancelled);
  CHECK(h.halo.count("GET", "/api/Tickets") < 10);

  SECTION("cancelled before the first page: nothing is sent") {
    h.halo.clear_requests();
    auto r2 = client->List(Request("/Tickets", "tickets", 0, 0), ctx);
    CHECK(r2.status().code() == StatusCode::kCancelled);
    CHECK(h.halo.count("GET", "/api/Tickets") == 0);
  }
}

TEST_CASE("A failing page fails the list", "[halo][list]") {
  ClientHarness h;
  h.halo.AddList("/api/Tickets", Records(250), "tickets");
  auto o = h.Options();
  o.max_attempts = 1;
  auto client = h.Make(o);
  halo::CallContext ctx;
  REQUIRE(client->List(Request("/Tickets", "tickets", 0, 10), ctx).ok());  // token etc.
  h.halo.Script("GET", "/api/Tickets",
                halo::testing::Scripted::Reply(200, R"({"record_count":250,"tickets":[]})"));
  auto empty_first = client->List(Request("/Tickets", "tickets", 0, 0), ctx);
  REQUIRE(empty_first.ok());
  CHECK(empty_first->records.empty());
  h.halo.Script("GET", "/api/Tickets",
                halo::testing::Scripted::Reply(403, R"({"message":"No access"})"));
  auto denied = client->List(Request("/Tickets", "tickets", 0, 0), ctx);
  REQUIRE_FALSE(denied.ok());
  CHECK(denied.status().code() == StatusCode::kPermissionDenied);
  CHECK(denied.status().message() == "No access");
}

TEST_CASE("List keeps only the fields the caller reads, on every page and shape", "[halo][list]") {
  ClientHarness h;
  json wide = Records(150);
  for (auto& r : wide) {
    r["details"] = std::string(500, 'x');
    r["customfields"] = json::array({{{"name", "CF"}, {"value", 1}}});
  }
  h.halo.AddList("/api/Tickets", wide, "tickets");
  auto client = h.Make();
  halo::CallContext ctx;
  auto req = Request("/Tickets", "tickets", 0, 0);
  req.fields = {"summary", "id", "summary"};  // any order, repeats allowed
  auto r = client->List(req, ctx);
  REQUIRE(r.ok());
  REQUIRE(r->records.size() == 150);
  CHECK(r->pages_fetched == 2);
  for (auto const& rec : r->records) {
    CHECK(rec.size() == 2);
    CHECK(rec.contains("summary"));
  }
  CHECK(Ids(r->records) == Range(1, 150));
  CHECK(r->record_count == 150);

  req.fields.clear();  // empty: whole records
  auto whole = client->List(req, ctx);
  REQUIRE(whole.ok());
  CHECK(whole->records[0].contains("details"));
  CHECK(whole->records[0].contains("customfields"));
}
