// The multilayer perceptron of Xia et al., "Characterizing DNN Models for
// Edge-Cloud Computing" (Table I: MLP, input [784], output [10], 5 layers,
// 13.9 M parameters). The paper gives only those figures; fully connected
// 784-4096-2048-1024-192-10 with ReLU in between matches them with
// 13,902,922 parameters.
#include <string>

#include "models/zoo_builders.h"

namespace seam {
namespace zoo {

const char kMlpDescription[] =
    "5-layer MLP 784-4096-2048-1024-192-10 with ReLU, from Xia et al. \"Characterizing DNN "
    "Models for Edge-Cloud Computing\" Table I (13.9 M params)";

Status BuildMlp(GraphBuilder* b) {
  b->SetProducer(kProducer);
  b->SetDescription(kMlpDescription);
  int x = b->Input("input", Shape{1, 784});
  constexpr int kWidths[] = {4096, 2048, 1024, 192, 10};
  for (int i = 0; i < 5; ++i) {
    x = b->FullyConnected("fc" + std::to_string(i + 1), x, kWidths[i]);
    if (i < 4) x = b->Relu("relu" + std::to_string(i + 1), x);
  }
  x = b->Softmax("output", x);
  return FinishModel(b, x);
}

}  // namespace zoo
}  // namespace seam
