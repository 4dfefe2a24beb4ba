#include "halo/query.h"
#include "halo/redactor.h"
#include "halo/testing/client_harness.h"

#include <catch2/catch.hpp>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <sstream>

using halo::testing::ClientHarness;
using halo::testing::Records;
using halo::testing::Scripted;
using halo::testing::ScriptedHttp;

namespace {

/// Routes the default logger into a string at trace level for the test's lifetime.
class CapturedLog {
 public:
  CapturedLog() : previous_(spdlog::default_logger()) {
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out_);
    auto logger = std::make_shared<spdlog::logger>("capture", sink);
    logger->set_level(spdlog::level::trace);
    logger->flush_on(spdlog::level::trace);
    spdlog::set_default_logger(logger);
  }
  ~CapturedLog() { spdlog::set_default_logger(previous_); }
  std::string text() const { return out_.str(); }

 private:
  std::shared_ptr<spdlog::logger> previous_;
  std::ostringstream out_;
};

}  // namespace

TEST_CASE("Secrets and tokens never reach logs or errors", "[halo][redaction]") {
  CapturedLog log;
  ClientHarness h;
  h.halo.set_tenant("acme");
  h.halo.AddList("/api/Tickets", Records(120), "tickets");
  std::string const secret = h.halo.client_secret;
  std::vector<std::string> messages;
  halo::CallContext ctx;

  auto client = h.Make();
  // Success paths: token, list, 401 -> refresh.
  REQUIRE(client->List({"/Tickets", {}, "tickets", 0, 0, true, {}}, ctx).ok());
  std::string const first_token = h.halo.last_token();
  h.halo.RevokeTokens();
  REQUIRE(client->Get("/Tickets", {}, ctx).ok());
  std::string const second_token = h.halo.last_token();
  REQUIRE(first_token != second_token);

  // Error bodies that echo credentials back.
  Scripted echo;
  echo.status = 400;
  echo.body = R"({"message":"bad request from )" + secret + " with Bearer " + second_token +
              R"(", ")" + "note" + R"(":"x"})";
  h.halo.Script("GET", "/api/Tickets/9", echo);
  auto e1 = client->Get("/Tickets/9", {}, ctx);
  REQUIRE_FALSE(e1.ok());
  messages.push_back(e1.status().ToString());
  messages.push_back(e1.status().info().fields.dump());
  Scripted echo_fields;
  echo_fields.status = 400;
  echo_fields.body = R"({"[0].secret":")" + secret + R"("})";
  h.halo.Script("POST", "/api/Tickets", echo_fields);
  auto batch = client->PostBatch("/Tickets", {{{"summary", "x"}}}, 1, ctx);
  messages.push_back(batch[0].status.ToString());
  messages.push_back(batch[0].status.info().fields.dump());

  // Failure paths: wrong secret, ambiguous write.
  auto o = h.Options();
  o.client_secret = "Another-Wrong-Secret-123";
  auto bad = h.Make(o)->Get("/Tickets", {}, ctx);
  REQUIRE_FALSE(bad.ok());
  messages.push_back(bad.status().ToString());
  messages.push_back(bad.status().info().hint);
  Scripted cut;
  cut.action = Scripted::Action::kTruncate;
  h.halo.Script("POST", "/api/Tickets", cut);
  auto amb = client->Post("/Tickets", nlohmann::json::array({{{"summary", "x"}}}), ctx);
  messages.push_back(amb.status().ToString());

  std::string logged = log.text();
  INFO(logged);
  CHECK_FALSE(logged.empty());  // the capture works: there are debug lines
  for (std::string const& needle :
       {secret, std::string("Another-Wrong-Secret-123"), first_token, second_token}) {
    CHECK(logged.find(needle) == std::string::npos);
    for (auto const& m : messages) {
      INFO(m);
      CHECK(m.find(needle) == std::string::npos);
    }
  }
  CHECK(logged.find("Bearer") == std::string::npos);
  CHECK(logged.find("client_secret") == std::string::npos);
  CHECK(messages[0].find("[redacted]") != std::string::npos);
}

