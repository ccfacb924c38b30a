// A JSON document written as block-style YAML, for files people read and tools such as kubectl
// parse (the Kubernetes manifests of k8s_manifests.hpp).
//
// The document stays typed: a JSON string is always a YAML string, never reread as a number,
// a boolean or null by a YAML 1.1 or 1.2 parser. Strings are written plain only when nothing
// can misread them (letters, digits and - _ . / starting with a letter, / or _, and not a
// YAML keyword such as `yes`, `on` or `null`), multi-line strings as literal blocks (`|`,
// `|-` or `|+`, so that their trailing newlines survive), and everything else double-quoted
// with JSON escapes (which YAML's double-quoted style accepts). Keys keep their order.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace rt::cluster {

std::string to_yaml(const nlohmann::ordered_json& document);

}  // namespace rt::cluster
