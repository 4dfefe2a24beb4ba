#include "server/confirmer.h"

#include <catch2/catch.hpp>

using nlohmann::json;
using Kind = mcp::Consent::Kind;

namespace {

json const kArgs{{"id", 12}, {"confirm", true}};

/// A legacy-era scope whose client declared `caps` and answers elicitation/create with `answer`
/// (null = no answer came).
struct Legacy {
  mcp::CallScope scope{nullptr, -1, false, nullptr, nullptr};
  std::vector<json> asked;
  explicit Legacy(json caps, json answer) {
    scope.set_request(json::object(), std::move(caps));
    scope.set_requester([this, answer](std::string const& method, json params) {
      asked.push_back({{"method", method}, {"params", params}});
      return answer;
    });
  }
};

std::unique_ptr<mcp::CallScope> Modern(json caps, json params = json::object()) {
  auto scope = std::make_unique<mcp::CallScope>(nullptr, -1, true, nullptr, nullptr);
  scope->set_request(std::move(params), std::move(caps));
  return scope;
}

json Elicitation() { return json{{"elicitation", json::object()}}; }

}  // namespace

TEST_CASE("Without the elicitation capability nothing is asked", "[server][confirm]") {
  mcp::Confirmer confirmer;
  Legacy none(json::object(), nullptr);
  CHECK(confirmer.Ask("t", kArgs, "Delete?", none.scope).kind == Kind::kNotAsked);
  CHECK(none.asked.empty());
  Legacy url_only(json{{"elicitation", {{"url", json::object()}}}}, nullptr);
  CHECK(confirmer.Ask("t", kArgs, "Delete?", url_only.scope).kind == Kind::kNotAsked);
  auto modern = Modern(json::object());
  CHECK(confirmer.Ask("t", kArgs, "Delete?", *modern).kind == Kind::kNotAsked);
}

TEST_CASE("Legacy: elicitation/create, and only a ticked accept goes ahead", "[server][confirm]") {
  mcp::Confirmer confirmer;
  auto answer = [](std::string action, json content = nullptr) {
    json r{{"action", action}};
    if (!content.is_null()) r["content"] = content;
    return json{{"result", r}};
  };
  Legacy yes(Elicitation(), answer("accept", {{"confirm", true}}));
  CHECK(confirmer.Ask("t", kArgs, "Delete ticket 12?", yes.scope).kind == Kind::kAccepted);
  REQUIRE(yes.asked.size() == 1);
  CHECK(yes.asked[0]["method"] == "elicitation/create");
  CHECK(yes.asked[0]["params"]["message"] == "Delete ticket 12?");
  CHECK(yes.asked[0]["params"]["requestedSchema"]["properties"]["confirm"]["type"] == "boolean");

  struct Case {
    json outcome;
    std::string reason;
  };
  for (auto const& c : std::vector<Case>{
           {answer("accept", {{"confirm", false}}), "without ticking"},
           {answer("accept"), "without ticking"},
           {answer("decline"), "declined"},
           {answer("cancel"), "cancelled"},
           {answer("maybe"), "not understood"},
           {json{{"error", {{"code", -32601}, {"message", "no UI"}}}},
            "could not ask for confirmation (no UI)"},
           {nullptr, "no answer came"},
       }) {
    Legacy l(Elicitation(), c.outcome);
    auto consent = confirmer.Ask("t", kArgs, "Delete?", l.scope);
    INFO(c.outcome.dump());
    CHECK(consent.kind == Kind::kRefused);
    CHECK_THAT(consent.reason, Catch::Matchers::Contains(c.reason));
  }
}

