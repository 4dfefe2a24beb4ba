// Host, Origin and token rules of the HTTP endpoint, without sockets.
#include "server/http_security.h"

#include <catch2/catch.hpp>

using mcp::AccessConfig;
using mcp::AccessPolicy;
using mcp::AccessRequest;

namespace {

AccessRequest Req(std::string_view host, std::optional<std::string_view> origin = std::nullopt,
                  std::optional<std::string_view> authorization = std::nullopt,
                  std::string_view path = "/mcp") {
  return AccessRequest{path, host, origin, authorization, "127.0.0.1"};
}

AccessConfig Config(std::string bind_host, std::vector<std::string> tokens = {},
                    std::vector<std::string> allowed_origins = {}) {
  AccessConfig c;
  c.bind_host = std::move(bind_host);
  c.tokens = std::move(tokens);
  c.allowed_origins = std::move(allowed_origins);
  return c;
}

int Status(AccessPolicy const& policy, AccessRequest const& request) {
  auto refusal = policy.Check(request);
  return refusal ? refusal->status : 200;
}

}  // namespace

TEST_CASE("loopback means an address or the exact name localhost", "[http][security]") {
  for (std::string host :
       {"127.0.0.1", "127.0.0.1:8787", "127.1.2.3", "localhost", "LOCALHOST:80", "::1", "[::1]",
        "[::1]:8787", "0:0:0:0:0:0:0:1", "[::ffff:127.0.0.1]:80"}) {
    INFO(host);
    CHECK(mcp::IsLoopbackHost(host));
  }
  for (std::string host :
       {"127.attacker.example", "127.0.0.1.nip.io", "evil.localhost", "a.b.localhost:8787",
        "localhost.", "localhost.attacker.example", "0.0.0.0", "::", "10.0.0.1", "[::2]", "",
        "127.0.0.1:99999", "127.0.0.1:80x", "[::1", "local host", "127.0.0.1@evil.example"}) {
    INFO(host);
    CHECK_FALSE(mcp::IsLoopbackHost(host));
  }
}

TEST_CASE("authorities and origins are parsed strictly", "[http][security]") {
  CHECK(mcp::AuthorityHost("Example.COM:443") == "example.com");
  CHECK(mcp::AuthorityHost("[::1]:1") == "::1");
  CHECK_FALSE(mcp::AuthorityHost("a/b"));
  CHECK_FALSE(mcp::AuthorityHost("[zz]:1"));
  CHECK_FALSE(mcp::AuthorityHost("host:port"));
  CHECK(mcp::CanonicalOrigin("HTTPS://App.Example.com:443") == "https://app.example.com");
  CHECK(mcp::CanonicalOrigin("http://localhost:80/") == "http://localhost");
  CHECK(mcp::CanonicalOrigin("http://[::1]:6274") == "http://[::1]:6274");
  CHECK_FALSE(mcp::CanonicalOrigin("null"));
  CHECK_FALSE(mcp::CanonicalOrigin("file:///etc/passwd"));
  CHECK_FALSE(mcp::CanonicalOrigin("http://a.example/path"));
}

TEST_CASE("a loopback server without tokens: loopback Host, only its own or listed Origins",
          "[http][security]") {
  AccessPolicy policy(Config("127.0.0.1", {}, {"https://app.example.com"}));
  REQUIRE_FALSE(policy.Problem());
  CHECK(policy.loopback());
  CHECK(Status(policy, Req("127.0.0.1:8787")) == 200);
  CHECK(Status(policy, Req("localhost:8787")) == 200);
  CHECK(Status(policy, Req("[::1]:8787")) == 200);
  // DNS rebinding: names that merely look loopback.
  CHECK(Status(policy, Req("127.attacker.example:8787", "http://127.attacker.example:8787")) ==
        403);
  CHECK(Status(policy, Req("evil.localhost:8787")) == 403);
  CHECK(Status(policy, Req("")) == 403);
  CHECK(Status(policy, Req("evil.example.com")) == 403);
  // Origins: the server's own, and the listed ones; not other local ports.
  CHECK(Status(policy, Req("localhost:8787", "http://localhost:8787")) == 200);
  CHECK(Status(policy, Req("localhost:8787", "https://app.example.com")) == 200);
  CHECK(Status(policy, Req("localhost:8787", "http://localhost:6274")) == 403);
  CHECK(Status(policy, Req("localhost:8787", "http://127.0.0.1:8787")) == 403);
  CHECK(Status(policy, Req("localhost:8787", "https://localhost:8787")) == 403);
  CHECK(Status(policy, Req("localhost:8787", "null")) == 403);
  // Non-browser clients send no Origin and are unaffected; /healthz needs nothing.
  CHECK(Status(policy, Req("evil.example", std::nullopt, std::nullopt, "/healthz")) == 200);
  auto refusal = policy.Check(Req("localhost:8787", "http://localhost:6274"));
  REQUIRE(refusal);
  CHECK_THAT(refusal->message, Catch::Matchers::Contains("--http-allowed-origins"));
}

