#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <set>

#include "../test_util.h"
#include "narformer/cells/augment.h"
#include "narformer/cells/nb101.h"
#include "narformer/cells/nb201.h"
#include "narformer/core/error.h"
#include "narformer/data/csv.h"

namespace narformer {
namespace {

using testing::error_message;

const char* kExample =
    "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_1x1~1|none~2|";

std::vector<std::pair<int, int>> directed_edges(const Cell& cell) {
  std::vector<std::pair<int, int>> edges;
  for (int i = 0; i < cell.num_vertices; ++i)
    for (int j = 0; j < cell.num_vertices; ++j)
      if (cell.edge(i, j)) edges.emplace_back(i, j);
  return edges;
}

TEST(Nb201, ParsesArchStringIntoNodeOps) {
  const Cell cell = parse_nb201_arch(kExample);
  EXPECT_EQ(cell.num_vertices, 8);
  EXPECT_EQ(cell.ops, (std::vector<int>{0, 2, 2, 3, 4, 1, 5, 6}));
  const std::vector<std::pair<int, int>> expected = {{0, 1}, {0, 2}, {0, 4}, {1, 3}, {1, 5},
                                                     {2, 6}, {3, 6}, {4, 7}, {5, 7}, {6, 7}};
  EXPECT_EQ(directed_edges(cell), expected);
  EXPECT_EQ(nb201_arch_string(cell), kExample);
}

TEST(Nb201, GraphKeepsNoneAndSkipAsNodes) {
  const Graph graph = to_graph(parse_nb201_arch(kExample), "example");
  ASSERT_EQ(graph.num_nodes(), 8);
  EXPECT_EQ(graph.node(6).op_type, "none");
  EXPECT_EQ(graph.node(4).op_type, "skip_connect");
  EXPECT_EQ(graph.edges().size(), 10u);
  EXPECT_EQ(graph.undirected_degrees(), (std::vector<int>{3, 3, 2, 2, 2, 2, 3, 3}));
}

TEST(Nb201, MalformedStringsAreClearErrors) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|", "expected 3"},
      {"|nor_conv_3x3~0|+|nor_conv_3x3~0|+|skip_connect~0|nor_conv_1x1~1|none~2|",
       "needs 2 input edges"},
      {"|conv_5x5~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_1x1~1|none~2|",
       "unknown operation 'conv_5x5'"},
      {"|nor_conv_3x3~1|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_1x1~1|none~2|",
       "should come from node 0"},
      {"|nor_conv_3x3|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_1x1~1|none~2|",
       "has no '~source'"},
      {"", "expected 3"},
  };
  for (const auto& [arch, expected] : cases) {
    const std::string message = error_message<DataError>([&] { parse_nb201_arch(arch); });
    EXPECT_NE(message.find(expected), std::string::npos) << arch << " -> " << message;
    EXPECT_NE(message.find("'" + arch + "'"), std::string::npos)
        << "message must quote the string: " << message;
  }
}

TEST(Augment, Nb201SwapsNodesFiveAndSix) {
  const Cell augmented = consistency_augment(parse_nb201_arch(kExample));
  EXPECT_EQ(augmented.ops, (std::vector<int>{0, 2, 2, 3, 4, 5, 1, 6}));
  const std::vector<std::pair<int, int>> expected = {{0, 1}, {0, 2}, {0, 4}, {1, 3}, {1, 6},
                                                     {2, 5}, {3, 5}, {4, 7}, {5, 7}, {6, 7}};
  EXPECT_EQ(directed_edges(augmented), expected);
}

TEST(Nb101, ParsesCompactForm) {
  // First row of the shipped NB101 table.
  const Cell cell = parse_nb101_cell(
      "0100110001000000010010000010000001000000010000000",
      "input|conv3x3-bn-relu|maxpool3x3|conv3x3-bn-relu|conv3x3-bn-relu|conv1x1-bn-relu|output");
  EXPECT_EQ(cell.num_vertices, 7);
  EXPECT_EQ(cell.ops, (std::vector<int>{0, 2, 3, 2, 2, 1, 4}));
  EXPECT_TRUE(cell.edge(0, 1));
  EXPECT_TRUE(cell.edge(0, 4));
  EXPECT_TRUE(cell.edge(0, 5));
  EXPECT_FALSE(cell.edge(0, 2));
  EXPECT_EQ(directed_edges(cell).size(), 9u);
}

