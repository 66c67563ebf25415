// Uses the installed library: cells, tokens, the model, Kendall's tau, and (given a run
// folder) the Predictor and the LitePredictor. Prints what it computed; exits non-zero on any
// mismatch.
#include <cmath>
#include <cstdio>

#include <narformer/narformer.h>

int main(int argc, char** argv) {
  const narformer::Cell cell = narformer::parse_nb201_arch(
      "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_1x1~1|none~2|");
  const narformer::CellTokenizer tokenizer{narformer::CellTokenizerOptions{}};
  const narformer::TokenSequence tokens = tokenizer.tokenize(narformer::to_graph(cell));
  double total = 0;
  for (float v : tokens.features) total += v;
  std::printf("tokens %d x %d, sum %.6f\n", tokens.num_nodes, tokens.feature_dim, total);
  if (std::fabs(total - 86.425605) > 1e-4) return 1;  // method.md Appendix A

  torch::manual_seed(0);
  narformer::NarFormerModel model(narformer::ModelOptions{});
  std::printf("model parameters %lld\n", static_cast<long long>(model->parameter_count()));
  if (model->parameter_count() != 8582535) return 2;

  const double tau = narformer::kendall_tau({1, 2, 3, 4, 5}, {3, 1, 2, 5, 4});
  std::printf("kendall tau %.3f\n", tau);
  if (std::fabs(tau - 0.4) > 1e-12) return 3;

  if (argc > 1) {  // a run folder of an NB201 model
    const narformer::Predictor predictor(argv[1]);
    const double accuracy =
        predictor.predict(std::make_shared<const narformer::TokenSequence>(tokens));
    std::printf("predicted accuracy %.4f\n", accuracy);
    if (!(accuracy > 0 && accuracy < 2)) return 4;
#ifdef NARFORMER_WITH_LITE
    // The same run without LibTorch (best.weights, written by training).
    const narformer::LitePredictor lite(argv[1]);
    const double lite_accuracy =
        lite.predict(std::make_shared<const narformer::TokenSequence>(tokens));
    std::printf("predicted accuracy without LibTorch %.4f\n", lite_accuracy);
    if (std::fabs(lite_accuracy - accuracy) > 1e-5 * accuracy) return 5;
#endif
  }
  std::printf("consumer ok\n");
  return 0;
}
