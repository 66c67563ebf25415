// Adding a dataset format takes one file and one registry line. This file is that file: a toy
// format of NAS-Bench-201 cells ("label<TAB>six edge operations" per line, '#' comments),
// its reader, one add_dataset() call, then a config that names it, trained by narformer and by
// a baseline, and served by `predict`, with nothing else in the library touched.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "../test_util.h"
#include "narformer/cells/nb201.h"
#include "narformer/config/datasets.h"
#include "narformer/core/atomic_file.h"
#include "narformer/core/error.h"
#include "narformer/data/csv.h"
#include "narformer/data/nas_table.h"
#include "narformer/predict/predictor.h"
#include "narformer/train/experiment.h"
#include "narformer/train/task.h"

namespace narformer {
namespace {

// The reader: each line a label and the six edge operations of an NB201 cell in arch-string
// order (1<-0, 2<-0, 2<-1, 3<-0, 3<-1, 3<-2).
NasTable read_ops_tsv(const DataConfig& config) {
  std::istringstream in(read_file(config.path));
  NasTable table;
  table.source = config.path;
  table.space = CellSpace::kNasBench201;
  int line_number = 0;
  for (std::string line; std::getline(in, line);) {
    ++line_number;
    if (line.empty() || line[0] == '#') continue;
    const std::string where = "line " + std::to_string(line_number);
    std::istringstream fields(line);
    double label = 0;
    std::string ops[6];
    if (!(fields >> label >> ops[0] >> ops[1] >> ops[2] >> ops[3] >> ops[4] >> ops[5]))
      throw DataError(with_file(config.path, where + ": expected a label and six operations"));
    NasRecord record;
    record.index = static_cast<int64_t>(table.records.size());
    record.arch = "|" + ops[0] + "~0|+|" + ops[1] + "~0|" + ops[2] + "~1|+|" + ops[3] + "~0|" +
                  ops[4] + "~1|" + ops[5] + "~2|";
    try {
      record.cell = parse_nb201_arch(record.arch);
    } catch (const DataError& e) {
      throw DataError(with_file(config.path, where + ": " + e.what()));
    }
    record.train_label = record.eval_label = label * config.label_scale;
    table.records.push_back(std::move(record));
  }
  return table;
}

const DatasetInfo& toy_dataset() {
  // The one registry line.
  static const DatasetInfo& info = add_dataset({"toy_ops_tsv",
                                                InputKind::kCells,
                                                CellSpace::kNasBench201,
                                                {Protocol::kHoldout},
                                                TrainingLoss::kSquaredError,
                                                read_ops_tsv});
  return info;
}

// 400 cells of the shipped NB201 table in the toy format, validation accuracy in %.
std::string write_toy_file(const std::string& dir) {
  const CsvTable nb201 =
      CsvTable::read(testing::source_path("data/nasbench201/arch_score_acc.csv"));
  const int arch = nb201.column("cellstr"), accuracy = nb201.column("valid_top1");
  std::ostringstream out;
  out << "# valid_top1\toperations\n";
  for (size_t row = 0; row < 400; ++row) {
    out << nb201.cell(row, accuracy);
    std::string edge;
    for (const char c : nb201.cell(row, arch)) {
      if (c == '~') out << '\t' << edge;
      if (c == '|' || c == '+' || c == '~')
        edge.clear();
      else
        edge += c;
    }
    out << '\n';
  }
  const std::string path = dir + "/cells.tsv";
  std::ofstream(path) << out.str();
  return path;
}

Config toy_config(const std::string& data_path, const std::string& run_dir) {
  testing::TempFile yaml(
      "data:\n  dataset: toy_ops_tsv\n  path: " + data_path +
          "\n  protocol: holdout\n  n_train: 250\n  n_val: 50\n  n_test: 100\n"
          "  label_scale: 0.01\nmodel:\n  blocks: 2\n  hidden: 64\n  ffn_hidden: 128\n"
          "  ffn_groups: 4\ntrain:\n  epochs: 25\n  batch_size: 16\n  lr: 1.0e-3\n"
          "  grad_clip: 1.0\nrun:\n  seed: 3\n  threads: 1\n  dir: " +
          run_dir + "\n",
      ".yaml");
  return load_config(yaml.path());
}

TEST(ToyDataset, OneFileAndOneRegistryLineGiveATrainableServableFormat) {
  const DatasetInfo& toy = toy_dataset();
  EXPECT_EQ(&dataset_info("toy_ops_tsv"), &toy);
  testing::TempDir dir;
  const std::string data = write_toy_file(dir.path());
  const Config config = toy_config(data, dir.path() + "/runs");  // the schema knows the name

  // The task reads through the format's reader and trains with the loss the format declares.
  const std::unique_ptr<Task> task = make_task(config);
  EXPECT_EQ(task->training_set().loss, TrainingLoss::kSquaredError);
  EXPECT_EQ(task->training_set().labels.size(), 250u);

  // narformer trains on it and ranks held-out cells; predict serves the run.
  const TrainReport report = train_experiment(config, {});
  EXPECT_EQ(report.test.metrics.n, 100);
  EXPECT_GT(report.test.metrics.kendall_tau, 0.6);  // 0.730 seen (the linear baseline: 0.468)
  const Predictor predictor(report.run_dir);
  std::ifstream csv(report.run_dir + "/predictions.csv");
  std::string line;
  std::getline(csv, line);
  int rows = 0;
  while (std::getline(csv, line)) {
    std::vector<std::string> f;
    std::stringstream fields(line);
    for (std::string field; std::getline(fields, field, ',');) f.push_back(field);
    EXPECT_NEAR(predictor.predict_cell(f[1]), std::stod(f[3]), 1e-5) << f[1];
    ++rows;
  }
  EXPECT_EQ(rows, 100);

  // A baseline reads it too, on the same split.
  Config linear = config;
  apply_override(linear, "model.kind=linear");
  apply_override(linear, "run.name=linear");
  const TrainReport fit = train_experiment(linear, {});
  EXPECT_EQ(fit.test.metrics.n, 100);
  EXPECT_GT(fit.test.metrics.kendall_tau, 0.3);  // 0.468 seen

  // Its errors name the file and the line; a name is taken once.
  testing::TempFile broken("# header\n0.9\tnor_conv_3x3 skip_connect\n", ".tsv");
  Config bad = config;
  bad.data.path = broken.path();
  const std::string message = testing::error_message<DataError>([&] { make_task(bad); });
  EXPECT_NE(message.find(broken.path() + ": line 2: expected a label and six operations"),
            std::string::npos)
      << message;
  EXPECT_THROW(add_dataset({"toy_ops_tsv",
                            InputKind::kCells,
                            CellSpace::kNasBench201,
                            {Protocol::kHoldout},
                            TrainingLoss::kSquaredError,
                            read_ops_tsv}),
               ConfigError);
  EXPECT_THROW(add_dataset({"toy_without_protocols",
                            InputKind::kCells,
                            CellSpace::kNasBench201,
                            {},
                            TrainingLoss::kSquaredError,
                            read_ops_tsv}),
               ConfigError);
}

}  // namespace
}  // namespace narformer
