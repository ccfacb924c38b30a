#include "cluster/k8s_manifests.hpp"

#include <arpa/inet.h>
#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <fstream>
#include <random>
#include <set>
#include <tuple>

#include "cluster/k8s_resources.hpp"
#include "cluster/yaml_text.hpp"

namespace rt::cluster::k8s {
namespace {

namespace fs = std::filesystem;

const std::vector<std::string> kModes = {"pocket", "raintree", "random", "advert"};
const std::vector<std::string> kLogLevels = {"trace", "debug", "info", "warn", "error", "off"};
const std::vector<std::string> kPullPolicies = {"Always", "IfNotPresent", "Never"};

std::string join(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : ", ") + w;
  return out;
}

bool one_of(const std::vector<std::string>& words, const std::string& word) {
  return std::find(words.begin(), words.end(), word) != words.end();
}

std::string check_quantities(const char* what, const std::string& request,
                             const std::string& limit) {
  const auto r = parse_quantity(request);
  const auto l = parse_quantity(limit);
  const std::string flag = std::string("--") + what;
  for (const auto& [value, text, kind] :
       {std::tuple{r, &request, "-request"}, std::tuple{l, &limit, "-limit"}}) {
    if (!value || *value <= 0) {
      return flag + kind + " must be a Kubernetes quantity above 0 (e.g. " +
             (std::string(what) == "cpu" ? "250m or 1" : "64Mi or 1Gi") + "), got \"" + *text +
             "\"";
    }
  }
  if (*r > *l) return flag + "-request " + request + " is more than " + flag + "-limit " + limit;
  return {};
}

bool ip_literal(const std::string& text) {
  unsigned char buffer[16];
  return ::inet_pton(AF_INET, text.c_str(), buffer) == 1 ||
         ::inet_pton(AF_INET6, text.c_str(), buffer) == 1;
}

std::string random_hex(std::random_device& rng, int digits) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < digits; ++i) out += kHex[rng() & 0xf];
  return out;
}

// The address book format of core/protocol/membership.hpp.
std::string address_book_json(const std::vector<Member>& members) {
  nlohmann::json list = nlohmann::json::array();
  for (const Member& m : members) {
    list.push_back({{"id", m.key.id().hex()},
                    {"role", m.role},
                    {"endpoint", m.endpoint},
                    {"public_key", to_hex(m.key.public_key())}});
  }
  return nlohmann::json{{"members", list}}.dump(2) + "\n";
}

ClusterInfo cluster_json(const Options& o, const std::vector<Member>& members) {
  ClusterInfo info;
  info.mode = o.mode;
  for (const Member& m : members) {
    NodeInfo n;
    n.rank = m.rank;
    n.id = m.key.id();
    n.role = m.role;
    n.pid = 0;  // not a process of this machine
    n.listen = m.endpoint;
    n.control = "127.0.0.1:" + std::to_string(o.local_port_base + m.ordinal);
    n.metrics = "127.0.0.1:" + std::to_string(o.local_port_base + o.nodes + m.ordinal);
    n.token = m.token;
    n.public_key = m.key.public_key();
    n.control_tls = true;  // the pod serves TLS; the forward ends on loopback
    info.nodes.push_back(std::move(n));
  }
  return info;
}

bool write_file(const fs::path& path, const File& file, std::string& error) {
  if (file.secret) return crypto::write_secret_file(path, file.text, error);
  {
    std::ofstream out(path, std::ios::trunc | std::ios::binary);
    out << file.text;
    if (!out.flush()) {
      error = "cannot write " + path.string();
      return false;
    }
  }
  const mode_t mode = file.executable ? 0755 : 0644;
  if (::chmod(path.c_str(), mode) != 0) {
    error = "cannot set the mode of " + path.string();
    return false;
  }
  return true;
}

}  // namespace

bool is_dns1123_label(std::string_view text) {
  if (text.empty() || text.size() > 63) return false;
  const auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!alnum(text.front()) || !alnum(text.back())) return false;
  return std::all_of(text.begin(), text.end(), [&](char c) { return alnum(c) || c == '-'; });
}