TEST(Nb101, InvalidCellsAreClearErrors) {
  const std::vector<std::string> ops3 = {"input", "conv3x3-bn-relu", "output"};
  EXPECT_NE(error_message<DataError>([&] {
              make_nb101_cell({{0, 1, 0}, {1, 0, 1}, {0, 0, 0}}, ops3);
            }).find("not above the diagonal"),
            std::string::npos);
  EXPECT_NE(error_message<DataError>([&] {
              make_nb101_cell({{0, 1, 0}, {0, 0, 0}, {0, 0, 0}}, ops3);
            }).find("not on a path"),
            std::string::npos);
  EXPECT_NE(error_message<DataError>([&] {
              make_nb101_cell({{0, 1, 0}, {0, 0, 1}, {0, 0, 0}}, {"input", "conv5x5", "output"});
            }).find("unknown operation 'conv5x5'"),
            std::string::npos);
  EXPECT_NE(
      error_message<DataError>([&] {
        make_nb101_cell({{0, 1, 0}, {0, 0, 1}, {0, 0, 0}}, {"conv3x3-bn-relu", "input", "output"});
      }).find("vertex 0"),
      std::string::npos);
  EXPECT_NE(
      error_message<DataError>([&] { make_nb101_cell({{0}}, {"input"}); }).find("expected 2..7"),
      std::string::npos);
  std::vector<std::vector<int>> dense(7, std::vector<int>(7, 0));
  for (int i = 0; i < 7; ++i)
    for (int j = i + 1; j < 7; ++j) dense[i][j] = 1;  // 21 edges
  const std::vector<std::string> ops7 = {"input",           "conv3x3-bn-relu", "conv3x3-bn-relu",
                                         "conv3x3-bn-relu", "conv3x3-bn-relu", "conv3x3-bn-relu",
                                         "output"};
  EXPECT_NE(error_message<DataError>([&] { make_nb101_cell(dense, ops7); }).find("at most 9"),
            std::string::npos);
  EXPECT_NE(error_message<DataError>([&] {
              parse_nb101_cell("0101", "input|output");
            }).find("above the diagonal"),
            std::string::npos);
  EXPECT_NE(error_message<DataError>([&] {
              parse_nb101_cell("01x0", "input|output");
            }).find("not 0 or 1"),
            std::string::npos);
}

TEST(Augment, Nb101KeepsDagOpsAndEdges) {
  const Cell cell = parse_nb101_cell(
      "0100110001000000010010000010000001000000010000000",
      "input|conv3x3-bn-relu|maxpool3x3|conv3x3-bn-relu|conv3x3-bn-relu|conv1x1-bn-relu|output");
  const Cell augmented = consistency_augment(cell);
  EXPECT_FALSE(augmented == cell);
  EXPECT_EQ(directed_edges(augmented).size(), directed_edges(cell).size());
  for (const auto& [i, j] : directed_edges(augmented)) EXPECT_LT(i, j);
  std::vector<int> a = cell.ops, b = augmented.ops;
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  EXPECT_EQ(a, b);
  EXPECT_EQ(augmented.ops.front(), 0);
  EXPECT_EQ(augmented.ops.back(), 4);
}

TEST(Augment, ChainWithoutValidRelabellingPairsWithItself) {
  // input -> a -> b -> output: swapping a and b would put an edge below the diagonal.
  const Cell chain = make_nb101_cell({{0, 1, 0, 0}, {0, 0, 1, 0}, {0, 0, 0, 1}, {0, 0, 0, 0}},
                                     {"input", "conv3x3-bn-relu", "maxpool3x3", "output"});
  EXPECT_TRUE(consistency_augment(chain) == chain);
  const Cell tiny = make_nb101_cell({{0, 1}, {0, 0}}, {"input", "output"});
  EXPECT_TRUE(consistency_augment(tiny) == tiny);
}

// ---- what search needs of the spaces ---------------------------------------------------------

TEST(Nb201, EnumeratesTheWholeSpaceOnceAsTheBenchmarkListsIt) {
  const std::vector<std::string> archs = all_nb201_archs();
  ASSERT_EQ(archs.size(), 15625u);
  EXPECT_EQ(archs.front(),
            "|nor_conv_1x1~0|+|nor_conv_1x1~0|nor_conv_1x1~1|+|nor_conv_1x1~0|nor_conv_1x1~1|"
            "nor_conv_1x1~2|");
  std::vector<std::string> sorted = archs;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(std::unique(sorted.begin(), sorted.end()), sorted.end());
  // Every cell of the benchmark's own table is among them (and so all 15,625 are).
  const CsvTable table =
      CsvTable::read(testing::source_path("data/nasbench201/arch_score_acc.csv"));
  const int column = table.column("cellstr");
  for (size_t row = 0; row < table.num_rows(); ++row)
    ASSERT_TRUE(std::binary_search(sorted.begin(), sorted.end(), table.cell(row, column)))
        << table.cell(row, column);
}