TEST_CASE("2026-07-28: input_required, then the signed state binds the answer to the change",
          "[server][confirm]") {
  auto now = std::chrono::system_clock::time_point(std::chrono::hours(500000));
  mcp::Confirmer confirmer("k", [&now] { return now; });
  auto first = Modern(Elicitation());
  auto pending = confirmer.Ask("halopsa_delete_ticket", kArgs, "Delete ticket 12?", *first);
  REQUIRE(pending.kind == Kind::kPending);
  json const& r = pending.pending;
  CHECK(r["resultType"] == "input_required");
  CHECK(r["inputRequests"]["confirm"]["method"] == "elicitation/create");
  CHECK(r["inputRequests"]["confirm"]["params"]["message"] == "Delete ticket 12?");
  std::string const state = r["requestState"];

  auto retry = [&](json answer, json state_value, std::string tool = "halopsa_delete_ticket",
                   json args = kArgs) {
    auto scope = Modern(Elicitation(), json{{"inputResponses", {{"confirm", answer}}},
                                            {"requestState", state_value}});
    return confirmer.Ask(tool, args, "Delete ticket 12?", *scope);
  };
  json const yes{{"action", "accept"}, {"content", {{"confirm", true}}}};
  CHECK(retry(yes, state).kind == Kind::kAccepted);
  auto declined = retry(json{{"action", "decline"}}, state);
  CHECK(declined.kind == Kind::kRefused);
  CHECK_THAT(declined.reason, Catch::Matchers::Contains("declined"));

  // Tampered, for another record or tool, missing, or expired: asked again, never acted on.
  std::string forged = state;
  forged.back() = forged.back() == '0' ? '1' : '0';
  CHECK(retry(yes, forged).kind == Kind::kPending);
  CHECK(retry(yes, "1" + state).kind == Kind::kPending);
  CHECK(retry(yes, state, "halopsa_delete_action").kind == Kind::kPending);
  CHECK(retry(yes, state, "halopsa_delete_ticket", json{{"id", 13}, {"confirm", true}}).kind ==
        Kind::kPending);
  CHECK(retry(yes, nullptr).kind == Kind::kPending);
  CHECK(retry(yes, "garbage").kind == Kind::kPending);
  mcp::Confirmer other_key("other", [&now] { return now; });
  auto scope =
      Modern(Elicitation(), json{{"inputResponses", {{"confirm", yes}}}, {"requestState", state}});
  CHECK(other_key.Ask("halopsa_delete_ticket", kArgs, "x", *scope).kind == Kind::kPending);
  now += mcp::Confirmer::kStateLifetime + std::chrono::seconds(1);
  CHECK(retry(yes, state).kind == Kind::kPending);
}

TEST_CASE("Replicas sharing the client secret accept each other's confirmations",
          "[server][confirm]") {
  auto now = std::chrono::system_clock::time_point(std::chrono::hours(500000));
  auto key = [](std::string_view secret, std::string_view tenant) {
    return mcp::DeriveConfirmationKey(secret, tenant);
  };
  CHECK(key("s3cret", "https://a.halopsa.com|id") == key("s3cret", "https://a.halopsa.com|id"));
  CHECK(key("s3cret", "https://a.halopsa.com|id") != key("s3cret", "https://b.halopsa.com|id"));
  CHECK(key("s3cret", "https://a.halopsa.com|id") != key("other", "https://a.halopsa.com|id"));

  mcp::Confirmer a(key("s3cret", "t"), [&now] { return now; });
  mcp::Confirmer b(key("s3cret", "t"), [&now] { return now; });
  auto first = Modern(Elicitation());
  auto pending = a.Ask("halopsa_delete_ticket", kArgs, "Delete ticket 12?", *first);
  REQUIRE(pending.kind == Kind::kPending);
  json const yes{{"action", "accept"}, {"content", {{"confirm", true}}}};
  auto scope = Modern(Elicitation(), json{{"inputResponses", {{"confirm", yes}}},
                                          {"requestState", pending.pending["requestState"]}});
  CHECK(b.Ask("halopsa_delete_ticket", kArgs, "Delete ticket 12?", *scope).kind == Kind::kAccepted);
}
