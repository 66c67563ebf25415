#include "narformer/data/nas_table.h"

#include <gtest/gtest.h>

#include "../test_util.h"
#include "narformer/cells/nb201.h"
#include "narformer/config/config.h"
#include "narformer/core/error.h"

namespace narformer {
namespace {

using testing::error_message;
using testing::source_path;
using testing::TempFile;

DataConfig nb201_config(const std::string& path) {
  DataConfig c;
  c.path = path;
  return c;
}

TEST(NasTable, ReadsShippedNb201Table) {
  const NasTable table =
      read_nas_table(nb201_config(source_path("data/nasbench201/arch_score_acc.csv")));
  ASSERT_EQ(table.records.size(), 15625u);
  EXPECT_EQ(table.space, CellSpace::kNasBench201);
  // Arch 0 (SOURCES.md cross-check): test accuracy 85.8633 %.
  EXPECT_NEAR(table.records[0].eval_label, 0.858633, 1e-6);
  EXPECT_NEAR(table.records[0].train_label, 0.81982667, 1e-6);
  // The published optimum: arch 6111, 94.3733 % test, 91.6067 % valid.
  const NasRecord& best = table.records[6111];
  EXPECT_NEAR(best.eval_label, 0.943733, 1e-6);
  EXPECT_NEAR(best.train_label, 0.916067, 1e-6);
  EXPECT_EQ(nb201_arch_string(best.cell), best.arch);
  EXPECT_EQ(best.arch,
            "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_"
            "conv_1x1~2|");
}

TEST(NasTable, PruneDeadReadsPrunedCellsAndKeepsTheArchStringAsWritten) {
  DataConfig config = nb201_config(source_path("data/nasbench201/arch_score_acc.csv"));
  const NasTable plain = read_nas_table(config);
  config.tokenizer.prune_dead = true;
  const NasTable pruned = read_nas_table(config);
  ASSERT_EQ(pruned.records.size(), plain.records.size());
  int changed = 0;
  for (size_t i = 0; i < plain.records.size(); ++i) {
    const NasRecord& p = pruned.records[i];
    ASSERT_EQ(p.arch, plain.records[i].arch);
    ASSERT_DOUBLE_EQ(p.train_label, plain.records[i].train_label);
    ASSERT_TRUE(p.cell == nb201_prune_dead(plain.records[i].cell)) << p.arch;
    ASSERT_TRUE(p.cell == read_nb201_cell(p.arch, config)) << p.arch;
    changed += !(p.cell == plain.records[i].cell);
  }
  EXPECT_EQ(changed, 5840);
}

TEST(NasTable, ReadsShippedNb101StyleTable) {
  TempFile csv(
      "module_hash,num_vertices,adjacency_rowmajor,ops,val_acc_108\n"
      "h1,3,010001000,input|conv3x3-bn-relu|output,0.9\n"
      "h2,2,0100,input|output,0.1\n",
      ".csv");
  DataConfig c;
  c.dataset = "nb101";
  c.path = csv.path();
  c.train_label = c.eval_label = "val_acc_108";
  c.label_scale = 1.0;
  const NasTable table = read_nas_table(c);
  ASSERT_EQ(table.records.size(), 2u);
  EXPECT_EQ(table.records[0].cell.num_vertices, 3);
  EXPECT_DOUBLE_EQ(table.records[1].eval_label, 0.1);
}

TEST(NasTable, BadInputNamesFileLineAndProblem) {
  const std::string header = "arch,cellstr,valid_top1,test_top1\n";
  const std::string good =
      "0,|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_1x1~1|none~2|,";

  TempFile broken(header + "0,|nor_conv_3x3~0|+|bad~0|,80,81\n", ".csv");
  std::string m = error_message<DataError>([&] { read_nas_table(nb201_config(broken.path())); });
  EXPECT_NE(m.find(broken.path() + ": line 2: malformed NAS-Bench-201 arch string"),
            std::string::npos)
      << m;

  TempFile nan_label(header + good + "nan,81\n", ".csv");
  m = error_message<DataError>([&] { read_nas_table(nb201_config(nan_label.path())); });
  EXPECT_NE(m.find("line 2, column 'valid_top1': label is NaN"), std::string::npos) << m;

  TempFile infinite_label(header + good + "inf,81\n", ".csv");
  m = error_message<DataError>([&] { read_nas_table(nb201_config(infinite_label.path())); });
  EXPECT_NE(m.find("line 2, column 'valid_top1': label is infinite"), std::string::npos) << m;

  TempFile zero_label(header + good + "80,0\n", ".csv");
  m = error_message<DataError>([&] { read_nas_table(nb201_config(zero_label.path())); });
  EXPECT_NE(m.find("must be positive"), std::string::npos) << m;

  TempFile wrong_columns("arch,arch_str,valid,test\n", ".csv");
  m = error_message<DataError>([&] { read_nas_table(nb201_config(wrong_columns.path())); });
  EXPECT_NE(m.find("no column 'valid_top1'"), std::string::npos) << m;

  TempFile empty(header, ".csv");
  m = error_message<DataError>([&] { read_nas_table(nb201_config(empty.path())); });
  EXPECT_NE(m.find("no rows"), std::string::npos) << m;
}

}  // namespace
}  // namespace narformer