TEST(Nb201, IsomorphicCellsShareTheirUniqueString) {
  auto key = [](const std::string& arch) { return nb201_unique_string(parse_nb201_arch(arch)); };
  // skip_connect is the identity: c1 is c0, so c0→c3 and c1→c3 are interchangeable.
  EXPECT_EQ(key("|skip_connect~0|+|none~0|none~1|+|nor_conv_3x3~0|nor_conv_1x1~1|none~2|"),
            key("|skip_connect~0|+|none~0|none~1|+|nor_conv_1x1~0|nor_conv_3x3~1|none~2|"));
  // Whatever a zero node feeds is zero.
  EXPECT_EQ(key("|none~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_1x1~1|"
                "nor_conv_3x3~2|"),
            key("|none~0|+|nor_conv_3x3~0|nor_conv_1x1~1|+|skip_connect~0|avg_pool_3x3~1|"
                "nor_conv_3x3~2|"));
  EXPECT_EQ(key("|skip_connect~0|+|none~0|nor_conv_3x3~1|+|none~0|none~1|skip_connect~2|"),
            "#+#+#+(0)@nor_conv_3x3");  // the API keeps the zero terms: x + 0 is not x
  // Different operations stay different.
  EXPECT_NE(key("|nor_conv_3x3~0|+|avg_pool_3x3~0|none~1|+|skip_connect~0|nor_conv_1x1~1|"
                "nor_conv_3x3~2|"),
            key("|nor_conv_3x3~0|+|avg_pool_3x3~0|none~1|+|skip_connect~0|nor_conv_3x3~1|"
                "nor_conv_1x1~2|"));
  // The NAS-Bench-201 paper's count of unique architectures.
  std::set<std::string> unique;
  for (const std::string& arch : all_nb201_archs()) unique.insert(key(arch));
  EXPECT_EQ(unique.size(), 6466u);
}

/// What an NB201 cell computes, as a string: like nb201_unique_string, but a sum of zeros is
/// zero (the API's string keeps "#+#", so it tells some equal functions apart).
std::string function_of(const Cell& cell) {
  const auto& names = cell_op_names(CellSpace::kNasBench201);
  const std::array<int, 6> source = {0, 0, 1, 0, 1, 2}, target = {1, 2, 2, 3, 3, 3};
  std::array<std::string, 4> node = {"x", "", "", ""};
  for (int j = 1; j <= 3; ++j) {
    std::vector<std::string> terms;
    for (size_t e = 0; e < source.size(); ++e) {
      const std::string& op = names[static_cast<size_t>(cell.ops[1 + e])];
      const std::string& in = node[static_cast<size_t>(source[e])];
      if (target[e] != j || op == "none" || in == "0") continue;
      terms.push_back(op == "skip_connect" ? in : "(" + in + ")@" + op);
    }
    std::sort(terms.begin(), terms.end());
    std::string sum;
    for (const std::string& term : terms) sum += (sum.empty() ? "" : "+") + term;
    node[static_cast<size_t>(j)] = sum.empty() ? "0" : sum;
  }
  return node[3];
}

