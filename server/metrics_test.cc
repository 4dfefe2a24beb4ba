#include "server/metrics.h"

#include "server/metered.h"

#include <catch2/catch.hpp>

using nlohmann::json;
using namespace std::chrono_literals;

namespace {

struct FixedHttp : halo::HttpClient {
  std::vector<halo::HttpResult> answers;
  std::size_t next = 0;
  halo::HttpResult Send(halo::HttpRequest const&, halo::CallContext const&) override {
    return answers.at(next++);
  }
};

struct ResultCaller : mcp::ToolCaller {
  json result;
  json Call(mcp::ToolSpec const&, json const&, mcp::CallScope&) override { return result; }
};

bool Has(std::string const& text, std::string const& line) {
  return text.find("\n" + line + "\n") != std::string::npos;
}

}  // namespace

TEST_CASE("Metrics render in the Prometheus text format", "[server][metrics]") {
  mcp::Metrics m;
  m.ToolCall("list_tickets", "ok", 20ms);
  m.ToolCall("list_tickets", "ok", 300ms);
  m.ToolCall("add \"x\"", "error", 40s);
  m.Upstream(200);
  m.Upstream(429);
  m.Upstream(0);
  m.LimiterWait(1500ms);
  m.TokenFetch();
  double sessions = 3;
  m.AddGauge("halo_mcp_sessions", "Sessions.", [&sessions] { return sessions; });
  std::string text = "\n" + m.Render();
  CHECK(Has(text, "# TYPE halo_mcp_tool_calls_total counter"));
  CHECK(Has(text, "halo_mcp_tool_calls_total{tool=\"list_tickets\",result=\"ok\"} 2"));
  CHECK(Has(text, "halo_mcp_tool_calls_total{tool=\"add \\\"x\\\"\",result=\"error\"} 1"));
  CHECK(Has(text, "halo_mcp_tool_call_seconds_bucket{le=\"0.025\"} 1"));
  CHECK(Has(text, "halo_mcp_tool_call_seconds_bucket{le=\"0.5\"} 2"));
  CHECK(Has(text, "halo_mcp_tool_call_seconds_bucket{le=\"30\"} 2"));
  CHECK(Has(text, "halo_mcp_tool_call_seconds_bucket{le=\"+Inf\"} 3"));
  CHECK(Has(text, "halo_mcp_tool_call_seconds_count 3"));
  CHECK(Has(text, "halo_mcp_upstream_requests_total{status=\"429\"} 1"));
  CHECK(Has(text, "halo_mcp_upstream_requests_total{status=\"0\"} 1"));
  CHECK(Has(text, "halo_mcp_upstream_throttled_total 1"));
  CHECK(Has(text, "halo_mcp_limiter_wait_seconds_total 1.5"));
  CHECK(Has(text, "halo_mcp_token_fetches_total 1"));
  CHECK(Has(text, "halo_mcp_sessions 3"));
  sessions = 5;
  CHECK(Has("\n" + m.Render(), "halo_mcp_sessions 5"));
}

TEST_CASE("The metered decorators count what passes through them", "[server][metrics]") {
  auto metrics = std::make_shared<mcp::Metrics>();
  auto http = std::make_shared<FixedHttp>();
  http->answers.resize(2);
  http->answers[0].status = 200;
  http->answers[1].failure = halo::TransportFailure::kAmbiguous;
  mcp::MeteredHttpClient metered_http(http, metrics);
  halo::CallContext ctx;
  CHECK(metered_http.Send({}, ctx).status == 200);
  CHECK(metered_http.Send({}, ctx).failure == halo::TransportFailure::kAmbiguous);

  auto inner = std::make_shared<ResultCaller>();
  mcp::MeteredCaller caller(inner, metrics);
  mcp::ToolSpec tool;
  tool.name = "get_ticket";
  mcp::CallScope scope(nullptr, -1, false, nullptr, std::make_shared<halo::CancelToken>());
  inner->result = mcp::ToolErrorResult("no");
  caller.Call(tool, json::object(), scope);
  std::string text = "\n" + metrics->Render();
  CHECK(Has(text, "halo_mcp_upstream_requests_total{status=\"200\"} 1"));
  CHECK(Has(text, "halo_mcp_upstream_requests_total{status=\"0\"} 1"));
  CHECK(Has(text, "halo_mcp_tool_calls_total{tool=\"get_ticket\",result=\"error\"} 1"));
}
