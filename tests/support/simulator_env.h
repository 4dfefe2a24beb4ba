#pragma once

#include "sim/simulator.h"

#include <map>
#include <memory>
#include <string>

namespace halo_test {

/// A simulator started on a free loopback port for a test; REQUIREs that it starts.
std::unique_ptr<halo_sim::Simulator> StartSimulator(halo_sim::SimOptions const& options);

/// The settings that point halo-mcp at `sim` (base URL, tenant, client id and secret), with
/// `extra` added or overriding them (an empty value removes a variable, as McpProcess does).
std::map<std::string, std::string> SimulatorEnv(halo_sim::Simulator const& sim,
                                                std::map<std::string, std::string> extra = {});

}  // namespace halo_test
