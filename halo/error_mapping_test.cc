#include "halo/error_mapping.h"

#include <catch2/catch.hpp>

using Catch::Matchers::Contains;
using halo::StatusCode;
using halo::StatusFromHttpResponse;

TEST_CASE("StatusFromHttpResponse maps HTTP codes to kinds", "[halo][errors]") {
  CHECK(StatusFromHttpResponse(200, "{}", "").ok());
  CHECK(StatusFromHttpResponse(204, "", "").ok());
  CHECK(StatusFromHttpResponse(400, "", "").code() == StatusCode::kInvalidArgument);
  CHECK(StatusFromHttpResponse(422, "", "").code() == StatusCode::kInvalidArgument);
  CHECK(StatusFromHttpResponse(401, "", "").code() == StatusCode::kUnauthenticated);
  CHECK(StatusFromHttpResponse(403, "", "").code() == StatusCode::kPermissionDenied);
  CHECK(StatusFromHttpResponse(404, "", "").code() == StatusCode::kNotFound);
  CHECK(StatusFromHttpResponse(408, "", "").code() == StatusCode::kUnavailable);
  CHECK(StatusFromHttpResponse(409, "", "").code() == StatusCode::kFailedPrecondition);
  CHECK(StatusFromHttpResponse(429, "", "").code() == StatusCode::kResourceExhausted);
  CHECK(StatusFromHttpResponse(500, "", "").code() == StatusCode::kUnavailable);
  CHECK(StatusFromHttpResponse(503, "", "").code() == StatusCode::kUnavailable);
  CHECK(StatusFromHttpResponse(418, "", "").code() == StatusCode::kInvalidArgument);
  CHECK(StatusFromHttpResponse(302, "", "").code() == StatusCode::kInternal);
  auto s = StatusFromHttpResponse(404, "", "");
  CHECK(s.info().http_status == 404);
  CHECK_FALSE(s.message().empty());
}

TEST_CASE("StatusFromHttpResponse reads HaloPSA's error bodies", "[halo][errors]") {
  SECTION("field-keyed validation object") {
    auto s = StatusFromHttpResponse(400, R"({"summary":"Summary is required"})", "");
    CHECK(s.code() == StatusCode::kInvalidArgument);
    CHECK(s.info().fields["summary"] == "Summary is required");
    CHECK_THAT(s.message(), Contains("summary: Summary is required"));
  }
  SECTION("array-indexed field keys") {
    auto s =
        StatusFromHttpResponse(400, R"({"[0].id":"Invalid id","[1].client_id":"Required"})", "");
    CHECK(s.info().fields["[0].id"] == "Invalid id");
    CHECK(s.info().fields["[1].client_id"] == "Required");
  }
  SECTION("a bare JSON string") {
    auto s = StatusFromHttpResponse(400, R"("An Outcome must be entered for this Action")", "");
    CHECK(s.message() == "An Outcome must be entered for this Action");
  }
  SECTION("message property, either case") {
    CHECK(StatusFromHttpResponse(404, R"({"message":"Ticket not found"})", "").message() ==
          "Ticket not found");
    auto s = StatusFromHttpResponse(
        400, R"({"ClassName":"HaloException","Message":"ticket_id must be specified"})", "");
    CHECK(s.message() == "ticket_id must be specified");
  }
  SECTION("OAuth error") {
    auto s = StatusFromHttpResponse(401, R"({"error":"invalid_client"})", "");
    CHECK(s.code() == StatusCode::kUnauthenticated);
    CHECK(s.message() == "invalid_client");
    auto d = StatusFromHttpResponse(
        400, R"({"error":"invalid_scope","error_description":"unknown scope"})", "");
    CHECK(d.message() == "invalid_scope: unknown scope");
  }
  SECTION("errors list and ASP.NET problem details") {
    auto s = StatusFromHttpResponse(400, R"({"errors":["first","second"]})", "");
    CHECK(s.message() == "first; second");
    auto p = StatusFromHttpResponse(
        400,
        R"({"title":"One or more validation errors occurred.","errors":{"Summary":["Too long"]}})",
        "");
    CHECK(p.message() == "One or more validation errors occurred.");
    CHECK(p.info().fields["Summary"] == "Too long");
  }
  SECTION("plain text") {
    auto s = StatusFromHttpResponse(
        429, "Rate Limit Reached - 300 Requests per rolling 5 minute window", "");
    CHECK(s.code() == StatusCode::kResourceExhausted);
    CHECK_THAT(s.message(), Contains("Rate Limit Reached"));
  }
  SECTION("HTML error page: title kept, tags and scripts dropped, length capped") {
    std::string html =
        "<!DOCTYPE html><html><head><title>502 Bad Gateway</title><style>body{}</style>"
        "<script>var x = '<b>';</script></head><body><h1>Bad &amp; gateway</h1>" +
        std::string(5000, 'x') + "</body></html>";
    auto s = StatusFromHttpResponse(502, html, "");
    CHECK(s.code() == StatusCode::kUnavailable);
    CHECK(s.message() == "502 Bad Gateway");
    auto body = StatusFromHttpResponse(
        500, "<html><body><p>Server &amp; error</p>" + std::string(5000, 'y') + "</body></html>",
        "");
    CHECK_THAT(body.message(), Contains("Server & error"));
    CHECK(body.message().find('<') == std::string::npos);
    CHECK(body.message().size() <= 410);
  }
  SECTION("JSON without a message falls back to a default") {
    auto s = StatusFromHttpResponse(404, R"({"id":12,"found":false})", "");
    CHECK_THAT(s.message(), Contains("no such record"));
  }
}