namespace narformer {
namespace {

TEST(NasTable, ReadsNarFormerJsonLayout) {
  // method.md §5.3: keyed by index (in any key order), labels chosen by name.
  testing::TempFile json(R"({
    "1": {"module_adjacency": [[0,1],[0,0]], "module_operations": ["input","output"],
          "validation_accuracy": 0.5, "test_accuracy": 0.4},
    "0": {"module_adjacency": [[0,1,0],[0,0,1],[0,0,0]],
          "module_operations": ["input","maxpool3x3","output"],
          "validation_accuracy": 0.9, "test_accuracy": 0.8}})",
                         ".json");
  DataConfig c;
  c.dataset = "nb101";
  c.path = json.path();
  c.train_label = "validation_accuracy";
  c.eval_label = "test_accuracy";
  c.label_scale = 1.0;
  const NasTable table = read_nas_table(c);
  ASSERT_EQ(table.records.size(), 2u);
  EXPECT_EQ(table.records[0].index, 0);
  EXPECT_EQ(table.records[0].cell.num_vertices, 3);
  EXPECT_DOUBLE_EQ(table.records[0].train_label, 0.9);
  EXPECT_DOUBLE_EQ(table.records[1].eval_label, 0.4);
  EXPECT_EQ(table.records[0].arch, "010001000 input|maxpool3x3|output");

  testing::TempFile nb201(
      R"({"0": {"module_adjacency": [[0,1,1,0,1,0,0,0],[0,0,0,1,0,1,0,0],[0,0,0,0,0,0,1,0],
      [0,0,0,0,0,0,1,0],[0,0,0,0,0,0,0,1],[0,0,0,0,0,0,0,1],[0,0,0,0,0,0,0,1],[0,0,0,0,0,0,0,0]],
      "module_operations": ["input","nor_conv_3x3","nor_conv_3x3","avg_pool_3x3","skip_connect","nor_conv_1x1","none","output"],
      "validation_accuracy_avg": 0.9, "test_accuracy_avg": 0.91}})",
      ".json");
  DataConfig c201;
  c201.path = nb201.path();
  c201.train_label = "validation_accuracy_avg";
  c201.eval_label = "test_accuracy_avg";
  c201.label_scale = 1.0;
  const NasTable t201 = read_nas_table(c201);
  ASSERT_EQ(t201.records.size(), 1u);
  EXPECT_EQ(t201.records[0].cell.ops, (std::vector<int>{0, 2, 2, 3, 4, 1, 5, 6}));
}

TEST(NasTable, MalformedJsonIsAClearError) {
  testing::TempFile truncated(R"({"0": {"module_adjacency": [[0,1],)", ".json");
  DataConfig c;
  c.dataset = "nb101";
  c.path = truncated.path();
  std::string m = testing::error_message<DataError>([&] { read_nas_table(c); });
  EXPECT_NE(m.find(truncated.path() + ": malformed JSON"), std::string::npos) << m;

  testing::TempFile missing_label(
      R"({"0": {"module_adjacency": [[0,1],[0,0]], "module_operations": ["input","output"]}})",
      ".json");
  c.path = missing_label.path();
  c.train_label = "validation_accuracy";
  m = testing::error_message<DataError>([&] { read_nas_table(c); });
  EXPECT_NE(m.find("entry \"0\" has no field 'validation_accuracy'"), std::string::npos) << m;

  testing::TempFile bad_cell(
      R"({"0": {"module_adjacency": [[0,0],[1,0]], "module_operations": ["input","output"],
                                 "validation_accuracy": 0.5, "test_accuracy": 0.5}})",
      ".json");
  c.path = bad_cell.path();
  c.eval_label = "test_accuracy";
  m = testing::error_message<DataError>([&] { read_nas_table(c); });
  EXPECT_NE(m.find(bad_cell.path() + ": entry \"0\": invalid NAS-Bench-101 cell"),
            std::string::npos)
      << m;
}

}  // namespace
}  // namespace narformer
