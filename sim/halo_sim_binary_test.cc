// Starts the halo-sim executable and talks to it like a client-matrix test would.
#include <catch2/catch.hpp>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <signal.h>
#include <string>
#include <sys/wait.h>
#include <unistd.h>

#ifndef HALO_SIM_BINARY
#error "HALO_SIM_BINARY must name the halo-sim executable"
#endif

TEST_CASE("halo-sim prints one JSON line and serves until SIGTERM", "[sim][binary]") {
  int out[2];
  REQUIRE(::pipe(out) == 0);
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::dup2(out[1], STDOUT_FILENO);
    ::close(out[0]);
    ::close(out[1]);
    ::execl(HALO_SIM_BINARY, HALO_SIM_BINARY, "--port", "0", "--tickets", "40", "--clients", "4",
            "--assets", "10", "--rate-limit", "off", "--tenant", "acme", "--log-level", "warn",
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(out[1]);
  std::string line;
  char c = 0;
  while (::read(out[0], &c, 1) == 1 && c != '\n') line.push_back(c);
  auto ready = nlohmann::json::parse(line, nullptr, false);
  REQUIRE(ready.is_object());
  CHECK(ready["tenant"] == "acme");
  auto base = ready["base_url"].get<std::string>();
  CHECK(base.rfind("http://127.0.0.1:", 0) == 0);

  httplib::Client http(base);
  httplib::Params form{{"grant_type", "client_credentials"},
                       {"client_id", ready["client_id"].get<std::string>()},
                       {"client_secret", ready["client_secret"].get<std::string>()},
                       {"scope", "all"}};
  auto token = http.Post("/auth/token?tenant=acme", form);
  REQUIRE(token);
  REQUIRE(token->status == 200);
  auto access = nlohmann::json::parse(token->body)["access_token"].get<std::string>();
  auto tickets = http.Get("/api/Tickets", {{"Authorization", "Bearer " + access}});
  REQUIRE(tickets);
  CHECK(nlohmann::json::parse(tickets->body)["record_count"] == 40);

  // Nothing else is printed on stdout.
  ::kill(pid, SIGTERM);
  int status = 0;
  ::waitpid(pid, &status, 0);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  std::string rest;
  while (::read(out[0], &c, 1) == 1) rest.push_back(c);
  CHECK(rest.empty());
  ::close(out[0]);
}
