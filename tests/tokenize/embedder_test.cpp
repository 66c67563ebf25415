#include "narformer/tokenize/embedder.h"

#include <gtest/gtest.h>

#include <cmath>
#include <numeric>

namespace narformer {
namespace {

// NumPy float32 results from method.md Appendix A; glibc sin/cos may differ by an ulp or two.
constexpr double kTolerance = 1e-6;

void expect_prefix(const std::vector<float>& actual, const std::vector<double>& expected) {
  ASSERT_GE(actual.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i)
    EXPECT_NEAR(actual[i], expected[i], kTolerance) << "index " << i;
}

TEST(Embedder, NerfFrequenciesAreLinearlySpaced) {
  const SinusoidalEmbedder nerf(EmbedType::kNerf, 32);
  EXPECT_EQ(nerf.output_size(), 64);
  expect_prefix(nerf.embed(1.0f), {-8.742278e-08, -1.0, -0.94313711, -0.33240402, 0.62700516,
                                   -0.77901512, 0.52629900, 0.85029954});
  expect_prefix(nerf.embed(2.0f), {1.748456e-07, 1.0, 0.62700516, -0.77901512, -0.97689295,
                                   0.21372913, 0.89502364, 0.44601867});
  expect_prefix(nerf.embed(7.0f), {-1.327215e-06, -1.0, 0.35880136, 0.93341392, 0.66982037,
                                   0.74252319, -0.29136312, -0.95661253});
}

TEST(Embedder, NerfHighestFrequencyAndSumsMatchFloat32Reference) {
  // Angles reach 4.7e10 rad: only an exact float32 angle pipeline reproduces these.
  const SinusoidalEmbedder nerf(EmbedType::kNerf, 32);
  const double last[8][2] = {{0, 1},
                             {-0.6864303, 0.7271956},
                             {-0.99833816, 0.057627},
                             {0.8142808, 0.58047116},
                             {-0.11506246, -0.99335825},
                             {-0.660026, 0.75124276},
                             {0.94533306, -0.3261064},
                             {-0.68046486, -0.7327807}};
  const double sums[8] = {32.0,       2.8341279,  3.2416005, 4.3087875,
                          -0.7731700, -2.8252901, 1.7635892, 2.0847147};
  for (int v = 0; v < 8; ++v) {
    const std::vector<float> e = nerf.embed(static_cast<float>(v));
    EXPECT_NEAR(e[62], last[v][0], kTolerance) << "v = " << v;
    EXPECT_NEAR(e[63], last[v][1], kTolerance) << "v = " << v;
    const double sum = std::accumulate(e.begin(), e.end(), 0.0);
    EXPECT_NEAR(sum, sums[v], 1e-5) << "v = " << v;
  }
}

TEST(Embedder, TransMatchesReference) {
  const SinusoidalEmbedder trans(EmbedType::kTrans, 5);
  expect_prefix(trans.embed(0.0f), {0, 1, 0, 1, 0, 1, 0, 1, 0, 1});
  expect_prefix(trans.embed(1.0f),
                {0.84147102, 0.54030228, 0.15782663, 0.98746681, 0.025116224, 0.99968451,
                 0.0039810608, 0.99999207, 0.00063095731, 0.99999982});
  expect_prefix(trans.embed(224.0f), {-0.811621, -0.5841843, -0.8099617, -0.5864828, -0.6103951,
                                      0.7920971, 0.7781783, 0.6280434, 0.1408644, 0.9900289});
  expect_prefix(trans.embed(1.8186f), {0.9694535, -0.2452754, 0.2842544, 0.9587489, 0.0456653,
                                       0.9989568, 0.0072399, 0.9999738, 0.0011475, 0.9999993});
}

TEST(Embedder, VectorInputIsFrequencyMajor) {
  const SinusoidalEmbedder trans(EmbedType::kTrans, 5);
  const float perm[8] = {0, 2, 3, 1, 0, 0, 0, 0};
  std::vector<float> out(80);
  trans.embed_vector(perm, 8, out.data());
  expect_prefix(out, {0, 0.9092974, 0.14112, 0.841471, 0, 0, 0, 0, 1, -0.4161468, -0.9899925,
                      0.5403023, 1, 1, 1, 1});
  // Block 2 (second frequency): sin(0.158489319 · perm)
  EXPECT_NEAR(out[17], std::sin(0.158489319f * 2.0f), kTolerance);
}

}  // namespace
}  // namespace narformer
