#include "tests/fuzz/canned_halo.h"

#include "server/tool_executor.h"
#include "tests/fuzz/fuzz_fail.h"

#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

#include <cstdlib>

namespace halo_fuzz {

using nlohmann::json;

namespace {

/// One row carrying the fields every record profile and lookup in schemas/ reads, with HTML,
/// dates and non-ASCII text for the renderers.
json Row(std::int64_t id) {
  static char const* const kNames[] = {"Alpha Ltd", "Beta Co", "alpha beta", "Zoë & Søn"};
  std::string const name = kNames[static_cast<std::size_t>(id) % 4];
  return json{{"id", id},
              {"priorityid", id},
              {"name", name},
              {"value", name},
              {"outcome", name},
              {"buttonname", name},
              {"category_name", name},
              {"clientsite_name", name},
              {"client_name", "Alpha Ltd"},
              {"client_id", 1},
              {"site_id", 1},
              {"user_id", id},
              {"email", "a" + std::to_string(id) + "@example.com"},
              {"emailaddress", "u" + std::to_string(id) + "@example.com"},
              {"summary", "Printer on fire \xE2\x80\x94 again"},
              {"details", "<p>First&nbsp;line<br>second &amp; <b>bold</b></p><script>x()</script>"},
              {"note_html", "<div>Note &#x263A; &lt;tag&gt;</div>"},
              {"status_id", id},
              {"tickettype_id", id},
              {"priority_id", id},
              {"agent_id", id},
              {"team_id", id},
              {"dateoccurred", "2026-01-05T09:12:00"},
              {"lastactiondate", "2026-01-06T10:00:00.123Z"},
              {"inactive", false},
              {"timetaken", 1.5}};
}

std::int64_t TrailingId(std::string const& path) {
  auto slash = path.find_last_of('/');
  char const* digits = path.c_str() + (slash == std::string::npos ? 0 : slash + 1);
  return std::strtoll(digits, nullptr, 10);
}

}  // namespace

halo::StatusOr<json> CannedHaloClient::Get(std::string const& path, halo::Query const&,
                                           halo::CallContext const&) {
  std::int64_t id = TrailingId(path);
  if (id % 1000 == 404) return halo::NotFoundError("no record at " + path);
  if (path.find("/Agent/me") != std::string::npos) return Row(7);
  return Row(id);
}

halo::StatusOr<json> CannedHaloClient::Post(std::string const& path, json const& body,
                                            halo::CallContext const&, halo::Idempotency) {
  if (path.find("Outcome") != std::string::npos) {
    return halo::UnknownOutcomeError("connection lost after sending");
  }
  if (!body.is_array() || body.empty() || !body[0].is_object()) {
    halo::ErrorInfo info;
    info.http_status = 400;
    return halo::InvalidArgumentError("expected an array of objects", std::move(info));
  }
  json saved = body[0];
  if (!saved.contains("id")) saved["id"] = 500;
  return saved;
}

halo::StatusOr<json> CannedHaloClient::Delete(std::string const& path, halo::Query const&,
                                              halo::CallContext const&, halo::Idempotency) {
  if (TrailingId(path) % 1000 == 404) return halo::NotFoundError("no record at " + path);
  return json::object();
}

halo::StatusOr<halo::ListResult> CannedHaloClient::List(halo::ListRequest const& request,
                                                        halo::CallContext const& ctx) {
  constexpr std::int64_t kTotal = 5;
  halo::ListResult out;
  out.record_count = kTotal;
  std::int64_t const offset = std::max<std::int64_t>(0, request.offset);
  std::int64_t const limit = request.limit > 0 ? request.limit : kTotal;
  for (std::int64_t i = offset; i < kTotal && i < offset + limit; ++i) {
    out.records.push_back(Row(i + 1));
  }
  if (offset + limit < kTotal) {
    out.truncated = true;
    out.next_offset = offset + limit;
  }
  out.pages_fetched = 1;
  if (ctx.progress) ctx.progress(1, 1, "page 1");
  return out;
}

std::vector<halo::BatchItemResult> CannedHaloClient::PostBatch(std::string const& path,
                                                               std::vector<json> const& items,
                                                               std::size_t,
                                                               halo::CallContext const& ctx,
                                                               halo::Idempotency) {
  std::vector<halo::BatchItemResult> out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    auto saved = Post(path, json::array({items[i]}), ctx, halo::Idempotency::kNonIdempotent);
    out.push_back({i, saved.status(), saved.ok() ? *saved : json()});
  }
  return out;
}

std::vector<halo::StatusOr<json>> CannedHaloClient::GetMany(std::vector<std::string> const& paths,
                                                            halo::Query const& query,
                                                            halo::CallContext const& ctx) {
  std::vector<halo::StatusOr<json>> out;
  for (auto const& p : paths) out.push_back(Get(p, query, ctx));
  return out;
}

std::shared_ptr<mcp::ToolRegistry const> SharedRegistry() {
  static auto const registry = [] {
    mcp::ToolFilter every;
    every.toolsets = {"all"};
    auto loaded = mcp::ToolRegistry::Load(HALO_MCP_SOURCE_SCHEMA_DIR, every);
    if (!loaded.ok()) Fail("cannot load schemas", loaded.status().message());
    return std::make_shared<mcp::ToolRegistry const>(*std::move(loaded));
  }();
  return registry;
}

std::unique_ptr<mcp::McpServer> MakeServer() {
  auto registry = SharedRegistry();
  auto executor =
      std::make_shared<mcp::ToolExecutor>(std::make_shared<CannedHaloClient>(), halo::Status(),
                                          registry->lookups(), registry->records());
  mcp::ServerInfo info;
  info.version = "0.0.0-fuzz";
  info.instructions = "fuzz";
  // Small pages: cursors are reachable, and each tools/list answer (the same registry data every
  // time) costs little to serialize and check, so more of the run goes to new inputs.
  info.tools_page_size = 3;
  auto server = std::make_unique<mcp::McpServer>(info, registry, executor);
  server->set_client_request_timeout(std::chrono::milliseconds(1));
  return server;
}

void SilenceLogs() {
  auto logger =
      std::make_shared<spdlog::logger>("fuzz", std::make_shared<spdlog::sinks::null_sink_mt>());
  logger->set_level(spdlog::level::trace);
  spdlog::set_default_logger(logger);
  spdlog::set_level(spdlog::level::trace);
}

}  // namespace halo_fuzz
