#include "narformer/config/config_schema.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <sstream>

#include <yaml-cpp/yaml.h>

#include "narformer/core/error.h"

namespace narformer {

namespace {

std::string shortest_double(double v) {
  char buf[40];
  for (int precision = 6; precision <= 17; ++precision) {
    std::snprintf(buf, sizeof buf, "%.*g", precision, v);
    if (std::strtod(buf, nullptr) == v) break;
  }
  return buf;
}

bool parse_int(const std::string& text, int64_t& out) {
  if (text.empty()) return false;
  errno = 0;
  char* end = nullptr;
  const long long v = std::strtoll(text.c_str(), &end, 10);
  if (errno != 0 || end != text.c_str() + text.size()) return false;
  out = v;
  return true;
}

bool parse_double(const std::string& text, double& out) {
  if (text.empty()) return false;
  errno = 0;
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (errno != 0 || end != text.c_str() + text.size() || !std::isfinite(v)) return false;
  out = v;
  return true;
}

bool parse_bool(const std::string& text, bool& out) {
  std::string t = text;
  std::transform(t.begin(), t.end(), t.begin(), [](unsigned char c) { return std::tolower(c); });
  if (t == "true" || t == "yes" || t == "on" || t == "1") return out = true, true;
  if (t == "false" || t == "no" || t == "off" || t == "0") return out = false, true;
  return false;
}

size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] != b[j - 1])});
      diagonal = up;
    }
  }
  return row[b.size()];
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

}  // namespace

void ConfigSchema::add(const std::string& path, int64_t* target, int64_t min, int64_t max) {
  Field f;
  f.path = path;
  f.set = [path, target, min, max](const std::string& text, bool) {
    int64_t v = 0;
    if (!parse_int(text, v))
      throw ConfigError("key '" + path + "': expected an integer, got '" + text + "'");
    if (v < min || v > max)
      throw ConfigError("key '" + path + "': " + text + " is out of range [" + std::to_string(min) +
                        ", " + std::to_string(max) + "]");
    *target = v;
  };
  f.get = [target] { return std::to_string(*target); };
  fields_.push_back(std::move(f));
}

void ConfigSchema::add(const std::string& path, double* target, double min, double max) {
  Field f;
  f.path = path;
  f.set = [path, target, min, max](const std::string& text, bool) {
    double v = 0;
    if (!parse_double(text, v))
      throw ConfigError("key '" + path + "': expected a number, got '" + text + "'");
    if (v < min || v > max)
      throw ConfigError("key '" + path + "': " + text + " is out of range [" +
                        shortest_double(min) + ", " + shortest_double(max) + "]");
    *target = v;
  };
  f.get = [target] { return shortest_double(*target); };
  fields_.push_back(std::move(f));
}

void ConfigSchema::add(const std::string& path, bool* target) {
  Field f;
  f.path = path;
  f.set = [path, target](const std::string& text, bool) {
    bool v = false;
    if (!parse_bool(text, v))
      throw ConfigError("key '" + path + "': expected true or false, got '" + text + "'");
    *target = v;
  };
  f.get = [target] { return std::string(*target ? "true" : "false"); };
  fields_.push_back(std::move(f));
}

void ConfigSchema::add(const std::string& path, std::string* target,
                       std::vector<std::string> choices) {
  Field f;
  f.path = path;
  f.is_string = true;
  f.set = [path, target, choices](const std::string& text, bool) {
    if (!choices.empty() && std::find(choices.begin(), choices.end(), text) == choices.end())
      throw ConfigError("key '" + path + "': '" + text + "' is not one of: " + join(choices));
    *target = text;
  };
  f.get = [target] { return *target; };
  fields_.push_back(std::move(f));
}

void ConfigSchema::add_choice(const std::string& path, std::vector<std::string> choices,
                              std::function<void(size_t)> set, std::function<size_t()> get) {
  Field f;
  f.path = path;
  f.is_string = true;
  f.set = [path, choices, set](const std::string& text, bool) {
    const auto it = std::find(choices.begin(), choices.end(), text);
    if (it == choices.end())
      throw ConfigError("key '" + path + "': '" + text + "' is not one of: " + join(choices));
    set(static_cast<size_t>(it - choices.begin()));
  };
  f.get = [choices, get] { return choices.at(get()); };
  fields_.push_back(std::move(f));
}

namespace {

/// `a,b`, or YAML's flow form `[a, b]` as a user would copy it from a config file.
std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> items;
  const auto first = text.find_first_not_of(' '), last = text.find_last_not_of(' ');
  const bool bracketed = first != std::string::npos && text[first] == '[' && text[last] == ']';
  std::string item;
  std::stringstream ss(bracketed ? text.substr(first + 1, last - first - 1) : text);
  while (std::getline(ss, item, ',')) {
    const auto begin = item.find_first_not_of(' '), end = item.find_last_not_of(' ');
    if (begin != std::string::npos) items.push_back(item.substr(begin, end - begin + 1));
  }
  return items;
}

}  // namespace

void ConfigSchema::add(const std::string& path, std::vector<std::string>* target) {
  Field f;
  f.path = path;
  f.is_list = true;
  f.set_list = [target](const std::vector<std::string>& items) { *target = items; };
  f.get_list = [target] { return *target; };
  add_list_field(std::move(f));
}

void ConfigSchema::add(const std::string& path, std::vector<double>* target, double min,
                       double max) {
  Field f;
  f.path = path;
  f.is_list = true;
  f.set_list = [path, target, min, max](const std::vector<std::string>& items) {
    std::vector<double> values;
    for (const auto& text : items) {
      double v = 0;
      if (!parse_double(text, v))
        throw ConfigError("key '" + path + "': expected numbers, got '" + text + "'");
      if (v < min || v > max)
        throw ConfigError("key '" + path + "': " + text + " is out of range [" +
                          shortest_double(min) + ", " + shortest_double(max) + "]");
      values.push_back(v);
    }
    *target = std::move(values);
  };
  f.get_list = [target] {
    std::vector<std::string> items;
    for (double v : *target) items.push_back(shortest_double(v));
    return items;
  };
  add_list_field(std::move(f));
}

