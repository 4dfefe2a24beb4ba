#include "server/jwt_verifier.h"

#include "server/http_security.h"
#include "server/tool_registry.h"
#include "tests/support/test_issuer.h"

#include <catch2/catch.hpp>

#include <atomic>

using halo_test::Base64Url;
using halo_test::JwksOf;
using halo_test::TestSigningKey;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

constexpr std::int64_t kNow = 1'900'000'000;  // seconds since the epoch, in 2030

class FakeWallClock final : public mcp::WallClock {
 public:
  std::chrono::system_clock::time_point Now() const override {
    return std::chrono::system_clock::time_point(std::chrono::seconds(now.load()));
  }
  std::atomic<std::int64_t> now{kNow};
};

/// The issuer's key set as the verifier fetches it: scripted text, fetches counted.
class FakeJwks final : public mcp::JwksSource {
 public:
  halo::StatusOr<std::string> Fetch() override {
    ++fetches;
    if (!available) return halo::UnavailableError("issuer down");
    return document;
  }
  std::string document;
  bool available = true;
  int fetches = 0;
};

// Generated once: RSA key generation takes a while.
TestSigningKey const& RsaKey() {
  static TestSigningKey const key(TestSigningKey::Kind::kRsa2048, "rsa-1");
  return key;
}
TestSigningKey const& EcKey() {
  static TestSigningKey const key(TestSigningKey::Kind::kEcP256, "ec-1");
  return key;
}
TestSigningKey const& RotatedKey() {
  static TestSigningKey const key(TestSigningKey::Kind::kRsa2048, "rsa-2");
  return key;
}

json Claims() {
  return {{"iss", "https://login.example.com/"},
          {"aud", "https://mcp.example.com/mcp"},
          {"sub", "u-123"},
          {"halopsa_agent", "Jane Smith"},
          {"iat", kNow - 10},
          {"nbf", kNow - 10},
          {"exp", kNow + 600}};
}

struct Fixture {
  std::shared_ptr<FakeJwks> jwks = std::make_shared<FakeJwks>();
  std::shared_ptr<FakeWallClock> clock = std::make_shared<FakeWallClock>();
  mcp::JwtSettings settings;
  std::unique_ptr<mcp::JwtVerifier> verifier;

  Fixture() {
    jwks->document = JwksOf({&RsaKey(), &EcKey()}).dump();
    settings.issuer = "https://login.example.com/";
    settings.audience = "https://mcp.example.com/mcp";
    Reset();
  }
  void Reset() { verifier = std::make_unique<mcp::JwtVerifier>(settings, jwks, clock); }
  /// The refusal's reason, or "" when the token passes.
  std::string Refusal(std::string const& token) {
    auto p = verifier->Verify(token);
    if (p.ok()) return "";
    CHECK(p.status().code() == halo::StatusCode::kUnauthenticated);
    CHECK(p.status().message().find(token) == std::string::npos);
    return p.status().message();
  }
};

/// A token with its payload replaced after signing.
std::string WithPayload(std::string const& token, json const& payload) {
  auto first = token.find('.');
  auto last = token.rfind('.');
  return token.substr(0, first + 1) + Base64Url(payload.dump()) + token.substr(last);
}

}  // namespace

TEST_CASE("jwt: RS256 and ES256 tokens act as the agent their claim names") {
  Fixture f;
  for (auto const* key : {&RsaKey(), &EcKey()}) {
    auto p = f.verifier->Verify(key->Sign(Claims()));
    INFO(key->alg() << ": " << (p.ok() ? "" : p.status().message()));
    REQUIRE(p.ok());
    CHECK((*p)->agent == "Jane Smith");
    CHECK((*p)->name == "oauth:u-123");
    CHECK_FALSE((*p)->policy.Narrows());  // the server's own policy
  }
  CHECK(f.jwks->fetches == 1);  // cached
  json numeric = Claims();
  numeric["halopsa_agent"] = 7;  // an agent id
  numeric["aud"] = json::array({"other", "https://mcp.example.com/mcp"});
  auto p = f.verifier->Verify(RsaKey().Sign(numeric));
  REQUIRE(p.ok());
  CHECK((*p)->agent == "7");
}

