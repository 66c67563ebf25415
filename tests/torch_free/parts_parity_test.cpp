// Registering a readout brings this test: for every entry of readouts(), built-in or added,
// the model creates exactly the arrays the declaration lists, and the LibTorch-free pass
// gives the LibTorch numbers.
#include <gtest/gtest.h>

#include "narformer/core/error.h"
#include "narformer/model/readouts.h"
#include "parity.h"

namespace narformer {
namespace {

TEST(ReadoutRegistry, EveryReadoutKeepsItsDeclarationAndBothImplementationsAgree) {
  ASSERT_GE(readouts().size(), 4u);
  for (const ReadoutSpec* readout : readouts()) {
    SCOPED_TRACE(readout->name);
    testing::expect_readout_keeps_its_contract(*readout);
  }
}

TEST(ReadoutRegistry, NamesResolveOnceAndCheckpointsKeepTheBuiltInPositions) {
  EXPECT_EQ(&find_readout("cost"), &cost_readout());
  EXPECT_EQ(cost_readout().head, &node_cost_head());
  EXPECT_EQ(fusion_readout().head, &graph_mlp_head());
  // Checkpoints written before the registry recorded these numbers.
  EXPECT_EQ(readout_index(fusion_readout()), 0);
  EXPECT_EQ(readout_index(mean_readout()), 1);
  EXPECT_EQ(readout_index(sum_readout()), 2);
  EXPECT_EQ(readout_index(cost_readout()), 3);
  try {
    find_readout("max");
    ADD_FAILURE() << "an unknown readout resolved";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("fusion, mean, sum, cost"), std::string::npos) << e.what();
  }
  auto no_arrays = [](const ModelOptions&) { return std::vector<ParameterShape>{}; };
  EXPECT_THROW(add_readout_spec({"sum", "again", &graph_mlp_head(), no_arrays}), ConfigError);
}

}  // namespace
}  // namespace narformer