bool is_dns1123_subdomain(std::string_view text) {
  if (text.empty() || text.size() > 253) return false;
  std::size_t start = 0;
  for (;;) {
    const std::size_t dot = text.find('.', start);
    if (!is_dns1123_label(text.substr(start, dot == std::string_view::npos ? dot : dot - start)))
      return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

std::optional<double> parse_quantity(std::string_view text) {
  // <digits>[.<digits>]<suffix>: decimal SI (m k M G T P E), binary SI (Ki .. Ei) or none.
  std::size_t i = 0;
  while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.'))
    ++i;
  const std::string_view number = text.substr(0, i);
  const std::string_view suffix = text.substr(i);
  if (number.empty() || number.front() == '.' || number.back() == '.' ||
      std::count(number.begin(), number.end(), '.') > 1) {
    return std::nullopt;
  }
  double value = 0;
  const auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), value);
  if (ec != std::errc() || end != number.data() + number.size()) return std::nullopt;
  static const std::array<std::pair<std::string_view, double>, 14> kSuffixes = {{
      {"", 1},
      {"m", 1e-3},
      {"k", 1e3},
      {"M", 1e6},
      {"G", 1e9},
      {"T", 1e12},
      {"P", 1e15},
      {"E", 1e18},
      {"Ki", 1024.0},
      {"Mi", 1024.0 * 1024},
      {"Gi", 1024.0 * 1024 * 1024},
      {"Ti", 1024.0 * 1024 * 1024 * 1024},
      {"Pi", 1024.0 * 1024 * 1024 * 1024 * 1024},
      {"Ei", 1024.0 * 1024 * 1024 * 1024 * 1024 * 1024},
  }};
  for (const auto& [name, scale] : kSuffixes) {
    if (suffix == name) return value * scale;
  }
  return std::nullopt;
}

std::string check_options(const Options& o) {
  if (o.nodes < 1 || o.nodes > kMaxNodes) {
    return "--nodes must be 1.." + std::to_string(kMaxNodes) + ", got " + std::to_string(o.nodes);
  }
  if (!one_of(kModes, o.mode)) {
    return "--mode must be one of " + join(kModes) + ", got \"" + o.mode + "\"";
  }
  // Pod names NAME-<ordinal> are labels too, and the StatefulSet controller adds
  // "-<10-character hash>" to NAME for its revision label (63 characters at most).
  // A Service name starts with a letter.
  if (!is_dns1123_label(o.name) || o.name.size() > 52 ||
      !std::isalpha(static_cast<unsigned char>(o.name.front()))) {
    return "--name \"" + o.name +
           "\" is not a usable name: lowercase letters, digits and '-', starting with a letter "
           "and ending with a letter or digit, at most 52 characters";
  }
  if (!is_dns1123_label(o.ns)) {
    return "--namespace \"" + o.ns +
           "\" is not a DNS-1123 label: lowercase letters, digits and '-', starting and ending "
           "with a letter or digit, at most 63 characters";
  }
  if (!is_dns1123_subdomain(o.cluster_domain)) {
    return "--cluster-domain \"" + o.cluster_domain + "\" is not a DNS name";
  }
  const std::string longest = pod_dns_name(o, o.nodes - 1);
  if (longest.size() > 253) {
    return "the pods' DNS names (" + longest + ") are longer than 253 characters";
  }
  if (o.image.empty() || std::any_of(o.image.begin(), o.image.end(), [](char c) {
        return std::isspace(static_cast<unsigned char>(c)) ||
               std::iscntrl(static_cast<unsigned char>(c));
      })) {
    return "--image must be an image reference without spaces, got \"" + o.image + "\"";
  }
  if (!one_of(kPullPolicies, o.image_pull_policy)) {
    return "--image-pull-policy must be one of " + join(kPullPolicies) + ", got \"" +
           o.image_pull_policy + "\"";
  }
  for (const std::string& role : o.roles) {
    if (role.empty() || std::any_of(role.begin(), role.end(), [](char c) {
          return std::iscntrl(static_cast<unsigned char>(c)) || c == ',';
        })) {
      return "--roles: each role must be a non-empty word, got \"" + role + "\"";
    }
  }
  if (!ip_literal(o.bind_address)) {
    return "--bind-address must be an IP address (0.0.0.0, or :: on IPv6 clusters), got \"" +
           o.bind_address + "\"";
  }
  if (!one_of(kLogLevels, o.log_level)) {
    return "--log-level must be one of " + join(kLogLevels) + ", got \"" + o.log_level + "\"";
  }
  if (auto why = check_quantities("cpu", o.cpu_request, o.cpu_limit); !why.empty()) return why;
  if (auto why = check_quantities("memory", o.memory_request, o.memory_limit); !why.empty())
    return why;
  if (o.local_port_base < 1024 || o.local_port_base + 2 * o.nodes - 1 > 65535) {
    return "--local-port-base must leave room for 2 local ports per node in 1024..65535, got " +
           std::to_string(o.local_port_base) + " for " + std::to_string(o.nodes) + " nodes";
  }
  return {};
}

