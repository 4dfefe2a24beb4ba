#include "tests/support/simulator_env.h"

#include <catch2/catch.hpp>

namespace halo_test {

std::unique_ptr<halo_sim::Simulator> StartSimulator(halo_sim::SimOptions const& options) {
  auto sim = std::make_unique<halo_sim::Simulator>(options);
  auto error = sim->Start();
  INFO(error.value_or(""));
  REQUIRE_FALSE(error);
  return sim;
}

std::map<std::string, std::string> SimulatorEnv(halo_sim::Simulator const& sim,
                                                std::map<std::string, std::string> extra) {
  std::map<std::string, std::string> env{{"HALOPSA_BASE_URL", sim.base_url()},
                                         {"HALOPSA_TENANT", sim.tenant()},
                                         {"HALOPSA_CLIENT_ID", sim.client_id()},
                                         {"HALOPSA_CLIENT_SECRET", sim.client_secret()}};
  for (auto& [name, value] : extra) env[name] = std::move(value);
  return env;
}

}  // namespace halo_test
