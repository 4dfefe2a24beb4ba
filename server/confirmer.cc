#include "server/confirmer.h"

#include "server/digest.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <stdexcept>

namespace mcp {

using nlohmann::json;

namespace {

constexpr char kInputKey[] = "confirm";

/// A form with one box to tick, so that accepting is a deliberate act.
json ElicitParams(std::string const& message) {
  return json{{"message", message},
              {"requestedSchema",
               {{"type", "object"},
                {"properties",
                 {{kInputKey,
                   {{"type", "boolean"},
                    {"title", "Yes, make this change"},
                    {"description", "Nothing changes unless this is ticked and accepted"},
                    {"default", false}}}}},
                {"required", {kInputKey}}}}};
}

/// The person's answer (an ElicitResult) as consent.
Consent FromAnswer(json const& answer) {
  Consent c{Consent::Kind::kRefused, "", nullptr};
  std::string const action = answer.is_object() ? answer.value("action", "") : "";
  if (action == "accept") {
    json const content = answer.value("content", json::object());
    if (content.is_object() && content.value(kInputKey, json()) == true) {
      c.kind = Consent::Kind::kAccepted;
    } else {
      c.reason = "the confirmation was accepted without ticking \"Yes, make this change\"";
    }
  } else if (action == "decline") {
    c.reason = "the person declined";
  } else if (action == "cancel") {
    c.reason = "the person cancelled the confirmation";
  } else {
    c.reason = "the client's answer to the confirmation was not understood";
  }
  return c;
}

bool AcceptsForms(json const& capabilities) {
  auto e = capabilities.find("elicitation");
  if (e == capabilities.end() || !e->is_object()) return false;
  // {} means form mode (2025-06-18); later revisions may list modes.
  return e->empty() || e->contains("form");
}

}  // namespace

std::string DeriveConfirmationKey(std::string_view client_secret, std::string_view context) {
  std::string key = "halo-mcp confirmation v1|";
  key.append(context).append("|").append(client_secret);
  return key;
}

Confirmer::Confirmer(std::string key, WallClock clock)
    : key_(std::move(key)), clock_(std::move(clock)) {
  if (key_.empty()) {
    unsigned char random[32];
    if (RAND_bytes(random, sizeof random) != 1) {
      throw std::runtime_error("no randomness for the confirmation key");
    }
    key_.assign(reinterpret_cast<char const*>(random), sizeof random);
  }
  if (!clock_) clock_ = [] { return std::chrono::system_clock::now(); };
}

std::string Confirmer::Sign(std::string const& payload) const {
  return Hex(HmacSha256(key_, payload));
}

Consent Confirmer::Ask(std::string const& tool, json const& arguments, std::string const& message,
                       CallScope& scope) const {
  if (!AcceptsForms(scope.client_capabilities())) return {};
  json const params = ElicitParams(message);

  if (!scope.modern()) {
    if (!scope.can_request_client()) return {};
    json const outcome = scope.RequestClient("elicitation/create", params);
    if (outcome.is_null()) {
      return {Consent::Kind::kRefused, "no answer came to the confirmation request", nullptr};
    }
    if (outcome.contains("error")) {
      std::string why = outcome["error"].is_object() ? outcome["error"].value("message", "") : "";
      return {Consent::Kind::kRefused,
              "the client could not ask for confirmation" + (why.empty() ? "" : " (" + why + ")"),
              nullptr};
    }
    return FromAnswer(outcome.value("result", json()));
  }

  // 2026-07-28: the retry carries the answer and our signed state, which binds the answer to
  // this tool, these arguments and a deadline.
  auto const now = std::chrono::duration_cast<std::chrono::seconds>(clock_().time_since_epoch());
  std::string const change = tool + "\n" + arguments.dump();
  json const& request = scope.request_params();
  json const responses = request.value("inputResponses", json::object());
  json const state = request.value("requestState", json());
  if (responses.is_object() && responses.contains(kInputKey) && state.is_string()) {
    std::string const s = state.get<std::string>();
    auto dot = s.find('.');
    if (dot != std::string::npos) {
      std::string const expiry = s.substr(0, dot);
      std::string const expected = Sign(expiry + "\n" + change);
      std::string const mac = s.substr(dot + 1);
      bool const genuine = mac.size() == expected.size() &&
                           CRYPTO_memcmp(mac.data(), expected.data(), mac.size()) == 0;
      char* end = nullptr;
      long long const until = std::strtoll(expiry.c_str(), &end, 10);
      if (genuine && end != nullptr && *end == '\0' && until >= now.count()) {
        return FromAnswer(responses[kInputKey]);
      }
    }
    // Forged, expired or for another change: ask again rather than act on it.
  }
  std::string const expiry = std::to_string((now + kStateLifetime).count());
  Consent c;
  c.kind = Consent::Kind::kPending;
  c.pending =
      json{{"resultType", "input_required"},
           {"inputRequests", {{kInputKey, {{"method", "elicitation/create"}, {"params", params}}}}},
           {"requestState", expiry + "." + Sign(expiry + "\n" + change)}};
  return c;
}

}  // namespace mcp