std::optional<Deployment> generate(const Options& options, std::string& error) {
  if (error = check_options(options); !error.empty()) return std::nullopt;
  auto keys = crypto::generate_node_keys(options.nodes, error);
  if (!keys) return std::nullopt;
  std::random_device rng;
  Deployment d{options, {}, {}, {}, {}};
  for (int i = 0; i < options.nodes; ++i) {
    const std::string role =
        options.roles.empty() ? std::string("validator")
                              : options.roles[static_cast<std::size_t>(i) % options.roles.size()];
    d.members.push_back(Member{i + 1, i, options.name + "-" + std::to_string(i),
                               pod_dns_name(options, i) + ":" + std::to_string(kPeerPort), role,
                               std::move((*keys)[static_cast<std::size_t>(i)]),
                               random_hex(rng, 32)});
  }
  const std::string book = address_book_json(d.members);
  d.resources = {"service.yaml", "configmap.yaml", "secret.yaml", "statefulset.yaml"};
  if (options.service_monitor) d.resources.push_back("servicemonitor.yaml");
  d.files = {
      {"service.yaml", to_yaml(service(options))},
      {"configmap.yaml", to_yaml(config_map(options, book))},
      {"secret.yaml", to_yaml(secret(options, d.members)), true},
      {"statefulset.yaml", to_yaml(stateful_set(options, random_hex(rng, 16)))},
  };
  if (options.service_monitor) {
    d.files.push_back({"servicemonitor.yaml", to_yaml(service_monitor(options))});
  }
  d.files.push_back({"kustomization.yaml", to_yaml(kustomization(options, d.resources))});
  d.files.push_back({kAddressBookFile, book});
  d.files.push_back({"port-forward.sh", port_forward_script(options, d.members), false, true});
  d.cluster = cluster_json(options, d.members);
  return d;
}

bool write(Deployment& d, const fs::path& dir, bool force, std::string& error) {
  std::error_code ec;
  if (!force) {
    for (const char* existing : {"secret.yaml", "cluster.json"}) {
      if (fs::exists(dir / existing, ec)) {
        error = (dir / existing).string() +
                " exists: that directory holds a deployment already, and new keys would not "
                "match its pods (--force replaces it)";
        return false;
      }
    }
  }
  fs::create_directories(dir, ec);
  if (ec || !fs::is_directory(dir, ec)) {
    error = "cannot create the directory " + dir.string() + (ec ? ": " + ec.message() : "");
    return false;
  }
  for (const File& file : d.files) {
    if (!write_file(dir / file.name, file, error)) return false;
  }
  // A ServiceMonitor left from an earlier --force run that no longer asks for one.
  if (force && !d.options.service_monitor) fs::remove(dir / "servicemonitor.yaml", ec);
  d.cluster.dir = fs::absolute(dir, ec);
  d.cluster.address_book = d.cluster.dir / kAddressBookFile;
  return d.cluster.save(dir / "cluster.json", error);  // 0600: it holds every token
}

}  // namespace rt::cluster::k8s
