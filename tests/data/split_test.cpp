#include "narformer/data/split.h"

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

}  // namespace
}  // namespace narformer