TEST_CASE("Retry-After is parsed into the 429 status", "[halo][errors]") {
  auto s = StatusFromHttpResponse(429, "{}", "30");
  REQUIRE(s.info().retry_after);
  CHECK(*s.info().retry_after == std::chrono::seconds(30));
  CHECK_FALSE(StatusFromHttpResponse(429, "{}", "").info().retry_after);
  CHECK_FALSE(StatusFromHttpResponse(429, "{}", "soon").info().retry_after);
  auto now = std::chrono::system_clock::from_time_t(1445412480);  // Wed, 21 Oct 2015 07:28:00 GMT
  auto d = halo::ParseRetryAfter("Wed, 21 Oct 2015 07:29:00 GMT", now);
  REQUIRE(d);
  CHECK(*d == std::chrono::seconds(60));
}

TEST_CASE("CapLength does not split UTF-8", "[halo][errors]") {
  std::string s =
      "ab\xC3\xA9"
      "cd";  // "abécd"
  CHECK(halo::CapLength(s, 3) == "ab...");
  CHECK(halo::CapLength(s, 10) == s);
}

TEST_CASE("Retry-After is range-checked", "[halo][errors]") {
  using std::chrono::seconds;
  auto now = std::chrono::system_clock::from_time_t(1445412480);  // Wed, 21 Oct 2015 07:28:00 GMT
  CHECK(halo::ParseRetryAfter("0", now) == seconds(0));
  CHECK(halo::ParseRetryAfter(" 7 ", now) == seconds(7));
  CHECK(halo::ParseRetryAfter("1.5", now) == std::chrono::milliseconds(1500));
  // Longer than a day is a day; unreadable, negative or overflowing values are absent.
  CHECK(halo::ParseRetryAfter("999999999", now) == seconds(86400));
  CHECK(halo::ParseRetryAfter("1e300", now) == seconds(86400));
  CHECK_FALSE(halo::ParseRetryAfter("-5", now));
  CHECK(halo::ParseRetryAfter("99999999999999999999999", now) == seconds(86400));
  CHECK_FALSE(halo::ParseRetryAfter("nan", now));
  CHECK_FALSE(halo::ParseRetryAfter("inf", now));
  CHECK_FALSE(halo::ParseRetryAfter("12abc", now));
  // Dates: past is now, far future is a day, and year 9999 does not overflow.
  CHECK(halo::ParseRetryAfter("Wed, 21 Oct 2015 07:00:00 GMT", now) == seconds(0));
  CHECK(halo::ParseRetryAfter("Fri, 31 Dec 9999 23:59:59 GMT", now) == seconds(86400));
  CHECK_FALSE(halo::ParseRetryAfter("Wed, 21 Oct 2015 07:29:00", now));
}

TEST_CASE("A deeply nested error body is refused, not walked", "[halo][errors]") {
  std::string deep = std::string(100000, '[') + std::string(100000, ']');
  auto s = StatusFromHttpResponse(400, deep, "");
  CHECK(s.code() == StatusCode::kInvalidArgument);
  CHECK(s.message().size() <= 410);
}
