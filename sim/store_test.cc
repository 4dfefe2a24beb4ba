#include "sim/store.h"

#include "sim/sim_test_util.h"
#include "sim/tenant_generator.h"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <unistd.h>

using halo_sim::Json;
using halo_sim::testing::SimHarness;
using halo_sim::testing::SmallOptions;

namespace {

halo_sim::TenantSize Small() {
  halo_sim::TenantSize size;
  size.clients = 5;
  size.tickets = 80;
  size.assets = 30;
  size.users_per_client = 3;
  size.agents = 6;
  return size;
}

std::filesystem::path TempDir() {
  auto dir =
      std::filesystem::temp_directory_path() / ("halo_sim_test_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  return dir;
}

}  // namespace

TEST_CASE("Generation is deterministic for a seed", "[sim][store]") {
  halo_sim::Store a, b, c;
  halo_sim::GenerateTenant(a, 42, Small(), 1767225600);
  halo_sim::GenerateTenant(b, 42, Small(), 1767225600);
  halo_sim::GenerateTenant(c, 43, Small(), 1767225600);
  CHECK(a.ToJson() == b.ToJson());
  CHECK(a.ToJson() != c.ToJson());
  CHECK(a.table("Tickets").rows.size() == 80);
  CHECK(a.table("Client").rows.size() == 5);
  CHECK(a.table("Asset").rows.size() == 30);
  // Every ticket has 1-6 actions numbered from 1.
  for (auto const& [id, ticket] : a.table("Tickets").rows) {
    CHECK(a.actions().count({id, 1}) == 1);
  }
}

TEST_CASE("Store JSON round trip and dates", "[sim][store]") {
  halo_sim::Store a;
  halo_sim::GenerateTenant(a, 5, Small(), 1767225600);
  halo_sim::Store b;
  REQUIRE_FALSE(b.FromJson(a.ToJson()).has_value());
  CHECK(b.ToJson() == a.ToJson());
  CHECK(b.AllocateActionId(1001) == a.AllocateActionId(1001));
  CHECK(b.FromJson(Json{{"nope", 1}}).has_value());

  CHECK(halo_sim::FormatTime(0) == "1970-01-01T00:00:00");
  CHECK(halo_sim::ParseTime("2026-01-02T03:04:05").value() == 1767323045);
  CHECK(halo_sim::ParseTime("2026-01-02").value() == 1767312000);
  CHECK_FALSE(halo_sim::ParseTime("yesterday").has_value());
}

TEST_CASE("data_file: generated and saved, writes persisted, reloaded", "[sim][store]") {
  auto dir = TempDir();
  auto file = (dir / "tenant.json").string();
  std::filesystem::remove(file);
  auto options = SmallOptions();
  options.data_file = file;
  options.client_id.clear();
  options.client_secret.clear();
  options.save_debounce_ms = 10;
  std::string client_id, client_secret;
  int new_id = 0;
  {
    SimHarness h(options);
    REQUIRE(std::filesystem::exists(file));
    client_id = h.sim().client_id();
    client_secret = h.sim().client_secret();
    auto res =
        h.Post("/api/Tickets", Json::array({{{"summary", "Persist me"}, {"tickettype_id", 1}}}));
    REQUIRE(res->status == 200);
    new_id = Json::parse(res->body)["id"];
  }  // Stop() flushes pending saves
  // Saved atomically: no temporary files left behind.
  int files = 0;
  for (auto const& entry : std::filesystem::directory_iterator(dir)) {
    (void)entry;
    ++files;
  }
  CHECK(files == 1);
  {
    SimHarness h(options);
    CHECK(h.sim().client_id() == client_id);  // credentials live in the data file
    CHECK(h.sim().client_secret() == client_secret);
    CHECK(h.GetJson("/api/Tickets/" + std::to_string(new_id))["summary"] == "Persist me");
  }
  std::ofstream(file) << "not json";
  halo_sim::Simulator broken(options);
  CHECK(broken.Start().has_value());
  std::filesystem::remove_all(dir);
}