TEST_CASE("Redactor catches every spelling of a secret", "[halo][redaction]") {
  std::string const secret = "S3cr3t Value/With+Chars&=\"x\"";
  halo::Redactor r(secret);
  r.AddToken("eyJ0eXAi.OiJKV1Qi+LCJh/bGci=");
  for (std::string const& spelled :
       {secret, std::string("S3cr3t%20Value%2FWith%2BChars%26%3D%22x%22"),
        std::string("S3cr3t%20Value%2fWith%2bChars%26%3d%22x%22"),
        std::string("S3cr3t+Value%2FWith%2BChars%26%3D%22x%22"),
        std::string(R"(S3cr3t Value/With+Chars&=\"x\")"),
        std::string("eyJ0eXAi.OiJKV1Qi+LCJh/bGci="),
        std::string("eyJ0eXAi.OiJKV1Qi%2BLCJh%2FbGci%3D")}) {
    INFO(spelled);
    CHECK(r.Redact("before " + spelled + " after") == "before [redacted] after");
  }
  CHECK(r.Redact("nothing to hide") == "nothing to hide");
  halo::ErrorInfo info;
  info.fields = {{"client_secret", secret}};
  info.hint = "was " + secret;
  auto s = r.Redact(halo::InvalidArgumentError("got " + secret, info));
  CHECK(s.message() == "got [redacted]");
  CHECK(s.info().hint == "was [redacted]");
  CHECK(s.info().fields["client_secret"] == "[redacted]");
}

TEST_CASE("At trace level, logs carry paths but no secret, token or query string",
          "[halo][redaction]") {
  CapturedLog log;
  halo::testing::ScriptedHarness h;
  h.http->token_prefix = "Tok/en+Value=";
  auto o = h.Options();
  std::string const secret = o.client_secret;  // has a space, '/', '+', '&' and '='
  auto client = h.Make(o);
  halo::CallContext ctx;

  std::string const percent = halo::PercentEncode(secret);
  std::string form = percent;
  for (auto p = form.find("%20"); p != std::string::npos; p = form.find("%20", p)) {
    form.replace(p, 3, "+");
  }
  std::vector<std::string> messages;
  REQUIRE(client->Get("/Users", {{"search", "jane.doe@example.com"}}, ctx).ok());
  std::string const token = h.http->last_token();
  REQUIRE(token == "Tok/en+Value=1");
  std::string const token_percent = halo::PercentEncode(token);

  // Error bodies that echo the credentials in their encoded forms.
  h.http->Script(
      "GET", "/api/Users/9",
      ScriptedHttp::Reply(
          400, nlohmann::json{{"message", "bad client_secret=" + form + " or " + percent}}.dump()));
  h.http->Script(
      "GET", "/api/Users/10",
      ScriptedHttp::Reply(
          400, nlohmann::json{{"message", "Bearer " + token_percent + " / " + token}}.dump()));
  h.http->Script("POST", "/auth/token",
                 ScriptedHttp::Reply(400, nlohmann::json{{"error", "invalid_request"},
                                                         {"error_description", "secret " + secret}}
                                              .dump()));
  for (auto const* path : {"/Users/9", "/Users/10"}) {
    auto r = client->Get(path, {{"emailaddress", "jane.doe@example.com"}}, ctx);
    REQUIRE_FALSE(r.ok());
    messages.push_back(r.status().ToString());
  }
  auto fresh = h.Make(o);
  auto bad = fresh->Get("/Users", {}, ctx);
  REQUIRE_FALSE(bad.ok());
  messages.push_back(bad.status().ToString());

  std::string const logged = log.text();
  INFO(logged);
  CHECK_THAT(logged, Catch::Matchers::Contains("GET /api/Users"));
  for (std::string const& needle :
       {secret, percent, form, token, token_percent, std::string("jane.doe"),
        std::string("search="), std::string("emailaddress")}) {
    INFO(needle);
    CHECK(logged.find(needle) == std::string::npos);
    for (auto const& m : messages) {
      if (needle == "jane.doe" || needle == "search=" || needle == "emailaddress") continue;
      INFO(m);
      CHECK(m.find(needle) == std::string::npos);
    }
  }
  CHECK_THAT(messages[0], Catch::Matchers::Contains("[redacted]"));
  CHECK_THAT(messages[1], Catch::Matchers::Contains("[redacted]"));
}
