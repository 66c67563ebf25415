#include "narformer/data/split.h"

#include "narformer/data/latency_split.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "narformer/config/config.h"
#include "narformer/core/error.h"

namespace narformer {
namespace {

TEST(Split, ReferenceProtocolIsFileOrderAndTestsEverything) {
  DataConfig c;  // reference, 781 + 200
  const Split s = make_split(15625, c, 0);
  ASSERT_EQ(s.train.size(), 781u);
  ASSERT_EQ(s.val.size(), 200u);
  ASSERT_EQ(s.test.size(), 15625u);
  EXPECT_EQ(s.train.front(), 0);
  EXPECT_EQ(s.train.back(), 780);
  EXPECT_EQ(s.val.front(), 781);
  EXPECT_EQ(s.val.back(), 980);
  EXPECT_EQ(s.test.back(), 15624);
}

TEST(Split, HoldoutIsSeededAndDisjoint) {
  DataConfig c;
  c.protocol = Protocol::kHoldout;
  c.n_train = 100;
  c.n_val = 50;
  const Split a = make_split(1000, c, 7), b = make_split(1000, c, 7),
              other = make_split(1000, c, 8);
  EXPECT_EQ(a.train, b.train);
  EXPECT_EQ(a.test, b.test);
  EXPECT_NE(a.train, other.train);
  EXPECT_EQ(a.test.size(), 850u);
  std::set<int64_t> all(a.train.begin(), a.train.end());
  all.insert(a.val.begin(), a.val.end());
  all.insert(a.test.begin(), a.test.end());
  EXPECT_EQ(all.size(), 1000u);  // disjoint and complete
  c.n_test = 300;
  EXPECT_EQ(make_split(1000, c, 7).test.size(), 300u);
}

TEST(Split, TooFewItemsIsAnError) {
  DataConfig c;
  c.n_train = 900;
  c.n_val = 200;
  EXPECT_THROW(make_split(1000, c, 0), DataError);
  c.protocol = Protocol::kHoldout;
  c.n_train = 800;
  EXPECT_THROW(make_split(1000, c, 0), DataError);  // nothing left for test
}

/// 40 latency lines of two families, every fourth one marked test.
std::vector<LatencyRecord> latency_lines() {
  std::vector<LatencyRecord> lines(40);
  for (int i = 0; i < 40; ++i) {
    lines[i].family = i < 30 ? "resnet" : "vgg";
    lines[i].stage = i % 4 == 0 ? "test" : "train";
    lines[i].line = i + 1;
  }
  return lines;
}

TEST(LatencySplit, StageAndLeaveFamilyOutKeepTheirTestLinesOutOfTraining) {
  DataConfig c;
  c.protocol = Protocol::kStage;
  c.val_fraction = 0.1;
  const Split stage = make_latency_split(latency_lines(), c, 0);
  EXPECT_EQ(stage.test.size(), 10u);
  EXPECT_EQ(stage.val.size(), 3u);  // 10 % of the 30 training lines
  EXPECT_EQ(stage.train.size(), 27u);
  for (int64_t i : stage.train) EXPECT_NE(i % 4, 0);

  c.protocol = Protocol::kLeaveFamilyOut;
  c.test_family = "vgg";
  const Split family = make_latency_split(latency_lines(), c, 0);
  EXPECT_EQ(family.test.size(), 10u);
  EXPECT_EQ(family.test.front(), 30);
  for (int64_t i : family.train) EXPECT_LT(i, 30);
  c.test_family = "alexnet";
  EXPECT_THROW(make_latency_split(latency_lines(), c, 0), DataError);
}

TEST(LatencySplit, AllTrainsOnEveryLineAndReportsOnASeededSubsetOfThem) {
  DataConfig c;
  c.protocol = Protocol::kAll;
  c.val_fraction = 0.25;
  const Split a = make_latency_split(latency_lines(), c, 3);
  ASSERT_EQ(a.train.size(), 40u);  // the test-marked lines and the validation lines train too
  EXPECT_EQ(a.val.size(), 10u);
  EXPECT_EQ(a.test, a.val);  // in-sample figures, said so in latency_split.h
  EXPECT_EQ(make_latency_split(latency_lines(), c, 3).val, a.val);
  EXPECT_NE(make_latency_split(latency_lines(), c, 4).val, a.val);
}

}  // namespace
}  // namespace narformer
