// AlexNet (Krizhevsky, Sutskever & Hinton 2012) as released in Caffe's
// models/bvlc_alexnet/deploy.prototxt: 227x227 input, LRN after conv1 and
// conv2 (before pooling, unlike CaffeNet), and the two-GPU split kept as
// group=2 in conv2, conv4 and conv5. The grouping is what brings the count
// to 60,965,224; an ungrouped AlexNet would have ~62.4 M.
#include "models/zoo_builders.h"

namespace seam {
namespace zoo {

const char kAlexNetDescription[] =
    "AlexNet (Krizhevsky et al. 2012), Caffe bvlc_alexnet deploy.prototxt: 227x227, LRN "
    "(5, 1e-4, 0.75, 1) after conv1/conv2, 2-group conv2/conv4/conv5, fc6-fc8";

Status BuildAlexNet(GraphBuilder* b) {
  b->SetProducer(kProducer);
  b->SetDescription(kAlexNetDescription);
  // Caffe rounds pooling output sizes up; at 227x227 floor gives the same
  // sizes (55 -> 27 -> 13 -> 6), but ceil mode states the source's rule.
  constexpr bool kCaffeCeil = true;
  int x = b->Input("input", Shape{1, 3, 227, 227});
  x = b->Conv("conv1", x, 96, 11, 4);  // -> 96x55x55
  x = b->Relu("relu1", x);
  x = b->LRN("norm1", x, 5, 1e-4f, 0.75f, 1.0f);
  x = b->MaxPool("pool1", x, 3, 2, 0, kCaffeCeil);  // -> 27x27
  x = b->Conv("conv2", x, 256, 5, 1, 2, 2);
  x = b->Relu("relu2", x);
  x = b->LRN("norm2", x, 5, 1e-4f, 0.75f, 1.0f);
  x = b->MaxPool("pool2", x, 3, 2, 0, kCaffeCeil);  // -> 13x13
  x = b->Conv("conv3", x, 384, 3, 1, 1);
  x = b->Relu("relu3", x);
  x = b->Conv("conv4", x, 384, 3, 1, 1, 2);
  x = b->Relu("relu4", x);
  x = b->Conv("conv5", x, 256, 3, 1, 1, 2);
  x = b->Relu("relu5", x);
  x = b->MaxPool("pool5", x, 3, 2, 0, kCaffeCeil);  // -> 6x6
  // Caffe's InnerProduct flattens implicitly; here that is an explicit node.
  x = b->Flatten("flatten", x);  // -> 9216
  x = b->FullyConnected("fc6", x, 4096);
  x = b->Relu("relu6", x);
  x = b->FullyConnected("fc7", x, 4096);  // dropout is the identity at inference
  x = b->Relu("relu7", x);
  x = b->FullyConnected("fc8", x, 1000);
  x = b->Softmax("output", x);  // Caffe's "prob"
  return FinishModel(b, x);
}

}  // namespace zoo
}  // namespace seam
