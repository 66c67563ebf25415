#pragma once
// Token sequences checked against values stored in tests/fixtures/tokens/: a change to an
// importer, a cost formula or a tokenizer that alters any token fails the test that reads the
// fixture. After a deliberate change, rewrite the fixtures with
//   NARFORMER_UPDATE_FIXTURES=1 build/tests/narformer_core_tests --gtest_filter='*Golden*'
// and say in the commit which tokens moved and why.
//
// Format, one line each: num_nodes, feature_dim, missing_shapes, unknown_op_types (integers),
// then features, edges (flattened pairs), static_features, node_costs, each line a count and the
// values (%.9g: floats round-trip exactly).

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "narformer/tokenize/token_sequence.h"
#include "test_util.h"

namespace narformer::testing {

namespace golden {

template <typename T>
void write_values(std::ostream& out, const std::vector<T>& values) {
  out << values.size();
  char buffer[32];
  for (const T& v : values) {
    std::snprintf(buffer, sizeof buffer, " %.9g", static_cast<double>(v));
    out << buffer;
  }
  out << '\n';
}

inline std::vector<double> read_values(std::istream& in) {
  std::string line;
  std::getline(in, line);
  std::istringstream fields(line);
  size_t count = 0;
  fields >> count;
  std::vector<double> values(count);
  for (double& v : values) fields >> v;
  return values;
}

/// Equal to float rounding of another libm (sin/cos in the embedders): 1e-6 of the value's size.
inline void expect_near_values(const std::vector<double>& stored, const std::vector<double>& now,
                               const char* what) {
  ASSERT_EQ(stored.size(), now.size()) << what;
  for (size_t i = 0; i < stored.size(); ++i)
    ASSERT_NEAR(now[i], stored[i], 1e-6 * std::max(1.0, std::abs(stored[i])))
        << what << " [" << i << "]";
}

template <typename T>
std::vector<double> as_doubles(const std::vector<T>& values) {
  return std::vector<double>(values.begin(), values.end());
}

inline std::vector<double> edge_values(const TokenSequence& t) {
  std::vector<double> out;
  for (const auto& [a, b] : t.edges) {
    out.push_back(a);
    out.push_back(b);
  }
  return out;
}

}  // namespace golden

/// Compares `tokens` with tests/fixtures/tokens/`name`.txt (or writes it, see above).
inline void expect_golden_tokens(const TokenSequence& tokens, const std::string& name) {
  const std::string path = source_path("tests/fixtures/tokens/" + name + ".txt");
  const std::vector<int> header = {tokens.num_nodes, tokens.feature_dim, tokens.missing_shapes,
                                   tokens.unknown_op_types};
  if (const char* update = std::getenv("NARFORMER_UPDATE_FIXTURES");
      update && std::string(update) == "1") {
    std::ofstream out(path);
    golden::write_values(out, header);
    golden::write_values(out, tokens.features);
    golden::write_values(out, golden::edge_values(tokens));
    golden::write_values(out, tokens.static_features);
    golden::write_values(out, tokens.node_costs);
    ASSERT_TRUE(out.good()) << "cannot write " << path;
    return;
  }
  std::ifstream in(path);
  ASSERT_TRUE(in.good()) << path << " is missing";
  golden::expect_near_values(golden::read_values(in), golden::as_doubles(header),
                             "num_nodes, feature_dim, counts");
  golden::expect_near_values(golden::read_values(in), golden::as_doubles(tokens.features),
                             "features");
  golden::expect_near_values(golden::read_values(in), golden::edge_values(tokens), "edges");
  golden::expect_near_values(golden::read_values(in), golden::as_doubles(tokens.static_features),
                             "static_features");
  golden::expect_near_values(golden::read_values(in), golden::as_doubles(tokens.node_costs),
                             "node_costs");
}

}  // namespace narformer::testing
