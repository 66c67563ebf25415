#include "narformer/config/config.h"
#include "narformer/config/config_schema.h"
#include "narformer/config/datasets.h"

#include <yaml-cpp/yaml.h>

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "../test_util.h"
#include "narformer/core/error.h"

namespace narformer {
namespace {

using testing::error_message;
using testing::TempFile;

TEST(Config, EmptyFileKeepsPublishedDefaultsAndNamesRunAfterFile) {
  TempFile file("", ".yaml");
  const Config c = load_config(file.path());
  EXPECT_EQ(c.model.blocks, 6);
  EXPECT_EQ(c.model.hidden, 512);
  EXPECT_EQ(c.data.n_train, 781);
  EXPECT_DOUBLE_EQ(c.train.lr, 1e-4);
  EXPECT_EQ(c.data.tokenizer.embed, EmbedType::kNerf);
  EXPECT_EQ(c.run.name, std::filesystem::path(file.path()).stem().string());
}

TEST(Config, ReadsNestedSectionsAndOverrides) {
  TempFile file(
      "data:\n  n_train: 100\n  tokenizer: {dx: 16, dp: 0}\ntrain:\n  lr: 3.0e-4\nmodel:\n  "
      "use_degree: false\n",
      ".yaml");
  const Config c = load_config(file.path(), {"train.epochs=7", "data.tokenizer.embed=trans"});
  EXPECT_EQ(c.data.n_train, 100);
  EXPECT_EQ(c.data.tokenizer.dx, 16);
  EXPECT_EQ(c.data.tokenizer.dp, 0);
  EXPECT_DOUBLE_EQ(c.train.lr, 3e-4);
  EXPECT_FALSE(c.model.use_degree);
  EXPECT_EQ(c.train.epochs, 7);
  EXPECT_EQ(c.data.tokenizer.embed, EmbedType::kTrans);
}

TEST(Config, UnknownKeyNamesFileKeyAndSuggestion) {
  TempFile file("train:\n  epocs: 5\n", ".yaml");
  const std::string message = error_message<ConfigError>([&] { load_config(file.path()); });
  EXPECT_NE(message.find(file.path()), std::string::npos) << message;
  EXPECT_NE(message.find("unknown key 'train.epocs'"), std::string::npos) << message;
  EXPECT_NE(message.find("did you mean 'train.epochs'"), std::string::npos) << message;
}

TEST(Config, UnknownSectionIsAnError) {
  TempFile file("optimiser:\n  lr: 1\n", ".yaml");
  EXPECT_NE(
      error_message<ConfigError>([&] { load_config(file.path()); }).find("unknown key 'optimiser'"),
      std::string::npos);
}

TEST(Config, WrongTypeAndRangeNameTheKey) {
  TempFile wrong_type("train:\n  epochs: many\n", ".yaml");
  const std::string type_message =
      error_message<ConfigError>([&] { load_config(wrong_type.path()); });
  EXPECT_NE(type_message.find("train.epochs"), std::string::npos) << type_message;
  EXPECT_NE(type_message.find("expected an integer"), std::string::npos) << type_message;

  TempFile out_of_range("model:\n  dropout: 1.5\n", ".yaml");
  const std::string range_message =
      error_message<ConfigError>([&] { load_config(out_of_range.path()); });
  EXPECT_NE(range_message.find("model.dropout"), std::string::npos) << range_message;
  EXPECT_NE(range_message.find("out of range"), std::string::npos) << range_message;

  TempFile bad_choice("run:\n  device: tpu\n", ".yaml");
  EXPECT_NE(error_message<ConfigError>([&] {
              load_config(bad_choice.path());
            }).find("not one of: auto, cpu, cuda"),
            std::string::npos);

  TempFile list_value("train:\n  lr: [1, 2]\n", ".yaml");
  EXPECT_NE(error_message<ConfigError>([&] { load_config(list_value.path()); }).find("got a list"),
            std::string::npos);
}

TEST(Config, MalformedYamlNamesLine) {
  TempFile file("train:\n  epochs: 5\n lr: [\n", ".yaml");
  const std::string message = error_message<ConfigError>([&] { load_config(file.path()); });
  EXPECT_NE(message.find("malformed YAML at line"), std::string::npos) << message;
  EXPECT_NE(message.find(file.path()), std::string::npos) << message;
}

TEST(Config, MissingFile) {
  EXPECT_NE(error_message<ConfigError>([] {
              load_config("/nonexistent/x.yaml");
            }).find("config file not found"),
            std::string::npos);
}

TEST(Config, BadOverrides) {
  TempFile file("", ".yaml");
  EXPECT_NE(error_message<ConfigError>([&] {
              load_config(file.path(), {"train.epochs"});
            }).find("key.path=value"),
            std::string::npos);
  EXPECT_NE(error_message<ConfigError>([&] {
              load_config(file.path(), {"train.lrr=1"});
            }).find("did you mean 'train.lr'"),
            std::string::npos);
  EXPECT_NE(error_message<ConfigError>([&] {
              load_config(file.path(), {"train.epochs=-3"});
            }).find("out of range"),
            std::string::npos);
}

TEST(Config, CrossFieldValidation) {
  TempFile file("model:\n  hidden: 100\n  ffn_groups: 8\n", ".yaml");
  EXPECT_NE(error_message<ConfigError>([&] { load_config(file.path()); }).find("divisible"),
            std::string::npos);
  TempFile onehot("data:\n  tokenizer: {opcode: onehot, dx: 5}\n", ".yaml");
  EXPECT_NE(error_message<ConfigError>([&] { load_config(onehot.path()); }).find("at least 7"),
            std::string::npos);
  TempFile cost_cells("model:\n  readout: cost\n", ".yaml");
  EXPECT_NE(
      error_message<ConfigError>([&] { load_config(cost_cells.path()); }).find("needs ONNX graphs"),
      std::string::npos);
  TempFile cost_onnx("data:\n  dataset: nnlqp\n  protocol: stage\nmodel:\n  readout: cost\n",
                     ".yaml");
  EXPECT_EQ(load_config(cost_onnx.path()).model.readout, "cost");
  TempFile extra_cells("data:\n  extra_train: [k/gt.txt]\n", ".yaml");
  EXPECT_NE(error_message<ConfigError>([&] {
              load_config(extra_cells.path());
            }).find("data.extra_train adds latency lines"),
            std::string::npos);
}

TEST(Config, ResolvedYamlRoundTrips) {
  TempFile file("train:\n  lr: 2.5e-4\n  epochs: 3\nrun:\n  name: roundtrip\n", ".yaml");
  const Config c = load_config(file.path(), {"data.path=some dir/with: colon.csv"});
  const std::string yaml = to_yaml(c);
  TempFile resolved(yaml, ".yaml");
  const Config again = load_config(resolved.path());
  EXPECT_EQ(to_yaml(again), yaml);
  EXPECT_DOUBLE_EQ(again.train.lr, 2.5e-4);
  EXPECT_EQ(again.data.path, "some dir/with: colon.csv");
  EXPECT_EQ(again.run.name, "roundtrip");
}

// Keys with a fixed set of values become enumerations when the config is read, and are
// written back with their config spelling.
TEST(Config, ChoicesBecomeEnumerationsOnceAndReadBack) {
  TempFile file(
      "data:\n  protocol: holdout\n  tokenizer: {opcode: onehot, dx: 8, compat: reference}\n"
      "model:\n  kind: gbdt\n  prior: linear\neval:\n  selection: mape\n"
      "  selection_split: test\n",
      ".yaml");
  const std::vector<std::string> overrides = {
      "baseline.linear.sign=non_negative", "baseline.features=graph", "baseline.loss=squared",
      "baseline.rescale.statistic=mean",   "run.device=cpu",          "run.log_level=warn",
      "train.consistency=relative"};
  const Config c = load_config(file.path(), overrides);
  EXPECT_EQ(c.data.protocol, Protocol::kHoldout);
  EXPECT_EQ(c.data.tokenizer.opcode, OpCode::kOneHot);
  EXPECT_EQ(c.data.tokenizer.compat, OnnxCompat::kReference);
  EXPECT_EQ(c.model.kind, ModelKind::kGbdt);
  EXPECT_EQ(c.model.prior, Prior::kLinear);
  EXPECT_EQ(c.baseline.linear_sign, LinearSign::kNonNegative);
  EXPECT_EQ(c.baseline.features, FeaturesSetting::kGraph);
  EXPECT_EQ(c.baseline.loss, LossSetting::kSquared);
  EXPECT_EQ(c.baseline.rescale_statistic, RescaleStatistic::kMean);
  EXPECT_EQ(c.eval.selection, Selection::kMape);
  EXPECT_EQ(c.eval.selection_split, SelectionSplit::kTest);
  EXPECT_EQ(c.run.device, DeviceSetting::kCpu);
  EXPECT_EQ(c.run.log_level, LogLevel::kWarn);
  EXPECT_EQ(c.train.consistency, ConsistencyScale::kRelative);
  const std::string yaml = to_yaml(c);
  for (const char* line :
       {"protocol: holdout", "opcode: onehot", "compat: reference", "kind: gbdt", "prior: linear",
        "sign: non_negative", "features: graph", "loss: squared", "statistic: mean",
        "selection: mape", "selection_split: test", "device: cpu", "log_level: warn",
        "consistency: relative"})
    EXPECT_NE(yaml.find(line), std::string::npos) << line;
  // config.yaml read back gives the same enums.
  TempFile again(yaml, ".yaml");
  const Config back = load_config(again.path());
  EXPECT_EQ(back.data.tokenizer.opcode, OpCode::kOneHot);
  EXPECT_EQ(back.baseline.linear_sign, LinearSign::kNonNegative);
  EXPECT_EQ(back.run.log_level, LogLevel::kWarn);
  EXPECT_EQ(back.train.consistency, ConsistencyScale::kRelative);
  EXPECT_EQ(load_config(file.path(), {"data.protocol=reference"}).data.protocol,
            Protocol::kReference);
  EXPECT_EQ(to_string(Protocol::kLeaveFamilyOut), "leave_family_out");
  EXPECT_EQ(to_string(SelectionSplit::kValidation), "val");
  const std::string message =
      error_message<ConfigError>([&] { load_config(file.path(), {"eval.selection=rmse"}); });
  EXPECT_NE(message.find("key 'eval.selection': 'rmse' is not one of: kendall_tau, mape"),
            std::string::npos)
      << message;
  EXPECT_TRUE(
      load_config(file.path(), {"data.tokenizer.prune_dead=true"}).data.tokenizer.prune_dead);
  for (const char* dataset : {"nb101", "nnlqp"}) {
    const std::string prune = error_message<ConfigError>([&] {
      load_config(file.path(),
                  {"data.tokenizer.prune_dead=true", std::string("data.dataset=") + dataset,
                   "data.protocol=holdout", "model.prior=none"});
    });
    EXPECT_NE(prune.find("data.tokenizer.prune_dead is for NAS-Bench-201 cells"), std::string::npos)
        << dataset << ": " << prune;
  }
  const std::string device =
      error_message<ConfigError>([&] { load_config(file.path(), {"run.device=gpu"}); });
  EXPECT_NE(device.find("key 'run.device': 'gpu' is not one of: auto, cpu, cuda"),
            std::string::npos)
      << device;
  // Words outside a config file (CLI flags, library options) go through the same spellings.
  EXPECT_EQ(parse_device_setting("auto"), DeviceSetting::kAuto);
  EXPECT_EQ(parse_log_level("debug"), LogLevel::kDebug);
  EXPECT_THROW(parse_log_level("loud"), ConfigError);
}

}  // namespace
}  // namespace narformer

