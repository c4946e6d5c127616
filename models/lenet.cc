// LeNet-5 (LeCun et al. 1998, "Gradient-based learning applied to document
// recognition") in its common modern form, the network of the PyTorch
// "Neural Networks" tutorial: 1x32x32 input, ReLU and 2x2 max pooling in place
// of the original tanh and trainable subsampling, and a full C3 connection
// table. Those substitutions keep the 61,706 parameters of the
// conv6-conv16-fc120-fc84-fc10 stack while matching what frameworks ship.
#include "models/zoo_builders.h"

namespace seam {
namespace zoo {

const char kLeNet5Description[] =
    "LeNet-5 (LeCun et al. 1998) on 1x32x32 as in the PyTorch tutorial: conv6 5x5, pool, conv16 "
    "5x5, pool, fc120, fc84, fc10, ReLU + max pooling";

Status BuildLeNet5(GraphBuilder* b) {
  b->SetProducer(kProducer);
  b->SetDescription(kLeNet5Description);
  int x = b->Input("input", Shape{1, 1, 32, 32});
  x = b->Conv("conv1", x, 6, 5);  // -> 6x28x28
  x = b->Relu("relu1", x);
  x = b->MaxPool("pool1", x, 2, 2);  // -> 6x14x14
  x = b->Conv("conv2", x, 16, 5);    // -> 16x10x10
  x = b->Relu("relu2", x);
  x = b->MaxPool("pool2", x, 2, 2);  // -> 16x5x5
  x = b->Flatten("flatten", x);      // -> 400
  x = b->FullyConnected("fc1", x, 120);
  x = b->Relu("relu3", x);
  x = b->FullyConnected("fc2", x, 84);
  x = b->Relu("relu4", x);
  x = b->FullyConnected("fc3", x, 10);
  x = b->Softmax("output", x);
  return FinishModel(b, x);
}

}  // namespace zoo
}  // namespace seam
