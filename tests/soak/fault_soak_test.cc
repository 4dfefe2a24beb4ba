// Fault soak: the real HaloPSA client (MakeHaloClient) against the simulator with scripted
// faults, each property reported as figures (stdout, "soak:" lines) and asserted:
//  - reads with 20% transient faults (503, resets, latency, read timeouts) all succeed;
//  - 1,000 writes, some saved and then cut off: no duplicate record, every ambiguous write
//    reported as kUnknownOutcome;
//  - reads through 429 storms never surface a 429 while their deadline allows waiting;
//  - at trace level, the client secret and the tokens (raw or percent-encoded) appear in no log
//    line and no result.
// Each TEST_CASE runs in its own ctest process, so each checks its own logs and results.
#include "halo/halo_client.h"
#include "halo/query.h"
#include "sim/simulator.h"

#include <catch2/catch.hpp>
#include <httplib.h>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <iostream>
#include <map>
#include <mutex>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using halo::StatusCode;
using nlohmann::json;

namespace {

/// Characters that percent-encoding changes, so that an encoded leak is told from a raw one.
constexpr char kSecret[] = "soak+Secret/=&%42~x";

/// Routes the default logger (the client's) into a string at trace level.
class CapturedLog {
 public:
  CapturedLog() : previous_(spdlog::default_logger()) {
    auto logger = std::make_shared<spdlog::logger>(
        "soak", std::make_shared<spdlog::sinks::ostream_sink_mt>(out_));
    logger->set_level(spdlog::level::trace);
    spdlog::set_default_logger(logger);
    // The simulator logs every request; that log is not the client's and is not checked.
    if (!spdlog::get("halo_sim")) {
      spdlog::register_logger(std::make_shared<spdlog::logger>(
          "halo_sim", std::make_shared<spdlog::sinks::null_sink_mt>()));
    }
  }
  ~CapturedLog() { spdlog::set_default_logger(previous_); }
  std::string text() const {
    spdlog::default_logger()->flush();
    return out_.str();
  }