namespace narformer {
namespace {

TEST(ConfigSchema, ListsFromYamlSequencesAndCommaSeparatedOverrides) {
  std::vector<std::string> families = {"default"};
  ConfigSchema schema("mem.yaml");
  schema.add("data.families", &families);
  schema.apply(YAML::Load("data:\n  families: [resnet18, vgg16]\n"));
  EXPECT_EQ(families, (std::vector<std::string>{"resnet18", "vgg16"}));
  EXPECT_NE(schema.emit_yaml().find("families: [resnet18, vgg16]"), std::string::npos)
      << schema.emit_yaml();
  schema.apply_assignment("data.families=alexnet, googlenet");
  EXPECT_EQ(families, (std::vector<std::string>{"alexnet", "googlenet"}));
  schema.apply_assignment("data.families=[squeezenet, vgg16]");  // YAML's flow form, as in a config
  EXPECT_EQ(families, (std::vector<std::string>{"squeezenet", "vgg16"}));
  schema.apply_assignment("data.families=");
  EXPECT_TRUE(families.empty());
  EXPECT_THROW(schema.apply(YAML::Load("data:\n  families: [[a]]\n")), ConfigError);
}

}  // namespace
}  // namespace narformer

namespace narformer {
namespace {

// Every shipped config loads and validates (a typo in a config is a test failure, not a
// surprise for the user who runs it).
TEST(ConfigSchema, NumberListsForTheBaselineGrids) {
  TempFile yaml("model:\n  kind: linear\nbaseline:\n  linear:\n    ridge: [0, 1.0e-3, 0.5]\n",
                ".yaml");
  Config config = load_config(yaml.path(), {"baseline.gbdt.eta=[0.05, 0.2]"});
  EXPECT_EQ(config.baseline.linear_ridge, (std::vector<double>{0, 1e-3, 0.5}));
  EXPECT_EQ(config.baseline.gbdt_eta, (std::vector<double>{0.05, 0.2}));
  EXPECT_EQ(baseline_grid_size(config), 3);
  // The resolved config reads back the same lists.
  TempFile resolved(to_yaml(config), ".yaml");
  EXPECT_EQ(load_config(resolved.path()).baseline.linear_ridge, config.baseline.linear_ridge);
  EXPECT_NE(error_message<ConfigError>([&] {
              load_config(yaml.path(), {"baseline.linear.ridge=[0, lots]"});
            }).find("expected numbers, got 'lots'"),
            std::string::npos);
  EXPECT_NE(error_message<ConfigError>([&] {
              load_config(yaml.path(), {"baseline.linear.ridge=[-1]"});
            }).find("out of range"),
            std::string::npos);
}

TEST(Config, EveryShippedConfigLoads) {
  int count = 0;
  for (const auto& entry :
       std::filesystem::recursive_directory_iterator(testing::source_path("configs"))) {
    if (entry.path().extension() != ".yaml") continue;
    EXPECT_NO_THROW(load_config(entry.path().string())) << entry.path();
    ++count;
  }
  EXPECT_GE(count, 20);
}

TEST(Datasets, EachFormatSaysWhatItTakesAndWhichProtocols) {
  EXPECT_EQ(dataset_names(), (std::vector<std::string>{"nb201", "nb101", "nnlqp"}));
  EXPECT_FALSE(dataset_info("nb201").takes_onnx());
  EXPECT_EQ(dataset_info("nb101").space, CellSpace::kNasBench101);
  EXPECT_EQ(dataset_info("nb201").space, CellSpace::kNasBench201);
  const DatasetInfo& nnlqp = dataset_info("nnlqp");
  EXPECT_TRUE(nnlqp.takes_onnx());
  EXPECT_EQ(nnlqp.protocols, (std::vector<Protocol>{Protocol::kStage, Protocol::kLeaveFamilyOut,
                                                    Protocol::kHoldout, Protocol::kAll}));
  EXPECT_THROW(dataset_info("nb301"), ConfigError);
  // A protocol the format does not support is named with the ones it does.
  TempFile stage("data:\n  dataset: nb201\n  protocol: stage\n", ".yaml");
  EXPECT_NE(error_message<ConfigError>([&] { load_config(stage.path()); })
                .find("data.protocol 'stage' is not one of data.dataset nb201's protocols: "
                      "reference, holdout"),
            std::string::npos);
}

}  // namespace
}  // namespace narformer
