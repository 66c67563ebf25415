#pragma once
// A small declarative binding between dotted YAML key paths and typed struct members.
// Each key is declared once with its range or choices; loading, `--set` overrides, error
// messages and the resolved-config dump all come from that one declaration.

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace YAML {
class Node;
}

namespace narformer {

class ConfigSchema {
 public:
  /// `origin` names where values come from in error messages (usually the YAML path).
  explicit ConfigSchema(std::string origin) : origin_(std::move(origin)) {}

  void add(const std::string& path, int64_t* target, int64_t min, int64_t max);
  void add(const std::string& path, double* target, double min, double max);
  void add(const std::string& path, bool* target);
  /// Empty `choices` accepts any string.
  void add(const std::string& path, std::string* target, std::vector<std::string> choices = {});
  /// An enumeration: each value with its spelling in config files, which are the choices.
  template <typename E>
  void add(const std::string& path, E* target,
           const std::vector<std::pair<E, std::string>>& names) {
    std::vector<std::string> choices;
    for (const auto& named : names) choices.push_back(named.second);
    add_choice(
        path, std::move(choices), [target, names](size_t i) { *target = names[i].first; },
        [target, names] {
          size_t i = 0;
          while (i + 1 < names.size() && names[i].first != *target) ++i;
          return i;
        });
  }
  /// A list of strings: a YAML sequence, or in `--set` a comma-separated value ("" = empty).
  void add(const std::string& path, std::vector<std::string>* target);
  /// A list of numbers, each within [min, max] (same forms as a list of strings).
  void add(const std::string& path, std::vector<double>* target, double min, double max);

  /// Applies every scalar of a YAML mapping. Unknown keys and wrong types throw ConfigError.
  void apply(const YAML::Node& root) const;
  /// Applies "key.path=value".
  void apply_assignment(const std::string& assignment) const;
  /// Emits all keys, nested by path, in declaration order.
  std::string emit_yaml() const;

  /// Every declared key path.
  std::vector<std::string> paths() const;

 private:
  struct Field {
    std::string path;
    std::function<void(const std::string& text, bool from_yaml_string)> set;
    std::function<std::string()> get;
    bool is_string = false;
    bool is_list = false;  ///< list fields: YAML sequences go through set_list
    std::function<void(const std::vector<std::string>& items)> set_list;
    std::function<std::vector<std::string>()> get_list;
  };
  void add_list_field(Field f);
  void add_choice(const std::string& path, std::vector<std::string> choices,
                  std::function<void(size_t)> set, std::function<size_t()> get);
  const Field* find(const std::string& path) const;
  [[noreturn]] void unknown_key(const std::string& path) const;
  void apply_node(const YAML::Node& node, const std::string& prefix) const;

  std::string origin_;
  std::vector<Field> fields_;
};

}  // namespace narformer