TEST(Nb201, PruningDeadEdgesSetsThemToNoneAndKeepsWhatTheCellComputes) {
  auto prune = [](const std::string& arch) {
    return nb201_arch_string(nb201_prune_dead(parse_nb201_arch(arch)));
  };
  // Node 1's conv feeds only none edges: computed, never used.
  EXPECT_EQ(prune("|nor_conv_3x3~0|+|skip_connect~0|none~1|+|skip_connect~0|none~1|"
                  "nor_conv_3x3~2|"),
            "|none~0|+|skip_connect~0|none~1|+|skip_connect~0|none~1|nor_conv_3x3~2|");
  // Nothing reaches node 1, so its pool and conv see zeros; node 2 feeds only a none edge.
  EXPECT_EQ(prune("|none~0|+|skip_connect~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_1x1~1|"
                  "none~2|"),
            "|none~0|+|none~0|none~1|+|skip_connect~0|none~1|none~2|");
  const std::string live =
      "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|"
      "skip_connect~2|";
  EXPECT_EQ(prune(live), live);
  const std::string zero = "|nor_conv_3x3~0|+|none~0|none~1|+|none~0|none~1|none~2|";
  EXPECT_EQ(prune(zero), zero);  // an output that is always zero is left as it is
  // Over the whole space: only ever removes operations, keeps the function, is idempotent,
  // and changes 5,840 of the 15,625 cells.
  const int none_id = 5;
  ASSERT_EQ(cell_op_names(CellSpace::kNasBench201)[none_id], "none");
  int changed = 0;
  for (const std::string& arch : all_nb201_archs()) {
    const Cell cell = parse_nb201_arch(arch);
    const Cell pruned = nb201_prune_dead(cell);
    ASSERT_EQ(function_of(pruned), function_of(cell)) << arch;
    for (size_t v = 0; v < cell.ops.size(); ++v)
      ASSERT_TRUE(pruned.ops[v] == cell.ops[v] || pruned.ops[v] == none_id) << arch;
    ASSERT_TRUE(nb201_prune_dead(pruned) == pruned) << arch;
    changed += !(pruned == cell);
  }
  EXPECT_EQ(changed, 5840);
}

TEST(Nb101, ArchStringRoundTripsThroughTheCompactForm) {
  const Cell cell = parse_nb101_cell("0110000100010000", "input|conv3x3-bn-relu|maxpool3x3|output");
  EXPECT_EQ(nb101_arch_string(cell), "0110000100010000 input|conv3x3-bn-relu|maxpool3x3|output");
}

TEST(Nb101, PruningDropsVerticesOffThePathAndRefusesCellsOutsideTheSpace) {
  // 0 -> 1 -> 3 (output), 2 dangles (no input edge): pruned to 3 vertices.
  std::vector<uint8_t> adjacency(16, 0);
  adjacency[0 * 4 + 1] = adjacency[1 * 4 + 3] = adjacency[2 * 4 + 3] = 1;
  const std::optional<Cell> pruned = prune_nb101(4, adjacency, {0, 2, 3, 4});
  ASSERT_TRUE(pruned.has_value());
  EXPECT_EQ(nb101_arch_string(*pruned), "010001000 input|conv3x3-bn-relu|output");
  adjacency[1 * 4 + 3] = 0;  // the input no longer reaches the output
  EXPECT_FALSE(prune_nb101(4, adjacency, {0, 2, 3, 4}).has_value());
  std::vector<uint8_t> dense(49, 0);  // 7 vertices, all 21 edges: more than 9
  for (int i = 0; i < 7; ++i)
    for (int j = i + 1; j < 7; ++j) dense[static_cast<size_t>(i * 7 + j)] = 1;
  EXPECT_FALSE(prune_nb101(7, dense, {0, 1, 2, 3, 1, 2, 4}).has_value());
}

TEST(Nb101, FingerprintIsTheSameForRenumberedCellsAndTellsTheShippedCellsApart) {
  // Two branches conv3x3 and maxpool between input and output, in either order.
  const Cell a = parse_nb101_cell("0110000100010000", "input|conv3x3-bn-relu|maxpool3x3|output");
  const Cell b = parse_nb101_cell("0110000100010000", "input|maxpool3x3|conv3x3-bn-relu|output");
  EXPECT_EQ(nb101_fingerprint(a), nb101_fingerprint(b));
  const Cell c =
      parse_nb101_cell("0110000100010000", "input|conv3x3-bn-relu|conv3x3-bn-relu|output");
  EXPECT_NE(nb101_fingerprint(a), nb101_fingerprint(c));
  // The shipped table holds one row per NB101 module hash (isomorphism class): our fingerprint
  // must give as many distinct values.
  const CsvTable table =
      CsvTable::read(testing::source_path("data/nasbench101/nb101_tiga1231_30k_arch_valacc.csv"));
  const int adjacency = table.column("adjacency_rowmajor"), ops = table.column("ops");
  std::vector<uint64_t> prints;
  for (size_t row = 0; row < table.num_rows(); ++row)
    prints.push_back(
        nb101_fingerprint(parse_nb101_cell(table.cell(row, adjacency), table.cell(row, ops))));
  std::sort(prints.begin(), prints.end());
  EXPECT_EQ(std::unique(prints.begin(), prints.end()) - prints.begin(),
            static_cast<long>(table.num_rows()));
}

}  // namespace
}  // namespace narformer