TEST_CASE("jwt: times are checked with the leeway") {
  Fixture f;
  json c = Claims();
  c["exp"] = kNow - 61;
  CHECK(f.Refusal(RsaKey().Sign(c)) == "the token has expired");
  c["exp"] = kNow - 59;  // within the 60 s leeway
  CHECK(f.Refusal(RsaKey().Sign(c)).empty());
  c = Claims();
  c["nbf"] = kNow + 61;
  CHECK(f.Refusal(RsaKey().Sign(c)) == "the token is not valid yet");
  c["nbf"] = kNow + 59;
  CHECK(f.Refusal(RsaKey().Sign(c)).empty());
  c = Claims();
  c["iat"] = kNow + 3600;
  CHECK_THAT(f.Refusal(RsaKey().Sign(c)), Catch::Contains("issued in the future"));
  c = Claims();
  c.erase("exp");
  CHECK_THAT(f.Refusal(RsaKey().Sign(c)), Catch::Contains("no expiry"));
  c = Claims();
  c["exp"] = "tomorrow";
  CHECK_THAT(f.Refusal(RsaKey().Sign(c)), Catch::Contains("\"exp\" is not a date"));
  f.settings.leeway = 0s;
  f.Reset();
  c = Claims();
  c["exp"] = kNow - 1;
  CHECK(f.Refusal(RsaKey().Sign(c)) == "the token has expired");
}

TEST_CASE("jwt: issuer, audience and the agent claim must match") {
  Fixture f;
  json c = Claims();
  c["iss"] = "https://login.example.com";  // no trailing slash: another string
  CHECK_THAT(f.Refusal(RsaKey().Sign(c)), Catch::Contains("issuer is not"));
  c.erase("iss");
  CHECK_THAT(f.Refusal(RsaKey().Sign(c)), Catch::Contains("issuer is not"));
  c = Claims();
  c["aud"] = "https://other.example.com/mcp";
  CHECK_THAT(f.Refusal(RsaKey().Sign(c)), Catch::Contains("not for audience"));
  c["aud"] = json::array({"a", "b"});
  CHECK_THAT(f.Refusal(RsaKey().Sign(c)), Catch::Contains("not for audience"));
  c = Claims();
  c.erase("halopsa_agent");
  c["email"] = "jane@example.com";  // no silent fallback to another claim
  CHECK_THAT(f.Refusal(RsaKey().Sign(c)), Catch::Contains("\"halopsa_agent\" claim"));
  f.settings.agent_claim = "email";
  f.Reset();
  CHECK(f.Refusal(RsaKey().Sign(c)).empty());
  c["email_verified"] = false;
  CHECK_THAT(f.Refusal(RsaKey().Sign(c)), Catch::Contains("email is not verified"));
}

TEST_CASE("jwt: forged signatures and algorithm tricks are refused") {
  Fixture f;
  std::string const good = RsaKey().Sign(Claims());
  json elevated = Claims();
  elevated["halopsa_agent"] = "Administrator";
  CHECK(f.Refusal(WithPayload(good, elevated)) == "the token's signature does not verify");
  CHECK(f.Refusal(WithPayload(EcKey().Sign(Claims()), elevated)) ==
        "the token's signature does not verify");
  // Signed by a key the issuer never published, under a kid it did publish.
  TestSigningKey stranger(TestSigningKey::Kind::kRsa2048, "rsa-1");
  CHECK(f.Refusal(stranger.Sign(Claims())) == "the token's signature does not verify");

  std::string const body = Base64Url(Claims().dump());
  auto unsigned_token = [&](json header) { return Base64Url(header.dump()) + "." + body + "."; };
  CHECK(f.Refusal(unsigned_token({{"alg", "none"}})) == "the token's alg none is refused");
  CHECK(f.Refusal(unsigned_token({{"alg", "None"}, {"kid", "rsa-1"}})) ==
        "the token's alg None is refused");
  // HS256 "signed" with the public key's bytes: the classic confusion. Refused before any key.
  CHECK(f.Refusal(unsigned_token({{"alg", "HS256"}, {"kid", "rsa-1"}}) + "AAAA") ==
        "the token's alg HS256 is refused");
  // ES256 naming the RSA key, RS256 naming the EC key: no key of that type has the kid.
  std::string rsa_as_es = RsaKey().Sign(Claims(), {{"alg", "ES256"}});
  CHECK_THAT(f.Refusal(rsa_as_es), Catch::Contains("no ES256 key"));
  std::string es_as_rs = EcKey().Sign(Claims(), {{"alg", "RS256"}});
  CHECK_THAT(f.Refusal(es_as_rs), Catch::Contains("no RS256 key"));
  // An algorithm the server supports but was not told to accept.
  CHECK_THAT(f.Refusal(RsaKey().Sign(Claims(), {{"alg", "RS384"}})),
             Catch::Contains("alg RS384 is not allowed"));
  CHECK(f.Refusal(RsaKey().Sign(Claims(), {{"alg", std::string(200, 'x') + "\"\r\n"}})) ==
        "the token's alg is not allowed here");  // the sender's text is not echoed
  CHECK_THAT(f.Refusal(RsaKey().Sign(Claims(), {{"crit", {"exp"}}})), Catch::Contains("crit"));
  CHECK_THAT(f.Refusal(RsaKey().Sign(Claims(), {{"typ", "dpop+jwt"}})), Catch::Contains("typ"));
}

