#pragma once

#include <string_view>

namespace rt {

// Version of the core library and of the executables built with it.
std::string_view version();

}  // namespace rt
