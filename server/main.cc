#include <iostream>

#include "server/version.h"

int main() {
  std::cout << "halo-mcp " << mcp::Version() << "\n";
  return 0;
}