TEST_CASE("jwt: an unknown kid fetches the key set again, at most once per interval") {
  Fixture f;
  std::string const rotated = RotatedKey().Sign(Claims());
  CHECK_THAT(f.Refusal(rotated), Catch::Contains("no RS256 key with the token's kid"));
  CHECK(f.jwks->fetches == 1);  // the first fetch; no second one right after it
  // A flood of made-up kids within the interval: no fetch at all.
  for (int i = 0; i < 50; ++i) {
    CHECK_FALSE(
        f.Refusal(RsaKey().Sign(Claims(), {{"kid", "bogus-" + std::to_string(i)}})).empty());
  }
  CHECK(f.jwks->fetches == 1);
  // The issuer rotates; once the interval has passed the new kid is fetched and accepted.
  f.jwks->document = JwksOf({&RsaKey(), &RotatedKey()}).dump();
  f.clock->now += 31;
  CHECK(f.Refusal(rotated).empty());
  CHECK(f.jwks->fetches == 2);
  CHECK(f.Refusal(rotated).empty());
  CHECK(f.jwks->fetches == 2);
}

TEST_CASE("jwt: MayFetch says whether checking a token would wait on the issuer") {
  Fixture f;
  // Its answer for a token, checked against whether verifying that token then fetched.
  auto may_fetch = [&](std::string const& token) {
    bool const may = f.verifier->MayFetch(token);
    int const before = f.jwks->fetches;
    (void)f.verifier->Verify(token);
    CHECK(may == (f.jwks->fetches > before));
    return may;
  };
  std::string const known = RsaKey().Sign(Claims());
  std::string const rotated = RotatedKey().Sign(Claims());
  CHECK_FALSE(f.verifier->MayFetch("a-token-file-token"));  // not a JWT: never verified as one
  // With the keys at hand only (the principal of a request already checked), nothing is fetched.
  CHECK_FALSE(f.verifier->Verify(known, mcp::JwtVerifier::Fetching::kKeysAtHand).ok());
  CHECK(f.jwks->fetches == 0);
  CHECK(may_fetch(known));          // no keys yet
  CHECK_FALSE(may_fetch(known));    // cached
  CHECK_FALSE(may_fetch(rotated));  // an unknown kid, but the last fetch was just now
  f.clock->now += 31;
  CHECK_FALSE(may_fetch(known));  // a known kid, fresh keys
  CHECK(may_fetch(rotated));      // an unknown kid, and the interval has passed
  f.clock->now += 601;
  json c = Claims();
  c["exp"] = f.clock->now.load() + 600;
  CHECK(may_fetch(RsaKey().Sign(c)));  // stale keys
}