TEST_CASE("tokens: required off loopback, checked by digest, 401 with a challenge",
          "[http][security]") {
  SECTION("off loopback without tokens the server refuses to start") {
    for (std::string host : {"0.0.0.0", "10.1.2.3", "127.attacker.example"}) {
      AccessPolicy policy(Config(host));
      REQUIRE(policy.Problem());
      CHECK_THAT(*policy.Problem(), Catch::Matchers::Contains("bearer tokens"));
    }
  }
  SECTION("a bad allowed origin is a start-up error naming it") {
    AccessPolicy policy(Config("127.0.0.1", {}, {"app.example.com"}));
    REQUIRE(policy.Problem());
    CHECK_THAT(*policy.Problem(), Catch::Matchers::Contains("app.example.com"));
  }
  SECTION("with tokens") {
    AccessConfig c = Config("0.0.0.0", {"s3cret", "other"});
    c.tls = true;
    c.allowed_hosts = {"mcp.example.com"};
    c.auth_server = "https://auth.example.com";
    AccessPolicy policy(c);
    REQUIRE_FALSE(policy.Problem());
    CHECK(Status(policy, Req("mcp.example.com", std::nullopt, "Bearer s3cret")) == 200);
    CHECK(Status(policy, Req("mcp.example.com", std::nullopt, "bearer other")) == 200);
    CHECK(Status(policy, Req("mcp.example.com", std::nullopt, "Bearer s3cre")) == 401);
    CHECK(Status(policy, Req("mcp.example.com", std::nullopt, "Basic czNjcmV0")) == 401);
    CHECK(Status(policy, Req("other.example.com", std::nullopt, "Bearer s3cret")) == 403);
    auto none = policy.Check(Req("mcp.example.com"));
    REQUIRE(none);
    CHECK(none->status == 401);
    CHECK(none->www_authenticate ==
          "Bearer realm=\"halo-mcp\", resource_metadata=\"https://mcp.example.com/.well-known/"
          "oauth-protected-resource/mcp\"");
    auto wrong = policy.Check(Req("mcp.example.com", std::nullopt, "Bearer nope"));
    REQUIRE(wrong);
    CHECK_THAT(wrong->www_authenticate, Catch::Matchers::Contains("error=\"invalid_token\""));
    CHECK_THAT(wrong->message, !Catch::Matchers::Contains("nope"));
    // Metadata is public; Host still matters there.
    CHECK(Status(policy, Req("mcp.example.com", std::nullopt, std::nullopt,
                             "/.well-known/oauth-protected-resource")) == 200);
    // Same-origin and configured-host origins pass with a token.
    CHECK(Status(policy, Req("mcp.example.com", "https://mcp.example.com", "Bearer s3cret")) ==
          200);
    CHECK(Status(policy, Req("mcp.example.com", "https://evil.example", "Bearer s3cret")) == 403);
  }
  SECTION("a loopback server with tokens also accepts loopback origins (they need the token)") {
    AccessPolicy policy(Config("127.0.0.1", {"t0k"}));
    CHECK(Status(policy, Req("localhost:1", "http://localhost:6274", "Bearer t0k")) == 200);
    CHECK(Status(policy, Req("localhost:1", "http://localhost:6274")) == 401);
  }
}

TEST_CASE("the base URL comes from public_url or from the Host, made header-safe",
          "[http][security]") {
  AccessPolicy from_host(Config("127.0.0.1"));
  CHECK(from_host.BaseUrl("localhost:1") == "http://localhost:1");
  CHECK(from_host.BaseUrl("a\r\nSet-Cookie: x") == "http://aSet-Cookie: x");
  AccessConfig c = Config("127.0.0.1");
  c.public_url = "https://mcp.example.com/mcp/";
  c.path = "/mcp/";
  CHECK(AccessPolicy(c).BaseUrl("ignored") == "https://mcp.example.com");
}
