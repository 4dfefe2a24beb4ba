#include "halo/status.h"

#include <catch2/catch.hpp>

TEST_CASE("StatusOr holds a value or an error", "[halo][status]") {
  halo::StatusOr<int> v = 42;
  REQUIRE(v.ok());
  CHECK(*v == 42);
  halo::StatusOr<int> e = halo::NotFoundError("no ticket 7");
  REQUIRE_FALSE(e.ok());
  CHECK(e.status().code() == halo::StatusCode::kNotFound);
  CHECK(e.status().ToString() == "NOT_FOUND: no ticket 7");
}

TEST_CASE("StatusOr built from an OK status becomes an internal error", "[halo][status]") {
  halo::StatusOr<int> e = halo::OkStatus();
  REQUIRE_FALSE(e.ok());
  CHECK(e.status().code() == halo::StatusCode::kInternal);
}