void ConfigSchema::add_list_field(Field f) {
  f.set = [set_list = f.set_list](const std::string& text, bool) { set_list(split_list(text)); };
  f.get = [get_list = f.get_list] {
    std::string joined;
    for (const auto& item : get_list()) joined += (joined.empty() ? "" : ",") + item;
    return joined;
  };
  fields_.push_back(std::move(f));
}

const ConfigSchema::Field* ConfigSchema::find(const std::string& path) const {
  for (const auto& f : fields_)
    if (f.path == path) return &f;
  return nullptr;
}

void ConfigSchema::unknown_key(const std::string& path) const {
  std::string best;
  size_t best_distance = 4;  // suggest only close matches
  for (const auto& f : fields_) {
    const size_t d = edit_distance(path, f.path);
    if (d < best_distance) best_distance = d, best = f.path;
  }
  std::string message = "unknown key '" + path + "'";
  if (!best.empty()) message += " (did you mean '" + best + "'?)";
  throw ConfigError(message);
}

std::vector<std::string> ConfigSchema::paths() const {
  std::vector<std::string> out;
  for (const auto& f : fields_) out.push_back(f.path);
  return out;
}

void ConfigSchema::apply_node(const YAML::Node& node, const std::string& prefix) const {
  for (const auto& item : node) {
    const std::string key = item.first.as<std::string>();
    const std::string path = prefix.empty() ? key : prefix + "." + key;
    const YAML::Node& value = item.second;
    if (value.IsMap()) {
      const bool is_section = std::any_of(fields_.begin(), fields_.end(), [&](const Field& f) {
        return f.path.rfind(path + ".", 0) == 0;
      });
      if (!is_section) {
        if (find(path))
          throw ConfigError("key '" + path + "': expected a single value, got a mapping");
        unknown_key(path);
      }
      apply_node(value, path);
    } else if (value.IsScalar()) {
      const Field* field = find(path);
      if (!field) {
        const bool is_section = std::any_of(fields_.begin(), fields_.end(), [&](const Field& f) {
          return f.path.rfind(path + ".", 0) == 0;
        });
        if (is_section)
          throw ConfigError("'" + path + "' is a section: expected a mapping of keys");
        unknown_key(path);
      }
      field->set(value.Scalar(), true);
    } else if (value.IsSequence() && find(path) && find(path)->is_list) {
      std::vector<std::string> items;
      for (const auto& item : value) {
        if (!item.IsScalar())
          throw ConfigError("key '" + path + "': expected a list of single values");
        items.push_back(item.Scalar());
      }
      find(path)->set_list(items);
    } else if (value.IsNull()) {
      if (!find(path)) unknown_key(path);
      throw ConfigError("key '" + path + "' has no value");
    } else {
      if (!find(path)) unknown_key(path);
      throw ConfigError("key '" + path + "': expected a single value, got a list");
    }
  }
}

void ConfigSchema::apply(const YAML::Node& root) const {
  if (root.IsNull()) return;  // an empty file keeps every default
  try {
    if (!root.IsMap())
      throw ConfigError(
          "expected a mapping of sections (data, model, train, eval, run) at the top level");
    apply_node(root, "");
  } catch (const ConfigError& e) {
    throw ConfigError(with_file(origin_, e.what()));
  }
}

void ConfigSchema::apply_assignment(const std::string& assignment) const {
  const auto eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0)
    throw ConfigError("--set '" + assignment + "': expected key.path=value");
  const std::string path = assignment.substr(0, eq);
  const std::string value = assignment.substr(eq + 1);
  try {
    const Field* field = find(path);
    if (!field) unknown_key(path);
    field->set(value, false);
  } catch (const ConfigError& e) {
    throw ConfigError("--set " + assignment + ": " + e.what());
  }
}

namespace {

/// Keys in declaration order, nested by their dotted paths.
struct YamlTree {
  std::string key;
  std::string value;
  bool is_string = false;
  bool is_list = false;
  std::vector<std::string> list;
  std::vector<YamlTree> children;

  YamlTree& child(const std::string& name) {
    for (auto& c : children)
      if (c.key == name) return c;
    children.push_back(YamlTree{name, "", false, false, {}, {}});
    return children.back();
  }

  void emit(YAML::Emitter& out) const {
    out << YAML::BeginMap;
    for (const auto& c : children) {
      out << YAML::Key << c.key << YAML::Value;
      if (!c.children.empty()) {
        c.emit(out);
      } else if (c.is_list) {
        out << YAML::Flow << YAML::BeginSeq;
        for (const auto& item : c.list) out << item;
        out << YAML::EndSeq;
      } else if (c.is_string) {
        out << c.value;  // the emitter quotes it where YAML would misread it
      } else {
        out << YAML::Load(c.value);
      }
    }
    out << YAML::EndMap;
  }
};

}  // namespace

std::string ConfigSchema::emit_yaml() const {
  YamlTree root;
  for (const auto& f : fields_) {
    YamlTree* node = &root;
    std::stringstream ss(f.path);
    for (std::string part; std::getline(ss, part, '.');) node = &node->child(part);
    node->value = f.get();
    node->is_string = f.is_string;
    node->is_list = f.is_list;
    if (f.is_list) node->list = f.get_list();
  }
  YAML::Emitter out;
  root.emit(out);
  return std::string(out.c_str()) + "\n";
}

}  // namespace narformer
