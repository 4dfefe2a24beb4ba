#include "server/jwks_source.h"

#include "halo/testing/scripted_http.h"

#include <catch2/catch.hpp>

using halo::testing::ScriptedHttp;

TEST_CASE("jwks source: key URLs are https, or plain http on loopback only") {
  CHECK_FALSE(mcp::KeyUrlProblem("https://login.example.com/keys"));
  CHECK_FALSE(mcp::KeyUrlProblem("http://127.0.0.1:9000/jwks"));
  CHECK_FALSE(mcp::KeyUrlProblem("http://localhost/jwks"));
  CHECK_FALSE(mcp::KeyUrlProblem("http://[::1]:8080/jwks"));
  CHECK_THAT(*mcp::KeyUrlProblem("http://login.example.com/keys"),
             Catch::Contains("must use https://"));
  CHECK_THAT(*mcp::KeyUrlProblem("http://127.attacker.example/keys"),
             Catch::Contains("must use https://"));
  CHECK_THAT(*mcp::KeyUrlProblem("ftp://x/keys"), Catch::Contains("not an https:// URL"));
  CHECK_THAT(*mcp::KeyUrlProblem("https://bad host/keys"), Catch::Contains("no valid host"));
}

TEST_CASE("jwks source: metadata locations follow OpenID Connect, then RFC 8414") {
  CHECK(
      mcp::IssuerMetadataUrls("https://login.example.com/") ==
      std::vector<std::string>{"https://login.example.com/.well-known/openid-configuration",
                               "https://login.example.com/.well-known/oauth-authorization-server"});
  CHECK(mcp::IssuerMetadataUrls("https://idp.example.com/realms/msp") ==
        std::vector<std::string>{
            "https://idp.example.com/realms/msp/.well-known/openid-configuration",
            "https://idp.example.com/.well-known/oauth-authorization-server/realms/msp"});
}

TEST_CASE("jwks source: jwks_uri is discovered once, from metadata naming the same issuer") {
  auto http = std::make_shared<ScriptedHttp>();
  http->Script("GET", "/realms/msp/.well-known/openid-configuration", ScriptedHttp::Reply(404));
  http->Script("GET", "/.well-known/oauth-authorization-server/realms/msp",
               ScriptedHttp::Reply(200, R"({"issuer":"https://idp.example.com/realms/msp",
                 "jwks_uri":"https://idp.example.com/realms/msp/certs"})"));
  http->Script("GET", "/realms/msp/certs", ScriptedHttp::Reply(200, R"({"keys":[]})"));
  http->Script("GET", "/realms/msp/certs", ScriptedHttp::Reply(200, R"({"keys":[1]})"));
  mcp::HttpJwksSource source("https://idp.example.com/realms/msp", "", http);
  auto first = source.Fetch();
  REQUIRE(first.ok());
  CHECK(*first == R"({"keys":[]})");
  auto second = source.Fetch();
  REQUIRE(second.ok());
  CHECK(*second == R"({"keys":[1]})");
  auto seen = http->requests();
  REQUIRE(seen.size() == 4);  // two metadata attempts, then the key set twice
  CHECK(seen[2].request.origin == "https://idp.example.com");
  CHECK(seen[3].path == "/realms/msp/certs");
}

TEST_CASE("jwks source: foreign issuers, plain-http key sets and failures are refused") {
  SECTION("metadata naming another issuer") {
    auto http = std::make_shared<ScriptedHttp>();
    http->SetDefault([](halo::HttpRequest const&) {
      return ScriptedHttp::Reply(200, R"({"issuer":"https://evil.example.com",
        "jwks_uri":"https://evil.example.com/keys"})");
    });
    mcp::HttpJwksSource source("https://login.example.com", "", http);
    auto r = source.Fetch();
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(r.status().message(), Catch::Contains("names another issuer"));
    CHECK_THAT(r.status().message(), Catch::Contains("--http-jwt-jwks-url"));
  }
  SECTION("a discovered jwks_uri over plain http") {
    auto http = std::make_shared<ScriptedHttp>();
    http->SetDefault([](halo::HttpRequest const&) {
      return ScriptedHttp::Reply(200, R"({"issuer":"https://login.example.com",
        "jwks_uri":"http://login.example.com/keys"})");
    });
    mcp::HttpJwksSource source("https://login.example.com", "", http);
    auto r = source.Fetch();
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(r.status().message(), Catch::Contains("must use https://"));
    CHECK(http->requests().size() == 1);  // never fetched
  }
  SECTION("an unreachable or oversized key set") {
    auto http = std::make_shared<ScriptedHttp>();
    http->Script("GET", "/keys",
                 ScriptedHttp::Failure(halo::TransportFailure::kNotSent, "connect"));
    http->Script("GET", "/keys", ScriptedHttp::Failure(halo::TransportFailure::kTooLarge));
    http->Script("GET", "/keys", ScriptedHttp::Reply(500));
    mcp::HttpJwksSource source("https://login.example.com", "https://login.example.com/keys", http);
    CHECK_THAT(source.Fetch().status().message(), Catch::Contains("cannot be reached (connect)"));
    CHECK_THAT(source.Fetch().status().message(), Catch::Contains("more than 262144 bytes"));
    CHECK_THAT(source.Fetch().status().message(), Catch::Contains("HTTP 500"));
    auto seen = http->requests();
    REQUIRE(seen.size() == 3);
    CHECK(seen[0].request.max_response_bytes == mcp::HttpJwksSource::kMaxDocumentBytes);
  }
}