TEST_CASE("jwt: the key set is cached for its TTL and an old one serves while the issuer is down") {
  Fixture f;
  CHECK(f.Refusal(RsaKey().Sign(Claims())).empty());
  f.clock->now += 300;
  CHECK(f.Refusal(RsaKey().Sign(Claims())).empty());
  CHECK(f.jwks->fetches == 1);
  f.clock->now += 301;  // past the 600 s TTL
  f.jwks->available = false;
  json c = Claims();
  c["exp"] = f.clock->now.load() + 600;
  CHECK(f.Refusal(RsaKey().Sign(c)).empty());  // the old keys still check it
  CHECK(f.jwks->fetches == 2);
  CHECK(f.Refusal(RsaKey().Sign(c)).empty());
  CHECK(f.jwks->fetches == 2);  // the failed fetch is not repeated at once
}

TEST_CASE("jwt: without keys the reason says so, and Prime reports it") {
  Fixture f;
  f.jwks->available = false;
  CHECK_FALSE(f.verifier->Prime().ok());
  CHECK_THAT(f.Refusal(RsaKey().Sign(Claims())), Catch::Contains("keys are unavailable"));
  CHECK(f.jwks->fetches == 1);
  f.jwks->document = R"({"keys":[{"kty":"oct","k":"c2VjcmV0"}]})";  // a shared secret: unusable
  f.jwks->available = true;
  f.clock->now += 31;
  CHECK_THAT(f.Refusal(RsaKey().Sign(Claims())), Catch::Contains("keys are unavailable"));
}

TEST_CASE("jwt: malformed and oversized tokens get a clear reason") {
  Fixture f;
  std::string const good = RsaKey().Sign(Claims());
  CHECK_THAT(f.Refusal("abc.def"), Catch::Contains("not a JWT"));
  CHECK_THAT(f.Refusal("a.b.c.d"), Catch::Contains("not a JWT"));
  CHECK_THAT(f.Refusal("a+b.c.d"), Catch::Contains("not a JWT"));
  CHECK_THAT(f.Refusal("A." + good.substr(good.find('.') + 1)), Catch::Contains("not base64url"));
  CHECK_THAT(f.Refusal(Base64Url("not json") + ".e30.sig"),
             Catch::Contains("header is not a JSON object"));
  CHECK_THAT(f.Refusal(Base64Url(std::string(100, '[')) + ".e30.sig"),
             Catch::Contains("header is not a JSON object"));
  std::string const deep = std::string(40, '[') + std::string(40, ']');
  std::string no_json = WithPayload(good, json::object());
  no_json = no_json.substr(0, no_json.find('.') + 1) + Base64Url("{\"a\":" + deep + "}") +
            no_json.substr(no_json.rfind('.'));
  // The signature is checked first, so a forged deep payload never reaches the parser...
  CHECK(f.Refusal(no_json) == "the token's signature does not verify");
  // ...and a signed one is still refused, within the depth limit.
  std::string signed_deep = RsaKey().Sign(json::parse("{\"a\":" + deep + "}"));
  CHECK_THAT(f.Refusal(signed_deep), Catch::Contains("payload is not a JSON object"));
  std::string huge = RsaKey().Sign(json{{"pad", std::string(9000, 'x')}});
  CHECK_THAT(f.Refusal(huge), Catch::Contains("longer than 8192 bytes"));
  CHECK(f.jwks->fetches == 1);
}

TEST_CASE("jwt: settings refuse none, HMAC and unknown algorithms, and need an audience") {
  mcp::JwtSettings s;
  s.issuer = "https://login.example.com/";
  s.audience = "https://mcp.example.com/mcp";
  CHECK_FALSE(mcp::JwtSettingsProblem(s));
  s.algorithms = {"RS256", "none"};
  CHECK_THAT(*mcp::JwtSettingsProblem(s), Catch::Contains("\"none\" is refused"));
  s.algorithms = {"HS256"};
  CHECK_THAT(*mcp::JwtSettingsProblem(s), Catch::Contains("\"HS256\" is refused"));
  s.algorithms = {"PS256"};
  CHECK_THAT(*mcp::JwtSettingsProblem(s), Catch::Contains("not supported"));
  s.algorithms = {"ES384", "RS512"};
  CHECK_FALSE(mcp::JwtSettingsProblem(s));
  s.audience.clear();
  CHECK_THAT(*mcp::JwtSettingsProblem(s), Catch::Contains("--http-jwt-audience"));
}

