// raintree_core bundles the per-layer libraries (see CMakeLists.txt); this unit carries the
// library's version so the bundle has an object of its own.
#include "core.hpp"

namespace rt {

std::string_view version() {
  return "0.1.0";
}

}  // namespace rt
