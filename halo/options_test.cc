#include "halo/options.h"

#include <catch2/catch.hpp>

#include <map>

namespace {

using Catch::Matchers::Contains;

halo::EnvReader Env(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](std::string const& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

std::map<std::string, std::string> Base() {
  return {{"HALOPSA_BASE_URL", "https://acme.halopsa.com"},
          {"HALOPSA_CLIENT_ID", "client-123"},
          {"HALOPSA_CLIENT_SECRET", "very-secret-value"}};
}

}  // namespace

TEST_CASE("LoadHaloOptions reads a hosted tenant configuration", "[halo][options]") {
  auto vars = Base();
  vars["HALOPSA_TENANT"] = "acme";
  auto o = halo::LoadHaloOptions(Env(vars), {});
  REQUIRE(o.ok());
  CHECK(o->base_url == "https://acme.halopsa.com");
  CHECK(o->api_url() == "https://acme.halopsa.com/api");
  CHECK(o->auth_url == "https://acme.halopsa.com/auth");
  CHECK(o->token_url() == "https://acme.halopsa.com/auth/token?tenant=acme");
  CHECK(o->client_id == "client-123");
  CHECK(o->scope == "all");
  CHECK(o->rate_limit_requests == 300);
  CHECK(o->rate_limit_window == std::chrono::seconds(300));
  CHECK_THAT(o->user_agent, Contains("halo-mcp/"));
}

TEST_CASE("LoadHaloOptions normalises pasted base URLs", "[halo][options]") {
  auto check = [](std::string pasted, std::string want_base, std::string want_tenant) {
    auto vars = Base();
    vars["HALOPSA_BASE_URL"] = pasted;
    auto o = halo::LoadHaloOptions(Env(vars), {});
    INFO(pasted);
    REQUIRE(o.ok());
    CHECK(o->base_url == want_base);
    CHECK(o->tenant == want_tenant);
  };
  check("https://acme.halopsa.com/", "https://acme.halopsa.com", "acme");
  check("https://acme.halopsa.com/api", "https://acme.halopsa.com", "acme");
  check("https://acme.halopsa.com/api/", "https://acme.halopsa.com", "acme");
  check("https://ACME.halopsa.com/auth/token", "https://acme.halopsa.com", "acme");
  check("  \"https://acme.halopsa.com/auth\"  ", "https://acme.halopsa.com", "acme");
  check("acme.haloitsm.com", "https://acme.haloitsm.com", "acme");
  check("https://acme.haloservicedesk.com", "https://acme.haloservicedesk.com", "acme");
  check("https://halo.example.co.uk//", "https://halo.example.co.uk", "");
  check("https://intranet.example.com/halo/api", "https://intranet.example.com/halo", "");
  check("http://127.0.0.1:8080/", "http://127.0.0.1:8080", "");
  check("http://localhost:9000/api", "http://localhost:9000", "");
}

TEST_CASE("LoadHaloOptions derives the base URL from a tenant alone", "[halo][options]") {
  auto vars = Base();
  vars.erase("HALOPSA_BASE_URL");
  vars["HALOPSA_TENANT"] = "acme";
  auto o = halo::LoadHaloOptions(Env(vars), {});
  REQUIRE(o.ok());
  CHECK(o->base_url == "https://acme.halopsa.com");
  CHECK(o->token_url() == "https://acme.halopsa.com/auth/token?tenant=acme");

  SECTION("a blank base URL or an unexpanded placeholder counts as unset") {
    vars["HALOPSA_BASE_URL"] = "${user_config.halopsa_base_url}";
    auto o2 = halo::LoadHaloOptions(Env(vars), {});
    REQUIRE(o2.ok());
    CHECK(o2->base_url == "https://acme.halopsa.com");
    vars["HALOPSA_BASE_URL"] = "   ";
    auto o3 = halo::LoadHaloOptions(Env(vars), {});
    REQUIRE(o3.ok());
    CHECK(o3->base_url == "https://acme.halopsa.com");
  }
  SECTION("a tenant pasted as a URL is read as one") {
    vars["HALOPSA_TENANT"] = "https://acme.halopsa.com/";
    auto o2 = halo::LoadHaloOptions(Env(vars), {});
    REQUIRE(o2.ok());
    CHECK(o2->tenant == "acme");
    CHECK(o2->base_url == "https://acme.halopsa.com");
  }
}

TEST_CASE("LoadHaloOptions: self-hosted with a separate auth server", "[halo][options]") {
  auto vars = Base();
  vars["HALOPSA_BASE_URL"] = "https://halo.example.com";
  vars["HALOPSA_AUTH_URL"] = "https://auth.example.com/auth/token/";
  vars["HALOPSA_SCOPE"] = "read:tickets, edit:tickets";
  auto o = halo::LoadHaloOptions(Env(vars), {});
  REQUIRE(o.ok());
  CHECK(o->tenant.empty());
  CHECK(o->auth_url == "https://auth.example.com/auth");
  CHECK(o->token_url() == "https://auth.example.com/auth/token");
  CHECK(o->scope == "read:tickets edit:tickets");
}

TEST_CASE("LoadHaloOptions: flags override the environment", "[halo][options]") {
  auto vars = Base();
  halo::HaloOptionOverrides flags;
  flags.base_url = "https://other.halopsa.com";
  flags.client_id = "flag-client";
  flags.rate_limit = "off";
  auto o = halo::LoadHaloOptions(Env(vars), flags);
  REQUIRE(o.ok());
  CHECK(o->base_url == "https://other.halopsa.com");
  CHECK(o->tenant == "other");
  CHECK(o->client_id == "flag-client");
  CHECK(o->rate_limit_requests == 0);
}

TEST_CASE("LoadHaloOptions parses HALOPSA_RATE_LIMIT", "[halo][options]") {
  auto vars = Base();
  vars["HALOPSA_RATE_LIMIT"] = "250/300";
  auto o = halo::LoadHaloOptions(Env(vars), {});
  REQUIRE(o.ok());
  CHECK(o->rate_limit_requests == 250);
  CHECK(o->rate_limit_window == std::chrono::seconds(300));
  vars["HALOPSA_RATE_LIMIT"] = "500/3m";
  o = halo::LoadHaloOptions(Env(vars), {});
  REQUIRE(o.ok());
  CHECK(o->rate_limit_window == std::chrono::seconds(180));
  for (std::string bad : {"300", "abc/300", "300/0", "300/-5", "-1/300", "300/5x"}) {
    vars["HALOPSA_RATE_LIMIT"] = bad;
    auto b = halo::LoadHaloOptions(Env(vars), {});
    INFO(bad);
    REQUIRE_FALSE(b.ok());
    CHECK(b.status().code() == halo::StatusCode::kInvalidArgument);
    CHECK_THAT(b.status().message(), Contains("HALOPSA_RATE_LIMIT") && Contains("300/300"));
  }
}

TEST_CASE("LoadHaloOptions explains missing and malformed settings", "[halo][options]") {
  SECTION("nothing set") {
    auto o = halo::LoadHaloOptions(Env({}), {});
    REQUIRE_FALSE(o.ok());
    CHECK(o.status().code() == halo::StatusCode::kFailedPrecondition);
    CHECK_THAT(o.status().message(), Contains("HALOPSA_BASE_URL") &&
                                         Contains("https://yourcompany.halopsa.com") &&
                                         Contains("HALOPSA_TENANT"));
  }
  SECTION("no client id") {
    auto vars = Base();
    vars.erase("HALOPSA_CLIENT_ID");
    auto o = halo::LoadHaloOptions(Env(vars), {});
    REQUIRE_FALSE(o.ok());
    CHECK(o.status().code() == halo::StatusCode::kFailedPrecondition);
    CHECK_THAT(o.status().message(), Contains("HALOPSA_CLIENT_ID"));
  }
  SECTION("no secret") {
    auto vars = Base();
    vars["HALOPSA_CLIENT_SECRET"] = "";
    auto o = halo::LoadHaloOptions(Env(vars), {});
    REQUIRE_FALSE(o.ok());
    CHECK_THAT(o.status().message(), Contains("HALOPSA_CLIENT_SECRET"));
  }
  SECTION("plain http to a remote host") {
    auto vars = Base();
    vars["HALOPSA_BASE_URL"] = "http://acme.halopsa.com";
    auto o = halo::LoadHaloOptions(Env(vars), {});
    REQUIRE_FALSE(o.ok());
    CHECK(o.status().code() == halo::StatusCode::kInvalidArgument);
    CHECK_THAT(o.status().message(), Contains("HALOPSA_BASE_URL") && Contains("https://"));
  }
  SECTION("plain http to the auth server") {
    auto vars = Base();
    vars["HALOPSA_AUTH_URL"] = "http://auth.example.com";
    auto o = halo::LoadHaloOptions(Env(vars), {});
    REQUIRE_FALSE(o.ok());
    CHECK_THAT(o.status().message(), Contains("HALOPSA_AUTH_URL"));
  }
  SECTION("odd schemes and hosts") {
    for (std::string bad : {"ftp://acme.halopsa.com", "https://", "https://user:pw@acme.com",
                            "https://acme .halopsa.com"}) {
      auto vars = Base();
      vars["HALOPSA_BASE_URL"] = bad;
      auto o = halo::LoadHaloOptions(Env(vars), {});
      INFO(bad);
      REQUIRE_FALSE(o.ok());
      CHECK_THAT(o.status().message(), Contains("HALOPSA_BASE_URL"));
    }
  }
  SECTION("bad tenant") {
    auto vars = Base();
    vars["HALOPSA_TENANT"] = "acme corp";
    auto o = halo::LoadHaloOptions(Env(vars), {});
    REQUIRE_FALSE(o.ok());
    CHECK_THAT(o.status().message(), Contains("HALOPSA_TENANT") && Contains("yourcompany"));
  }
  SECTION("the secret is never echoed") {
    auto vars = Base();
    vars["HALOPSA_CLIENT_SECRET"] = "line1-secret\nline2-secret";
    auto o = halo::LoadHaloOptions(Env(vars), {});
    REQUIRE_FALSE(o.ok());
    CHECK_THAT(o.status().message(), Contains("HALOPSA_CLIENT_SECRET"));
    CHECK(o.status().message().find("line1-secret") == std::string::npos);
    CHECK(o.status().ToString().find("secret\n") == std::string::npos);
  }
}

TEST_CASE("LoadHaloOptions never quotes the secret back, even when pasted into another setting",
          "[halo][options]") {
  auto vars = Base();
  vars["HALOPSA_BASE_URL"] = "very-secret-value://acme.halopsa.com";
  auto o = halo::LoadHaloOptions(Env(vars), {});
  REQUIRE_FALSE(o.ok());
  CHECK_THAT(o.status().message(), Contains("HALOPSA_BASE_URL"));
  CHECK_THAT(o.status().message(), !Contains("very-secret-value"));
}

TEST_CASE("LoadHaloOptions refuses control characters inside a URL", "[halo][options]") {
  auto vars = Base();
  vars["HALOPSA_BASE_URL"] = "https://acme.halopsa.com/x\f/";
  auto o = halo::LoadHaloOptions(Env(vars), {});
  REQUIRE_FALSE(o.ok());
  CHECK_THAT(o.status().message(), Contains("control characters"));
}