TEST_CASE("jwks: weak, off-curve and foreign keys are not used") {
  json weak = RsaKey().Jwk();
  weak["n"] = Base64Url(std::string(128, '\xff'));  // 1024 bits
  CHECK_FALSE(mcp::ParseJwks(json{{"keys", {weak}}}.dump()).ok());
  json off_curve = EcKey().Jwk();
  off_curve["y"] = Base64Url(std::string(32, '\x01'));
  CHECK_FALSE(mcp::ParseJwks(json{{"keys", {off_curve}}}.dump()).ok());
  json enc = RsaKey().Jwk();
  enc["use"] = "enc";
  CHECK_FALSE(mcp::ParseJwks(json{{"keys", {enc}}}.dump()).ok());
  CHECK_THAT(mcp::ParseJwks("[1]").status().message(), Catch::Contains("no \"keys\" array"));
  CHECK_FALSE(mcp::ParseJwks(std::string(50, '[')).ok());
  auto set = mcp::ParseJwks(json{{"keys", {weak, RsaKey().Jwk(), EcKey().Jwk()}}}.dump());
  REQUIRE(set.ok());
  CHECK(set->keys.size() == 2);
  // A key pinned to RS384 is not used for RS256.
  json pinned = RsaKey().Jwk();
  pinned["alg"] = "RS384";
  auto pinned_set = mcp::ParseJwks(json{{"keys", {pinned}}}.dump());
  REQUIRE(pinned_set.ok());
  CHECK(pinned_set->Candidates("rsa-1", "RS256").empty());
  CHECK(pinned_set->Candidates("rsa-1", "RS384").size() == 1);
}

TEST_CASE("access: a JWT passes Check and acts as its agent, a bad one gets 401 with the reason") {
  Fixture f;
  mcp::AccessConfig config;
  config.bind_host = "0.0.0.0";
  config.auth_server = "https://login.example.com/";
  config.public_url = "https://mcp.example.com/mcp";
  config.jwt = std::shared_ptr<mcp::JwtVerifier>(std::move(f.verifier));
  mcp::AccessPolicy policy(config);
  CHECK_FALSE(policy.Problem());  // JWTs count as tokens off loopback
  std::string const good = "Bearer " + EcKey().Sign(Claims());
  mcp::AccessRequest request{"/mcp", "mcp.example.com", std::nullopt, good, "10.0.0.5"};
  CHECK_FALSE(policy.Check(request));
  auto principal = policy.PrincipalFor(good);
  REQUIRE(principal);
  CHECK(principal->agent == "Jane Smith");

  json c = Claims();
  c["exp"] = kNow - 3600;
  std::string const expired = "Bearer " + RsaKey().Sign(c);
  request.authorization = expired;
  auto refusal = policy.Check(request);
  REQUIRE(refusal);
  CHECK(refusal->status == 401);
  CHECK(refusal->message == "Unauthorized: the token has expired");
  CHECK_THAT(
      refusal->www_authenticate,
      Catch::Contains("error=\"invalid_token\", error_description=\"the token has expired\""));
  CHECK_THAT(refusal->www_authenticate,
             Catch::Contains("resource_metadata=\"https://mcp.example.com/.well-known/"
                             "oauth-protected-resource/mcp\""));
  // Expired between Check and PrincipalFor: never the server's default principal.
  auto late = policy.PrincipalFor(expired);
  REQUIRE(late);
  CHECK(late->agent.empty());
  CHECK(late->policy.read_only);
  CHECK(late->policy.Narrows());
  mcp::ToolSpec read_tool;
  read_tool.name = "halopsa_list_tickets";
  read_tool.toolset = "tickets";
  read_tool.annotations = {{"readOnlyHint", true}};
  CHECK_FALSE(late->policy.Allows(read_tool));
  request.authorization = "Bearer some-opaque-token";
  refusal = policy.Check(request);
  REQUIRE(refusal);
  CHECK(refusal->message == "Unauthorized: a valid bearer token is required");
  request.authorization = std::nullopt;
  refusal = policy.Check(request);
  REQUIRE(refusal);
  CHECK_THAT(refusal->www_authenticate, !Catch::Contains("error="));
}