 private:
  std::shared_ptr<spdlog::logger> previous_;
  std::ostringstream out_;
};

/// The token endpoint, relayed to the simulator, remembering every token it hands out: the
/// simulator does not tell which tokens it issued.
class TokenRecorder {
 public:
  explicit TokenRecorder(std::string sim_url) : sim_url_(std::move(sim_url)) {
    server_.Post("/auth/token", [this](httplib::Request const& req, httplib::Response& res) {
      httplib::Client sim(sim_url_);
      auto r = sim.Post(req.target.c_str(), req.body,  // target: the path and query as sent
                        req.get_header_value("Content-Type").c_str());
      if (!r) {
        res.status = 502;
        return;
      }
      auto body = json::parse(r->body, nullptr, false);
      if (body.is_object() && body.contains("access_token")) {
        std::lock_guard lock(mu_);
        tokens_.push_back(body["access_token"].get<std::string>());
      }
      res.status = r->status;
      res.set_content(r->body, "application/json");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(1ms);
  }
  ~TokenRecorder() {
    server_.stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::vector<std::string> tokens() const {
    std::lock_guard lock(mu_);
    return tokens_;
  }

 private:
  std::string sim_url_;
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  mutable std::mutex mu_;
  std::vector<std::string> tokens_;
};

halo_sim::SimOptions SimOptions() {
  halo_sim::SimOptions o;
  o.seed = 9;
  o.clients = 6;
  o.tickets = 400;
  o.assets = 60;
  o.users_per_client = 2;
  o.rate_limit_requests = 0;  // 429s come from scripted storms only
  o.client_id = "soak-client";
  o.client_secret = kSecret;
  o.threads = 8;
  return o;
}

struct Soak {
  CapturedLog log;  // first: the client logs from its first call
  halo_sim::Simulator sim{SimOptions()};
  std::unique_ptr<TokenRecorder> tokens;
  std::shared_ptr<halo::HaloClient> client;
  std::vector<std::string> results;  // every result and error text, checked for secrets
  halo::CallContext ctx;

  Soak() {
    auto err = sim.Start();
    if (err) FAIL("simulator did not start: " << *err);
    tokens = std::make_unique<TokenRecorder>(sim.base_url());
    halo::HaloOptions o;
    o.base_url = sim.base_url();
    o.auth_url = tokens->url() + "/auth";
    o.tenant = sim.tenant();
    o.client_id = sim.client_id();
    o.client_secret = sim.client_secret();
    o.user_agent = "halo-mcp-soak";
    o.connect_timeout = 2s;
    o.read_timeout = 500ms;  // the "timeout" fault sleeps longer than this
    o.initial_backoff = 5ms;
    o.max_backoff = 100ms;
    o.call_deadline = 60s;
    o.rate_limit_requests = 1000;  // never reached: the window only matters after a 429
    o.rate_limit_window = 1s;
    auto c = halo::MakeHaloClient(o);
    REQUIRE(c.ok());
    client = *c;
    // The token is fetched before any fault is scripted (slow faults also hit /auth/token).
    REQUIRE(Keep(client->Get("/Status", {}, ctx)).ok());
  }

  halo::StatusOr<json> const& Keep(halo::StatusOr<json> const& r) {
    results.push_back(r.ok() ? r->dump() : Text(r.status()));
    return r;
  }
  halo::StatusOr<halo::ListResult> const& Keep(halo::StatusOr<halo::ListResult> const& r) {
    results.push_back(r.ok() ? r->records.dump() : Text(r.status()));
    return r;
  }
  static std::string Text(halo::Status const& s) {
    return s.ToString() + " " + s.info().hint + " " + s.info().fields.dump();
  }

  /// The soak's last check: no secret and no token, raw or percent-encoded, anywhere.
  void CheckNoSecrets() {
    std::vector<std::string> needles;
    for (std::string const& s : tokens->tokens()) {
      needles.push_back(s);
      needles.push_back(halo::PercentEncode(s));
    }
    REQUIRE_FALSE(needles.empty());  // the recorder saw the client's token requests
    needles.push_back(kSecret);
    needles.push_back(halo::PercentEncode(kSecret));
    std::string logged = log.text();
    REQUIRE_FALSE(logged.empty());  // the capture works: the client logs every request
    int found = 0;
    for (auto const& n : needles) {
      if (logged.find(n) != std::string::npos) ++found;
      for (auto const& r : results) found += r.find(n) != std::string::npos;
    }
    std::cout << "soak: secrets: " << tokens->tokens().size() << " tokens + the client secret, "
              << "searched raw and percent-encoded in " << logged.size() << " bytes of trace log "
              << "and " << results.size() << " results: " << found << " found\n";
    CHECK(found == 0);
  }
};

/// Ids of a few existing records to read.
std::vector<std::int64_t> TicketIds(halo_sim::Simulator& sim, std::size_t n) {
  std::vector<std::int64_t> ids;
  sim.WithStore([&](halo_sim::Store& s) {
    for (auto const& [id, row] : s.table("Tickets").rows) {
      if (ids.size() < n) ids.push_back(id);
    }
  });
  return ids;
}

}  // namespace

TEST_CASE("Soak: reads with 20% transient faults all succeed", "[soak]") {
  Soak s;
  auto const ids = TicketIds(s.sim, 50);
  REQUIRE(ids.size() == 50);
  // Exactly one read in five meets a fault, spread at random, the four kinds equally often.
  constexpr int kReads = 400;
  enum class Fault { kNone, k503, kReset, kLatency, kTimeout };
  std::vector<Fault> plan(kReads, Fault::kNone);
  for (int i = 0; i < kReads / 5; ++i) plan[i] = static_cast<Fault>(1 + i % 4);
  std::shuffle(plan.begin(), plan.end(), std::mt19937(20));
  std::map<std::string, int> injected;
  int ok = 0;
  auto const before = s.client->stats();
  auto const started = std::chrono::steady_clock::now();
  for (int i = 0; i < kReads; ++i) {
    halo_sim::Faults f;
    switch (plan[i]) {
      case Fault::kNone:
        break;
      case Fault::k503:
        f.fail_5xx_next = 1;
        ++injected["503"];
        break;
      case Fault::kReset:
        f.reset_next = 1;
        ++injected["reset"];
        break;
      case Fault::kLatency:
        f.slow_next = 1;
        f.slow_ms = 60;  // latency within the read timeout
        ++injected["latency"];
        break;
      case Fault::kTimeout:
        f.slow_next = 1;
        f.slow_ms = 1200;  // beyond the 500 ms read timeout
        ++injected["timeout"];
        break;
    }
    // Now and then every token is revoked: the client refreshes, and there are more tokens to
    // look for in the logs.
    f.revoke_tokens = i % 100 == 50;
    if (plan[i] != Fault::kNone || f.revoke_tokens) s.sim.SetFaults(f);
    bool good = false;
    if (i % 4 == 0) {
      halo::ListRequest req;
      req.path = "/Tickets";
      req.list_key = "tickets";
      req.limit = 150;  // two pages, fetched concurrently
      auto r = s.Keep(s.client->List(req, s.ctx));
      good = r.ok() && r->records.size() == 150;
    } else {
      auto r = s.Keep(s.client->Get("/Tickets/" + std::to_string(ids[i % ids.size()]), {}, s.ctx));
      good = r.ok() && r->value("id", std::int64_t{0}) == ids[i % ids.size()];
    }
    if (good) {
      ++ok;
    } else {
      UNSCOPED_INFO("read " << i << " failed: " << s.results.back());
    }
  }
  auto const after = s.client->stats();
  int total = 0;
  for (auto const& [kind, n] : injected) total += n;
  auto const secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::cout << "soak: reads: " << ok << "/" << kReads << " succeeded (" << 100.0 * ok / kReads
            << "%) with faults before " << total << " reads (" << 100.0 * total / kReads
            << "%: " << injected["503"] << " 503, " << injected["reset"] << " resets, "
            << injected["latency"] << " latency, " << injected["timeout"] << " timeouts); "
            << (after.http_requests - before.http_requests) << " HTTP requests, "
            << (after.retries - before.retries) << " retries, " << secs << " s\n";
  CHECK(total == kReads / 5);
  CHECK(ok == kReads);

  // A 429 storm too, for the secrets check below (its outcome is the storm test's business).
  halo_sim::Faults storm;
  storm.rate_limit_next = 6;
  s.sim.SetFaults(storm);
  s.Keep(s.client->Get("/Status", {}, s.ctx));
  s.CheckNoSecrets();
}

TEST_CASE("Soak: 1,000 writes with ambiguous faults, no duplicates, every one reported", "[soak]") {
  Soak s;
  std::int64_t type_id = 0;
  s.sim.WithStore([&](halo_sim::Store& store) {
    for (auto const& [id, row] : store.table("TicketType").rows) {
      if (!row.value("requires_cab_approval", false)) {
        type_id = id;
        break;
      }
    }
  });
  REQUIRE(type_id > 0);
  std::mt19937 rng(1000);
  constexpr int kWrites = 1000;
  enum class Fault { kNone, kAmbiguous, kReset };
  std::vector<Fault> faults(kWrites, Fault::kNone);
  std::vector<StatusCode> outcome(kWrites);
  auto const started = std::chrono::steady_clock::now();
  for (int i = 0; i < kWrites; ++i) {
    unsigned roll = rng() % 100;
    halo_sim::Faults f;
    if (roll < 20) {
      faults[i] = Fault::kAmbiguous;  // saved, then the connection drops
      f.ambiguous_writes_next = 1;
    } else if (roll < 25) {
      faults[i] = Fault::kReset;  // dropped before anything was applied
      f.reset_next = 1;
    }
    if (faults[i] != Fault::kNone) s.sim.SetFaults(f);
    json body =
        json::array({{{"summary", "soak-write-" + std::to_string(i)}, {"tickettype_id", type_id}}});
    outcome[i] = s.Keep(s.client->Post("/Tickets", body, s.ctx)).status().code();
  }
  auto const secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

  std::map<std::string, int> copies;
  s.sim.WithStore([&](halo_sim::Store& store) {
    for (auto const& [id, row] : store.table("Tickets").rows) {
      auto summary = row.value("summary", std::string());
      if (summary.rfind("soak-write-", 0) == 0) ++copies[summary];
    }
  });
  int duplicates = 0, ambiguous = 0, ambiguous_reported = 0, resets = 0, resets_reported = 0,
      clean_ok = 0, clean = 0, ambiguous_saved = 0, resets_absent = 0;
  for (int i = 0; i < kWrites; ++i) {
    int const n = copies["soak-write-" + std::to_string(i)];
    duplicates += std::max(0, n - 1);
    switch (faults[i]) {
      case Fault::kAmbiguous:
        ++ambiguous;
        ambiguous_reported += outcome[i] == StatusCode::kUnknownOutcome;
        ambiguous_saved += n == 1;
        break;
      case Fault::kReset:
        ++resets;
        resets_reported += outcome[i] == StatusCode::kUnknownOutcome;
        resets_absent += n == 0;
        break;
      case Fault::kNone:
        ++clean;
        clean_ok += outcome[i] == StatusCode::kOk && n == 1;
        break;
    }
  }
  int dropped = 0;
  for (auto const& r : s.sim.requests()) dropped += r.method == "POST" && r.status == 0;
  std::cout << "soak: writes: " << kWrites << " in " << secs << " s; " << ambiguous
            << " saved then cut off (" << ambiguous_reported << " reported kUnknownOutcome, "
            << ambiguous_saved << " saved once), " << resets << " cut off unsaved ("
            << resets_reported << " reported kUnknownOutcome, " << resets_absent << " absent), "
            << clean_ok << "/" << clean << " clean writes saved once; " << dropped
            << " connections dropped by the simulator; " << duplicates << " duplicate records\n";
  CHECK(ambiguous >= 150);
  CHECK(dropped == ambiguous + resets);
  CHECK(duplicates == 0);
  CHECK(ambiguous_reported == ambiguous);
  CHECK(ambiguous_saved == ambiguous);
  CHECK(resets_reported == resets);
  CHECK(resets_absent == resets);
  CHECK(clean_ok == clean);
  s.CheckNoSecrets();
}

TEST_CASE("Soak: reads that can wait never surface a 429 during storms", "[soak]") {
  Soak s;
  constexpr int kStorms = 3, kStormLength = 6, kReaders = 3;
  int reads = 0, surfaced = 0, other_errors = 0;
  auto const before = s.client->stats();
  auto const started = std::chrono::steady_clock::now();
  for (int storm = 0; storm < kStorms; ++storm) {
    halo_sim::Faults f;
    f.rate_limit_next = kStormLength;
    s.sim.SetFaults(f);
    // The first storm is met by one reader, the others by several at once.
    int const readers = storm == 0 ? 1 : kReaders;
    std::vector<halo::StatusOr<json>> got(readers, halo::InternalError("not run"));
    std::vector<std::thread> threads;
    for (int r = 0; r < readers; ++r) {
      threads.emplace_back([&, r] { got[r] = s.client->Get("/Status", {}, s.ctx); });
    }
    for (auto& t : threads) t.join();
    for (auto const& g : got) {
      s.Keep(g);
      ++reads;
      if (g.ok()) continue;
      if (g.status().code() == StatusCode::kResourceExhausted &&
          g.status().info().http_status == 429) {
        ++surfaced;
      } else {
        ++other_errors;
        UNSCOPED_INFO("unexpected: " << g.status().ToString());
      }
    }
  }
  auto const after = s.client->stats();
  auto const secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::cout << "soak: 429 storms: " << kStorms << " storms of " << kStormLength << " 429s, "
            << reads << " reads, " << surfaced << " surfaced a 429, " << other_errors
            << " other errors; " << (after.retries - before.retries) << " retries, " << secs
            << " s\n";
  CHECK(other_errors == 0);
  CHECK(surfaced == 0);
}
