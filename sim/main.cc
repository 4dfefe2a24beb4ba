// halo-sim: runs the HaloPSA simulator as a process. Prints one JSON line with the base URL and
// credentials on stdout once listening; logs go to stderr. Stops on SIGTERM / SIGINT.
#include "sim/simulator.h"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <csignal>
#include <cstdio>
#include <iostream>
#include <string>

namespace {

/// "300/300", "5/60" or "off".
bool ParseRateLimit(std::string const& text, halo_sim::SimOptions& options) {
  if (text == "off" || text == "0") {
    options.rate_limit_requests = 0;
    return true;
  }
  auto slash = text.find('/');
  try {
    options.rate_limit_requests = std::stoi(text.substr(0, slash));
    if (slash != std::string::npos)
      options.rate_limit_window_seconds = std::stoi(text.substr(slash + 1));
  } catch (std::exception const&) {
    return false;
  }
  return options.rate_limit_requests > 0 && options.rate_limit_window_seconds > 0;
}

}  // namespace

int main(int argc, char** argv) {
  halo_sim::SimOptions options;
  std::string rate_limit = "300/300";
  int latency_ms = 0;
  bool no_site_rule = false;
  bool ignore_actionby = false;
  std::string log_level = "info";

  CLI::App app{"HaloPSA simulator: a faithful, self-contained HaloPSA REST API stand-in"};
  app.add_option("--port", options.port, "Port to listen on (0 = any free port)");
  app.add_option("--host", options.host, "Address to bind")->capture_default_str();
  app.add_option("--seed", options.seed, "Seed for the generated tenant")->capture_default_str();
  app.add_option("--tenant", options.tenant, "Tenant required on /auth/token ('' = none)")
      ->capture_default_str();
  app.add_option("--client-id", options.client_id, "API client id (random when empty)");
  app.add_option("--client-secret", options.client_secret, "API client secret (random when empty)");
  app.add_option("--rate-limit", rate_limit, "Requests/seconds rolling window, or 'off'")
      ->capture_default_str();
  app.add_flag("--retry-after", options.send_retry_after, "Send Retry-After with 429 answers");
  app.add_option("--latency-ms", latency_ms, "Latency added to every request");
  app.add_flag("--admin", options.admin, "Enable the /_sim admin endpoints");
  app.add_option("--data", options.data_file, "Load the tenant from FILE, or generate and save it");
  app.add_option("--clients", options.clients)->capture_default_str();
  app.add_option("--tickets", options.tickets)->capture_default_str();
  app.add_option("--assets", options.assets)->capture_default_str();
  app.add_option("--users-per-client", options.users_per_client)->capture_default_str();
  app.add_option("--agents", options.agents)->capture_default_str();
  app.add_option("--token-ttl", options.token_ttl_seconds, "Token lifetime in seconds")
      ->capture_default_str();
  app.add_option("--threads", options.threads)->capture_default_str();
  app.add_option("--anchor-epoch", options.anchor_epoch,
                 "Generated dates end at this time (epoch seconds; 0 = now)");
  app.add_flag("--accept-bare-object", options.accept_bare_object,
               "Accept a bare JSON object as a POST body");
  app.add_flag("--echo-paging", options.echo_paging, "Echo page_no/page_size in paged lists");
  app.add_flag("--no-site-rule", no_site_rule, "Allow tickets with a user_id but no site_id");
  app.add_flag("--ignore-actionby-agent", ignore_actionby,
               "Credit every API action to the API agent, ignoring actionby_agent_id");
  app.add_option("--log-level", log_level, "trace|debug|info|warn|error|off")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  if (!ParseRateLimit(rate_limit, options)) {
    std::cerr << "halo-sim: --rate-limit must look like 300/300 or 'off'\n";
    return 2;
  }
  options.require_site_for_user = !no_site_rule;
  options.honour_actionby_agent = !ignore_actionby;
  spdlog::set_level(spdlog::level::from_str(log_level));
  if (auto logger = spdlog::get("halo_sim")) logger->set_level(spdlog::level::from_str(log_level));

  // Block the stop signals in every thread; the main thread waits for them with sigwait.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  halo_sim::Simulator sim(options);
  if (auto err = sim.Start()) {
    std::cerr << "halo-sim: " << *err << "\n";
    return 1;
  }
  if (latency_ms > 0) {
    halo_sim::Faults faults;
    faults.latency_ms = latency_ms;
    sim.SetFaults(faults);
  }
  nlohmann::ordered_json ready = {{"base_url", sim.base_url()},
                                  {"tenant", sim.tenant()},
                                  {"client_id", sim.client_id()},
                                  {"client_secret", sim.client_secret()}};
  std::cout << ready.dump() << std::endl;  // exactly one line, flushed

  int sig = 0;
  sigwait(&signals, &sig);
  std::cerr << "halo-sim: stopping on signal " << sig << "\n";
  sim.Stop();
  return 0;
}
